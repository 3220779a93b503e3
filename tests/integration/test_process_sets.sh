#!/usr/bin/env bash
# test_process_sets.sh: profiles of several processes at once, from our own
# workloads, where the truth is known: workers forked after attach
# (--children), workers that exec a new program, two unrelated PIDs, a
# cgroup with a process joining it mid-profile (--cgroup); every profile
# kind over a set, heap exact at rate 1 (per worker, and across processes
# that allocate through two different libc files), the labels pid and
# comm, tables shared by build ID, and bad input.
set -u
. "$(dirname "$0")/../lib.sh"

bpfprof=$ROOT/build/bpfprof

# start_forker ARGS...: FORKER_PID, its output in FORKER_OUT.
start_forker() {
	FORKER_OUT=$TEST_TMP/forker.$RANDOM.out
	"$ROOT/build/tests/forker" "$@" >"$FORKER_OUT" 2>&1 &
	FORKER_PID=$!
	server_pids+=("$FORKER_PID")
	sleep 0.2
}

# body PATH: the body the agent start_serve started answers for PATH.
body() {
	get "$1" >/dev/null
	cat "$TEST_TMP/body"
}

# share_of TAGS_OUTPUT PID: the percentage `go tool pprof -tags` gives pid.
share_of() {
	awk -v p="$2" '$NF == p && /%\)/ { sub(/.*\( */, ""); sub(/%.*/, ""); print; exit }' <<<"$1"
}

# --- --children: three workers forked after attach ---------------------------
start_forker --children 3 --child-seconds 2
"$bpfprof" record --pid "$FORKER_PID" --children -d 4s -o "$TEST_TMP/kids.pb.gz" 2>"$TEST_TMP/kids.err" &
recorder=$!
until_line "$TEST_TMP/kids.err" '^bpfprof: sampling' # forked once sampling runs, however long attaching took
kill -USR1 "$FORKER_PID"
wait "$recorder"
expect_eq "record --children exits 0" "$?" 0
mapfile -t workers < <(sed -n 's/^forker: worker //p' "$FORKER_OUT")
expect_eq "the parent forked three workers after attach" "${#workers[@]}" 3
tags=$(go_pprof -tags "$TEST_TMP/kids.pb.gz")
for worker in "${workers[@]}"; do
	share=$(share_of "$tags" "$worker")
	# Three spinning workers on this machine's two CPUs: each a third.
	check "worker $worker has a third of the samples within 12 points (got ${share:-none}%)" within 12 "${share:-}" 33.3
done
share=$(share_of "$tags" "$FORKER_PID")
check "the waiting parent has almost none: its forks (got ${share:-0}%)" within 2 "${share:-0}" 0
expect_match "each sample names its process (comm label)" "$tags" 'comm: Total [0-9.]+m?s'$'\n'' +[0-9.]+m?s \( *100%\): forker'
top=$(go_pprof -top -cum "$TEST_TMP/kids.pb.gz")
got=$(cum_percent "$top" child_work)
check "the workers' stacks are named: child_work has all the time (got ${got:-none}%)" within 1 "${got:-}" 100
raw=$(go_pprof -raw "$TEST_TMP/kids.pb.gz")
expect_match "the comments say how the set grew" "$raw" \
	'CPU profile of 4 processes \(PID '"$FORKER_PID"' and descendants\).*processes: 4 seen, 3 of them joined after attach, 3 exited, 0 exec.d a new program; 0 left before they could be read'
expect_match "and what each process gave" "$raw" "cpu/nanoseconds by process: .*PID ${workers[0]} \(forker\) [0-9]+"
expect_match "and the process tracker's counters" "$raw" \
	'counters of process_tracker\.bpf\.c: [0-9]+ forks, joins, execs and exits of traced processes; 0 of which with no room in the ring buffer; 0 processes not traced'
expect_match "pprof -tagroot=pid puts each worker at the root" "$(go_pprof -top -tagroot=pid "$TEST_TMP/kids.pb.gz")" \
	" ${workers[1]}"$'\n'
