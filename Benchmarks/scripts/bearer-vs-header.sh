#!/bin/bash
# What verifying a bearer token costs: server CPU per GET by id on the loaded SQLite catalogue, with
# X-Principal-Id (header mode) and with an ES256 and an RS256 token (bearer mode, key set from a file),
# the three servers run in turn, `rounds` times, each measured by cpu-per-request.sh at 8 clients.
#
#   scripts/bearer-vs-header.sh [rounds] [seconds]
# Needs `cora-bench load --store sqlite` first and a release build at the root. The tokens are minted
# with PyJWT (PyPI) in a virtual environment under the system temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} seconds=${2:-10}
cora=../.build/release/cora
venv="${TMPDIR:-/tmp}/cora-bench-pyjwt-2.10.1"
if ! "$venv/bin/python" -c 'import jwt, cryptography' 2>/dev/null; then
    rm -rf "$venv"; python3 -m venv "$venv"; "$venv/bin/pip" install --quiet --disable-pip-version-check "pyjwt[crypto]==2.10.1"
fi
work=$(mktemp -d)
trap 'pkill -f "cora serve" 2>/dev/null || true; rm -rf "$work"' EXIT
"$venv/bin/python" - "$work" <<'PY'
import json, sys, time
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
work = sys.argv[1]
keys = {"ec-1": ("ES256", ec.generate_private_key(ec.SECP256R1()), ECAlgorithm),
        "rsa-1": ("RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048), RSAAlgorithm)}
jwks = []
for kid, (alg, key, algorithm) in keys.items():
    jwk = json.loads(algorithm.to_jwk(key.public_key()))
    jwk.update({"kid": kid, "alg": alg, "use": "sig"})
    jwks.append(jwk)
    now = int(time.time())
    claims = {"iss": "https://idp.bench.invalid/realms/facility", "aud": "cora-data", "sub": "b0000000-0000-4000-8000-000000000001",
              "iat": now, "nbf": now, "exp": now + 3600}
    open(f"{work}/{alg}.token", "w").write(jwt.encode(claims, key, algorithm=alg, headers={"kid": kid}))
json.dump({"keys": jwks}, open(f"{work}/jwks.json", "w"))
PY
serve() {
    CORA_DATABASE_URL=sqlite:.data/sqlite/cora.sqlite3 CORA_PORT=8093 "$@" "$cora" serve > "$work/serve.log" 2>&1 &
    for _ in $(seq 1 100); do curl -sf http://127.0.0.1:8093/healthz > /dev/null && return; sleep 0.1; done
    echo "cora serve did not start: $(cat "$work/serve.log")" >&2; exit 1
}
bearer=(env CORA_AUTH_MODE=bearer CORA_OIDC_ISSUER=https://idp.bench.invalid/realms/facility CORA_OIDC_AUDIENCE=cora-data CORA_OIDC_JWKS="$work/jwks.json")
for round in $(seq 1 "$rounds"); do
    for mode in header ES256 RS256; do
        if [ "$mode" = header ]; then serve env; unset CORA_BENCH_TOKEN; else serve "${bearer[@]}"; export CORA_BENCH_TOKEN=$(cat "$work/$mode.token"); fi
        status=$(curl -s -o /dev/null -w '%{http_code}' ${CORA_BENCH_TOKEN:+-H "Authorization: Bearer $CORA_BENCH_TOKEN"} \
            -H "X-Principal-Id: b0000000-0000-4000-8000-000000000001" "http://127.0.0.1:8093$(head -1 .data/sqlite/fixtures/get.txt)")
        [ "$status" = 200 ] || { echo "$mode: GET answered $status" >&2; exit 1; }
        # In bearer mode the header alone must not do: proof the server really verifies tokens.
        if [ "$mode" != header ]; then
            anonymous=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Principal-Id: b0000000-0000-4000-8000-000000000001" http://127.0.0.1:8093/datasets)
            [ "$anonymous" = 401 ] || { echo "$mode: the server is not in bearer mode (a header-only GET answered $anonymous)" >&2; exit 1; }
        fi
        echo "round $round $mode: $(scripts/cpu-per-request.sh urls.lua 8 "$seconds" .data/sqlite/fixtures/get.txt)"
        pkill -f "cora serve"; sleep 1
    done
done
