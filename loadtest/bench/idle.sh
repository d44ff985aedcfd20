#!/usr/bin/env bash
# usage: idle.sh RUN   server memory per idle participant: restarts the demo server on port
# 18080 (a fresh process), then 10,000 participants connect in two waves of 5,000, start an
# attempt and stay idle 10 s. Needs the private services of ./scripts/demo (started once).
set -eu
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"; OUTDIR="${OUTDIR:-/var/tmp/thiluat-bench}"; mkdir -p "$OUTDIR"
RUN=$1
cd "$ROOT"
old=$(pgrep -f "release/thiluat demo" || true)
if [ -n "$old" ]; then kill $old; while kill -0 $old 2>/dev/null; do sleep 0.2; done; fi
(PORT=18080 THILUAT_HTTP_REGISTER_PER_ADDRESS_PER_MINUTE=100000 ./scripts/demo > "$OUTDIR/idle-$RUN.server.log" 2>&1 &)
for _ in $(seq 1 600); do curl -fs http://127.0.0.1:18080/readyz >/dev/null 2>&1 && break; sleep 0.5; done
PID=$(pgrep -f "release/thiluat demo")
target/release/loadtest --server http://127.0.0.1:18080 --contest pbgdpl-chuyen-doi-so --round 1 \
  --scenario idle --participants 10000 --first-wave 5000 --duration-s 10 --max-seconds 600 \
  --source-ips 127.0.0.2,127.0.0.3 --phone-offset $((40000000 + RUN * 10000)) --server-pid "$PID" --json \
  > "$OUTDIR/idle-$RUN.json" 2> "$OUTDIR/idle-$RUN.err"
python3 - "$OUTDIR/idle-$RUN.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print({k: v for k, v in d.items() if 'rss' in k or k == 'memory'})
PY
