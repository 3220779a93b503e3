#!/usr/bin/env bash
# test_faults.sh: faults the agent must survive or report in one clear
# line, with real BPF against real processes: the agent SIGKILLed mid-heap
# trace and mid-window (the target runs on, no program or probe is left in
# the kernel, a new agent attaches cleanly); the target SIGKILLed during a
# window of each kind, and forking and exec'ing during one; a full disk and an unwritable directory (a clear
# error, nothing half-written under the final name); a user with only some
# of the capabilities against another user's process, whose /proc/PID/root
# it cannot read.
set -u
. "$(dirname "$0")/../lib.sh"

bpfprof=$ROOT/build/bpfprof

# Our programs in the kernel, by the names bpfprof's objects give them.
our_programs() {
	bpftool prog show 2>/dev/null | grep -cE 'name (sample_cpu|malloc_entry|calloc_entry|free_entry|allocation_return|block_switch|futex_enter|futex_exit|process_exec)'
}
no_programs_left() { (($(our_programs) == 0)); }
until_gone() { wait_until 5 no_programs_left; }

# --- the agent SIGKILLed mid-heap-trace and mid-window ------------------------
start_workload alloc_sites
target=$WORKLOAD_PID
"$bpfprof" record --kind heap --heap-rate 1 --pid "$target" --duration 60s -o "$TEST_TMP/killed.pb.gz" \
	2>"$TEST_TMP/killed.err" &
agent=$!
until_line "$TEST_TMP/killed.err" '^bpfprof: tracing'
kill -USR1 "$target" # allocating while the agent dies
sleep 0.5
kill -KILL "$agent"
wait "$agent" 2>/dev/null
check "the agent SIGKILLed mid-heap-trace leaves no program in the kernel" until_gone
check "the target runs on" kill -0 "$target"
check "and nothing is written under the final name" test ! -e "$TEST_TMP/killed.pb.gz"
"$bpfprof" record --kind heap --heap-rate 1 --pid "$target" --duration 1s -o "$TEST_TMP/again.pb.gz" 2>"$TEST_TMP/again.err"
expect_eq "a new agent attaches cleanly" "$?" 0
kill "$target"

start_workload cpu_split --seconds 900
target=$WORKLOAD_PID
for type in cpu block mutex wall; do
	"$bpfprof" record --kind "$type" --pid "$target" --duration 60s -o "$TEST_TMP/k-$type.pb.gz" 2>"$TEST_TMP/k-$type.err" &
	agent=$!
	until_line "$TEST_TMP/k-$type.err" '^bpfprof: (sampling|tracing)'
	sleep 0.5
	kill -KILL "$agent"
	wait "$agent" 2>/dev/null
	check "the agent SIGKILLed mid-$type-window leaves no program in the kernel" until_gone
done
check "the target runs on through all of it" kill -0 "$target"
start_serve --pid "$target" --listen 127.0.0.1:0 --heap
curl -s -o /dev/null --max-time 30 "$AGENT_URL/debug/pprof/profile?seconds=20" &
fetch=$!
wait_until 5 sampler_loaded
kill -KILL "$AGENT_PID"
wait "$fetch" 2>/dev/null
check "serve SIGKILLed with a window open and heap tracing on leaves no program" until_gone
"$bpfprof" record --pid "$target" --duration 1s -o "$TEST_TMP/after-serve.pb.gz" 2>/dev/null
expect_eq "and a new agent attaches cleanly" "$?" 0
kill "$target"

# --- the target SIGKILLed during a window of each kind -------------------------
for type in cpu heap leaks block mutex wall; do
	start_workload cpu_split --seconds 900
	target=$WORKLOAD_PID
	"$bpfprof" record --kind "$type" --pid "$target" --duration 30s -o "$TEST_TMP/t-$type.pb.gz" 2>"$TEST_TMP/t-$type.err" &
	agent=$!
	until_line "$TEST_TMP/t-$type.err" '^bpfprof: (sampling|tracing)'
	sleep 0.5
	kill -KILL "$target"
	started=$SECONDS
	wait "$agent"
	status=$?
	check "$type: a target SIGKILLed mid-window ends it with status 0 ($status) within 5 s ($((SECONDS - started)) s)" \
		test "$status" -eq 0 -a "$((SECONDS - started))" -le 5
	expect_match "$type: and says the target is gone" "$(cat "$TEST_TMP/t-$type.err")" 'warning: .*(exited|PID [0-9]+ exited)'
	check "$type: the profile is written" test -s "$TEST_TMP/t-$type.pb.gz"
done

