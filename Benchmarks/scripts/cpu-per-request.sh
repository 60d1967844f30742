#!/bin/bash
# CPU spent per request by the server, by PostgreSQL's processes and by wrk during one wrk run against a
# `cora serve` already listening on 127.0.0.1:8093, with the machine's context switches per request and the
# run's p50/p99 — the figures used to compare two builds or settings when requests/s alone is too noisy on
# a shared machine (scripts/alternate.sh runs it for several builds in turn).
#
#   scripts/cpu-per-request.sh <wrk script> <clients> [seconds] [urls file]
#   scripts/cpu-per-request.sh register.lua 32
#   scripts/cpu-per-request.sh urls.lua 8 10 .data/postgres/fixtures/get.txt
set -euo pipefail
cd "$(dirname "$0")/.."
script=$1 clients=$2 seconds=${3:-10}
export CORA_BENCH_LUA=$PWD/wrk CORA_BENCH_THREADS=1 CORA_BENCH_PRINCIPAL=b0000000-0000-4000-8000-000000000001
[ $# -ge 4 ] && export CORA_BENCH_URLS=$(realpath "$4")
ticks() { for pid in $(pgrep -f "$1" || true); do awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || true; done | awk '{s += $1} END {print s + 0}'; }
hz=$(getconf CLK_TCK)
switches() { awk '/^ctxt/ {print $2}' /proc/stat; }
server0=$(ticks 'cora[^ ]* serve'); postgres0=$(ticks "postgres"); switches0=$(switches)
wrk -t1 -c"$clients" -d"${seconds}s" -s "wrk/$script" http://127.0.0.1:8093 > /tmp/cora-cpu-wrk.out &
wrk_pid=$!
sleep "$(awk -v s="$seconds" 'BEGIN {print s - 0.3}')"
wrk_ticks=$(awk '{print $14 + $15}' "/proc/$wrk_pid/stat")
wait $wrk_pid
server1=$(ticks 'cora[^ ]* serve'); postgres1=$(ticks "postgres"); switches1=$(switches)
requests=$(awk '/requests in/ {print $1}' /tmp/cora-cpu-wrk.out)
# The scripts' summary line: {"requests":…,"p50_us":…,"p99_us":…}
p50=$(grep -o '"p50_us":[0-9]*' /tmp/cora-cpu-wrk.out | cut -d: -f2); p99=$(grep -o '"p99_us":[0-9]*' /tmp/cora-cpu-wrk.out | cut -d: -f2)
awk -v r="$requests" -v s=$((server1 - server0)) -v p=$((postgres1 - postgres0)) -v w="$wrk_ticks" -v hz="$hz" -v t="$seconds" \
    -v c=$((switches1 - switches0)) -v p50="${p50:-0}" -v p99="${p99:-0}" 'BEGIN {
  printf "%.0f req/s; CPU ms per request: server %.3f, postgres %.3f, wrk %.3f; context switches per request %.1f; p50 %.2f ms, p99 %.2f ms\n",
    r / t, 1000 * s / hz / r, 1000 * p / hz / r, 1000 * w / hz / r, c / r, p50 / 1000, p99 / 1000 }'