expect_match "-tagfocus picks one worker" "$(go_pprof -top -tagfocus="pid=${workers[2]}" "$TEST_TMP/kids.pb.gz")" \
	'Active filters:'$'\n'' +tagfocus=pid='"${workers[2]}"
mappings=$(go_pprof -raw "$TEST_TMP/kids.pb.gz" | awk '/^Mappings/ { on = 1; next } on && /build\/tests\/forker / { n++ } END { print n + 0 }')
expect_eq "forked workers map forker at the same place: one mapping for the four processes" "$mappings" 1
expect_match "folded output can start each stack with its process" \
	"$(go_pprof -traces -tagroot=pid "$TEST_TMP/kids.pb.gz" | head -n 40)" "${workers[0]}"
kill "$FORKER_PID" 2>/dev/null

# --- heap at rate 1: each worker's exact bytes, forked after attach --------
start_forker --children 3 --child-seconds 6 --child-allocs 100000
"$bpfprof" record --kind heap --heap-rate 1 --pid "$FORKER_PID" --children -d 4s -o "$TEST_TMP/heap.pb.gz" \
	2>"$TEST_TMP/heap.err" &
recorder=$!
# The workers are forked once the probes are in, however long attaching takes.
until_line "$TEST_TMP/heap.err" '^bpfprof: tracing'
kill -USR1 "$FORKER_PID"
wait "$recorder"
expect_eq "record --kind heap --children exits 0" "$?" 0
mapfile -t workers < <(sed -n 's/^forker: worker //p' "$FORKER_OUT")
# worker_bytes PROFILE PID: the in-use bytes child_allocates holds in PID.
worker_bytes() { heap_value "$1" inuse_space child_allocates -tagfocus="pid=$2"; }
for i in 0 1 2; do
	# 1000-byte blocks and the 8-byte pointer each keeps in an array.
	want=$(((i + 1) * 100800))
	got=$(worker_bytes "$TEST_TMP/heap.pb.gz" "${workers[$i]}")
	expect_eq "worker $((i + 1)), forked after attach, keeps exactly $want bytes" "${got:-none}" "$want"
done
expect_match "the heap profile says how a set is traced" "$(go_pprof -raw "$TEST_TMP/heap.pb.gz")" \
	'a set of processes: the allocator.s probes are the file.s'
kill "$FORKER_PID" 2>/dev/null

# --- workers that exec a new program: the new image is the one named --------
start_forker --children 2 --child-seconds 2 --exec
"$bpfprof" record --pid "$FORKER_PID" --children -d 4s -o "$TEST_TMP/exec.pb.gz" 2>"$TEST_TMP/exec.err" &
recorder=$!
until_line "$TEST_TMP/exec.err" '^bpfprof: sampling'
kill -USR1 "$FORKER_PID"
wait "$recorder"
top=$(go_pprof -top -cum "$TEST_TMP/exec.pb.gz")
got=$(cum_percent "$top" exec_work)
check "exec'd workers are named from their new image: exec_work (got ${got:-none}%)" within 2 "${got:-}" 100
expect_match "and counted as execs" "$(go_pprof -raw "$TEST_TMP/exec.pb.gz")" \
	'processes: 3 seen, 2 of them joined after attach, 2 exited, 2 exec.d a new program'
kill "$FORKER_PID" 2>/dev/null

# --- several PIDs: comma lists and repeated flags, tables shared -----------
start_workload cpu_split --seconds 900
first=$WORKLOAD_PID
start_workload cpu_split --seconds 900
second=$WORKLOAD_PID
"$bpfprof" record --pid "$first" -d 1s -o "$TEST_TMP/alone.pb.gz" 2>/dev/null
"$bpfprof" record --pid "$first,$second" -d 3s --hz 299 -o "$TEST_TMP/two.pb.gz" 2>"$TEST_TMP/two.err"
expect_eq "record --pid A,B exits 0" "$?" 0
expect_match "it says which processes it samples" "$(cat "$TEST_TMP/two.err")" \
	"sampling 2 processes: PID $first \(cpu_split\), PID $second \(cpu_split\)"
