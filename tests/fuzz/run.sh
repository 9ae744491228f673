#!/usr/bin/env bash
# Runs the SIP fuzz target briefly and records one JUnit testcase.
#   tests/fuzz/run.sh [junit.xml=build/test-results/fuzz.xml] [seconds=30]
# The committed seeds (tests/fuzz/corpus) are copied to build/fuzz/corpus,
# which keeps what the fuzzer finds between runs. A crash, leak, timeout or
# out-of-memory fails the testcase; the message names the input that did it
# (build/fuzz/artifacts/...). Reproduce with: build/fuzz/fuzz_sip FILE
set -u
cd "$(dirname "$0")/../.."
XML=${1:-build/test-results/fuzz.xml}
SECS=${2:-30}
BIN=build/fuzz/fuzz_sip
mkdir -p "$(dirname "$XML")" build/fuzz/corpus build/fuzz/artifacts
LOG=${XML%.xml}.log

xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g' | tr -d '\000-\010\013\014\016-\037'; }
junit() {  # failure-message (empty: pass), seconds
  {
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    if [ -z "$1" ]; then
      echo "<testsuite name=\"fuzz\" tests=\"1\" failures=\"0\"><testcase classname=\"fuzz\" name=\"fuzz_sip ${SECS}s\" time=\"$2\"/></testsuite>"
    else
      echo "<testsuite name=\"fuzz\" tests=\"1\" failures=\"1\"><testcase classname=\"fuzz\" name=\"fuzz_sip ${SECS}s\" time=\"$2\"><failure message=\"$(printf '%s' "$1" | xml_escape)\">"
      tail -n 60 "$LOG" 2>/dev/null | xml_escape
      echo "</failure></testcase></testsuite>"
    fi
  } > "$XML"
}

if [ ! -x "$BIN" ]; then
  echo "fuzz: $BIN is missing (make fuzz)"
  junit "$BIN was not built (make fuzz)" 0
  exit 1
fi
cp -n tests/fuzz/corpus/* build/fuzz/corpus/ 2>/dev/null
before=$(ls build/fuzz/artifacts | wc -l)
start=$(date +%s)
# One worker (2 shared cores); leaks are checked after every input.
ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=print_stacktrace=1 \
  "$BIN" -max_total_time="$SECS" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix=build/fuzz/artifacts/ \
  build/fuzz/corpus 2>&1 | grep -a -v 'msg decode err' >"$LOG"
rc=${PIPESTATUS[0]}   # libre logs every undecodable datagram: dropped above
took=$(( $(date +%s) - start ))
execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$LOG")
rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$LOG")
cov=$(grep -aoE 'cov: [0-9]+' "$LOG" | tail -1)
artifact=$(grep -aoE "Test unit written to [^ ]+" "$LOG" | tail -1 | sed 's/Test unit written to //')
if [ $rc -eq 0 ] && [ "$(ls build/fuzz/artifacts | wc -l)" -eq "$before" ]; then
  echo "fuzz: fuzz_sip ran ${took}s: ${execs:-?} inputs, ${rate:-?} exec/s, ${cov:-cov ?}, no crash"
  junit "" "$took"
  exit 0
fi
kind=$(grep -aoE '(ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)[^$]*|runtime error:.*|==[0-9]+== ERROR: .*)' "$LOG" | head -1)
msg="fuzz_sip failed (exit $rc): ${kind:-see $LOG}; input: ${artifact:-none saved}; reproduce: $BIN ${artifact:-FILE}"
echo "fuzz: $msg"
grep -a -A25 -E 'ERROR: |runtime error:' "$LOG" | head -40
junit "$msg" "$took"
exit 1
