#!/usr/bin/env bash
# test_heap_inject.sh: `--heap-inject`, the in-process sampler
# (sampler/heap_sampler.c) loaded into a running process through ptrace:
# the same exact figures as the uprobe mode at --heap-rate 1 on
# build/tests/alloc_sites, its stacks and lines, the estimate at the
# default rate, the GOT slot the executable calls malloc through taken over
# while tracing and put back after, a second attach to the same process, a
# thread busy in malloc and free while it is loaded, a target that exits,
# and the refusals.
set -u
. "$(dirname "$0")/../lib.sh"

bpfprof=$ROOT/build/bpfprof
library=$ROOT/build/libbpfprof-heap-sampler.so

# inject_profile OUT [RECORD ARGS...]: records WORKLOAD_PID (alloc_sites,
# waiting for SIGUSR1) while it makes its allocations.
inject_profile() {
	local out=$1
	shift
	"$bpfprof" record --kind heap --heap-inject --pid "$WORKLOAD_PID" --duration 4s -o "$out" "$@" 2>"$out.err" &
	local recorder=$!
	until_line "$out.err" '^bpfprof: tracing'
	kill -USR1 "$WORKLOAD_PID"
	wait "$recorder"
}

# malloc_slot PID: the 8 bytes in the GOT slot through which alloc_sites
# calls malloc, as hex.
malloc_slot() {
	local pid=$1 offset base
	offset=$(readelf -rW "$ROOT/build/tests/alloc_sites" | awk '$5 == "malloc@GLIBC_2.2.5" || $5 ~ /^malloc@/ { print $1; exit }')
	base=$(awk -v exe="$ROOT/build/tests/alloc_sites" '$6 == exe && $3 == "00000000" { split($1, r, "-"); print r[1]; exit }' \
		"/proc/$pid/maps")
	dd if="/proc/$pid/mem" bs=8 count=1 iflag=skip_bytes skip=$((0x$base + 0x$offset)) 2>/dev/null | od -An -tx8 | tr -d ' '
}

# --- rate 1: exact, as the uprobe mode -------------------------------------------
start_workload alloc_sites
before=$(malloc_slot "$WORKLOAD_PID")
check "the executable's malloc slot can be read (got '${before}')" test -n "$before"
inject_profile "$TEST_TMP/exact.pb.gz" --heap-rate 1 &
injector=$!
wait_until 30 grep -q "$library" "/proc/$WORKLOAD_PID/maps"
until_line "$TEST_TMP/exact.pb.gz.err" '^bpfprof: tracing'
during=$(malloc_slot "$WORKLOAD_PID")
wait "$injector"
expect_eq "record --kind heap --heap-inject exits 0" "$?" 0
check "while tracing, malloc's GOT slot leads elsewhere ($before -> $during)" test "$during" != "$before"
expect_eq "after, the slot is put back" "$(malloc_slot "$WORKLOAD_PID")" "$before"
expect_eq "the library stays loaded, once" "$(grep -c "$library" "/proc/$WORKLOAD_PID/maps" | awk '$1 > 0 { print "yes" }')" yes
p=$TEST_TMP/exact.pb.gz
expect_alloc_sites_exact "$p" "rate 1"
comments=$(go_pprof -top "$p" | head -n 12)
expect_match "comments say the sampling ran in the process" "$comments" \
	'allocator: the malloc family, sampled inside the process by .*libbpfprof-heap-sampler\.so .*--heap-inject'
expect_match "comments count calls and losses" "$comments" 'allocation calls: [0-9]+ seen, [0-9]+ sampled .* lost: 0 \(ring buffer full\)'
top=$(go_pprof -top -cum -nodefraction=0 "$p")
expect_match "stacks reach the thread's root" "$top" 'start_thread'
check "no frame of the sampler itself" bash -c "! grep -q 'sampled_\|bpfprof_heap' <<<\"\$1\"" _ "$top"
expect_match "-list puts the bytes on the allocating line" \
	"$(go_pprof -list '^keep_small$' -sample_index=inuse_space "$p")" '97\.66kB +[0-9]+:.*malloc\(100\)'
kill "$WORKLOAD_PID"

# --- the default rate, and a second attach to the same process -----------------------
start_workload alloc_sites --threads 2
inject_profile "$TEST_TMP/sampled.pb.gz"
got=$(heap_value "$TEST_TMP/sampled.pb.gz" alloc_space churn)
check "default rate: 2 threads' churn of 2 GiB estimated within 10% (got ${got:-none} bytes)" \
	awk -v g="${got:-0}" 'BEGIN { d = g / 2147483648 - 1; exit !(d < 0.1 && d > -0.1) }'