tags=$(go_pprof -tags "$TEST_TMP/two.pb.gz")
for pid in "$first" "$second"; do
	share=$(share_of "$tags" "$pid")
	check "PID $pid has half the samples within 10 points (got ${share:-none}%)" within 10 "${share:-}" 50
done
objects() { sed -n 's/.*\.eh_frame tables of \([0-9]*\) objects.*/\1/p' <<<"$(go_pprof -raw "$1")" | head -n 1; }
expect_eq "two processes of one binary share its tables: as many objects as one" \
	"$(objects "$TEST_TMP/two.pb.gz")" "$(objects "$TEST_TMP/alone.pb.gz")"
"$bpfprof" record --pid "$first" --pid "$second" -d 1s -o "$TEST_TMP/repeated.pb.gz" 2>/dev/null
tags=$(go_pprof -tags "$TEST_TMP/repeated.pb.gz")
expect_match "--pid repeated adds to the set" "$tags" "$first"
"$bpfprof" record --pid "$first,$second" -d 1s -o "$TEST_TMP/two.folded" 2>/dev/null
expect_match "folded stacks of a set start with their process" "$(cat "$TEST_TMP/two.folded")" \
	"(^|"$'\n'")cpu_split \(PID $second\);[^ ]*work_a;burn [0-9]+"
"$bpfprof" record --pid "$first,$second" -d 1s -o "$TEST_TMP/two.svg" 2>/dev/null
expect_match "and so do the SVG flamegraph's" "$(cat "$TEST_TMP/two.svg")" "cpu_split \(PID $first\)"
expect_match "both of them" "$tags" "$second"

# --- off-CPU, wall and threads over a set ----------------------------------
start_workload waits --seconds 60
waits_a=$WORKLOAD_PID
start_workload waits --seconds 60
waits_b=$WORKLOAD_PID
kill -USR1 "$waits_a" "$waits_b"
sleep 0.5
"$bpfprof" record --kind mutex --pid "$waits_a,$waits_b" -d 2s -o "$TEST_TMP/mutex.pb.gz" 2>/dev/null
tags=$(go_pprof -tags "$TEST_TMP/mutex.pb.gz")
expect_match "mutex over two processes: the first's waits" "$tags" "$waits_a"
expect_match "and the second's" "$tags" "$waits_b"
expect_match "named in both: wait_for_lock" "$(go_pprof -top "$TEST_TMP/mutex.pb.gz")" 'wait_for_lock'
"$bpfprof" record --kind wall --pid "$waits_a,$first" -d 2s -o "$TEST_TMP/wall.pb.gz" 2>/dev/null
tags=$(go_pprof -tags "$TEST_TMP/wall.pb.gz")
expect_match "wall clock over two processes: both" "$tags" "$waits_a.*"$'\n'".*$first|$first.*"$'\n'".*$waits_a"

start_serve --pid "$waits_a,$waits_b" --listen 127.0.0.1:0
grouped=$(body "/debug/pprof/goroutine?debug=1")
expect_match "threads of a set: each group says its process" "$grouped" \
	'# labels: \{"thread":"waiter", "pid":"'"$waits_a"'", "comm":"waits"\}'
expect_match "the other process's too" "$grouped" '"pid":"'"$waits_b"'"'
expect_match "debug=2 names each thread's process" "$(body "/debug/pprof/goroutine?debug=2")" \
	'thread [0-9]+ "holder" \[[a-z ]+[^]]*\] of PID '"$waits_b"' \(waits\):'
body "/debug/pprof/goroutine" >"$TEST_TMP/threads.pb.gz"
expect_match "the threads profile counts both processes' threads" "$(go_pprof -tags "$TEST_TMP/threads.pb.gz")" \
	'pid: Total 10'
