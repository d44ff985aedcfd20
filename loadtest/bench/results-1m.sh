#!/usr/bin/env bash
# results-1m.sh: BENCHMARKS.md "1,000,000-participant round". Seeds a scratch database
# (thiluat_bench_1m on the Postgres that scripts/lib/services.sh finds) with one contest,
# one closed round with the usual prize tiers (1 first, 3 second, 5 third, 10 consolation)
# and N participants (default 1,000,000), each with one submitted attempt, directly in SQL
# with generate_series; then, in the same run:
#   1. `thiluat finalize ROUND` (auto-submit sweep, stream drain, ranking in SQL), 3 times;
#   2. the ranked results export as CSV and as XLSX through the real endpoints of a freshly
#      started release server (one server per run: its VmHWM is the export's peak RSS),
#      3 times each, next to `psql \copy` of the same rows;
# and prints one line per run plus the medians. Only loopback; stops by itself.
#
#   cargo build --release --bin thiluat && loadtest/bench/results-1m.sh [N]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/lib/services.sh
source "$ROOT/scripts/lib/services.sh"
N=${1:-1000000}
DB=thiluat_bench_1m
BIN="${BENCH_BIN:-$ROOT/target/release/thiluat}"
PORT=${BENCH_PORT:-18481}
OUT=${OUTDIR:-/var/tmp/thiluat-bench-1m}
mkdir -p "$OUT"
[[ -x $BIN ]] || die "build the server first: cargo build --release --bin thiluat"

unset DATABASE_URL
ensure_postgres "$DB"
ensure_redis bench1m
ensure_secret
export THILUAT_REDIS_KEY_PREFIX="bench1m:"
psql "$THILUAT_PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
"$BIN" migrate >/dev/null
PASSWORD="bench password $(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"
THILUAT_ADMIN_PASSWORD=$PASSWORD "$BIN" admin create --org-slug bench --org-name "Sở Tư pháp (bench)" \
	--email bench@bench.example --name Bench --permanent >/dev/null

t0=$(date +%s%N)
psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 -v n="$N" <<'SQL'
INSERT INTO contests (slug, title, organiser, consent_version, consent_text, organisation_id, status)
VALUES ('bench-1m', 'Cuộc thi 1 triệu người', 'Sở Tư pháp', 'v1', 'Đồng ý',
        (SELECT id FROM organisations WHERE slug = 'bench'), 'published');
INSERT INTO units (contest_id, code, name, headcount)
SELECT c.id, 'U' || g, 'Đơn vị số ' || g, 2000 FROM contests c, generate_series(1, 1000) g;
INSERT INTO questions (contest_id, code, topic, difficulty, text, options, correct)
SELECT c.id, 'Q' || g, 'hien-phap', 'easy', 'Câu hỏi ' || g || '?',
       '[{"id": 1, "text": "Đúng"}, {"id": 2, "text": "Sai"}]', '{1}'
FROM contests c, generate_series(1, 20) g;
INSERT INTO rounds (contest_id, position, title, opens_at, closes_at, grace_ms, time_limit_ms, questions_per_attempt,
                    draw_rule, ranking_chain, question_ids, prizes)
SELECT c.id, 1, 'Tuần 1', now() - interval '8 days', now() - interval '1 day', 0, 900000, 20, '[{"count": 20}]',
       '{correct_desc,duration_asc,submitted_asc}', (SELECT array_agg(id ORDER BY id) FROM questions),
       '[{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 3}, {"name": "Giải Ba", "count": 5},
         {"name": "Giải Khuyến khích", "count": 10}]'
FROM contests c;
-- Ciphertexts are 40 bytes of filler: decrypting them fails the AEAD tag check, so the
-- export pays the check for every phone and CCCD but prints empty cells for them.
INSERT INTO participants (contest_id, full_name, dob, sex, phone_enc, phone_hmac, phone_masked, cccd_enc, cccd_hmac,
                          commune_code, units_version, unit_code, consent_at, consent_version)
SELECT c.id,
       (ARRAY['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Vũ', 'Đặng'])[1 + g % 7] || ' ' ||
       (ARRAY['Văn', 'Thị', 'Minh', 'Thu', 'Đức'])[1 + g % 5] || ' ' ||
       (ARRAY['An', 'Bình', 'Cường', 'Dũng', 'Hà', 'Khánh', 'Lan', 'Ánh', 'Đạt', 'Yến', 'Sơn'])[1 + g % 11],
       date '1960-01-01' + (g % 18000), CASE WHEN g % 2 = 0 THEN 'male' ELSE 'female' END,
       decode(md5('p' || g) || md5('q' || g) || left(md5('r' || g), 16), 'hex'), sha256(('phone' || g)::bytea),
       '09x•••••' || lpad((g % 1000)::text, 3, '0'),
       decode(md5('c' || g) || md5('d' || g) || left(md5('e' || g), 16), 'hex'), sha256(('cccd' || g)::bytea),
       '02647', '2025-07', 'U' || (1 + g % 1000), now(), 'v1'
