#!/usr/bin/env bash
# test_heap_serve.sh: heap profiles served by `bpfprof serve --heap`, read
# by the real go tool pprof: /debug/pprof/heap and allocs exact per site at
# rate 1, Go's delta (?seconds=N), debug=1 text, the leak view, bad query
# values, heap tracing off, a target that exits, forks and calls exec; and
# `record --kind leaks`.
set -u
. "$(dirname "$0")/../lib.sh"

bpfprof=$ROOT/build/bpfprof

start_workload alloc_sites
if ! start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0 --heap-rate 1; then
	not_ok "serve --heap-rate 1 starts" "$(cat "$AGENT_LOG")"
	finish
	exit
fi
ok "serve --heap-rate 1 starts"
expect_match "and says it traces allocations" "$(cat "$AGENT_LOG")" 'tracing allocations, one sample every 1 bytes'

# A delta opened before the allocations sees them all; one after sees none.
go_pprof -proto -output "$TEST_TMP/delta.pb.gz" "$AGENT_URL/debug/pprof/allocs?seconds=4" >/dev/null &
fetch=$!
sleep 1
kill -USR1 "$WORKLOAD_PID"
wait "$fetch"
expect_eq "allocs?seconds=4: churn's 1 GiB allocated in the window" \
	"$(heap_value "$TEST_TMP/delta.pb.gz" alloc_space churn)" 1073741824
expect_eq "and keep_small's 100,000 bytes still in use" "$(heap_value "$TEST_TMP/delta.pb.gz" inuse_space keep_small)" \
	100000
expect_eq "delta download named as Go names it" \
	"$(curl -s -o /dev/null -D - "$AGENT_URL/debug/pprof/heap?seconds=1" | tr -d '\r' | sed -n 's/^Content-Disposition: //p')" \
	'attachment; filename="heap-delta"'
go_pprof -proto -output "$TEST_TMP/quiet.pb.gz" "$AGENT_URL/debug/pprof/allocs?seconds=1" >/dev/null
expect_eq "a delta over a quiet second has no churn" "$(heap_value "$TEST_TMP/quiet.pb.gz" alloc_space churn)" ""

go_pprof -proto -output "$TEST_TMP/heap.pb.gz" "$AGENT_URL/debug/pprof/heap" >/dev/null
p=$TEST_TMP/heap.pb.gz
expect_eq "heap: keep_small has 100,000 bytes in use" "$(heap_value "$p" inuse_space keep_small)" 100000
expect_eq "heap: keep_calloc has 1 MiB in use" "$(heap_value "$p" inuse_space keep_calloc)" 1048576
expect_eq "heap: grow_buffer keeps 64 KiB" "$(heap_value "$p" inuse_space grow_buffer)" 65536
expect_eq "heap: keep_aligned keeps 15,832 bytes" "$(heap_value "$p" inuse_space keep_aligned)" 15832
expect_eq "heap: churn allocated 1 GiB since attach" "$(heap_value "$p" alloc_space churn)" 1073741824
expect_match "heap: viewers default to inuse_space" "$(go_pprof -top "$p")" 'Type: inuse_space'
expect_match "heap: comments say what in use means" "$(go_pprof -top "$p")" 'allocations made before attach are invisible'
expect_match "allocs: viewers default to alloc_space" "$(go_pprof -top "$AGENT_URL/debug/pprof/allocs")" \
	'Type: alloc_space'
expect_eq "heap?gc=1 is accepted" "$(get '/debug/pprof/heap?gc=1')" 200
expect_match "and named as Go names it" "$(tr -d '\r' <"$TEST_TMP/headers")" 'filename="heap"'

expect_eq "heap?debug=1 is text" "$(get '/debug/pprof/heap?debug=1')" 200
expect_match "with the in-use bytes per function" "$(cat "$TEST_TMP/body")" 'Type: inuse_space'
expect_match "keep_calloc among them, in bytes with their unit as pprof prints them" "$(cat "$TEST_TMP/body")" \
	'1\.00MB .*keep_calloc'
expect_match "and the total too" "$(cat "$TEST_TMP/body")" 'Total: [0-9.]+[kMG]?B'$'\n'

# The leak view: the kept allocations are old after a while; churn's are freed.
sleep 2
go_pprof -proto -output "$TEST_TMP/leaks.pb.gz" "$AGENT_URL/debug/pprof/leaks?older_than=1" >/dev/null
expect_eq "leaks?older_than=1: keep_calloc's 1 MiB" "$(heap_value "$TEST_TMP/leaks.pb.gz" inuse_space keep_calloc)" 1048576
expect_eq "leaks: keep_small's 1000 objects" "$(heap_value "$TEST_TMP/leaks.pb.gz" inuse_objects keep_small)" 1000
expect_eq "leaks: nothing from churn, all freed" "$(heap_value "$TEST_TMP/leaks.pb.gz" inuse_space churn)" ""
expect_match "leaks: the comments give the age" "$(go_pprof -top "$TEST_TMP/leaks.pb.gz")" \
	'made more than 1\.0 s before'
go_pprof -proto -output "$TEST_TMP/young.pb.gz" "$AGENT_URL/debug/pprof/leaks?older_than=3600" >/dev/null
expect_eq "leaks?older_than=3600: nothing is that old" "$(heap_value "$TEST_TMP/young.pb.gz" inuse_space keep_calloc)" ""

