#!/usr/bin/env bash
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"; OUTDIR="${OUTDIR:-/var/tmp/thiluat-bench}"; mkdir -p "$OUTDIR"
# rb-setup.sh: a fake open attempt of a fake armed round in Redis db 9 (key prefix bench:{round:1}:),
# copying 20 questions' option lists and answer keys from the demo's round 1; loads answer.lua (after stream.lua).
set -eu
PORT=$(cat $ROOT/.run/redis-demo/port)
R="redis-cli -p $PORT"
B="redis-cli -p $PORT -n 9"
$B flushdb >/dev/null
QS=$($R hkeys '{round:1}:opts' | head -20 | paste -sd,)
$B hset 'bench:{round:1}:meta' opens_ms 0 closes_ms 4102444800000 grace_ms 2000 time_limit_ms 900000 attempt_limit 2 prediction 1 >/dev/null
$B hset 'bench:{round:1}:att:A' p 1 n 1 started_ms "$(date +%s%3N)" deadline_ms 4102444800000 status open qs "$QS" seq 0 >/dev/null
for q in ${QS//,/ }; do
  $B hset 'bench:{round:1}:opts' "$q" "$($R hget '{round:1}:opts' "$q")" >/dev/null
  $B hset 'bench:{round:1}:key' "$q" "$($R hget '{round:1}:key' "$q")" >/dev/null
done
Q=${QS%%,*}
O=$($R hget '{round:1}:opts' "$Q" | cut -d, -f2)
SHA=$($B script load "$(cat $ROOT/src/store/lua/stream.lua $ROOT/src/store/lua/answer.lua)")  # as RedisStore loads it
echo "PORT=$PORT SHA=$SHA Q=$Q O=$O"
