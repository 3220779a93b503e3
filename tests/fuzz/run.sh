#!/usr/bin/env bash
# tests/fuzz/run.sh: runs the libFuzzer harnesses one at a time (this is a
# shared machine) and says, per harness, how many inputs it ran and how big
# its corpus is; exits non-zero when any harness crashed.
#
#   run.sh fuzz SECONDS NAME...     SECONDS of fuzzing each, seeded from the committed
#                                   corpus; new inputs go to build/fuzz/corpus/NAME only
#   run.sh regress SECONDS NAME...  the committed corpus replayed, then SECONDS of fuzzing
#   run.sh replay NAME...           the committed corpus replayed, nothing else
#
# FUZZ_BIN_DIR (build/fuzz), FUZZ_SEEDS_DIR (tests/fuzz/corpus) and
# FUZZ_WORK_DIR (build/fuzz) move the harnesses, the committed corpora and
# what a run writes (corpus, crashes, logs), for tests that fuzz elsewhere.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

mode=${1:-}
case "$mode" in
fuzz | regress)
	seconds=${2:-}
	shift 2 || true
	;;
replay)
	seconds=0
	shift
	;;
*)
	echo "usage: run.sh fuzz|regress SECONDS NAME... | run.sh replay NAME..." >&2
	exit 2
	;;
esac
if [[ ! "$seconds" =~ ^[0-9]+$ || $# -eq 0 ]]; then
	echo "usage: run.sh fuzz|regress SECONDS NAME... | run.sh replay NAME..." >&2
	exit 2
fi
bin_dir=${FUZZ_BIN_DIR:-build/fuzz}
seeds_dir=${FUZZ_SEEDS_DIR:-tests/fuzz/corpus}
work_dir=${FUZZ_WORK_DIR:-build/fuzz}

# A slow input is a bug as much as a crash: the agent symbolizes and builds
# tables for whatever its targets map, while profiling.
common=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}

# last_stat LOG NAME: the value libFuzzer's final stats give NAME.
last_stat() {
	sed -n "s/^stat::$2: *\([0-9]*\).*/\1/p" "$1" | tail -n 1
}

# report NAME LOG STATUS WHAT: one line for the harness; 1 when it crashed.
report() {
	local name=$1 log=$2 status=$3 what=$4 runs rate corpus artifact
	runs=$(last_stat "$log" number_of_executed_units)
	rate=$(last_stat "$log" average_exec_per_sec)
	corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$')
	if ((status == 0)) && [[ "$what" == replay* ]]; then
		printf '%-22s %s: no crash\n' "fuzz_$name" "$what"
		return 0
	elif ((status == 0)); then
		printf '%-22s %s: %s executions (%s/s), corpus %s inputs, no crash\n' "fuzz_$name" "$what" \
			"${runs:-?}" "${rate:-?}" "${corpus:-?}"
		return 0
	fi
	artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
	printf '%-22s %s: CRASH (status %d) after %s executions; input %s; log %s\n' "fuzz_$name" "$what" "$status" \
		"${runs:-?}" "${artifact:-not saved}" "$log"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 3 | sed 's/^/    /'
	return 1
}

failed=0
for name in "$@"; do
	harness=$bin_dir/fuzz_$name
	seeds=$seeds_dir/$name
	corpus=$work_dir/corpus/$name
	crashes=$work_dir/crashes/$name
	log_dir=$work_dir/logs
	mkdir -p "$corpus" "$crashes" "$log_dir" "$seeds"
	if [[ ! -x "$harness" ]]; then
		echo "fuzz_$name: $harness is not built (make $harness)"
		failed=1
		continue
	fi
	# A leak inside libdw is known by the exported function it came
	# through, which only the slow unwinder finds (Debian builds elfutils
	# without frame pointers); it costs two thirds of the speed, so only
	# for the harness libdw has leaked in.
	case "$name" in
	symbolizer) export ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-fast_unwind_on_malloc=0} ;;
	*) export ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-} ;;
	esac
	if [[ "$mode" != fuzz ]]; then
		# Every committed input, crashes found before included, once each.
		log=$log_dir/$name.replay.log
		"$harness" "${common[@]}" -runs=0 -artifact_prefix="$crashes/" "$seeds" >"$log" 2>&1
		report "$name" "$log" $? "replay of $(find "$seeds" -type f | wc -l) committed inputs" || failed=1
	fi
	if [[ "$mode" != replay ]] && ((seconds > 0)); then
		log=$log_dir/$name.fuzz.log
		"$harness" "${common[@]}" -max_total_time="$seconds" -artifact_prefix="$crashes/" "$corpus" "$seeds" \
			>"$log" 2>&1
		report "$name" "$log" $? "${seconds} s of fuzzing" || failed=1
	fi
done
if ((failed)); then
	echo "A crash's input is in $work_dir/crashes/NAME: fix the bug, then keep the input in $seeds_dir/NAME."
fi
exit "$failed"