# --- bad query values: 400 with Go's messages where Go has one --------------------
bad() {
	local description=$1 path=$2 pattern=$3
	expect_eq "$description: 400" "$(get "$path")" 400
	expect_match "$description: says why" "$(cat "$TEST_TMP/body")" "$pattern"
}
bad "heap?seconds=0" '/debug/pprof/heap?seconds=0' 'invalid value for "seconds" - must be a positive integer'
bad "heap?seconds=abc" '/debug/pprof/heap?seconds=abc' 'invalid value for "seconds"'
bad "heap?seconds=1&debug=1" '/debug/pprof/heap?seconds=1&debug=1' 'seconds and debug params are incompatible'
bad "leaks?older_than=-1" '/debug/pprof/leaks?older_than=-1' 'invalid value for "older_than"'
bad "leaks?seconds=5" '/debug/pprof/leaks?seconds=5' 'the leaks profile has no delta'
expect_match "the index lists heap, allocs and leaks" "$(curl -s "$AGENT_URL/debug/pprof/")" \
	'href="heap\?debug=1".*|href="leaks\?debug=1"'

# --- the target exits: what was traced is still served ------------------------------
kill "$WORKLOAD_PID"
wait "$WORKLOAD_PID" 2>/dev/null
sleep 0.5
go_pprof -proto -output "$TEST_TMP/after.pb.gz" "$AGENT_URL/debug/pprof/heap" >/dev/null
expect_eq "after the target exits, heap still answers with what it had" \
	"$(heap_value "$TEST_TMP/after.pb.gz" inuse_space keep_calloc)" 1048576
expect_match "and says the target exited" "$(go_pprof -top "$TEST_TMP/after.pb.gz")" 'the target exited after'
expect_eq "a delta after the exit returns at once" "$(timeout 5 curl -s -o /dev/null -w '%{http_code}' \
	"$AGENT_URL/debug/pprof/allocs?seconds=60")" 200
check "the agent survives its target" kill -0 "$AGENT_PID"
kill "$AGENT_PID"

# --- heap tracing off ---------------------------------------------------------------
start_workload alloc_sites
start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0
expect_eq "without --heap, heap is 404" "$(get /debug/pprof/heap)" 404
expect_match "and says how to turn it on" "$(cat "$TEST_TMP/body")" 'needs heap tracing, which is off: .*--heap'
expect_match "as go tool pprof prints it" "$(tr -d '\r' <"$TEST_TMP/headers")" 'X-Go-Pprof: 1'
kill "$AGENT_PID" "$WORKLOAD_PID"
expect_refusal "serve --heap-rate 0" 2 "--heap-rate must be a whole number of bytes" \
	"$bpfprof" serve --pid 1 --heap-rate 0

# --- fork and exec in the target ----------------------------------------------------
start_workload fork_exec
fork_out=$(ls "$TEST_TMP"/fork_exec.*.out)
start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0 --heap-rate 1
kill -USR1 "$WORKLOAD_PID"
until_line "$fork_out" forked 5
sleep 0.5
go_pprof -proto -output "$TEST_TMP/fork.pb.gz" "$AGENT_URL/debug/pprof/heap" >/dev/null
expect_eq "fork: the parent's allocations are counted" "$(heap_value "$TEST_TMP/fork.pb.gz" inuse_space parent_keeps)" \
	100000
expect_eq "fork: the child's are not (another process)" "$(heap_value "$TEST_TMP/fork.pb.gz" inuse_space child_keeps)" ""
kill -USR2 "$WORKLOAD_PID"
until_line "$fork_out" "exec'd" 5
sleep 0.5
go_pprof -proto -output "$TEST_TMP/exec.pb.gz" "$AGENT_URL/debug/pprof/heap" >/dev/null
expect_match "exec: the profile says tracing stopped at the exec" "$(go_pprof -top "$TEST_TMP/exec.pb.gz")" \
	'the target called exec after [0-9.]+ s of tracing'
expect_eq "exec: what was traced before stays" "$(heap_value "$TEST_TMP/exec.pb.gz" inuse_space parent_keeps)" 100000
expect_eq "exec: the new program's allocations are not mixed in" \
	"$(heap_value "$TEST_TMP/exec.pb.gz" inuse_space after_exec_keeps)" ""
check "the agent survives the exec" kill -0 "$AGENT_PID"
kill "$AGENT_PID" "$WORKLOAD_PID"

# --- record --kind leaks ----------------------------------------------------------------
start_workload alloc_sites
"$bpfprof" record --kind leaks --older-than 1s --heap-rate 1 --pid "$WORKLOAD_PID" --duration 4s \
	-o "$TEST_TMP/rec-leaks.pb.gz" 2>"$TEST_TMP/rec-leaks.err" &
recorder=$!
# The allocations come once the probes are in, however long attaching takes
# (more than 1.5 s while the kernel matrix's guests load the machine).
until_line "$TEST_TMP/rec-leaks.err" '^bpfprof: tracing'
kill -USR1 "$WORKLOAD_PID"
wait "$recorder"
expect_eq "record --kind leaks exits 0" "$?" 0
expect_eq "and keeps keep_calloc's old 1 MiB" "$(heap_value "$TEST_TMP/rec-leaks.pb.gz" inuse_space keep_calloc)" 1048576
expect_eq "but not churn's freed blocks" "$(heap_value "$TEST_TMP/rec-leaks.pb.gz" inuse_space churn)" ""
expect_refusal "record --older-than 5x" 2 "^bpfprof: --older-than takes a duration like 30s" "$bpfprof" record --kind leaks --pid "$WORKLOAD_PID" \
	--older-than 5x
kill "$WORKLOAD_PID"

finish
