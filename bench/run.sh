#!/usr/bin/env bash
# make bench — performance figures of hotlined on this machine.
# Prints the figures; docs/performance.md records them with the date.
#   1. HTTP API throughput and latency (wrk, loopback, release build)
#   2. SIP calls through the B2BUA, extension -> trunk, driven by sipp:
#      call rate, concurrent calls with RTP both ways, and concurrent calls
#      walking a 5-node IVR menu flow (bench/sip_calls.sh)
#   3. the media engine alone, 1,000 relayed calls (bench/rtp_relay.sh)
#   4. ACD routing decisions alone, 10,000 agents in 1,000 queues, every
#      strategy (bench/acd_route.sh)
# About 5 minutes. SKIP_SIP=1 / SKIP_RTP=1 / SKIP_ACD=1 leave parts out.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "bench: installing wrk"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; }
PY=/usr/bin/python3
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATA=$(mktemp -d /tmp/hotline-bench.XXXXXX)
PW=bench-$RANDOM$RANDOM
HOTLINE_ADMIN_PASSWORD=$PW build/hotlined --data "$DATA" --http 127.0.0.1:$PORT --log-level warn >/dev/null &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
echo "== 1. HTTP API" 
for _ in $(seq 100); do curl -fs http://127.0.0.1:$PORT/api/v1/health >/dev/null && break; sleep 0.1; done
TOKEN=$(curl -fs -XPOST http://127.0.0.1:$PORT/api/v1/auth/login -H 'Content-Type: application/json' \
  -d "{\"tenant\":\"demo\",\"username\":\"admin\",\"password\":\"$PW\"}" | $PY -c 'import json,sys; print(json.load(sys.stdin)["token"])')

run() {  # name, extra wrk args...
  local name=$1; shift
  local out
  out=$(wrk -t2 -c32 -d10s --latency "$@")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  printf '%-40s %10s req/s   p50 %8s   p99 %8s\n' "$name" "$rps" "$p50" "$p99"
}

echo "hotlined $(build/hotlined --version | cut -d' ' -f2), $(nproc) cores, wrk 2 threads x 32 connections, 10 s each"
run "GET /api/v1/health (reader + SELECT 1)" http://127.0.0.1:$PORT/api/v1/health
run "GET /api/v1/users (session auth + list)" -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$PORT/api/v1/users
run "GET / (console, from memory)" http://127.0.0.1:$PORT/
echo "resident memory after the runs: $(( $(awk '{print $2}' /proc/$PID/statm) * $(getconf PAGESIZE) / 1024 )) KiB"
kill $PID 2>/dev/null; wait $PID 2>/dev/null || true

if [ -z "${SKIP_SIP:-}" ]; then
  command -v sipp >/dev/null || { echo "bench: installing sipp"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sip-tester >/dev/null 2>&1; }
  echo; echo "== 2. SIP calls (sipp)"
  bench/sip_calls.sh
fi
if [ -z "${SKIP_RTP:-}" ]; then
  echo; echo "== 3. media engine alone (in-process load, 1,000 calls, one media thread)"
  bench/rtp_relay.sh 1000 10
fi
if [ -z "${SKIP_ACD:-}" ]; then
  echo; echo "== 4. ACD routing decisions (in-process, 10,000 agents in 1,000 queues)"
  bench/acd_route.sh 10000 1000 200000
fi
