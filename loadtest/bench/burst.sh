#!/usr/bin/env bash
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"; OUTDIR="${OUTDIR:-/var/tmp/thiluat-bench}"; mkdir -p "$OUTDIR"
# usage: burst.sh RUN   deadline-burst, 10,000 participants in 3 shard processes (3,333/3,333/3,334),
# three source IPs each, all submitting at the shared instant GO (--go-at).
set -u
RUN=$1
LT=$ROOT/target/release/loadtest
PID=$(pgrep -f "release/thiluat demo")
RPORT=$(cat $ROOT/.run/redis-demo/port)
OFF=$((30000000 + RUN * 10000))
GO=$(( $(date +%s) + ${LEAD:-120} ))
OUT=$OUTDIR/burst-$RUN
for k in 1 2 3; do
  extra=""; [ "$k" = 1 ] && extra="--server-pid $PID"
  $LT --server http://127.0.0.1:18080 --contest pbgdpl-chuyen-doi-so --round 1 \
    --scenario deadline-burst --participants 10000 --shard $k/3 --source-ips 127.0.0.$((k+1)),127.0.0.$((k+4)),127.0.0.$((k+7)) \
    --phone-offset $OFF --go-at $GO --threads 1 --max-seconds 900 --timeout-s 60 \
    --check-db postgres://postgres@127.0.0.1:5432/thiluat --check-db-wait-s 120 --check-db-after-s 15 \
    --samples-out $OUT.$k.lat --json $extra > $OUT.$k.json 2> $OUT.$k.err &
done
# CPU seconds of each party around the instant, and Redis's fsync latency during it
"$ROOT/loadtest/bench/cpu.py" "$GO" "$OUT.cpu" &
( sleep $(( GO - $(date +%s) - 2 ))
  redis-cli -p $RPORT config set latency-monitor-threshold 1 >/dev/null; redis-cli -p $RPORT latency reset >/dev/null
  redis-cli -p $RPORT info commandstats > $OUT.cmdstats-before
  sleep 10
  redis-cli -p $RPORT info commandstats > $OUT.cmdstats-after
  redis-cli -p $RPORT latency history aof-fsync-always > $OUT.fsync
  redis-cli -p $RPORT latency latest >> $OUT.fsync ) > $OUT.redis.log 2>&1 &
wait