# --- the target forking and exec'ing during a window of each kind -----------------
# fork_exec forks a child (SIGUSR1), then exec's itself (SIGUSR2): the same
# PID running a new program in the window's middle.
for type in cpu heap leaks block mutex wall; do
	start_workload fork_exec
	target=$WORKLOAD_PID
	target_out=$(ls -t "$TEST_TMP"/fork_exec.*.out | head -n 1)
	"$bpfprof" record --kind "$type" --pid "$target" --duration 4s -o "$TEST_TMP/fe-$type.pb.gz" 2>"$TEST_TMP/fe-$type.err" &
	agent=$!
	until_line "$TEST_TMP/fe-$type.err" '^bpfprof: (sampling|tracing)'
	kill -USR1 "$target"
	until_line "$target_out" 'forked' 5
	kill -USR2 "$target"
	until_line "$target_out" "exec'd" 5
	wait "$agent"
	expect_eq "$type: a target that forks and exec's mid-window: status 0" "$?" 0
	expect_match "$type: the profile is written and said so" "$(tail -n 1 "$TEST_TMP/fe-$type.err")" \
		"^bpfprof: (wrote|warning: ).*"
	check "$type: go tool pprof reads it" bash -c "HOME='$TEST_TMP' GOCACHE='$TEST_TMP/gocache' go tool pprof -raw '$TEST_TMP/fe-$type.pb.gz' >/dev/null 2>&1"
	kill "$target" 2>/dev/null
done
expect_match "heap: tracing stops at the exec, as the warning says" "$(cat "$TEST_TMP/fe-heap.err")" \
	'warning: PID [0-9]+ called exec after [0-9.]+ s'

# --- the output: a full disk, an unwritable directory -----------------------------
start_workload cpu_split --seconds 900
target=$WORKLOAD_PID
mkdir -p "$TEST_TMP/small"
if mount -t tmpfs -o size=64k tmpfs "$TEST_TMP/small"; then
	echo "an earlier profile" >"$TEST_TMP/small/cpu.pb.gz"
	dd if=/dev/zero of="$TEST_TMP/small/filler" bs=4k 2>/dev/null # until the disk is full
	"$bpfprof" record --pid "$target" --duration 2s --hz 999 -o "$TEST_TMP/small/cpu.pb.gz" 2>"$TEST_TMP/full.err"
	expect_eq "a full disk: exit status 1" "$?" 1
	expect_match "with one clear line" "$(tail -n 1 "$TEST_TMP/full.err")" \
		"^bpfprof: cannot write $TEST_TMP/small/cpu.pb.gz: No space left on device$"
	expect_eq "the earlier file under the final name is untouched" "$(cat "$TEST_TMP/small/cpu.pb.gz")" \
		"an earlier profile"
	check "and no temporary file is left" bash -c "! ls '$TEST_TMP/small'/cpu.pb.gz.tmp.* 2>/dev/null"
	umount "$TEST_TMP/small"
else
	not_ok "cannot mount a small tmpfs to fill"
fi
mkdir -p "$TEST_TMP/readonly" && chmod 0555 "$TEST_TMP/readonly"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=+bpf,+perfmon,+sys_ptrace \
	--ambient-caps=+bpf,+perfmon,+sys_ptrace "$bpfprof" record --pid "$target" --duration 1s \
	-o "$TEST_TMP/readonly/cpu.pb.gz" 2>&1)
expect_eq "an unwritable directory: exit status 1, before attaching" "$?" 1
expect_eq "with one clear line" "$out" "bpfprof: cannot write $TEST_TMP/readonly/cpu.pb.gz: Permission denied"

# --- capabilities: another user's process --------------------------------------
# CAP_PERFMON alone reads another user's /proc/PID/maps (kernel 5.8 and
# later), but the code is read through /proc/PID/root, which takes ptrace
# access: without CAP_SYS_PTRACE the agent says so before attaching, rather
# than sample stacks it cannot name; with it, root's process is profiled.
chmod 0777 "$TEST_TMP"
cp "$ROOT/build/tests/cpu_split" "$TEST_TMP/readable_split" && chmod 0755 "$TEST_TMP/readable_split"
kill "$target"
"$TEST_TMP/readable_split" --seconds 900 >/dev/null 2>&1 &
target=$!
server_pids+=("$target")
sleep 0.2
as_nobody() {
	local caps=$1
	shift
	(cd /tmp && setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps="$caps" --ambient-caps="$caps" "$@")
}
out=$(as_nobody +bpf,+perfmon "$bpfprof" record --pid "$target" --duration 1s -o "$TEST_TMP/other.pb.gz" 2>&1)
expect_eq "another user's process without CAP_SYS_PTRACE: exit status 1" "$?" 1
expect_match "naming the capability that is missing" "$out" \
	"^bpfprof: cannot read /proc/$target/root/ \(Permission denied\): need CAP_SYS_PTRACE or the target's user"
out=$(as_nobody +bpf,+perfmon,+sys_ptrace "$bpfprof" record --pid "$target" --duration 1s -o "$TEST_TMP/other.pb.gz" 2>&1)
expect_eq "with CAP_SYS_PTRACE too it is profiled (exit status 0)" "$?" 0
expect_match "and its code named" "$(go_pprof -top "$TEST_TMP/other.pb.gz")" 'work_a'
out=$(as_nobody +bpf "$bpfprof" record --pid "$target" --duration 1s -o "$TEST_TMP/other2.pb.gz" 2>&1)
expect_eq "CAP_BPF alone is refused (exit status 1)" "$?" 1
expect_match "naming the capability that is missing" "$out" '^bpfprof: missing privileges: need CAP_PERFMON'
kill "$target"
finish
