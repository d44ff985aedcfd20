#!/usr/bin/env bash
# usage: faults.sh RUN [OUTAGE_S] [DURATION_S] [PARTICIPANTS] [FAULT]
# The `faults` drills of issue 22. A server of its own (port 18090) on a fresh database and a
# Redis of its own (appendfsync always, port 16390), PARTICIPANTS (default 1000) answering once
# a second; after 10 s FAULT (default redis) is taken down and brought back OUTAGE_S (default 5)
# after the down command:
#   redis     Redis gets SIGKILL, and is started again on the same files;
#   server    the server gets SIGKILL in the middle of a persister batch (as soon as its
#             consumer holds entries it has read and not yet acknowledged), and a new process
#             is started (a new persister consumer, which must reclaim the dead one's entries);
#   postgres  a PostgreSQL cluster of its own (initdb, port 15490, as the server's database)
#             is stopped `immediate` (as in a crash) and started again.
# Otherwise the database is thiluat_faults_RUN on the Postgres at 127.0.0.1:5432, dropped after.
# The report (OUTDIR/faults-RUN.json) has the first acknowledgement after the fault answered
# again, how long until the persister had written every older event, /readyz's slowest answer,
# the server's RSS, and (--check-db) the lost and unexplained answers.
# BIN: the folder of the thiluat and loadtest binaries (default target/release).
set -euo pipefail
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
OUTDIR="${OUTDIR:-/var/tmp/thiluat-bench}"
BIN="${BIN:-$ROOT/target/release}"
RUN=$1
OUTAGE=${2:-5}
DURATION=${3:-40}
N=${4:-1000}
FAULT=${5:-redis}
RPORT=${RPORT:-16390}
HPORT=${HPORT:-18090}
OWN_PGPORT=${OWN_PGPORT:-15490}
PGHOST_URL=${PGHOST_URL:-postgres://postgres@127.0.0.1:5432}
DB=thiluat_faults_$RUN
RDIR=$OUTDIR/redis-faults-$RUN
PGDIR=$OUTDIR/pg-faults-$RUN
OUT=$OUTDIR/faults-$RUN
case $FAULT in redis | server | postgres) ;; *) echo "FAULT must be redis, server or postgres" >&2; exit 2 ;; esac
mkdir -p "$OUTDIR" "$RDIR"

redis_up="redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly yes --appendfsync always \
  --dir $RDIR --daemonize yes --pidfile $RDIR/redis.pid --logfile $RDIR/redis.log"
redis_down="kill -9 \$(cat $RDIR/redis.pid)"

