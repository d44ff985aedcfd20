#!/usr/bin/env bash
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"; OUTDIR="${OUTDIR:-/var/tmp/thiluat-bench}"; mkdir -p "$OUTDIR"
# cpu.sh: CPU seconds used so far by the server, its Redis, Postgres and the loadtest processes
ticks() { local s=0; for p in "$@"; do [ -r /proc/$p/stat ] && s=$((s + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $s; }
SERVER=$(pgrep -f "release/thiluat demo"); REDIS=$(cat $ROOT/.run/redis-demo/redis.pid)
hz=$(getconf CLK_TCK)
read -r _ u n s idle iow irq sirq st _ < /proc/stat
printf '%s machine-busy %s idle+iowait %s server %s redis %s postgres %s loadtest %s\n' "$(date +%s.%N | cut -c1-14)" \
  "$(echo "scale=2; ($u+$n+$s+$irq+$sirq+$st)/$hz" | bc)" "$(echo "scale=2; ($idle+$iow)/$hz" | bc)" \
  "$(echo "scale=2; $(ticks $SERVER)/$hz" | bc)" "$(echo "scale=2; $(ticks $REDIS)/$hz" | bc)" \
  "$(echo "scale=2; $(ticks $(pgrep -x postgres))/$hz" | bc)" "$(echo "scale=2; $(ticks $(pgrep -x loadtest))/$hz" | bc)"
