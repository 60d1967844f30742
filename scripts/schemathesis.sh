#!/usr/bin/env bash
# Runs schemathesis (PyPI) with every check against a `cora serve` it starts on a fresh SQLite file, and
# exits non-zero on any failure. Usage: scripts/schemathesis.sh [extra schemathesis options]
# GET /events/stream is left out: a valid request is an event stream that never ends (the process tests
# drive it with a real client). The server binary is `.build/debug/cora` (built by `swift build` or `swift test`), or $CORA_BINARY.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="${CORA_BINARY:-$root/.build/debug/cora}"
version="4.32.5"
venv="${TMPDIR:-/tmp}/cora-schemathesis-venv-$version"
if ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi
work="$(mktemp -d)"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CORA_DATABASE_URL="sqlite:$work/cora.sqlite3" CORA_PORT="$port" CORA_LOG_LEVEL=warning "$binary" serve >"$work/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
cd "$root/scripts/schemathesis"
SCHEMATHESIS_HOOKS=hooks PYTHONPATH=. "$venv/bin/schemathesis" --config-file schemathesis.toml run "http://127.0.0.1:$port/openapi.json" \
    --checks all --exclude-path /events/stream \
    --suppress-health-check filter_too_much --max-examples "${SCHEMATHESIS_EXAMPLES:-50}" --seed "${SCHEMATHESIS_SEED:-1}" "$@"