trace=$(body "/debug/pprof/trace?seconds=1")
expect_match "a trace of a set has a track group per process" "$trace" \
	'"name":"process_name","ph":"M","pid":'"$waits_a"',.*"name":"process_name","ph":"M","pid":'"$waits_b"
target=$(body /api/traced-set)
expect_match "the UI's target lists the set" "$target" \
	'"set":"2 processes: PID '"$waits_a"' \(waits\), PID '"$waits_b"' \(waits\)","processes":\[\{"pid":'"$waits_a"
kill "$AGENT_PID" 2>/dev/null

# --- --cgroup: the members, one that joins mid-profile, one that leaves ----
cgroup_root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
cgroup=$cgroup_root/bpfprof-test-$$
if [[ -n "$cgroup_root" ]] && mkdir "$cgroup" 2>/dev/null; then
	start_workload cpu_split --seconds 900
	member=$WORKLOAD_PID
	echo "$member" >"$cgroup/cgroup.procs"
	start_workload cpu_split --seconds 900
	leaver=$WORKLOAD_PID
	echo "$leaver" >"$cgroup/cgroup.procs"
	start_workload cpu_split --seconds 900
	joiner=$WORKLOAD_PID
	# Three CPU-bound processes on two CPUs for 3 s: the member in the set
	# throughout, the joiner for its last 2 s, the leaver for its first
	# (about 50, 33 and 17 % of the set's samples on an idle machine). A
	# leaver kept in the set would have as many samples as the member; one
	# taken out about a third (under load the move may come later: still
	# clearly fewer).
	"$bpfprof" record --cgroup "bpfprof-test-$$" -d 3s -o "$TEST_TMP/cgroup.pb.gz" 2>"$TEST_TMP/cgroup.err" &
	recorder=$!
	until_line "$TEST_TMP/cgroup.err" '^bpfprof: sampling' 10
	sleep 1
	echo "$joiner" >"$cgroup/cgroup.procs"
	echo "$leaver" >"$cgroup_root/cgroup.procs"
	wait "$recorder"
	expect_eq "record --cgroup exits 0" "$?" 0
	tags=$(go_pprof -tags "$TEST_TMP/cgroup.pb.gz")
	share=$(share_of "$tags" "$member")
	check "the member has most of the samples (got ${share:-none}%)" within 20 "${share:-}" 50
	share=$(share_of "$tags" "$joiner")
	check "the process moved in after 1 s has a third (got ${share:-none}%)" within 15 "${share:-}" 33
	share=$(share_of "$tags" "$leaver")
	member_share=$(share_of "$tags" "$member")
	check "the process moved out after 1 s keeps its first second only (got ${share:-none}%, the member ${member_share:-none}%)" \
		awk -v l="${share:-0}" -v m="${member_share:-0}" 'BEGIN { exit !(l > 0 && m > 0 && l < 0.7 * m) }'
	comments=$(go_pprof -raw "$TEST_TMP/cgroup.pb.gz")
	expect_match "the comments name the cgroup and the joiner" "$comments" \
		"of cgroup $cgroup: PID $member \(cpu_split\), PID $leaver \(cpu_split\), PID $joiner \(cpu_split\).*1 of them joined after attach"
	expect_match "and the process that moved out" "$comments" '1 moved out of the cgroup \(their samples until then kept\)'
	kill "$leaver"
	expect_eq "a cgroup's outsiders are not sampled" "$(share_of "$tags" "$first")" ""
	for pid in $(cat "$cgroup/cgroup.procs"); do echo "$pid" >"$cgroup_root/cgroup.procs"; done

	# Heap, rate 1, over a set whose processes allocate through two
	# different files: a member on the system's libc, and a joiner run on a
	# copy of it (as a container's own libc would be), moved in after the
	# probes are placed. Each forks one worker that keeps known bytes.
	libc=$(awk '$6 ~ /\/libc\.so/ { print $6; exit }' /proc/self/maps)
	mkdir -p "$TEST_TMP/ownlibc" && cp "$libc" "$TEST_TMP/ownlibc/"
	start_forker --children 1 --child-seconds 6 --child-allocs 100000
	member=$FORKER_PID member_out=$FORKER_OUT
	echo "$member" >"$cgroup/cgroup.procs"
	LD_LIBRARY_PATH=$TEST_TMP/ownlibc start_forker --children 1 --child-seconds 6 --child-allocs 50000
	joiner=$FORKER_PID joiner_out=$FORKER_OUT
	check "the joiner runs on its own copy of libc" grep -q "$TEST_TMP/ownlibc/" "/proc/$joiner/maps"
	"$bpfprof" record --kind heap --heap-rate 1 --cgroup "bpfprof-test-$$" -d 4s -o "$TEST_TMP/libcs.pb.gz" \
		2>"$TEST_TMP/libcs.err" &
	recorder=$!
	until_line "$TEST_TMP/libcs.err" '^bpfprof: tracing'
	echo "$joiner" >"$cgroup/cgroup.procs"
	until_line "$TEST_TMP/libcs.err" 'probed too' 10
	expect_match "the agent says the joiner's libc got probes" "$(cat "$TEST_TMP/libcs.err")" \
		"bpfprof: heap: PID $joiner \\(forker\\) allocates with $TEST_TMP/ownlibc/libc.so.6: probed too"
	kill -USR1 "$member" "$joiner"
	wait "$recorder"
	expect_eq "record --kind heap --cgroup exits 0" "$?" 0
	worker=$(sed -n 's/^forker: worker //p' "$member_out")
	expect_eq "the member's worker keeps exactly 100800 bytes (the system's libc)" \
		"$(worker_bytes "$TEST_TMP/libcs.pb.gz" "$worker")" 100800
	worker=$(sed -n 's/^forker: worker //p' "$joiner_out")
	expect_eq "the joiner's worker keeps exactly 50400 bytes (its own libc)" \
		"$(worker_bytes "$TEST_TMP/libcs.pb.gz" "$worker")" 50400
	expect_match "the profile names both allocators" "$(go_pprof -raw "$TEST_TMP/libcs.pb.gz")" \
		"allocator: the malloc family of $libc, $TEST_TMP/ownlibc/libc.so.6;"
	kill "$member" "$joiner" 2>/dev/null
	for pid in $(cat "$cgroup/cgroup.procs"); do echo "$pid" >"$cgroup_root/cgroup.procs"; done
	rmdir "$cgroup"
