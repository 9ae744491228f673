#!/usr/bin/env bash
# sip_calls.sh — SIP call figures of hotlined on loopback (release build),
# driven by sipp (bench/sipp/*.xml). Every call goes extension -> trunk: the
# caller is extension 7001 (digest MD5, answering the 407), it dials
# 5550000, an outbound route sends that to a peer trunk pointing at a sipp
# UAS (the "carrier", loopback) which answers. hotlined anchors the media of
# both legs (2 endpoints x RTP+RTCP per call).
#   (a) call rate: the UAC at increasing rates, RATE_SECS s each, CALL_MS ms
#       calls, each step on a fresh daemon; the highest rate with < 0.1 %
#       failed calls, hotlined's CPU and RSS at each rate; then one step at
#       that rate with LONG_MS (10 s) calls.
#   (b) concurrent calls with RTP both ways: N calls held HOLD_SECS s, the
#       caller streaming G.711 u-law 20 ms (rtp_stream), the carrier echoing
#       it (sipp -rtp_echo), so hotlined relays 50 pkt/s each way per call;
#       hotlined's CPU (from /proc/PID/stat over the middle of the hold) and
#       RSS, per call, on MEDIA_THREADS (1) media thread(s).
#   (a2) drift: DRIFT calls/s for DRIFT_SECS s, three times on one daemon:
#       hotlined's CPU per call and RSS should not grow from step to step.
# Environment: RATES="100 200 300 400 500" RATE_SECS=8 CALL_MS=1000
# LONG_MS=10000 DRIFT=150 (empty: skip) DRIFT_SECS=6 DRIFT_GAP=0 (idle s between)
#   (c) concurrent calls walking a 5-node IVR menu flow (start -> welcome
#       prompt -> menu -> key 1 -> anchor -> a long prompt): the caller
#       streams RTP, presses 1 after 2 s (SIP INFO) and holds; hotlined
#       plays prompts to every call; CPU over the middle of the hold, and
#       the flow's anchor count (the calls that took the menu's key).
# CONCURRENT="250 500 1000 1500" HOLD_SECS=17 MEDIA_THREADS=1
# IVR_CONCURRENT="250 500 1000" (empty: skip)
#   (d) calls per second through IVR -> queue -> agent: the UAC dials a flow
#       whose start goes to a queue of ACD_AGENTS agents (longest idle, each
#       taking up to ACD_MAX_CALLS calls at once), whose phones are one sipp
#       UAS registered as every agent's extension; ACD_CALL_MS ms calls at
#       increasing rates, each step on a fresh daemon; the calls the queue log
#       shows answered by an agent, hotlined's CPU.
# ACD_RATES="50 100 150" (empty: skip) ACD_AGENTS=300 ACD_MAX_CALLS=1 ACD_CALL_MS=1500
# KEEP=1 keeps the work directory (sipp logs, hotlined log).
# Needs build/hotlined (make build/hotlined) and sipp (Debian: sip-tester).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RATES=${RATES-100 200 300 400 500}
RATE_SECS=${RATE_SECS:-8}
CALL_MS=${CALL_MS:-1000}
LONG_MS=${LONG_MS:-10000}
CONCURRENT=${CONCURRENT-250 500 1000 1500}
HOLD_SECS=${HOLD_SECS:-17}
IVR_CONCURRENT=${IVR_CONCURRENT-250 500 1000}
DRIFT=${DRIFT-150}
ACD_RATES=${ACD_RATES-50 100 150}
ACD_AGENTS=${ACD_AGENTS:-300}
ACD_MAX_CALLS=${ACD_MAX_CALLS:-1}
ACD_CALL_MS=${ACD_CALL_MS:-1500}
DRIFT_SECS=${DRIFT_SECS:-6}
MEDIA_THREADS=${MEDIA_THREADS:-1}
PY=/usr/bin/python3
BIN=${HOTLINE_BIN:-$ROOT/build/hotlined}
[ -x "$BIN" ] || { echo "sip_calls: build/hotlined missing (make build/hotlined)"; exit 1; }
command -v sipp >/dev/null || { echo "sip_calls: sipp missing (apt-get install sip-tester)"; exit 1; }
# 10 s calls at 500/s are 5,000 calls: 20,000 RTP/RTCP sockets in hotlined.
ulimit -Hn 1048576 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

