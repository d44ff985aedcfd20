#!/usr/bin/env bash
# usage: faults.sh RUN [OUTAGE_S] [DURATION_S] [PARTICIPANTS]
# The `faults` drill of issue 22: a server of its own (port 18090) on a fresh database
# (thiluat_faults_RUN on the Postgres at 127.0.0.1:5432, dropped after) and a Redis of its own
# (appendfsync always, port 16390), PARTICIPANTS (default 1000) answering once a second;
# after 10 s Redis gets SIGKILL and is started again OUTAGE_S (default 5) later. The report
# (OUTDIR/faults-RUN.json) has the first acknowledgement after Redis answered again, /readyz's
# slowest answer, the server's RSS, and with --check-db the lost and unexplained answers.
# BIN: the folder of the thiluat and loadtest binaries (default target/release).
set -euo pipefail
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
OUTDIR="${OUTDIR:-/var/tmp/thiluat-bench}"
BIN="${BIN:-$ROOT/target/release}"
RUN=$1
OUTAGE=${2:-5}
DURATION=${3:-40}
N=${4:-1000}
RPORT=${RPORT:-16390}
HPORT=${HPORT:-18090}
PGHOST_URL=${PGHOST_URL:-postgres://postgres@127.0.0.1:5432}
DB=thiluat_faults_$RUN
RDIR=$OUTDIR/redis-faults-$RUN
OUT=$OUTDIR/faults-$RUN
mkdir -p "$OUTDIR" "$RDIR"

redis_up="redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly yes --appendfsync always \
  --dir $RDIR --daemonize yes --pidfile $RDIR/redis.pid --logfile $RDIR/redis.log"
redis_down="kill -9 \$(cat $RDIR/redis.pid)"

cleanup() {
	set +e
	[[ -n ${SERVER:-} ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
	[[ -f $RDIR/redis.pid ]] && kill -9 "$(cat "$RDIR/redis.pid")" 2>/dev/null
	psql "$PGHOST_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
	rm -rf "$RDIR"
}
trap cleanup EXIT

sh -c "$redis_up"
until redis-cli -p "$RPORT" ping >/dev/null 2>&1; do sleep 0.1; done
psql "$PGHOST_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="$PGHOST_URL/$DB" REDIS_URL="redis://127.0.0.1:$RPORT/"
export THILUAT_SECRET="${THILUAT_SECRET:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}"
export THILUAT_HTTP_REGISTER_PER_ADDRESS_PER_MINUTE=100000 THILUAT_HTTP_WS_MESSAGES_PER_MINUTE=1000000
"$BIN/thiluat" demo --bind "127.0.0.1:$HPORT" >"$OUT.server.log" 2>&1 &
SERVER=$!
until curl -sf "http://127.0.0.1:$HPORT/readyz" >/dev/null; do sleep 0.2; done
ROUND=$(psql "$DATABASE_URL" -Atc "SELECT id FROM rounds ORDER BY id LIMIT 1")

"$BIN/loadtest" --server "http://127.0.0.1:$HPORT" --contest pbgdpl-chuyen-doi-so --round "$ROUND" \
	--scenario faults --participants "$N" --duration-s "$DURATION" --answer-interval-ms 1000 \
	--fault-after-s 10 --outage-s "$OUTAGE" --fault-down-cmd "$redis_down" --fault-up-cmd "$redis_up" \
	--redis-addr "127.0.0.1:$RPORT" --server-pid "$SERVER" --timeout-s 30 --max-seconds $((DURATION + 400)) \
	--check-db "$DATABASE_URL" --check-db-wait-s 60 --json >"$OUT.json" 2>"$OUT.err"
python3 - "$OUT.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
f, m = r["faults"], r["measured"]
print(f"run {sys.argv[1]}: first ack {f['first_ack_after_redis_back_ms']} ms after Redis answered again "
      f"(Redis down {f['redis_down_s']:.2f} s); sent {m['sent']}, acked {m['acknowledged']}, "
      f"rejected {m['rejected']}, timeouts {m['timeouts']}, errors {m['client_errors']}; "
      f"lost {r['lost']}, unexplained {f['unexplained_rows']}; /readyz max {f['readyz']['max_ms']:.1f} ms, "
      f"over 1 s {f['readyz']['over_1s']}, no answer {f['readyz']['no_answer']}, {f['readyz']['by_status']}; "
      f"RSS before {f['rss_before_kb']} max {f['rss_max_kb']} during outage {f['rss_max_during_outage_kb']} "
      f"after {f['rss_after_kb']} kB")
EOF