as_pg() { if [[ $(id -u) == 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
PGBIN=
if [[ $FAULT == postgres ]]; then
	for d in /usr/lib/postgresql/*/bin; do [[ -x $d/initdb && -x $d/pg_ctl ]] && PGBIN=$d; done
	[[ -n $PGBIN ]] || { echo "no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 1; }
	PGHOST_URL=postgres://postgres@127.0.0.1:$OWN_PGPORT
fi
pg_up="$( [[ $(id -u) == 0 ]] && echo 'cd / && runuser -u postgres --') $PGBIN/pg_ctl -D $PGDIR/data -l $PGDIR/postgres.log \
  -w -t 60 -o '-p $OWN_PGPORT -k $PGDIR -c listen_addresses=127.0.0.1' start >/dev/null"
pg_down="$( [[ $(id -u) == 0 ]] && echo 'cd / && runuser -u postgres --') $PGBIN/pg_ctl -D $PGDIR/data -m immediate -w stop >/dev/null"

cleanup() {
	set +e
	[[ -f $RDIR/server.pid ]] && kill "$(cat "$RDIR/server.pid")" 2>/dev/null && sleep 1
	[[ -f $RDIR/redis.pid ]] && kill -9 "$(cat "$RDIR/redis.pid")" 2>/dev/null
	if [[ $FAULT == postgres ]]; then
		sh -c "$pg_down" 2>/dev/null
		rm -rf "$PGDIR"
	else
		psql "$PGHOST_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
	fi
	rm -rf "$RDIR"
}
trap cleanup EXIT

sh -c "$redis_up"
until redis-cli -p "$RPORT" ping >/dev/null 2>&1; do sleep 0.1; done
if [[ $FAULT == postgres ]]; then
	rm -rf "$PGDIR" && mkdir -p "$PGDIR" && [[ $(id -u) == 0 ]] && chown postgres:postgres "$PGDIR"
	as_pg "$PGBIN/initdb" -D "$PGDIR/data" -U postgres -A trust -E UTF8 --no-locale >"$OUT.initdb.log" 2>&1
	sh -c "$pg_up"
fi
psql "$PGHOST_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="$PGHOST_URL/$DB" REDIS_URL="redis://127.0.0.1:$RPORT/"
export THILUAT_SECRET="${THILUAT_SECRET:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}"
export THILUAT_HTTP_REGISTER_PER_ADDRESS_PER_MINUTE=100000 THILUAT_HTTP_WS_MESSAGES_PER_MINUTE=1000000
# The server runs detached, its PID in a file: the `server` drill replaces it.
server_up="$BIN/thiluat demo --bind 127.0.0.1:$HPORT >>$OUT.server.log 2>&1 & echo \$! >$RDIR/server.pid"
: >"$OUT.server.log"
sh -c "$server_up"
until curl -sf "http://127.0.0.1:$HPORT/readyz" >/dev/null; do sleep 0.2; done
SERVER=$(cat "$RDIR/server.pid")
ROUND=$(psql "$DATABASE_URL" -Atc "SELECT id FROM rounds ORDER BY id LIMIT 1")
# Mid-batch: the server's persister has read entries it has not acknowledged yet.
pending="redis-cli -p $RPORT XPENDING '{round:$ROUND}:events' persister | head -1"
# (At most 10 s of waiting for that: the run says whether the wait ended that way.)
server_down="i=0; until [ \"\$($pending)\" -gt 0 ] 2>/dev/null; do i=\$((i + 1)); [ \$i -lt 2000 ] || break; sleep 0.005; done; \
  echo \"pending checks before the kill: \$i\" >&2; kill -9 \$(cat $RDIR/server.pid)"

case $FAULT in
redis) down=$redis_down up=$redis_up ;;
server) down=$server_down up=$server_up ;;
postgres) down=$pg_down up=$pg_up ;;
esac
"$BIN/loadtest" --server "http://127.0.0.1:$HPORT" --contest pbgdpl-chuyen-doi-so --round "$ROUND" \
	--scenario faults --fault "$FAULT" --participants "$N" --duration-s "$DURATION" --answer-interval-ms 1000 \
	--fault-after-s 10 --outage-s "$OUTAGE" --fault-down-cmd "$down" --fault-up-cmd "$up" \
	--redis-addr "127.0.0.1:$RPORT" --server-pid "$SERVER" --timeout-s 30 --max-seconds $((DURATION + 400)) \
	--check-db "$DATABASE_URL" --check-db-wait-s 60 --json >"$OUT.json" 2>"$OUT.err"
python3 - "$OUT.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
f, m = r["faults"], r["measured"]
print(f"run {sys.argv[1]}: {f['fault']} down {f['down_s']} s (up → answering {f['up_to_back_ms']} ms); "
      f"first ack {f['first_ack_after_back_ms']} ms after; persister caught up {f['caught_up_after_back_ms']} ms after "
      f"(stream max {f['stream_max']}, at end {f['stream_at_end']}); acks while down {f['acks_while_down']}; "
      f"sent {m['sent']}, acked {m['acknowledged']}, rejected {m['rejected']}, timeouts {m['timeouts']}, "
      f"errors {m['client_errors']}, reconnects {f['reconnects']}; lost {r['lost']}, unexplained {f['unexplained_rows']}; "
      f"/readyz max {f['readyz']['max_ms']:.1f} ms, over 1 s {f['readyz']['over_1s']}, no answer {f['readyz']['no_answer']} "
      f"(refused {f['readyz']['refused']}), {f['readyz']['by_status']}; RSS before {f['rss_before_kb']} max {f['rss_max_kb']} "
      f"during outage {f['rss_max_during_outage_kb']} after {f['rss_after_kb']} kB; notes {f['notes']}")
PY
