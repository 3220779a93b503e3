#!/usr/bin/env bash
# test_record.sh: `bpfprof record` loading its real BPF program against real
# processes: attribution on a workload with a known CPU split, the demo
# server read back with the real `go tool pprof`, every output format, and
# bad input. A BPF program that cannot load fails these tests.
set -u
. "$(dirname "$0")/../lib.sh"

bpfprof=$ROOT/build/bpfprof

# --- attribution: work_a, work_b, work_c split 50/30/20 -------------------
start_workload cpu_split --seconds 900
split_pid=$WORKLOAD_PID
"$bpfprof" record --pid "$split_pid" --duration 4s --hz 999 -o "$TEST_TMP/split.pb.gz" 2>"$TEST_TMP/split.err"
expect_eq "record exits 0" "$?" 0
expect_match "record reports what it wrote" "$(cat "$TEST_TMP/split.err")" 'wrote .*split\.pb\.gz \(pprof\): [0-9]+ samples'
top=$(go_pprof -top -cum -nodecount=100 "$TEST_TMP/split.pb.gz")
for pair in work_a:50 work_b:30 work_c:20; do
	fn=${pair%%:*} want=${pair##*:}
	got=$(cum_percent "$top" "$fn")
	check "$fn gets ${want}% of the CPU within 3 points (got ${got:-none}%)" within 3 "$got" "$want"
done
got=$(cum_percent "$top" main)
check "main is on at least 99% of the stacks (got ${got:-none}%)" within 1 "$got" 100
expect_match "pprof sees a CPU profile with our conventions" "$(go_pprof -raw "$TEST_TMP/split.pb.gz")" \
	'PeriodType: cpu nanoseconds'$'\n''Period: 1001001'
raw=$(go_pprof -raw "$TEST_TMP/split.pb.gz")
expect_match "sample types are samples/count and cpu/nanoseconds" "$raw" 'samples/count cpu/nanoseconds'
expect_match "the main executable is mapping 1 with its build ID" "$raw" \
	$'Mappings\n[ ]*1: 0x[0-9a-f]+/0x[0-9a-f]+/0x[0-9a-f]+ '"$ROOT"'/build/tests/cpu_split [0-9a-f]{40} \[FN\]\[FL\]\[LN\]\[IN\]'
expect_match "comments name the target, the rate and the losses" "$(go_pprof -top "$TEST_TMP/split.pb.gz" | head -n 12)" \
	'CPU profile of PID [0-9]+ \(cpu_split\).*event: cpu-clock at 999 Hz.*lost: 0 \(ring buffer full\)'
expect_match "and every counter of the BPF program, with what it counts" "$(go_pprof -raw "$TEST_TMP/split.pb.gz")" \
	'Comment: counters of cpu\.bpf\.c: [1-9][0-9]* target samples seen by the program; 0 samples with no room in the ring buffer; [0-9]+ samples whose user stack could not be read; [0-9]+ samples whose kernel stack could not be read'
# Samples of a stack sent before are totalled in the kernel per stack and
# innermost frame: a few bytes each, and every one of them in the profile.
# sample_ways FILE: "taken in-profile whole totalled by-reference totals-full bytes"
sample_ways() {
	local comments
	comments=$(go_pprof -comments "$1")
	printf '%s %s %s %s %s %s\n' \
		"$(sed -nE 's/^samples: ([0-9]+) taken, ([0-9]+) in the profile.*/\1 \2/p' <<<"$comments")" \
		"$(sed -nE 's/.* ([0-9]+) samples sent with their stacks.*/\1/p' <<<"$comments")" \
		"$(sed -nE 's/.* ([0-9]+) samples totalled in the kernel per stack;.*/\1/p' <<<"$comments")" \
		"$(sed -nE 's/.* ([0-9]+) samples sent by reference.*/\1/p' <<<"$comments")" \
		"$(sed -nE 's/.* ([0-9]+) samples with no room in the totals.*/\1/p' <<<"$comments")" \
		"$(sed -nE 's/^from the kernel: ([0-9]+) bytes per sample.*/\1/p' <<<"$comments")"
}
read -r taken kept whole totalled by_reference totals_full per_sample <<<"$(sample_ways "$TEST_TMP/split.pb.gz")"
# (Taken and sent are the kernel's counters read as the window opens and
# ends; a sample in flight at either moment can fall on the other side.)
check "every sample taken is in the profile, within the one or two in flight at the window's ends ($taken $kept)" \
	within 2 "${kept:-0}" "${taken:-x}"
check "each went whole, totalled or by reference ($whole whole, $totalled totalled, $by_reference by reference, $kept in the profile)" \
	within 2 "$((${whole:-0} + ${totalled:-0} + ${by_reference:-0}))" "${kept:-x}"
check "most were totalled in the kernel ($totalled of $taken)" test "${totalled:-0}" -gt "$((${taken:-0} * 9 / 10))"
check "a sample moved under 64 bytes from the kernel on average (${per_sample:-none})" test "${per_sample:-9999}" -lt 64
expect_match "record's last line says it too" "$(cat "$TEST_TMP/split.err")" '[0-9]+ bytes per sample from the kernel'
list=$(go_pprof -list '^work_a$' "$TEST_TMP/split.pb.gz")
expect_match "-list shows work_a's source lines" "$list" 'ROUTINE =+ work_a in .*tests/workloads/cpu_split.c'
expect_match "-list puts samples on the call of burn" "$list" '[0-9.]+m?s +[0-9]+:[[:space:]]+burn\(5 \* round_unit\);'
expect_match "samples carry thread labels" "$(go_pprof -tags "$TEST_TMP/split.pb.gz")" 'thread: .*cpu_split'

# With no totals (BPFPROF_CPU_TOTALS=0) samples of a held stack go as
# references; with room for three, the rest overflow to references, each
# counted. Either way every sample is in the profile.
BPFPROF_CPU_TOTALS=0 "$bpfprof" record --pid "$split_pid" --duration 2s --hz 999 -o "$TEST_TMP/refs.pb.gz" 2>/dev/null
read -r taken kept whole totalled by_reference totals_full per_sample <<<"$(sample_ways "$TEST_TMP/refs.pb.gz")"
check "BPFPROF_CPU_TOTALS=0: every sample taken is in the profile ($taken $kept)" within 2 "${kept:-0}" "${taken:-x}"
check "BPFPROF_CPU_TOTALS=0: none totalled, most by reference ($totalled, $by_reference of $taken)" \
	test "${totalled:-1}" -eq 0 -a "${by_reference:-0}" -gt "$((${taken:-0} * 9 / 10))"
check "BPFPROF_CPU_TOTALS=0: a reference moves 40 bytes, so under 64 a sample (${per_sample:-none})" \
	test "${per_sample:-9999}" -lt 64
BPFPROF_CPU_TOTALS=3 "$bpfprof" record --pid "$split_pid" --duration 2s --hz 999 -o "$TEST_TMP/few.pb.gz" 2>/dev/null
read -r taken kept whole totalled by_reference totals_full per_sample <<<"$(sample_ways "$TEST_TMP/few.pb.gz")"
check "room for three totals: every sample taken is in the profile ($taken $kept)" within 2 "${kept:-0}" "${taken:-x}"
check "room for three totals: some totalled, the overflow by reference, each counted ($totalled, $by_reference, $totals_full)" \
	test "${totalled:-0}" -gt 0 -a "${by_reference:-0}" -gt 0 -a "${totals_full:-x}" = "${by_reference:-y}"
check "room for three totals: each went one of the three ways" \
	within 2 "$((${whole:-0} + ${totalled:-0} + ${by_reference:-0}))" "${kept:-x}"
out=$(BPFPROF_CPU_TOTALS=lots "$bpfprof" record --pid "$split_pid" --duration 1s -o "$TEST_TMP/bad.pb.gz" 2>&1)
expect_eq "a bad BPFPROF_CPU_TOTALS is refused" "$?" 1
expect_eq "in one line that names it" "$out" \
	"bpfprof: BPFPROF_CPU_TOTALS: expected a number of totals from 0 to 1048576, not 'lots'"

"$bpfprof" record --pid "$split_pid" --duration 1s --hz 499 -o "$TEST_TMP/split.folded" 2>/dev/null
folded=$(cat "$TEST_TMP/split.folded")
expect_match "folded output has root-first stacks" "$folded" '(^|'$'\n'')[^ ]*main;work_a;burn [0-9]+'
check "every folded line is 'stack count'" bash -c "! grep -vE '^[^ ].* [0-9]+$' '$TEST_TMP/split.folded'"

"$bpfprof" record --pid "$split_pid" --duration 1s --format svg -o "$TEST_TMP/flame.out" 2>/dev/null
check "--format svg writes well-formed XML" xmllint --noout "$TEST_TMP/flame.out"
expect_match "the SVG names the target and the functions" "$(cat "$TEST_TMP/flame.out")" 'CPU profile of cpu_split.*work_a'

"$bpfprof" record --pid "$split_pid" --duration 1s -o - >"$TEST_TMP/stdout.pb.gz" 2>/dev/null
expect_eq "-o - writes gzipped pprof to standard output" "$(head -c 2 "$TEST_TMP/stdout.pb.gz" | xxd -p)" 1f8b

# --- threads born after attach are sampled --------------------------------
start_workload cpu_split --seconds 900 --late-thread-ms 800
"$bpfprof" record --pid "$WORKLOAD_PID" --duration 3s --hz 199 -o "$TEST_TMP/late.pb.gz" 2>/dev/null
expect_match "a thread started after attach shows up" "$(go_pprof -top -nodecount=200 -nodefraction=0 "$TEST_TMP/late.pb.gz")" 'late_thread_work'
expect_match "its samples carry its name" "$(go_pprof -tags "$TEST_TMP/late.pb.gz")" 'late-worker'
late_tid=$(ls "/proc/$WORKLOAD_PID/task" | grep -vx "$WORKLOAD_PID" | head -n 1)

# --- a target that exits mid-profile ---------------------------------------
# It exits a second into the window, however long attaching took.
start_workload cpu_split --seconds 900
"$bpfprof" record --pid "$WORKLOAD_PID" --duration 20s -o "$TEST_TMP/exit.pb.gz" 2>"$TEST_TMP/exit.err" &
recorder=$!
until_line "$TEST_TMP/exit.err" '^bpfprof: sampling'
sleep 1
kill "$WORKLOAD_PID"
wait "$recorder"
expect_eq "a target exiting mid-profile still gives exit status 0" "$?" 0
expect_match "and a warning" "$(cat "$TEST_TMP/exit.err")" "warning: PID $WORKLOAD_PID exited after [0-9.]+ s; writing the partial profile"
expect_match "the partial profile is symbolized" "$(go_pprof -top "$TEST_TMP/exit.pb.gz")" 'work_a'
expect_match "and says it is partial" "$(go_pprof -top "$TEST_TMP/exit.pb.gz" | head -n 12)" 'the target exited after'

# --- a binary deleted while it runs symbolizes through map_files -----------
cp "$ROOT/build/tests/cpu_split" "$TEST_TMP/doomed_split"
"$TEST_TMP/doomed_split" --seconds 900 >/dev/null &
doomed=$!
server_pids+=("$doomed")
sleep 0.2
rm "$TEST_TMP/doomed_split"
"$bpfprof" record --pid "$doomed" --duration 2s -o "$TEST_TMP/doomed.pb.gz" 2>/dev/null
expect_match "a deleted executable still symbolizes" "$(go_pprof -top "$TEST_TMP/doomed.pb.gz")" 'work_a'
kill "$doomed"

# --- Ctrl-C stops early and still writes -----------------------------------
"$bpfprof" record --pid "$split_pid" --duration 60s -o "$TEST_TMP/int.pb.gz" 2>/dev/null &
recorder=$!
sleep 1.5
kill -INT "$recorder"
wait "$recorder"
expect_eq "SIGINT ends the recording with status 0" "$?" 0
expect_match "and the profile is written" "$(go_pprof -top "$TEST_TMP/int.pb.gz")" 'work_a'

# --- the demo server, as the tutorial profiles it ---------------------------
if start_encrypt_server --impl naive --threads 2; then
	record_under_load "$TEST_TMP/naive.pb.gz" 6
	demo_top=$(go_pprof -top -nodecount=1000 -nodefraction=0 "$TEST_TMP/naive.pb.gz")
	expect_match "-top names encryptData" "$demo_top" ' encryptData('$'\n''|$)'
	expect_match "-top names the snprintf hex encoding" "$demo_top" '__vfprintf_internal|_IO_default_xsputn|snprintf'
	expect_match "the /dev/urandom reads show in kernel frames" "$demo_top" 'urandom_read_iter|get_random_bytes_user'
	expect_match "the per-call open of the device shows" "$demo_top" 'do_sys_openat2'
	# Kernel frames cross as their low 32 bits (cpu.h): each must come back a
	# kernel text address that kallsyms names. A system call reached by one
	# path runs through many kernel paths: those samples come without the
	# user frames the agent holds, and their stacks must still be whole.
	kernel_frames=$(kernel_locations "$TEST_TMP/naive.pb.gz")
	check "kernel frames arrived ($(grep -c . <<<"$kernel_frames") locations)" test "$(grep -c . <<<"$kernel_frames")" -gt 10
	expect_eq "each at a kernel text address kallsyms names" "$(unnamed_kernel_locations "$kernel_frames")" 0
	user_held=$(sent_without_user_frames "$TEST_TMP/naive.pb.gz")
	check "some samples came with their kernel frames alone (${user_held:-none})" test "${user_held:-0}" -gt 0
	got=$(rooted_percent "$TEST_TMP/naive.pb.gz" '^(_start|__clone3|clone3|__clone)$')
	check "and every stack still reaches its thread's root (${got:-none}%)" within 1 "${got:-0}" 100
	demo_list=$(go_pprof -list '^encryptData$' "$TEST_TMP/naive.pb.gz")
	expect_match "-list encryptData shows demo-server/encrypt_naive.c" "$demo_list" \
		"ROUTINE =+ encryptData in $ROOT/demo-server/encrypt_naive.c"
	expect_match "-list puts samples on its source lines" "$demo_list" '[0-9.]+m?s +[0-9]+:'
	expect_match "-peek works" "$(go_pprof -peek '^encryptData$' "$TEST_TMP/naive.pb.gz")" '\| encryptData'
	kill "$SERVER_PID"
else
	not_ok "the demo server starts" "$(cat "$SERVER_LOG")"
fi

# --- bad input ---------------------------------------------------------------
refused() {
	local description=$1 status=$2 pattern=$3
	shift 3
	expect_refusal "$description" "$status" "$pattern" "$bpfprof" "$@"
}
refused "an unknown PID" 1 '^bpfprof: no process with PID 4194303$' record --pid 4194303 --duration 1s
refused "a PID that is not a number" 2 "--pid must be a process ID" record --pid abc
refused "a missing --pid" 2 '--pid is required' record --duration 1s
refused "a kernel thread" 1 'PID 2 \(kthreadd\) is a kernel thread' record --pid 2 --duration 1s
refused "a thread ID instead of its process" 1 "PID $late_tid is a thread of process [0-9]+; pass --pid" \
	record --pid "$late_tid" --duration 1s
refused "--hz 0" 2 '--hz must be a whole number from 1 to 10000' record --pid "$split_pid" --hz 0
refused "--hz too high" 2 '--hz must be a whole number from 1 to 10000' record --pid "$split_pid" --hz 100000
refused "a bad duration" 2 '--duration takes a duration like 30s' record --pid "$split_pid" --duration 10
refused "a zero duration" 2 '--duration must be from 1ms to 168h' record --pid "$split_pid" --duration 0s
refused "an unknown format" 2 "--format must be pprof, folded, svg or json, not 'png'" record --pid "$split_pid" --format png
refused "an unknown event" 2 "--event must be cpu-clock, cycles or instructions" record --pid "$split_pid" --event bogus
refused "an unwritable output path" 1 'cannot write /nonexistent/dir/cpu.pb.gz: No such file or directory' \
	record --pid "$split_pid" --duration 1s -o /nonexistent/dir/cpu.pb.gz
refused "an unknown option" 2 "unknown option '--bogus'" record --pid "$split_pid" --bogus
# A flag the kind does not use is refused, not silently ignored.
refused "--event for a wall profile" 2 '^bpfprof: --event applies to --kind cpu, not --kind wall$' \
	record --pid "$split_pid" --type wall --event cycles
refused "--heap-rate for a CPU profile" 2 '^bpfprof: --heap-rate applies to --kind heap and leaks, not --kind cpu$' \
	record --pid "$split_pid" --heap-rate 1
refused "--min-wait for a CPU profile" 2 '^bpfprof: --min-wait applies to --kind block and mutex, not --kind cpu$' \
	record --pid "$split_pid" --min-wait 5ms
refused "--older-than for a heap profile" 2 '^bpfprof: --older-than applies to --kind leaks, not --kind heap$' \
	record --pid "$split_pid" --type heap --older-than 1s
refused "--hz for a block profile" 2 '^bpfprof: --hz applies to --kind cpu and wall, not --kind block$' \
	record --pid "$split_pid" --type block --hz 999
refused "an output name and a --format that disagree" 2 \
	'^bpfprof: -o x.folded names a folded file but --format is svg: make them agree$' \
	record --pid "$split_pid" -o x.folded --format svg
refused "--sample-index for pprof output" 2 '^bpfprof: --sample-index picks what folded and SVG output draw' \
	record --pid "$split_pid" --sample-index cpu -o x.pb.gz
refused "a trace written as a flamegraph" 2 '^bpfprof: -o x.svg: --kind trace writes json only, not svg$' \
	record --pid "$split_pid" --kind trace -o x.svg
refused "a trace in a profile's --format" 2 '^bpfprof: --kind trace writes json only, not pprof$' \
	record --pid "$split_pid" --kind trace --format pprof
refused "a profile in the trace's format" 2 \
	'^bpfprof: json is the format of --kind trace; a CPU profile is written as pprof, folded or svg$' \
	record --pid "$split_pid" -o x.json
refused "--hz for a trace" 2 '^bpfprof: --hz applies to --kind cpu and wall, not --kind trace$' \
	record --pid "$split_pid" --kind trace --hz 999
refused "--sample-index for a trace" 2 '^bpfprof: --sample-index picks what folded and SVG output draw, not json$' \
	record --pid "$split_pid" --kind trace --sample-index cpu
refused "--older-than 0s is a threshold, not a bad duration" 1 '^bpfprof: no process with PID 4194303$' \
	record --pid 4194303 --type leaks --older-than 0s
refused "an unknown command" 2 "unknown command 'recrod'" recrod
self=$(bash -c 'exec "$0" record --pid $$ --duration 1s 2>&1' "$bpfprof")
expect_eq "the agent refuses to profile itself" "$?" 1
expect_match "and says so" "$self" 'is bpfprof itself'
if perf stat -e cycles true 2>&1 | grep -q 'not supported'; then
	echo "an earlier profile" >"$TEST_TMP/keep.pb.gz"
	refused "a hardware event where the machine has no counters" 1 \
		'--event cycles: this machine has no hardware counter for it' record --pid "$split_pid" --duration 1s \
		--event cycles -o "$TEST_TMP/keep.pb.gz"
	expect_eq "a run failing after attach leaves the existing file as it was" "$(cat "$TEST_TMP/keep.pb.gz")" \
		"an earlier profile"
	check "and no temporary file behind" bash -c "! ls '$TEST_TMP'/keep.pb.gz.tmp.* 2>/dev/null"
else
	"$bpfprof" record --pid "$split_pid" --duration 1s --event cycles -o "$TEST_TMP/cycles.pb.gz" 2>/dev/null
	expect_eq "a hardware event where the machine has counters" "$?" 0
fi

# Without privileges: an unprivileged user, PID 1.
unprivileged=$(mktemp -d /tmp/bpfprof-unpriv.XXXXXX)
chmod 755 "$unprivileged"
cp "$bpfprof" "$unprivileged/bpfprof"
out=$(cd /tmp && setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
	"$unprivileged/bpfprof" record --pid 1 --duration 1s -o /tmp/never.pb.gz 2>&1)
status=$?
rm -rf "$unprivileged"
expect_eq "PID 1 as an unprivileged user: status 1" "$status" 1
expect_match "names the missing capabilities" "$out" 'missing privileges: need CAP_BPF and CAP_PERFMON \(or CAP_SYS_ADMIN\)'

version=$("$bpfprof" --version)
expect_match "--version" "$version" '^bpfprof [0-9]+\.[0-9]+\.[0-9]+$'
expect_match "--help lists record" "$("$bpfprof" --help)" 'record'
help=$("$bpfprof" record --help)
for flag in --pid --duration --hz --output --format --event; do
	expect_match "record --help explains $flag" "$help" "$flag"
done
expect_match "record --help shows --kind, and --type as the same flag" "$help" \
	$'\n  -t, --kind K +the kind to record \\(--type is the same flag; default cpu\\)'
expect_match "its kinds, one line each, from the kinds table" "$help" \
	$'\n +cpu +on-CPU stacks .*\n +heap .*\n +leaks .*\n +block .*\n +mutex .*\n +wall .*\n +trace +each thread'
expect_match "and the events --event takes, from the sampler's" "$help" 'sampling event: cpu-clock, cycles or instructions'
# Each flag's help is written once: record and serve print the same lines.
serve_help=$("$bpfprof" serve --help)
for flag in pid children cgroup hz unwind heap-rate heap-inject; do
	expect_eq "--$flag's help is the same in record and serve" \
		"$(sed -n "/^  -., --$flag\b/,/^  -/p" <<<"$help" | sed '$d')" \
		"$(sed -n "/^  -., --$flag\b/,/^  -/p" <<<"$serve_help" | sed '$d')"
done
expect_match "serve --help lists every kind's endpoint" "$serve_help" \
	$'\n  profile +on-CPU.*\n  heap .*\(with --heap\)\n(.*\n)*  goroutine, threads .*\n  trace +each thread'

finish
