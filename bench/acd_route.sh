#!/usr/bin/env bash
# acd_route.sh — ACD routing decisions alone (src/acd, in-process, release
# build): 10,000 agents in 1,000 queues, every strategy.
#   bench/acd_route.sh [agents=10000] [queues=1000] [decisions=200000]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=build/bench/acd_route
mkdir -p build/bench
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Isrc -o "$OUT" \
  bench/acd_route.c src/acd/pool.c src/acd/strategy.c -lm
"$OUT" "${1:-10000}" "${2:-1000}" "${3:-200000}"
