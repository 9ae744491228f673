#!/usr/bin/env bash
# sip_calls.sh — SIP call figures of hotlined on loopback (release build),
# driven by sipp (bench/sipp/*.xml): extension-to-extension calls through
# the B2BUA, the caller authenticating with digest MD5.
#   (a) call rate: sipp UAC at increasing rates, ~RATE_SECS s each, short
#       calls; the highest rate with < 0.1 % failed calls, hotlined's CPU
#       and RSS at each rate.
#   (b) concurrent calls with RTP both ways: N calls held ~HOLD_SECS s, the
#       caller streaming G.711 (20 ms) with rtp_stream, the callee echoing
#       it (sipp -rtp_echo); hotlined's CPU and RSS per call.
# Environment: RATES="50 100 200 400 500" RATE_SECS=10 CONCURRENT="200 500 1000"
# HOLD_SECS=20. Needs build/hotlined (make build/hotlined) and sipp.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RATES=${RATES:-50 100 200 400 500}
RATE_SECS=${RATE_SECS:-10}
CONCURRENT=${CONCURRENT:-200 500 1000}
HOLD_SECS=${HOLD_SECS:-20}
CALL_MS=${CALL_MS:-500}
PY=/usr/bin/python3
BIN=$ROOT/build/hotlined
[ -x "$BIN" ] || { echo "sip_calls: build/hotlined missing (make build/hotlined)"; exit 1; }
command -v sipp >/dev/null || { echo "sip_calls: sipp missing (apt-get install sip-tester)"; exit 1; }
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
  [ -n "$UAS" ] && kill "$UAS" 2>/dev/null && wait "$UAS" 2>/dev/null
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  [ -n "${KEEP:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

HTTP=$(free_port); SIP=$(free_port); UAS_PORT=$(free_port); UAC_PORT=$(free_port)
PW=bench-$RANDOM$RANDOM
HOTLINE_ADMIN_PASSWORD=$PW "$BIN" --data "$WORK/data" --http 127.0.0.1:$HTTP \
  --sip 127.0.0.1:$SIP --rtp-ports ${RTP_PORTS:-30000-49999} --log-level ${HOTLINE_LOG_LEVEL:-warn} \
  >"$WORK/hotlined.out" 2>"$WORK/hotlined.err" &
PID=$!
for _ in $(seq 100); do curl -fs http://127.0.0.1:$HTTP/api/v1/health >/dev/null 2>&1 && break; sleep 0.1; done
api() { curl -fs -XPOST "http://127.0.0.1:$HTTP$1" -H 'Content-Type: application/json' "${@:3}" -d "$2"; }
TOKEN=$(api /api/v1/auth/login "{\"tenant\":\"demo\",\"username\":\"admin\",\"password\":\"$PW\"}" |
  $PY -c 'import json,sys; print(json.load(sys.stdin)["token"])')
EXT_PW=bench-Ext-pw-1
for n in 7001 7002; do
  api /api/v1/extensions "{\"number\":\"$n\",\"password\":\"$EXT_PW\",\"auth_algorithms\":[\"MD5\"]}" -H "Authorization: Bearer $TOKEN" >/dev/null
done
cp bench/sipp/*.xml "$WORK/"
cd "$WORK"
head -c 16000 /dev/zero | tr '\000' '\377' > ulaw.raw   # 2 s of u-law silence

SIPP_COMMON=(-i 127.0.0.1 -mi 127.0.0.1 -nostdin -key domain demo -max_socket 65000)
# The callee registers from UAS_PORT, then answers there.
sipp "${SIPP_COMMON[@]}" -sf register.xml -p "$UAS_PORT" -m 1 -au 7002 -ap "$EXT_PW" -s 7002 \
  -timeout 10s -trace_err -error_file register.err 127.0.0.1:$SIP >register.log 2>&1 || { echo "sip_calls: the callee could not register"; cat register.err; tail -3 "$WORK/hotlined.err"; exit 1; }
start_uas() {  # extra args
  sipp "${SIPP_COMMON[@]}" -sf uas.xml -p "$UAS_PORT" -mp 28000 \
    -bg "$@" 127.0.0.1:$SIP >uas.log 2>&1 || true   # -bg exits 99 once forked
  UAS=$(grep -o 'PID=\[[0-9]*' uas.log | tr -dc 0-9)
  [ -n "$UAS" ] || { echo "sip_calls: sipp UAS did not start"; tail -3 uas.log; exit 1; }
}

cpu_ticks() { awk '{print $14+$15}' /proc/$PID/stat; }
rss_kib() { awk '/VmRSS/ {print $2}' /proc/$PID/status; }
HZ=$(getconf CLK_TCK)
stat_of() {  # screen-log, counter name: the cumulative value
  { grep -E "^ *$2 " "$1" 2>/dev/null || true; } | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}'
}

echo "hotlined $("$BIN" --version | cut -d' ' -f2), $(nproc) cores, sipp $(sipp -v 2>/dev/null | grep -o 'v[0-9.]*' | head -1), loopback UDP, release build"
echo
echo "(a) call rate, ${RATE_SECS} s per step, ${CALL_MS} ms calls, INVITE+digest+200+ACK+BYE"
printf '%8s %9s %9s %8s %12s %10s\n' "cps" "calls" "failed" "fail %" "hotlined CPU" "RSS MiB"
start_uas
best=0
for r in $RATES; do
  n=$((r * RATE_SECS))
  c0=$(cpu_ticks); t0=$(date +%s.%N)
  sipp "${SIPP_COMMON[@]}" -sf uac.xml -p "$UAC_PORT" -r "$r" -m "$n" -d "$CALL_MS" \
    -au 7001 -ap "$EXT_PW" -s 7001 -key callee 7002 -timeout $((RATE_SECS + 20))s \
    -trace_screen -screen_file "rate-$r.screen" 127.0.0.1:$SIP >"rate-$r.log" 2>&1 || true
  c1=$(cpu_ticks); t1=$(date +%s.%N)
  ok=$(stat_of "rate-$r.screen" "Successful call"); ko=$(stat_of "rate-$r.screen" "Failed call")
  ok=${ok:-0}; ko=${ko:-$n}
  read -r pct cpu < <($PY -c "print('%.2f'%(100*($ko+($n-$ok-$ko))/$n), '%.0f%%'%(100*($c1-$c0)/$HZ/($t1-$t0)))")
  printf '%8s %9s %9s %8s %12s %10s\n' "$r" "$ok" "$((n - ok))" "$pct" "$cpu" "$(( $(rss_kib) / 1024 ))"
  if $PY -c "import sys; sys.exit(0 if ($n-$ok)*1000 < $n else 1)"; then best=$r; else break; fi
  sleep 1
done
echo "highest rate with < 0.1 % failed calls: ${best} calls/s"
kill "$UAS" 2>/dev/null; wait "$UAS" 2>/dev/null || true; UAS=""; sleep 1

echo
echo "(b) concurrent calls, RTP both ways (G.711 u-law 20 ms; caller rtp_stream, callee rtp_echo), held ${HOLD_SECS} s"
printf '%8s %9s %14s %14s %12s %14s\n' "calls" "up" "hotlined CPU" "CPU/call" "RSS MiB" "RSS/call KiB"
start_uas -rtp_echo
for n in $CONCURRENT; do
  rss0=$(rss_kib)
  rate=$(( n / 4 > 50 ? n / 4 : 50 ))
  sipp "${SIPP_COMMON[@]}" -sf uac_rtp.xml -p "$UAC_PORT" -r "$rate" -m "$n" -l "$n" \
    -d $((HOLD_SECS * 1000)) -mp 12000 \
    -au 7001 -ap "$EXT_PW" -s 7001 -key callee 7002 -timeout $((HOLD_SECS + 60))s \
    -trace_screen -screen_file "conc-$n.screen" 127.0.0.1:$SIP >"conc-$n.log" 2>&1 &
  SP=$!
  # measure the middle of the hold, when every call is up
  sleep $(( n / rate + 3 ))
  up=$(curl -fs "http://127.0.0.1:$HTTP/api/v1/health" >/dev/null && grep -c . /dev/null || true)
  c0=$(cpu_ticks); t0=$(date +%s.%N)
  sleep $(( HOLD_SECS - n / rate - 5 > 3 ? HOLD_SECS - n / rate - 5 : 3 ))
  c1=$(cpu_ticks); t1=$(date +%s.%N); rss1=$(rss_kib)
  wait "$SP" || true
  ok=$(stat_of "conc-$n.screen" "Successful call"); ok=${ok:-0}
  $PY -c "
cpu=100*($c1-$c0)/$HZ/($t1-$t0); n=$n
print('%8d %9s %13.0f%% %13.3f%% %12d %14.1f' % (n, '$ok', cpu, cpu/n, $rss1//1024, ($rss1-$rss0)/n))"
  sleep 2
done
echo "(CPU: hotlined's user+system time over wall time, 100% = one core; 'up': calls that ended successfully)"
if grep -qiE 'error|assert' "$WORK/hotlined.err"; then echo "hotlined stderr:"; tail -5 "$WORK/hotlined.err"; fi