free_port() { $PY -c 'import socket
while True:
    t=socket.socket(); t.bind(("127.0.0.1",0)); p=t.getsockname()[1]
    u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
    try: u.bind(("127.0.0.1",p)); print(p); break
    except OSError: pass'; }
WORK=$(mktemp -d /tmp/hotline-sipbench.XXXXXX)
PID=""; UAS=""
cleanup() {
  [ -z "$UAS" ] || { kill "$UAS" 2>/dev/null; wait "$UAS" 2>/dev/null; } || true
  [ -z "$PID" ] || { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; } || true
  if [ -n "${KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Ports: hotlined's RTP range 10000-29999 (5,000 calls); the UAC's media
# -mp "$UAC_MEDIA" (sipp's auto ports 30000-39999); the carrier echoes RTP on one
# port for every call.
HTTP=$(free_port); SIP=$(free_port); UAS_PORT=$(free_port); UAC_PORT=$(free_port)
# media ports of sipp (p and p+2, audio and "video"): free ones, not sipp's
# default 6000 which other sipp instances on the machine may hold
free_pair() { $PY -c 'import socket,sys
for p in range(int(sys.argv[1]), int(sys.argv[1]) + 4000, 4):
    try:
        ss=[socket.socket(socket.AF_INET,socket.SOCK_DGRAM) for _ in (0,1)]
        ss[0].bind(("127.0.0.1",p)); ss[1].bind(("127.0.0.1",p+2)); print(p); break
    except OSError: pass' "$1"; }
ECHO_PORT=$(free_pair 6100)   # the carrier echoes every call's RTP on this one port
UAC_MEDIA=$(free_pair 30000)  # the caller streams every call from this one port
EXT_PW=bench-Ext-pw-1
NDAEMON=0
api() { curl -fsS -XPOST "http://127.0.0.1:$HTTP$1" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer ${TOKEN:-}" -d "$2"; }
start_daemon() {  # a fresh hotlined (new data directory): extension 7001, trunk, route
  local pw=bench-$RANDOM$RANDOM trunk
  NDAEMON=$((NDAEMON + 1)); TOKEN=""
  HOTLINE_ADMIN_PASSWORD=$pw "$BIN" --data "$WORK/data-$NDAEMON" --http 127.0.0.1:$HTTP \
    --sip 127.0.0.1:$SIP --rtp-ports ${RTP_PORTS:-10000-29999} --media-threads "$MEDIA_THREADS" \
    --log-level ${HOTLINE_LOG_LEVEL:-warn} >>"$WORK/hotlined.out" 2>>"$WORK/hotlined.err" &
  PID=$!
  for _ in $(seq 100); do curl -fs http://127.0.0.1:$HTTP/api/v1/health >/dev/null 2>&1 && break; sleep 0.1; done
  TOKEN=$(api /api/v1/auth/login "{\"tenant\":\"demo\",\"username\":\"admin\",\"password\":\"$pw\"}" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  api /api/v1/extensions "{\"number\":\"7001\",\"password\":\"$EXT_PW\",\"auth_algorithms\":[\"MD5\"]}" >/dev/null
  trunk=$(api /api/v1/trunks "{\"name\":\"carrier\",\"type\":\"peer\",\"host\":\"127.0.0.1\",\"port\":$UAS_PORT,\"transport\":\"udp\",\"peer_cidrs\":[\"127.0.0.1/32\"]}" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  api /api/v1/outbound-routes "{\"name\":\"carrier\",\"patterns\":[\"555XXXX\"],\"trunk_ids\":[\"$trunk\"]}" >/dev/null
  sleep 1   # the SIP directory reloads after writes
}
stop_daemon() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; }
start_daemon
cp bench/sipp/*.xml "$WORK/"
cd "$WORK"
head -c 16000 /dev/zero | tr '\000' '\377' > ulaw.raw   # 2 s of u-law silence

SIPP_COMMON=(-i 127.0.0.1 -mi 127.0.0.1 -nostdin -key domain demo -max_socket 65000)
start_uas() {  # extra args
  sipp "${SIPP_COMMON[@]}" -sf uas.xml -p "$UAS_PORT" -mp "$ECHO_PORT" \
    -bg ${UAS_ARGS:-} "$@" 127.0.0.1:$SIP >uas.log 2>&1 || true   # -bg exits 99 once forked
  UAS=$(grep -o 'PID=\[[0-9]*' uas.log | tr -dc 0-9)
  [ -n "$UAS" ] || { echo "sip_calls: sipp UAS did not start"; tail -3 uas.log; exit 1; }
}
stop_uas() { kill "$UAS" 2>/dev/null || true; while kill -0 "$UAS" 2>/dev/null; do sleep 0.1; done; UAS=""; }

cpu_ticks() { awk '{print $14+$15}' /proc/$PID/stat; }
rss_kib() { awk '/VmRSS/ {print $2}' /proc/$PID/status; }
sipp_ticks() { local t=0 p; for p in $UAS ${SP:-}; do t=$((t + $(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0))); done; echo $t; }
HZ=$(getconf CLK_TCK)
child_ticks() {  # user+system time of this shell's finished children (the UAC), in ticks;
  # `times` runs in the calling shell, the parsing in the command substitution
  tail -1 "$WORK/times" | $PY -c "import sys,re; v=[float(m)*60+float(s) for m,s in re.findall(r'(\d+)m([\d.]+)s', sys.stdin.read())]; print(int(sum(v)*$HZ))"; }
stat_of() {  # screen-log, counter name: the cumulative value
  { grep -E "^ *$2 " "$1" 2>/dev/null || true; } | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}'
}
live_calls() { curl -fs "http://127.0.0.1:$HTTP/api/v1/calls/live?limit=1" -H "Authorization: Bearer $TOKEN" |
  $PY -c 'import json,sys; print(json.load(sys.stdin)["total"])' 2>/dev/null || echo "?"; }
settle() {  # until hotlined is idle (< 3 % of a core over 1 s) and holds no call, at most 40 s
  local i a b
  for i in $(seq 40); do
    a=$(cpu_ticks); sleep 1; b=$(cpu_ticks)
    [ $(( (b - a) * 100 )) -lt $(( 3 * HZ )) ] && [ "$(live_calls)" = 0 ] && return 0
  done
  echo "   (hotlined still busy or holding $(live_calls) calls after 40 s)"
}
alive() { kill -0 "$PID" 2>/dev/null || { echo "sip_calls: hotlined died"; tail -20 "$WORK/hotlined.err"; exit 1; }; }

# rate_step rate calls call-ms tag: prints one row, returns 0 if < 0.1 % failed
rate_step() {
  local r=$1 n=$2 ms=$3 tag=$4 c0 t0 s0 c1 t1 s1 ok ko pct cpu scpu
  times >"$WORK/times"; c0=$(cpu_ticks); s0=$(( $(sipp_ticks) + $(child_ticks) )); t0=$(date +%s.%N)
  sipp "${SIPP_COMMON[@]}" -sf uac.xml -p "$UAC_PORT" -mp "$UAC_MEDIA" -r "$r" -m "$n" -d "$ms" \
    -au 7001 -ap "$EXT_PW" -s 7001 -key callee 5550000 -timeout $((n / r + ms / 1000 + 20))s \
    -trace_screen -screen_file "rate-$tag.screen" -trace_err -error_file "rate-$tag.err" \
    127.0.0.1:$SIP >"rate-$tag.log" 2>&1 || true
  times >"$WORK/times"; c1=$(cpu_ticks); s1=$(( $(sipp_ticks) + $(child_ticks) )); t1=$(date +%s.%N)
  alive
  ok=$(stat_of "rate-$tag.screen" "Successful call"); ok=${ok:-0}
  read -r pct cpu cms scpu < <($PY -c "
w=$t1-$t0
print('%.2f'%(100*($n-$ok)/$n), '%.0f%%'%(100*($c1-$c0)/$HZ/w), '%.2f'%(1000*($c1-$c0)/$HZ/$n), '%.0f%%'%(100*($s1-$s0)/$HZ/w))")
  printf '%8s %8s %8s %8s %8s %13s %9s %10s %9s\n' "$r" "$((ms / 1000))" "$ok" "$((n - ok))" "$pct" "$cpu" "$cms" "$(( $(rss_kib) / 1024 ))" "$scpu"
  [ $(( (n - ok) * 1000 )) -lt "$n" ]
}

echo "hotlined $("$BIN" --version | cut -d' ' -f2), $(nproc) cores, sipp $(sipp -v 2>/dev/null | grep -o 'v[0-9.]*' | head -1), loopback UDP, release build, --media-threads $MEDIA_THREADS"
echo
echo "(a) call rate, extension -> outbound route -> peer trunk (sipp UAS), ${RATE_SECS} s per step"
echo "    INVITE, 407, ACK, INVITE+digest, 100, [B-leg INVITE, 180, 200, ACK], 200, ACK, hold, BYE both legs"
printf '%8s %8s %8s %8s %8s %13s %9s %10s %9s\n' "cps" "hold s" "ok" "failed" "fail %" "hotlined CPU" "ms/call" "RSS MiB" "sipp CPU"
start_uas
best=0
for r in $RATES; do   # each step on a fresh daemon (see the drift check below)
  [ "$r" = "${RATES%% *}" ] || { stop_daemon; start_daemon; }
  if rate_step "$r" $((r * RATE_SECS)) "$CALL_MS" "$r"; then best=$r; else break; fi
done
if [ "$best" -gt 0 ] && [ "$LONG_MS" -gt 0 ]; then
  stop_daemon; start_daemon
  rate_step "$best" $((best * RATE_SECS)) "$LONG_MS" "long-$best" && long=ok || long=failed
else long=skipped; fi
echo "highest rate with < 0.1 % failed calls: ${best} calls/s ($((CALL_MS / 1000)) s calls); at ${best} calls/s with $((LONG_MS / 1000)) s calls: ${long}"
echo "(CPU: user+system time over the step's wall time incl. the calls' tail, 100% = one core;"
echo " ms/call: hotlined CPU time per call; sipp: UAC + carrier together)"
if [ -n "$DRIFT" ]; then
  echo
  echo "(a2) drift: ${DRIFT} calls/s, ${DRIFT_SECS} s, ${CALL_MS} ms calls, repeated on one daemon (idle between steps)"
  stop_daemon; start_daemon
  for i in 1 2 3; do rate_step "$DRIFT" $((DRIFT * DRIFT_SECS)) "$CALL_MS" "drift-$i" || true; settle; sleep "${DRIFT_GAP:-0}"; done
  echo "hotlined after (a2): $(live_calls) calls up, RSS $(( $(rss_kib) / 1024 )) MiB"
fi
stop_uas; stop_daemon; start_daemon   # (b) on a fresh daemon


echo
echo "(b) concurrent calls, RTP both ways (G.711 u-law 20 ms; caller rtp_stream, carrier rtp_echo), held ${HOLD_SECS} s"
printf '%8s %8s %13s %10s %9s %13s %9s %10s\n' "calls" "ok" "hotlined CPU" "CPU/call" "RSS MiB" "RSS/call KiB" "sipp CPU" "UDP pkt/s"
start_uas -rtp_echo
for n in $CONCURRENT; do
  rss0=$(rss_kib)
  rate=$(( n / 3 > 100 ? n / 3 : 100 )); rate=$(( rate > 300 ? 300 : rate ))
  sipp "${SIPP_COMMON[@]}" -sf uac_rtp.xml -p "$UAC_PORT" -r "$rate" -m "$n" -l "$n" \
    -d $((HOLD_SECS * 1000)) -mp "$UAC_MEDIA" \
    -au 7001 -ap "$EXT_PW" -s 7001 -key callee 5550000 -timeout $((HOLD_SECS + 60))s \
    -trace_screen -screen_file "conc-$n.screen" -trace_err -error_file "conc-$n.err" \
    127.0.0.1:$SIP >"conc-$n.log" 2>&1 &
  SP=$!
  setup=$(( n / rate + 2 ))
  sleep "$setup"   # every call is up; measure the middle of the hold
  win=$(( HOLD_SECS - setup - 2 > 3 ? HOLD_SECS - setup - 2 : 3 ))
  c0=$(cpu_ticks); s0=$(sipp_ticks); t0=$(date +%s.%N)
  p0=$(awk '/Udp:/ {getline; print $5}' /proc/net/snmp)
  sleep "$win"
  c1=$(cpu_ticks); s1=$(sipp_ticks); t1=$(date +%s.%N); rss1=$(rss_kib)
  p1=$(awk '/Udp:/ {getline; print $5}' /proc/net/snmp)
  wait "$SP" || true
  alive
  ok=$(stat_of "conc-$n.screen" "Successful call"); ok=${ok:-0}
  settle
  $PY -c "
w=$t1-$t0; cpu=100*($c1-$c0)/$HZ/w; n=$n
print('%8d %8s %12.1f%% %9.3f%% %9d %13.1f %8.0f%% %10.0f' % (n, '$ok', cpu, cpu/n, $rss1//1024,
      ($rss1-$rss0)/n, 100*($s1-$s0)/$HZ/w, ($p1-$p0)/w))"
done
echo "(CPU over the middle of the hold; 'UDP pkt/s': datagrams sent on the machine by every process,"
echo " 200 per call when all flows run: caller->hotlined->carrier->hotlined->caller at 50/s each;"
echo " RSS/call: growth over the idle daemon)"
stop_uas; settle
if [ -n "$IVR_CONCURRENT" ]; then
  echo
  echo "(c) concurrent calls in a 5-node IVR menu flow (prompts played by hotlined, key 1 by SIP INFO), held ${HOLD_SECS} s"
  stop_daemon; start_daemon
  cp "$ROOT/bench/ivr_flow.json" "$WORK/"
  flow=$(api /api/v1/ivr-flows '{"name":"bench menu","number":"4000"}')
  fid=$(echo "$flow" | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  vid=$(echo "$flow" | $PY -c 'import json,sys; print(json.load(sys.stdin)["draft_version_id"])')
  curl -fsS -XPATCH "http://127.0.0.1:$HTTP/api/v1/ivr-versions/$vid" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $TOKEN" -d "{\"graph\": $(cat "$WORK/ivr_flow.json")}" >/dev/null
  api "/api/v1/ivr-versions/$vid/publish" '{}' >/dev/null
  sleep 1
  printf '%8s %8s %13s %10s %9s %13s %10s\n' "calls" "ok" "hotlined CPU" "CPU/call" "RSS MiB" "RSS/call KiB" "took key 1"
  for n in $IVR_CONCURRENT; do
    rss0=$(rss_kib)
    rate=$(( n / 3 > 100 ? n / 3 : 100 )); rate=$(( rate > 300 ? 300 : rate ))
    sipp "${SIPP_COMMON[@]}" -sf uac_ivr.xml -p "$UAC_PORT" -r "$rate" -m "$n" -l "$n" \
      -d $((HOLD_SECS * 1000)) -mp "$UAC_MEDIA" \
      -au 7001 -ap "$EXT_PW" -s 7001 -key callee 4000 -timeout $((HOLD_SECS + 60))s \
      -trace_screen -screen_file "ivr-$n.screen" -trace_err -error_file "ivr-$n.err" \
      127.0.0.1:$SIP >"ivr-$n.log" 2>&1 &
    SP=$!
    setup=$(( n / rate + 3 ))
    sleep "$setup"
    win=$(( HOLD_SECS - setup - 1 > 3 ? HOLD_SECS - setup - 1 : 3 ))
    c0=$(cpu_ticks); t0=$(date +%s.%N)
    sleep "$win"
    c1=$(cpu_ticks); t1=$(date +%s.%N); rss1=$(rss_kib)
    wait "$SP" || true
    alive
    ok=$(stat_of "ivr-$n.screen" "Successful call"); ok=${ok:-0}
    settle
    took=$(curl -fs "http://127.0.0.1:$HTTP/api/v1/ivr-flows/$fid/report" -H "Authorization: Bearer $TOKEN" |
      $PY -c 'import json,sys; print(sum(a["count"] for a in json.load(sys.stdin)["anchors"]))')
    $PY -c "
w=$t1-$t0; cpu=100*($c1-$c0)/$HZ/w; n=$n
print('%8d %8s %12.1f%% %9.3f%% %9d %13.1f %10s' % (n, '$ok', cpu, cpu/n, $rss1//1024, ($rss1-$rss0)/n, '$took'))"
  done
  echo "('took key 1': the flow's anchor count so far, over all steps: the calls whose key reached the menu)"
fi
acd_setup() {  # agents on one registered sipp UAS, a queue, a flow 4100 -> queue
  local i ext agents="" qid flow vid
  AGENT_PORT=$(free_port)
  for i in $(seq "$ACD_AGENTS"); do
    ext=$((8100 + i))
    api /api/v1/extensions "{\"number\":\"$ext\",\"password\":\"$EXT_PW\",\"auth_algorithms\":[\"MD5\"]}" |
      $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])' >"ext-$i.id"
  done
  sleep 1
  for i in $(seq "$ACD_AGENTS"); do
    ext=$((8100 + i))
    sipp "${SIPP_COMMON[@]}" -sf register.xml -p "$AGENT_PORT" -m 1 -au "$ext" -ap "$EXT_PW" \
      -s "$ext" -timeout 10s 127.0.0.1:$SIP >"reg-$ext.log" 2>&1 || { echo "acd: register $ext failed"; return 1; }
    id=$(api /api/v1/agents "{\"agent_no\":\"$((500 + i))\",\"name\":\"bench $i\",\"extension_id\":\"$(cat "ext-$i.id")\",\"max_calls\":$ACD_MAX_CALLS,\"wrap_up_s\":0}" |
      $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    agents="$agents${agents:+,}{\"agent_id\":\"$id\"}"
    echo "$id" >>agents.ids
  done
  qid=$(api /api/v1/queues "{\"name\":\"bench\",\"strategy\":\"longest_idle\",\"retry_delay_s\":0,\"ring_timeout_s\":10,\"max_wait_s\":60,\"members\":[$agents]}" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  flow=$(api /api/v1/ivr-flows '{"name":"bench queue","number":"4100"}')
  vid=$(echo "$flow" | $PY -c 'import json,sys; print(json.load(sys.stdin)["draft_version_id"])')
  curl -fsS -XPATCH "http://127.0.0.1:$HTTP/api/v1/ivr-versions/$vid" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $TOKEN" -d "{\"graph\": {\"nodes\": [
      {\"id\": \"start\", \"type\": \"start\", \"exits\": {\"next\": \"q\"}},
      {\"id\": \"q\", \"type\": \"queue\", \"params\": {\"queue_id\": \"$qid\"},
       \"exits\": {\"no_agent\": null, \"full\": null, \"timeout\": null}}]}}" >/dev/null
  api "/api/v1/ivr-versions/$vid/publish" '{}' >/dev/null
  while read -r id; do api "/api/v1/agents/$id/login" '{}' >/dev/null; done <agents.ids
  rm -f agents.ids
  sleep 1
  sipp "${SIPP_COMMON[@]}" -sf uas.xml -p "$AGENT_PORT" -aa -bg 127.0.0.1:$SIP >agents.log 2>&1 || true
  UAS=$(grep -o 'PID=\[[0-9]*' agents.log | tr -dc 0-9)
}
if [ -n "$ACD_RATES" ]; then
  echo
  echo "(d) calls/s through IVR -> queue -> agent: flow start -> queue node, $ACD_AGENTS agents (longest idle, up to $ACD_MAX_CALLS calls each, one sipp UAS as every agent's phone), $((ACD_CALL_MS / 1000)) s calls, ${RATE_SECS} s per step"
  printf '%8s %8s %8s %8s %13s %9s %10s\n' "cps" "ok" "failed" "fail %" "hotlined CPU" "ms/call" "by agent"
  for r in $ACD_RATES; do
    stop_daemon; start_daemon
    acd_setup || break
    n=$((r * RATE_SECS)); c0=$(cpu_ticks); t0=$(date +%s.%N)
    sipp "${SIPP_COMMON[@]}" -sf uac.xml -p "$UAC_PORT" -mp "$UAC_MEDIA" -r "$r" -m "$n" -d "$ACD_CALL_MS" \
      -au 7001 -ap "$EXT_PW" -s 7001 -key callee 4100 -timeout $((n / r + ACD_CALL_MS / 1000 + 30))s \
      -trace_screen -screen_file "acd-$r.screen" 127.0.0.1:$SIP >"acd-$r.log" 2>&1 || true
    c1=$(cpu_ticks); t1=$(date +%s.%N)
    alive; settle; stop_uas
    ok=$(stat_of "acd-$r.screen" "Successful call"); ok=${ok:-0}
    took=$(curl -fs "http://127.0.0.1:$HTTP/api/v1/queue-calls?outcome=answered&page_size=1" \
      -H "Authorization: Bearer $TOKEN" | $PY -c 'import json,sys; print(json.load(sys.stdin)["total"])')
    $PY -c "
w=$t1-$t0; n=$n; ok=$ok
print('%8d %8d %8d %8.2f %12.0f%% %9.2f %10s' % ($r, ok, n-ok, 100*(n-ok)/n, 100*($c1-$c0)/$HZ/w, 1000*($c1-$c0)/$HZ/n, '$took'))"
    [ $(( (n - ok) * 1000 )) -lt "$n" ] || break
  done
  echo "(by agent: queue log rows answered by an agent; ms/call: hotlined CPU time per call, 100% = one core)"
fi
echo "hotlined at the end: $(live_calls) calls up, RSS $(( $(rss_kib) / 1024 )) MiB"
if grep -qiE 'error|assert|fatal' "$WORK/hotlined.err"; then
  echo "hotlined stderr ($(grep -ciE 'error|assert|fatal' "$WORK/hotlined.err") error lines), last:"; grep -iE 'error|assert|fatal' "$WORK/hotlined.err" | tail -5
fi