FROM contests c, generate_series(1, :n) g;
INSERT INTO attempts (id, round_id, participant_id, number, started_at_ms, deadline_ms, question_ids, submitted_at_ms,
                      duration_ms, correct, prediction)
SELECT gen_random_uuid(), r.id, p.id, 1, b.ms + p.id, b.ms + p.id + 900000, r.question_ids,
       b.ms + p.id + 60000 + (p.id * 104729) % 800000, 60000 + (p.id * 104729) % 800000, (p.id * 7919) % 21, NULL
FROM participants p JOIN rounds r ON r.contest_id = p.contest_id,
     (SELECT (extract(epoch FROM now() - interval '7 days') * 1000)::bigint AS ms) b;
ANALYZE;
SQL
ROUND=$(psql "$DATABASE_URL" -Atc "SELECT id FROM rounds LIMIT 1")
echo "seeded $N participants and attempts in $((($(date +%s%N) - t0) / 1000000)) ms (round $ROUND)"

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== finalize"
: >"$OUT/finalize.txt"
for i in 1 2 3; do
	t=$(date +%s%N)
	"$BIN" finalize "$ROUND" >"$OUT/finalize-$i.log"
	echo "$(ms "$t")" >>"$OUT/finalize.txt"
	echo "finalize run $i: $(tail -n 1 "$OUT/finalize.txt") ms ($(cat "$OUT/finalize-$i.log"))"
done

SQL_ROWS="SELECT r.rank, r.participant_id, p.full_name, p.dob, p.sex, p.phone_enc, p.phone_masked, p.cccd_enc, p.commune_code, \
COALESCE(u.name, p.unit_code), r.correct, r.prediction, r.distance, r.duration_ms, r.submitted_at_ms \
FROM results r JOIN participants p ON p.id = r.participant_id \
LEFT JOIN units u ON u.contest_id = p.contest_id AND u.code = p.unit_code WHERE r.round_id = $ROUND ORDER BY r.rank, p.id"

serve() {
	# Without the abuse scanner: on its first start a server scans the freshly seeded contest
	# (about 400 MiB for a million attempts), which would be measured as the export's peak.
	THILUAT_JOBS_DETECT_INTERVAL_S=0 THILUAT_HTTP_BIND="127.0.0.1:$PORT" "$BIN" serve --unsafe-durability \
		>"$OUT/server.log" 2>&1 &
	SERVER=$!
	for _ in $(seq 1 200); do
		curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
		sleep 0.05
	done
	curl -fsS -c "$OUT/cookies" -H 'content-type: application/json' \
		-d "{\"email\": \"bench@bench.example\", \"password\": \"$PASSWORD\"}" \
		"http://127.0.0.1:$PORT/api/admin/login" >/dev/null
}
stop() {
	kill "$SERVER"
	wait "$SERVER" 2>/dev/null || true
}
hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$SERVER/status"; }

for fmt in csv xlsx; do
	: >"$OUT/$fmt-ms.txt"
	: >"$OUT/$fmt-kb.txt"
	: >"$OUT/copy-ms-$fmt.txt"
	echo "== $fmt"
	for i in 1 2 3; do
		t=$(date +%s%N)
		psql "$DATABASE_URL" -qc "\\copy ($SQL_ROWS) TO '$OUT/copy.csv' CSV"
		echo "$(ms "$t")" >>"$OUT/copy-ms-$fmt.txt"
		serve
		idle=$(hwm_kb)
		t=$(date +%s%N)
		curl -fsS -b "$OUT/cookies" -o "$OUT/export.$fmt" "http://127.0.0.1:$PORT/api/admin/rounds/$ROUND/results.$fmt"
		took=$(ms "$t")
		peak=$(hwm_kb)
		stop
		echo "$took" >>"$OUT/$fmt-ms.txt"
		echo "$peak" >>"$OUT/$fmt-kb.txt"
		echo "$fmt run $i: export $took ms, server VmHWM $((peak / 1024)) MiB (idle $((idle / 1024)) MiB)," \
			"$(stat -c %s "$OUT/export.$fmt") bytes; \\copy $(tail -n 1 "$OUT/copy-ms-$fmt.txt") ms," \
			"$(stat -c %s "$OUT/copy.csv") bytes"
	done
done
rows=$(($(wc -l <"$OUT/export.csv") - 1))
echo "== medians ($rows rows in the CSV export)"
echo "finalize: $(median <"$OUT/finalize.txt") ms"
for fmt in csv xlsx; do
	echo "$fmt: $(median <"$OUT/$fmt-ms.txt") ms, VmHWM $(($(median <"$OUT/$fmt-kb.txt") / 1024)) MiB;" \
		"\\copy in the same runs: $(median <"$OUT/copy-ms-$fmt.txt") ms"
done
