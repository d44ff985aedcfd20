#!/usr/bin/env bash
# usage: startup-rss.sh [RUNS]   the server's peak memory from start to ready: starts
# `target/release/thiluat serve` RUNS times (default 3) on a free loopback port against the
# Postgres and Redis of $DATABASE_URL / $REDIS_URL (default: the machine's, a scratch database
# thiluat_startup_rss), waits for /readyz, prints VmHWM and the time to ready, then stops it.
# Start-up prepares every embedded asset (content hashes, brotli and gzip), its one burst of
# large allocations. The machine's Redis may not fsync every write: this measures memory, so
# the server is told to accept that (THILUAT_REDIS_UNSAFE_DURABILITY).
set -eu
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
cd "$ROOT"
RUNS=${1:-3}
BIN=${BIN:-target/release/thiluat}
ADMIN=${THILUAT_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if [ -z "${DATABASE_URL:-}" ]; then
	psql "$ADMIN" -qc "DROP DATABASE IF EXISTS thiluat_startup_rss WITH (FORCE)" -qc "CREATE DATABASE thiluat_startup_rss" >/dev/null 2>&1
	export DATABASE_URL="${ADMIN%/*}/thiluat_startup_rss"
fi
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/} THILUAT_SECRET=${THILUAT_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
"$BIN" migrate >/dev/null
for run in $(seq 1 "$RUNS"); do
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	start=$(date +%s%N)
	THILUAT_HTTP_BIND=127.0.0.1:$port THILUAT_REDIS_KEY_PREFIX="startup-rss-$port:" THILUAT_REDIS_UNSAFE_DURABILITY=true \
		"$BIN" serve >/tmp/thiluat-startup-rss.log 2>&1 &
	pid=$!
	for _ in $(seq 1 600); do
		curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || { cat /tmp/thiluat-startup-rss.log >&2; exit 1; }
		sleep 0.05
	done
	ready=$(( ($(date +%s%N) - start) / 1000000 ))
	hwm=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$pid/status")
	echo "run $run: VmHWM $hwm MiB, ready after $ready ms"
	kill "$pid"; wait "$pid" 2>/dev/null || true
done
