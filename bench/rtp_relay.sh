#!/usr/bin/env bash
# rtp_relay.sh — media engine figures: N bridged G.711 calls relayed on one
# media thread (in-process load generator, loopback UDP, release build).
#   bench/rtp_relay.sh [calls=1000] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${1:-1000}
SECS=${2:-10}
OUT=build/bench/rtp_relay
mkdir -p build/bench
PKGS=$(make --no-print-directory -s print-pkgs)   # the daemon's libraries (codecs included)
# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -O2 -Wall -Wextra -Werror \
  $(pkg-config --cflags $PKGS) -Isrc -o "$OUT" bench/rtp_relay.c \
  src/media/*.c src/core/log.c src/core/ids.c src/core/dirs.c src/core/selfsigned.c \
  $(pkg-config --libs $PKGS) -lpthread -lm
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"$OUT" "$CALLS" "$SECS" 1 0
"$OUT" "$CALLS" "$SECS" 1 1
# The same calls recorded (dual-channel WAV to build/bench/rec), then a
# prompt played to each call instead of relaying.
rm -rf build/bench/rec
"$OUT" "$CALLS" "$SECS" 1 0 record
rm -rf build/bench/rec
"$OUT" "$CALLS" "$SECS" 1 0 play
