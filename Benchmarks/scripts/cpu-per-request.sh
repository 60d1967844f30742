#!/bin/bash
# CPU spent per request by the server, by PostgreSQL's processes and by wrk during one wrk run against a
# `cora serve` already listening on 127.0.0.1:8093 — the figure used to compare two builds or settings
# when requests/s alone is too noisy on a shared machine (see BENCHMARKS.md, "A/B comparisons").
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
server0=$(ticks 'cora[^ ]* serve'); postgres0=$(ticks "postgres")
wrk -t1 -c"$clients" -d"${seconds}s" -s "wrk/$script" http://127.0.0.1:8093 > /tmp/cora-cpu-wrk.out &
wrk_pid=$!
sleep "$(awk -v s="$seconds" 'BEGIN {print s - 0.3}')"
wrk_ticks=$(awk '{print $14 + $15}' "/proc/$wrk_pid/stat")
wait $wrk_pid
server1=$(ticks 'cora[^ ]* serve'); postgres1=$(ticks "postgres")
requests=$(awk '/requests in/ {print $1}' /tmp/cora-cpu-wrk.out)
awk -v r="$requests" -v s=$((server1 - server0)) -v p=$((postgres1 - postgres0)) -v w="$wrk_ticks" -v hz="$hz" -v t="$seconds" 'BEGIN {
  printf "%.0f req/s; CPU ms per request: server %.3f, postgres %.3f, wrk %.3f\n", r / t, 1000 * s / hz / r, 1000 * p / hz / r, 1000 * w / hz / r }'