else
	not_ok "cannot create a cgroup v2 directory to test --cgroup (mounted at '${cgroup_root:-nowhere}')"
fi

# --- bad input --------------------------------------------------------------
expect_refusal "--children without --pid" 2 '^bpfprof: --children follows the descendants of --pid' \
	"$bpfprof" record --children -d 1s -o "$TEST_TMP/x.pb.gz"
expect_refusal "a bad PID in a list" 2 "^bpfprof: --pid must be a process ID \(a positive whole number\), not 'abc'" \
	"$bpfprof" record --pid "$first,abc" -d 1s -o "$TEST_TMP/x.pb.gz"
expect_refusal "a PID of the list that does not exist" 1 '^bpfprof: no process with PID 4194000' \
	"$bpfprof" record --pid "$first,4194000" -d 1s -o "$TEST_TMP/x.pb.gz"
expect_refusal "a --cgroup that does not exist" 1 '^bpfprof: --cgroup /nonexistent: No such file or directory' \
	"$bpfprof" record --cgroup /nonexistent -d 1s -o "$TEST_TMP/x.pb.gz"
expect_refusal "a --cgroup that is no cgroup" 1 '^bpfprof: --cgroup /tmp: not a cgroup v2 directory' \
	"$bpfprof" record --cgroup /tmp -d 1s -o "$TEST_TMP/x.pb.gz"
check "record --help describes the set flags" bash -c "'$bpfprof' record --help | grep -q -- '--children' && '$bpfprof' record --help | grep -q -- '--cgroup DIR'"

finish
