#!/usr/bin/env bash
# test_heap.sh: `bpfprof record --kind heap` with its real uprobes on the
# target's own libc: exact figures per site at --heap-rate 1 on a workload
# allocating known sizes from known sites (build/tests/alloc_sites), Go's
# heap conventions as go tool pprof reads them, the estimate at the default
# rate, several threads, a target that exits, and bad flags.
set -u
. "$(dirname "$0")/../lib.sh"

bpfprof=$ROOT/build/bpfprof

# heap_profile OUT [RECORD ARGS...]: records alloc_sites (started paused)
# while it makes its allocations; WORKLOAD_PID stays alive.
heap_profile() {
	local out=$1
	shift
	start_workload alloc_sites "${WORKLOAD_ARGS[@]}"
	"$bpfprof" record --kind heap --pid "$WORKLOAD_PID" --duration 4s -o "$out" "$@" 2>"$out.err" &
	local recorder=$!
	until_line "$out.err" '^bpfprof: tracing' # tables built, probes in place
	kill -USR1 "$WORKLOAD_PID"
	wait "$recorder"
}

WORKLOAD_ARGS=()
heap_profile "$TEST_TMP/exact.pb.gz" --heap-rate 1
expect_eq "record --kind heap exits 0" "$?" 0
expect_match "and reports what it traced" "$(cat "$TEST_TMP/exact.pb.gz.err")" \
	'wrote .*exact\.pb\.gz \(pprof\): [0-9]+ of [0-9]+ allocation calls sampled'
p=$TEST_TMP/exact.pb.gz
expect_alloc_sites_exact "$p" "rate 1"
expect_eq "rate 1: grow_buffer made 64 allocations" "$(heap_value "$p" alloc_objects grow_buffer)" 64
expect_eq "rate 1: churn allocated 16384 objects" "$(heap_value "$p" alloc_objects churn)" 16384
raw=$(go_pprof -raw "$p")
expect_match "Go's heap sample types" "$raw" \
	'alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes'
expect_match "period type space/bytes, period = the rate" "$raw" 'PeriodType: space bytes'$'\n''Period: 1'
expect_match "viewers default to inuse_space" "$(go_pprof -top "$p")" 'Type: inuse_space'
comments=$(go_pprof -top "$p" | head -n 12)
expect_match "comments name the allocator and the rate" "$comments" 'allocator: the malloc family of .*libc\.so\.6; one sample every 1 bytes'
expect_match "comments say what in use means" "$comments" 'allocations made before attach are invisible'
expect_match "comments count calls and losses" "$comments" 'allocation calls: [0-9]+ seen, [0-9]+ sampled .* lost: 0 \(ring buffer full\)'
expect_match "stacks reach the thread's root" "$(go_pprof -top -cum -nodefraction=0 "$p")" 'start_thread'
expect_match "-list puts the bytes on the allocating line" \
	"$(go_pprof -list '^keep_small$' -sample_index=inuse_space "$p")" '97\.66kB +[0-9]+:.*malloc\(100\)'
kill "$WORKLOAD_PID"

# --- the default rate: an estimate ---------------------------------------------
heap_profile "$TEST_TMP/sampled.pb.gz"
got=$(heap_value "$TEST_TMP/sampled.pb.gz" alloc_space churn)
check "default rate: churn's 1 GiB estimated within 10% (got ${got:-none} bytes)" \
	awk -v g="${got:-0}" 'BEGIN { d = g / 1073741824 - 1; exit !(d < 0.1 && d > -0.1) }'
expect_match "default rate: the period is 524288" "$(go_pprof -raw "$TEST_TMP/sampled.pb.gz")" 'Period: 524288'
kill "$WORKLOAD_PID"

# --- several threads allocating at once -------------------------------------------
WORKLOAD_ARGS=(--threads 4)
heap_profile "$TEST_TMP/threads.pb.gz" --heap-rate 1
expect_eq "4 threads: keep_small has 4 x 100,000 bytes in use" \
	"$(heap_value "$TEST_TMP/threads.pb.gz" inuse_space keep_small)" 400000
