# shellcheck shell=bash
# The supply-chain checks of scripts/test. Source after services.sh; don't run it.
#
# run_cargo_deny: `cargo deny check` (advisories, bans, licenses, sources; deny.toml).
#   The RustSec advisory database is fetched when it can be; where it cannot (a machine
#   that reaches the package registries only), the snapshot kept in supply-chain/ is
#   installed where cargo-deny looks for it and the check runs offline, with a warning
#   that names the snapshot's date. cargo-deny refuses a database older than
#   deny.toml's maximum-db-staleness, counted from the snapshot's own date.
# run_npm_audit DIR: `npm audit` of DIR's locked packages, failing on high or critical.

# cargo-deny keeps the database of https://github.com/rustsec/advisory-db in this folder
# of its db-path (the name is its URL's xxhash; cargo-deny prints it with --log-level debug).
_ADVISORY_DB_DIR="advisory-db-3157b0e258782691"

# Installs supply-chain/advisory-db.tar.gz as cargo-deny's advisory database (a git
# repository whose commit and HEAD carry the snapshot's date), unless what is there is
# as recent. Prints the snapshot's date.
_install_advisory_snapshot() {
	local root=$1 dir commit date tmp
	dir="$root/$_ADVISORY_DB_DIR"
	read -r commit date <"$ROOT/supply-chain/advisory-db.commit"
	if [[ -d $dir/.git ]]; then
		local have
		have="$(git -C "$dir" show -s --format=%cI HEAD 2>/dev/null || true)"
		if [[ -n $have ]] && (($(date -d "$have" +%s) >= $(date -d "$date" +%s))); then
			printf '%s\n' "$have"
			return 0
		fi
	fi
	mkdir -p "$root"
	tmp="$(mktemp -d "$root/.snapshot.XXXXXX")"
	tar -xzf "$ROOT/supply-chain/advisory-db.tar.gz" -C "$tmp"
	(
		cd "$tmp"
		git init -q -b main
		git add -A
		GIT_AUTHOR_DATE="$date" GIT_COMMITTER_DATE="$date" \
			git -c user.name=thiluat -c user.email=thiluat@localhost \
			commit -q -m "RustSec advisory-db $commit (snapshot from supply-chain/)"
		touch -d "$date" .git/HEAD
	)
	rm -rf "$dir"
	mv "$tmp" "$dir"
	printf '%s\n' "$date"
}

run_cargo_deny() {
	local root="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs" log="$RUN_DIR/cargo-deny-fetch.log"
	local fetch_head="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs/$_ADVISORY_DB_DIR/.git/FETCH_HEAD" fetched_at=""
	mkdir -p "$RUN_DIR"
	# A failed `git fetch` still touches FETCH_HEAD, whose time cargo-deny takes for the
	# database's: put it back, so that the staleness check stays true.
	if [[ -f $fetch_head ]]; then fetched_at="$(date -r "$fetch_head" --iso-8601=ns)"; fi
	if cargo deny fetch db >"$log" 2>&1; then
		say "advisory database fetched"
	else
		if [[ -n $fetched_at ]]; then touch -d "$fetched_at" "$fetch_head"; else rm -f "$fetch_head"; fi
		local date days
		date="$(_install_advisory_snapshot "$root")"
		days=$((($(date +%s) - $(date -d "$date" +%s)) / 86400))
		warn "the advisory database could not be fetched (.run/cargo-deny-fetch.log):" \
			"using the snapshot in supply-chain/ of ${date%%T*} ($days days old; see supply-chain/README.md)"
	fi
	cargo deny --offline --workspace check --show-stats
}

# npm audit exits non-zero both for findings and when the registry's audit service does
# not answer; only the first fails the suite: the second (the registry mirror reached here
# refuses the bulk advisory request) is a warning naming the packages left unchecked.
run_npm_audit() {
	local dir=$1 out rc=0
	command -v npm >/dev/null 2>&1 || ensure_apt_packages nodejs npm
	mkdir -p "$RUN_DIR"
	out="$RUN_DIR/npm-audit.json"
	(cd "$dir" && npm audit --audit-level=high --json >"$out" 2>"$RUN_DIR/npm-audit.log") || rc=$?
	python3 - "$out" "$rc" <<'PY'
import json, sys
path, rc = sys.argv[1], int(sys.argv[2])
try:
    report = json.load(open(path))
except ValueError:
    report = {}
if "error" in report or "metadata" not in report:
    why = (report.get("error") or {}).get("summary") or report.get("message") or "no report"
    print(f"! npm audit: no answer from the audit service ({why}): "
          "the locked packages were not checked for advisories (.run/npm-audit.log)", file=sys.stderr)
    sys.exit(0)
counts = report["metadata"]["vulnerabilities"]
for name, v in sorted(report.get("vulnerabilities", {}).items()):
    print(f"  {v.get('severity')}: {name} {v.get('range', '')}", file=sys.stderr)
print(f"• npm audit: {counts}", file=sys.stderr)
failing = counts.get("high", 0) + counts.get("critical", 0)
sys.exit(1 if failing or (rc and not counts.get("total")) else 0)
PY
}
