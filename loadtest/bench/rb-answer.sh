#!/usr/bin/env bash
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"; OUTDIR="${OUTDIR:-/var/tmp/thiluat-bench}"; mkdir -p "$OUTDIR"
# rb-answer.sh: redis-benchmark running the project's answer.lua (EVALSHA) against the demo's
# Redis (appendfsync always), every call a real save: the answers hash key carries
# __rand_int__, so no call is a duplicate or stale. Prints requests per second.
set -eu
PORT=$(cat $ROOT/.run/redis-demo/port)
OUT=$(bash "$ROOT/loadtest/bench/rb-setup.sh")
eval "$(echo "$OUT" | tr ' ' '\n' | grep -E '^(SHA|Q|O)=')"
redis-benchmark -p "$PORT" --dbnum 9 -n "${N:-100000}" -c "${C:-50}" -r 100000000 -q \
  EVALSHA "$SHA" 6 'bench:{round:1}:meta' 'bench:{round:1}:att:A' 'bench:{round:1}:ans:__rand_int__' \
  'bench:{round:1}:opts' 'bench:{round:1}:key' 'bench:{round:1}:events' 1 A "$Q" "$O" 7