expect_eq "4 threads: churn allocated 4 GiB" "$(heap_value "$TEST_TMP/threads.pb.gz" alloc_space churn)" 4294967296
kill "$WORKLOAD_PID"
WORKLOAD_ARGS=()

# --- folded output: what is drawn, and an empty drawing explained ------------------
heap_profile "$TEST_TMP/alloc.folded" --heap-rate 1 --sample-index alloc_space
got=$(awk '/churn/ { s += $NF } END { print s + 0 }' "$TEST_TMP/alloc.folded")
expect_eq "--sample-index alloc_space: folded output draws churn's 1 GiB allocated" "$got" 1073741824
expect_match "the profile's duration is the window asked for (4 s)" \
	"$(go_pprof -raw "$TEST_TMP/exact.pb.gz" | grep '^Duration')" '^Duration: 4\.[0-9]+'
kill "$WORKLOAD_PID"
start_workload alloc_sites # never told to allocate
"$bpfprof" record --kind heap --pid "$WORKLOAD_PID" --duration 1s -o "$TEST_TMP/none.folded" 2>"$TEST_TMP/none.err"
expect_match "an empty heap drawing says why, and what draws something" "$(cat "$TEST_TMP/none.err")" \
	'warning: the folded output draws inuse_space, which is 0 in this profile .* --sample-index alloc_space draws'
"$bpfprof" record --kind heap --pid "$WORKLOAD_PID" --duration 1s -o "$TEST_TMP/bogus.folded" \
	--sample-index bogus 2>"$TEST_TMP/bogus.err"
expect_eq "--sample-index must name a sample type of the profile (status 2)" "$?" 2
expect_match "and the types are listed" "$(tail -n 1 "$TEST_TMP/bogus.err")" \
	"^bpfprof: --sample-index must be one of this profile's sample types \\(alloc_objects, alloc_space, inuse_objects, inuse_space\\), not 'bogus'$"
check "nothing is left under the name" test ! -e "$TEST_TMP/bogus.folded"
kill "$WORKLOAD_PID"

# --- the target exits mid-profile ------------------------------------------------
heap_record_through_exit "$TEST_TMP/exit.pb.gz"
expect_eq "a target exiting mid-profile still gives exit status 0" "$?" 0
expect_match "with a warning" "$(cat "$TEST_TMP/exit.pb.gz.err")" 'warning: PID [0-9]+ exited after'
expect_eq "and what was traced" "$(heap_value "$TEST_TMP/exit.pb.gz" inuse_space keep_small)" 100000

# --- bad input ---------------------------------------------------------------------
start_workload alloc_sites
refused() {
	local description=$1 pattern=$2
	shift 2
	expect_refusal "$description" 2 "$pattern" "$bpfprof" record --pid "$WORKLOAD_PID" "$@"
}
refused "--heap-rate 0" "--heap-rate must be a whole number of bytes from 1 to 1073741824, not '0'" --kind heap --heap-rate 0
refused "--heap-rate abc" "--heap-rate must be a whole number of bytes" --kind heap --heap-rate abc
refused "--heap-rate -5" "--heap-rate must be a whole number of bytes" --kind heap --heap-rate -5
refused "--heap-rate too high" "--heap-rate must be a whole number of bytes" --kind heap --heap-rate 2147483648
refused "an unknown --kind" "--kind must be cpu, heap, leaks, block, mutex, wall or trace, not 'goroutine'" --kind goroutine
kill "$WORKLOAD_PID"
help=$("$bpfprof" record --help)
expect_match "record --help explains --kind" "$help" '--kind K'
expect_match "record --help explains --heap-rate" "$help" '--heap-rate N'
# The kinds record takes come from the agent's table; its help must name each.
kinds=$("$bpfprof" record --pid 1 --kind nope 2>&1 | sed -n "s/.*--kind must be \(.*\), not 'nope'.*/\1/p" | sed 's/ or /, /' | tr -d ',')
check "record --help's usage line names every kind --kind takes ($kinds)" bash -c '
	for kind in '"$kinds"'; do grep -q -- "--kind [a-z|]*\b$kind\b" <<<"$1" || exit 1; done' _ "$help"

finish
