#!/bin/bash
# Register through the service, three ways in turn, on the loaded PostgreSQL catalogue, with CPU per request:
#   A  an older build of cora (its path as the first argument, e.g. a release build of 1bd8c64),
#   B  this build with a NOTIFY put back into cora_commit (once per commit that appends),
#   C  this build as it is.
# Usage: scripts/compare-register.sh <old cora binary> <clients>...   (port 8093; the benchmark cluster running)
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1; shift
db="postgres://postgres@127.0.0.1:55433/cora?sslmode=disable"
current=$(psql "$db" -Atc "SELECT pg_get_functiondef('cora_commit'::regproc)")
notifying=${current//"PERFORM pg_current_xact_id();"/"PERFORM pg_current_xact_id(); PERFORM pg_notify('cora_events', '');"}
define() { psql "$db" -q -c "$1"; }
run() { # binary clients label
    CORA_PORT=8093 CORA_HOST=127.0.0.1 CORA_LOG_LEVEL=warning CORA_DATABASE_URL="$db" "$1" serve > /tmp/compare-register-serve.log 2>&1 &
    local pid=$!
    sleep 3
    echo "$3 c=$2: $(CORA_BENCH_PRINCIPAL=b0000000-0000-4000-8000-000000000001 bash scripts/cpu-per-request.sh register.lua "$2" 10 2>&1 | tail -1)"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}
trap 'define "$current"' EXIT
for clients in "$@"; do
    define "$notifying"; run "$old" "$clients" "A older build"
    run ../.build/release/cora "$clients" "B with NOTIFY"
    define "$current"; run ../.build/release/cora "$clients" "C this build"
done