kill "$WORKLOAD_PID"
start_workload alloc_sites
"$bpfprof" record --kind heap --heap-inject --pid "$WORKLOAD_PID" --duration 1s -o "$TEST_TMP/first.pb.gz" \
	2>"$TEST_TMP/first.err"
expect_eq "a first attach at the default rate, before any allocation" "$?" 0
inject_profile "$TEST_TMP/again.pb.gz" --heap-rate 1
expect_eq "a second attach to the same process works" "$?" 0
expect_eq "and counts exactly at its own rate (1): keep_small's 100,000 bytes" \
	"$(heap_value "$TEST_TMP/again.pb.gz" inuse_space keep_small)" 100000
expect_eq "it found the library loaded: one copy" \
	"$(awk -v l="$library" '$6 == l { print $5 }' "/proc/$WORKLOAD_PID/maps" | sort -u | wc -l)" 1
kill "$WORKLOAD_PID"

# --- serve --heap-inject: the endpoints, and the slot put back at the agent's end ------
start_workload alloc_sites
before=$(malloc_slot "$WORKLOAD_PID")
if start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0 --heap-inject --heap-rate 1; then
	ok "serve --heap-inject starts"
	kill -USR1 "$WORKLOAD_PID"
	until_line "$(ls -t "$TEST_TMP"/alloc_sites.*.out | head -n 1)" 'alloc_sites: done'
	go_pprof -proto -output "$TEST_TMP/served.pb.gz" "$AGENT_URL/debug/pprof/heap" >/dev/null
	expect_eq "/debug/pprof/heap: keep_small's 100,000 bytes in use" \
		"$(heap_value "$TEST_TMP/served.pb.gz" inuse_space keep_small)" 100000
	kill -INT "$AGENT_PID"
	wait "$AGENT_PID"
	expect_eq "serve stops cleanly on SIGINT" "$?" 0
	expect_eq "and puts the slot back" "$(malloc_slot "$WORKLOAD_PID")" "$before"
else
	not_ok "serve --heap-inject starts" "$(cat "$AGENT_LOG")"
fi
kill "$WORKLOAD_PID"

# --- a thread in malloc and free all the time ---------------------------------------
start_workload malloc_pairs --seconds 8
pairs_out=$(ls -t "$TEST_TMP"/malloc_pairs.*.out | head -n 1)
"$bpfprof" record --kind heap --heap-inject --pid "$WORKLOAD_PID" --duration 2s -o "$TEST_TMP/pairs.pb.gz" \
	2>"$TEST_TMP/pairs.err"
expect_eq "a target busy in malloc is injected and traced" "$?" 0
expect_match "its calls are counted" "$(cat "$TEST_TMP/pairs.err")" 'wrote .* [0-9]+ of [1-9][0-9]+ allocation calls sampled'
wait "$WORKLOAD_PID"
expect_eq "and it runs on to its normal end" "$?" 0
expect_match "its loop never broke" "$(tail -n 1 "$pairs_out")" '^malloc_pairs: [0-9]+ pairs in'

# --- the target exits while traced ---------------------------------------------------
heap_record_through_exit "$TEST_TMP/exit.pb.gz" --heap-inject
expect_eq "a target exiting mid-profile still gives exit status 0" "$?" 0
expect_eq "and what was traced" "$(heap_value "$TEST_TMP/exit.pb.gz" inuse_space keep_small)" 100000

# --- refusals ------------------------------------------------------------------------
start_workload alloc_sites
expect_refusal "--heap-inject is a heap flag" 2 "--heap-inject applies to --kind heap and leaks, not --kind cpu" \
	"$bpfprof" record --pid "$WORKLOAD_PID" --kind cpu --heap-inject
expect_refusal "--heap-inject traces one process" 1 "--heap-inject traces one process: leave out --children and --cgroup" \
	"$bpfprof" record --pid "$WORKLOAD_PID" --children --kind heap --heap-inject --duration 1s -o "$TEST_TMP/set.pb.gz"
kill "$WORKLOAD_PID"
start_workload goserver -listen 127.0.0.1:0
expect_refusal "a Go program is refused" 1 "is a Go program: its heap is Go's own, not malloc's.*leave out --heap-inject" \
	"$bpfprof" record --pid "$WORKLOAD_PID" --kind heap --heap-inject --duration 1s -o "$TEST_TMP/go.pb.gz"
kill "$WORKLOAD_PID"

finish
