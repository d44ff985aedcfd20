# shellcheck shell=bash
# Schemathesis against the real server: `run_schemathesis BIN`. Sourced by scripts/test after
# scripts/lib/services.sh (which provides say/die/free_port and the environment: THILUAT_PG_ADMIN_URL,
# REDIS_URL, THILUAT_SECRET).
#
# A fresh database with the test contest (owned by an organisation whose admin is logged in),
# `thiluat serve` on a free port, then every operation of /api/openapi.json, checked for no 5xx
# and no status, content type or body outside the document. The session-ending operations
# (logout, logout-all, password change, and the member changes that can lock the admin out)
# run last, in their own pass, so that the organiser
# operations before them run logged in. THILUAT_SCHEMATHESIS_EXAMPLES (default 20) bounds the
# examples per operation.
#
# One worker: schemathesis's workers are threads, and on CPython 3.11 (CI's interpreter) two
# threads building Hypothesis strategy descriptions with ast.parse at once can share the AST
# constructor's recursion counter and fail with "SystemError: AST constructor recursion depth
# mismatch" (CPython gh-106905): a failure of the tool, not of thiluat, seen in CI on 2026-12-02.

SCHEMATHESIS_VERSION="4.32.5"

_schemathesis_venv() {
	local venv="$ROOT/.run/schemathesis-venv"
	if [[ ! -x $venv/bin/st ]] || [[ $("$venv/bin/st" --version 2>/dev/null) != *"$SCHEMATHESIS_VERSION"* ]]; then
		ensure_apt_packages python3-venv
		say "installing schemathesis $SCHEMATHESIS_VERSION into .run/schemathesis-venv"
		python3 -m venv "$venv"
		"$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
	fi
	echo "$venv/bin/st"
}

run_schemathesis() {
	local bin=$1 st port db url log pid base cookie csrf rc=0
	st="$(_schemathesis_venv)"
	port="$(free_port)"
	db="thiluat_schemathesis_$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)"
	url="$(_pg_url_with_db "$THILUAT_PG_ADMIN_URL" "$db")"
	log="$ROOT/.run/schemathesis-server.log"
	psql "$THILUAT_PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
	psql "$THILUAT_PG_ADMIN_URL" -qc "CREATE DATABASE $db" >/dev/null
	local -a env=(DATABASE_URL="$url" REDIS_URL="$REDIS_URL" THILUAT_SECRET="$THILUAT_SECRET"
		THILUAT_REDIS_KEY_PREFIX="schemathesis-$port:" THILUAT_HTTP_BIND="127.0.0.1:$port")
	env "${env[@]}" "$bin" contest import --rebase-to-now tests/fixtures/contest.toml >/dev/null
	env "${env[@]}" THILUAT_ADMIN_PASSWORD="schemathesis mật khẩu" "$bin" admin create --org-slug st \
		--org-name "Sở Tư pháp (schemathesis)" --email st@example.test --name "Schemathesis" --permanent >/dev/null
	psql "$url" -qc "UPDATE contests SET organisation_id = (SELECT id FROM organisations WHERE slug = 'st')" >/dev/null
	env "${env[@]}" "$bin" serve >"$log" 2>&1 &
	pid=$!
	base="http://127.0.0.1:$port"
	local i
	for i in {1..300}; do
		curl -fsS "$base/readyz" >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "thiluat serve exited"; }
		sleep 0.1
	done
	local login
	login="$(curl -fsS -D - -H 'content-type: application/json' \
		-d '{"email":"st@example.test","password":"schemathesis mật khẩu"}' "$base/api/admin/login")"
	cookie="$(printf '%s' "$login" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(thiluat_session=[^;]*\).*/\1/p' | head -1)"
	csrf="$(printf '%s' "$login" | tr -d '\r' | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p' | head -1)"
	[[ -n $cookie && -n $csrf ]] || die "logging in the schemathesis organiser failed"
	local -a common=(--checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
		--max-examples "${THILUAT_SCHEMATHESIS_EXAMPLES:-20}" --seed 1 --workers 1 --request-timeout 20
		--suppress-health-check all --warnings off -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf")
	local ending='^(organiserLogout|organiserLogoutAll|changePassword|updateMember|resetMemberPassword)$'
	"$st" run "$base/api/openapi.json" "${common[@]}" --exclude-operation-id-regex "$ending" || rc=$?
	# The organiser operations must have run logged in, not only been refused with 401.
	if ((rc == 0)) && [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base/api/admin/me") != 200 ]]; then
		warn "the organiser session ended during the run: its operations were not tested logged in"
		rc=1
	fi
	if ((rc == 0)); then
		"$st" run "$base/api/openapi.json" "${common[@]}" --include-operation-id-regex "$ending" || rc=$?
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	psql "$THILUAT_PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
	return "$rc"
}
