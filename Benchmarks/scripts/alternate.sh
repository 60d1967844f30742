#!/bin/bash
# One wrk scenario through several `cora serve` variants in turn, round after round, each run measured by
# cpu-per-request.sh: on a shared machine alternating is what separates a change from the machine's swings.
# A variant is a cora binary, optionally with the benchmark cluster's database to serve: BINARY[,DATABASE].
#
#   scripts/alternate.sh <wrk script> <clients> <rounds> <urls file|-> <variant>...
#   scripts/alternate.sh register.lua 8 3 - /tmp/cora-before ../.build/release/cora
#   scripts/alternate.sh urls.lua 8 3 .data/postgres/fixtures/list-cal.txt ../.build/release/cora,copy1m ../.build/release/cora,cora
set -euo pipefail
cd "$(dirname "$0")/.."
script=$1 clients=$2 rounds=$3 urls=$4; shift 4
for round in $(seq "$rounds"); do
    for variant in "$@"; do
        binary=${variant%%,*} database=cora
        [[ $variant == *,* ]] && database=${variant#*,}
        CORA_PORT=8093 CORA_HOST=127.0.0.1 CORA_DATABASE_URL="postgres://postgres@127.0.0.1:55433/$database?sslmode=disable" \
            "$binary" serve > /tmp/alternate-serve.log 2>&1 &
        pid=$!
        for _ in $(seq 100); do curl -sf http://127.0.0.1:8093/readyz > /dev/null && break; sleep 0.2; done
        if [ "$urls" = - ]; then line=$(bash scripts/cpu-per-request.sh "$script" "$clients" 10)
        else line=$(bash scripts/cpu-per-request.sh "$script" "$clients" 10 "$urls"); fi
        echo "round $round, $variant, $clients clients: $line"
        kill "$pid"; wait "$pid" 2>/dev/null || true
    done
done
