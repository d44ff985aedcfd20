#!/usr/bin/env bash
# Fuzzes the targets one after another, each for a fixed time:
#
#   fuzz/run.sh [SECONDS] [TARGET...]     SECONDS per target (default 300); all targets by default
#   fuzz/run.sh --merge [TARGET...]       minimises corpus/TARGET with what the runs found
#
# One libFuzzer process with one worker at a time, so the other cores stay free. New inputs
# go to .work/TARGET/ (not committed); corpus/TARGET/ and regressions/TARGET/ are only read,
# so every run also replays the committed corpus and every regression input. A failure
# (panic, property, ASan report, timeout, out of memory) stops that target: its input is in
# artifacts/TARGET/ and the script exits non-zero after the other targets ran. The output of
# each run is in .work/TARGET.log; one summary line per target is printed.
#
# Installs cargo-fuzz when it is missing. The targets build with the sanitizer flags of a
# nightly compiler; on a stable toolchain RUSTC_BOOTSTRAP=1 allows them (set here).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export RUSTC_BOOTSTRAP=1
ALL=(ws_message validators bank_import upload_table)

merge=0
if [[ ${1:-} == --merge ]]; then
	merge=1
	shift
fi
seconds=300
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
	seconds=$1
	shift
fi
targets=("$@")
if ((${#targets[@]} == 0)); then targets=("${ALL[@]}"); fi
for t in "${targets[@]}"; do
	[[ -f fuzz_targets/$t.rs ]] || {
		echo "unknown target $t (targets: ${ALL[*]})" >&2
		exit 2
	}
done

if ! cargo fuzz --version >/dev/null 2>&1; then
	echo "installing cargo-fuzz (cargo install cargo-fuzz --locked)" >&2
	cargo install cargo-fuzz --locked
fi

# Options of each target: its dictionary, if any.
options() {
	if [[ -f $1.dict ]]; then printf -- '-dict=%s\n' "$1.dict"; fi
}

# Named seeds (not a 40-hex-digit SHA-1 name) are kept by name through a merge.
is_named() { [[ ! $(basename "$1") =~ ^[0-9a-f]{40}$ ]]; }

if ((merge)); then
	for t in "${targets[@]}"; do
		keep=".work/merge-$t"
		rm -rf "$keep" && mkdir -p "$keep" ".work/$t"
		for f in "corpus/$t"/*; do if is_named "$f"; then cp "$f" "$keep/"; fi; done
		# Into the named seeds, only the inputs that add edge coverage to them (SHA-1 named).
		cargo fuzz run "$t" "$keep" "corpus/$t" ".work/$t" -- -merge=1 -use_counters=0 \
			$(options "$t") >".work/merge-$t.log" 2>&1 || {
			tail -20 ".work/merge-$t.log" >&2
			exit 1
		}
		rm -rf "corpus/$t" && mv "$keep" "corpus/$t"
		echo "$t: corpus minimised to $(find "corpus/$t" -type f | wc -l) files, $(du -sh --apparent-size "corpus/$t" | cut -f1)"
	done
	exit 0
fi

for t in "${targets[@]}"; do cargo fuzz build "$t"; done
status=0
for t in "${targets[@]}"; do
	mkdir -p ".work/$t"
	log=".work/$t.log"
	started=$(date -u +%FT%TZ)
	set +e
	cargo fuzz run "$t" ".work/$t" "corpus/$t" $([[ -d regressions/$t ]] && echo "regressions/$t") -- \
		-max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
		$(options "$t") >"$log" 2>&1
	rc=$?
	set -e
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
	runs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}' || true)
	corpus=$(find ".work/$t" "corpus/$t" -type f | wc -l)
	if ((rc == 0)); then
		echo "$t: ok, started $started, ${runs:-?} runs, ${done_line:-no DONE line}, $corpus corpus files"
	else
		status=1
		echo "$t: FAILED (exit $rc) after ${runs:-?} runs; see fuzz/$log and fuzz/artifacts/$t/" >&2
		grep -E 'panicked at|ERROR: (libFuzzer|AddressSanitizer)|SUMMARY' "$log" | head -5 >&2 || true
	fi
done
exit "$status"
