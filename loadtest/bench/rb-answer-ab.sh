#!/usr/bin/env bash
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# rb-answer-ab.sh REV [PAIRS]: answer.lua as commit REV loads it ("old") against the working
# tree's ("new", stream.lua + answer.lua), alternating, PAIRS times (default 5), on a fake open
# attempt in db 9 of the Redis at $PORT (default: the demo's; use one with appendfsync always).
# Every call is a real save (the answers hash key carries __rand_int__). Prints, per run,
# Redis's usec_per_call for EVALSHA (script time, fsync excluded) and redis-benchmark's req/s.
set -eu
REV=$1; PAIRS=${2:-5}; PORT=${PORT:-$(cat "$ROOT/.run/redis-demo/port")}
R="redis-cli -p $PORT -n 9"
old=$(git -C "$ROOT" show "$REV:src/store/lua/answer.lua")
if git -C "$ROOT" cat-file -e "$REV:src/store/lua/stream.lua" 2>/dev/null; then
  old="$(git -C "$ROOT" show "$REV:src/store/lua/stream.lua")
$old"
fi
new=$(cat "$ROOT/src/store/lua/stream.lua" "$ROOT/src/store/lua/answer.lua")
run() {
  $R flushdb >/dev/null
  QS=$(seq 101 120 | paste -sd,)
  $R hset 'b:{round:1}:meta' opens_ms 0 closes_ms 4102444800000 grace_ms 2000 time_limit_ms 900000 \
    attempt_limit 2 prediction 1 changeable 1 >/dev/null
  $R hset 'b:{round:1}:att:A' p 1 n 1 started_ms "$(date +%s%3N)" deadline_ms 4102444800000 status open \
    qs "$QS" seq 0 >/dev/null
  for q in $(seq 101 120); do
    $R hset 'b:{round:1}:opts' "$q" ",$((q * 10 + 1)),$((q * 10 + 2)),$((q * 10 + 3)),$((q * 10 + 4))," >/dev/null
    $R hset 'b:{round:1}:key' "$q" "$((q * 10 + 2))" >/dev/null
  done
  SHA=$($R script load "$2")
  redis-cli -p "$PORT" config resetstat >/dev/null
  RPS=$(redis-benchmark -p "$PORT" --dbnum 9 -n "${N:-40000}" -c 50 -r 100000000 -q \
    EVALSHA "$SHA" 6 'b:{round:1}:meta' 'b:{round:1}:att:A' 'b:{round:1}:ans:__rand_int__' \
    'b:{round:1}:opts' 'b:{round:1}:key' 'b:{round:1}:events' 1 A 101 1012 7 | tr '\r' '\n' | tail -1 | sed 's/.*: //')
  USEC=$(redis-cli -p "$PORT" info commandstats | grep '^cmdstat_evalsha' | sed 's/.*usec_per_call=\([0-9.]*\).*/\1/')
  echo "$1 usec_per_call=$USEC saves=$($R xlen 'b:{round:1}:events') $RPS"
}
for _ in $(seq "$PAIRS"); do run new "$new"; run old "$old"; done
