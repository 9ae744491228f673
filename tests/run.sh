#!/usr/bin/env bash
# Runs every test suite — C unit tests (ASan/UBSan), end-to-end tests against
# a running hotlined on SQLite and PostgreSQL, browser tests in Chromium —
# and ends with one line: "N passed, N failed" (", N skipped" if any).
# Each suite writes JUnit XML under build/test-results/.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
RES=$ROOT/build/test-results
PY=/usr/bin/python3          # Debian's python, which has pytest
rm -rf "$RES"; mkdir -p "$RES"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

WORK=$(mktemp -d /tmp/hotline-test.XXXXXX)
chmod 755 "$WORK"            # the postgres user must reach its cluster
cleanup() {
  [ -f "$WORK/browser-daemon.pid" ] && kill "$(cat "$WORK/browser-daemon.pid")" 2>/dev/null
  scripts/pgcluster.sh stop "$WORK/pg" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== PostgreSQL: starting a throwaway cluster on loopback"
if PG_URI=$(scripts/pgcluster.sh start "$WORK/pg" "$(free_port)"); then
  export HOTLINE_TEST_PG="$PG_URI"
else
  echo "!! could not start PostgreSQL: the PostgreSQL tests will fail"
  echo '<testsuite name="postgres"><testcase name="cluster starts"><failure message="pgcluster.sh start failed"/></testcase></testsuite>' > "$RES/postgres-start.xml"
fi

echo "== C unit tests"
for t in build/asan/unit_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  CMOCKA_MESSAGE_OUTPUT=xml CMOCKA_XML_FILE="$RES/$name-%g.xml" "$t" >"$RES/$name.log" 2>&1
  rc=$?
  cat "$RES/$name.log" | grep -v '^<' | tail -n 5
  if [ $rc -ne 0 ] && ! ls "$RES/$name"-*.xml >/dev/null 2>&1; then
    echo "<testsuite name=\"$name\"><testcase name=\"$name\"><failure message=\"exit $rc\"/></testcase></testsuite>" > "$RES/$name-crash.xml"
  fi
done

# The browser suite: one daemon of its own (SIP, and SIP over secure WebSocket for
# the browser phones), node --test in Chromium; its output goes to browser.log.
browser_suite() {
  local port sip_port wss_port admin_pw pid rc
  port=$(free_port)
  sip_port=$(free_port)        # the IVR test places a call (baresip) to the daemon
  wss_port=$(free_port)        # browser phones (JsSIP) register over secure WebSocket
  admin_pw="browser-$RANDOM$RANDOM"
  HOTLINE_ADMIN_PASSWORD="$admin_pw" HOTLINE_OPERATOR_PASSWORD="operator-$RANDOM$RANDOM" \
    build/asan/hotlined --data "$WORK/browser-data" --http "127.0.0.1:$port" --sip "127.0.0.1:$sip_port" \
    --sip-wss "127.0.0.1:$wss_port" >"$RES/browser-daemon.out" 2>"$RES/browser-daemon.err" &
  pid=$!
  echo "$pid" >"$WORK/browser-daemon.pid"
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break
    sleep 0.2
  done
  HOTLINE_URL="http://127.0.0.1:$port" HOTLINE_ADMIN_PASSWORD="$admin_pw" HOTLINE_SIP="127.0.0.1:$sip_port" \
    HOTLINE_SIP_WS="wss://127.0.0.1:$wss_port" node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=junit --test-reporter-destination="$RES/browser.xml" \
    tests/browser/ >"$RES/browser.log" 2>&1
  kill "$pid" 2>/dev/null; wait "$pid"; rc=$?
  rm -f "$WORK/browser-daemon.pid"
  if [ $rc -ne 0 ] || grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$RES/browser-daemon.err"; then
    echo "!! the browser suite's daemon exited $rc or reported a sanitizer error" >>"$RES/browser.log"
    grep -A20 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$RES/browser-daemon.err" | head -40 >>"$RES/browser.log"
    echo '<testsuite name="browser-daemon"><testcase name="daemon exits cleanly"><failure message="see browser-daemon.err"/></testcase></testsuite>' > "$RES/browser-daemon.xml"
  fi
}

echo "== end-to-end tests (pytest, real hotlined, SQLite and PostgreSQL side by side)"
echo "== browser tests (Playwright + Debian chromium), at the same time"
# Two pytest runs at once, one per backend, and the browser suite beside them: most
# tests wait on calls and timers (the machine's CPU is mostly idle meanwhile), so the
# two cores have room, and the suite stays well under its budget.
for be in sqlite postgres; do
  HOTLINE_E2E_BACKEND=$be HOTLINE_BIN="$ROOT/build/asan/hotlined" "$PY" -m pytest -q \
    -p no:cacheprovider --basetemp="$WORK/e2e-$be" --junitxml="$RES/e2e-$be.xml" \
    tests/e2e >"$RES/e2e-$be.log" 2>&1 &
done
browser_suite &
wait
for be in sqlite postgres; do echo "-- $be"; tail -n 15 "$RES/e2e-$be.log"; done
echo "-- browser"; tail -n 30 "$RES/browser.log"

# --- fuzzing (tests/fuzz/): the SIP input path for 30 s -> fuzz.xml ---------
echo "== fuzzing: build/fuzz/fuzz_sip, 30 s"
tests/fuzz/run.sh "$RES/fuzz.xml" 30
# ---------------------------------------------------------------------------

"$PY" tests/junit_summary.py "$RES"
