#!/usr/bin/env bash
# Load run on loopback (make load): starts a private stack and a bare echo
# server, then measures with ghz
#   1. GetParticipant served from the cache vs the echo baseline (same run),
#   2. acknowledged CreateParticipant -> event handled by a durable consumer
#      in another process, at 200 writes/s.
# Everything stays on 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=$ROOT/.tmp/bin
mkdir -p "$BIN" bin
export PATH=$BIN:$PATH
[ -x "$BIN/ghz" ] || GOBIN=$BIN go install github.com/bojand/ghz/cmd/ghz@v0.93.0
[ -x "$BIN/grpcurl" ] || GOBIN=$BIN go install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4
go build -o bin/stack ./services/stack

DATA=$(mktemp -d)
export MP_DATA_DIR=$DATA MP_NATS_PORT=14222 PARTICIPANTS_ADDR=127.0.0.1:17001 VOLUNTEERS_ADDR=127.0.0.1:17002 LOG_LEVEL=WARN
REQUESTS=${REQUESTS:-50000}
CONC=${CONC:-32}
bin/stack >"$DATA/stack.log" 2>&1 &
STACK=$!
bin/stack echo -addr 127.0.0.1:17099 >"$DATA/echo.log" 2>&1 &
ECHO=$!
trap 'kill $STACK $ECHO 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do grep -q "is up" "$DATA/stack.log" && break; sleep 0.1; done
grep "is up" "$DATA/stack.log"

bin/stack seed -participants 20 -volunteers 5 >/dev/null
TOKEN=$(bin/stack token -ttl 30m)
ID=$(grpcurl -plaintext -H "authorization: Bearer $TOKEN" -d '{"page_size": 1}' $PARTICIPANTS_ADDR \
  motesplats.participants.v1.ParticipantService/ListParticipants | python3 -c 'import json,sys; print(json.load(sys.stdin)["participants"][0]["id"])')

cat >"$DATA/summary.py" <<'PY'
import json, sys
r = json.load(sys.stdin); name = sys.argv[1]
lat = {d["percentage"]: d["latency"] / 1e6 for d in r.get("latencyDistribution") or []}
errs = sum(v for k, v in (r.get("statusCodeDistribution") or {}).items() if k != "OK")
print(f"{name}: {r['rps']:.0f} req/s  p50={lat.get(50, 0):.2f}ms p99={lat.get(99, 0):.2f}ms errors={errs}")
open(sys.argv[2], "w").write(str(r["rps"]))
PY
run_ghz() { # name call data metadata address
  ghz --insecure --cpus "${GHZ_CPUS:-$(nproc)}" --format json -c "$CONC" -n "$REQUESTS" --call "$2" -d "$3" ${4:+-m "$4"} "$5" \
    | python3 "$DATA/summary.py" "$1" "$DATA/$1.rps"
}
echo "== cached Get vs bare echo (ghz on ${GHZ_CPUS:-$(nproc)} CPUs, $REQUESTS requests, $CONC concurrent, 3 alternating rounds) =="
for round in 1 2 3; do
  run_ghz echo$round motesplats.bench.v1.EchoService/Echo '{"payload": ""}' "" 127.0.0.1:17099
  run_ghz get$round motesplats.participants.v1.ParticipantService/GetParticipant "{\"id\": \"$ID\"}" \
    "{\"authorization\": \"Bearer $TOKEN\"}" $PARTICIPANTS_ADDR
done
python3 - "$DATA" <<'PY'
import statistics, sys
d = sys.argv[1]
rps = lambda n: statistics.median(float(open(f"{d}/{n}{i}.rps").read()) for i in (1, 2, 3))
e, g = rps("echo"), rps("get")
print(f"median: echo {e:.0f} req/s, cached Get {g:.0f} req/s: Get/echo = {g/e:.0%} (target >= 60%)")
PY

echo "== acknowledged create -> event handled by another process's consumer =="
bin/stack latency -rate "${RATE:-200}" -duration "${DURATION:-10s}" -nats nats://127.0.0.1:14222
