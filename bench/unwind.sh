#!/usr/bin/env bash
# make bench-unwind: what complete stacks cost, side by side on one workload
# built without frame pointers (build/tests/frameless): bpfprof walking
# .eh_frame tables in BPF (--unwind auto), bpfprof following frame pointers
# (--unwind fp), `perf record --call-graph dwarf` (8 KiB stack copies) and
# `perf record -g`, all at 999 Hz, interleaved in rounds. For each: the
# share of samples reaching _start (completeness), the share attributed to
# main -> work_a (truth: 50 %), bytes moved to user space per sample, the workload's rounds per
# second as a ratio to an unprofiled run (slowdown), and for bpfprof the
# sampler's kernel time per sample of the target: its time over 3 s divided
# by the 999 x 3 samples a busy single thread gets (an upper bound: the
# idle CPU's ticks, filtered out at once, are in the time too). Then the tables' size and build
# time for libc, libcrypto and the agent itself.
#   ROUNDS=3 SECONDS_PER_RUN=6 MODES="split deep" bench/run.sh unwind
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-3}
run_seconds=${SECONDS_PER_RUN:-6}
modes=${MODES:-split deep}
. bench/lib.sh
bpf_stats_before=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -q kernel.bpf_stats_enabled="$bpf_stats_before"; bench_cleanup' EXIT
sysctl -q kernel.bpf_stats_enabled=1

configs=(none bpfprof-auto bpfprof-fp perf-dwarf perf-fp)

# perf_stacks PERF.DATA: "samples rooted-% work_a-%" from perf script's
# stacks (a blank line ends each sample; the last frame is the outermost).
perf_stacks() {
	perf script -i "$1" -F ip,sym 2>/dev/null | python3 -c '
import sys
samples = rooted = work_a = 0
frames = []
def close():
    global samples, rooted, work_a, frames
    if frames:
        samples += 1
        rooted += frames[-1] == "_start"
        work_a += "work_a" in frames and "main" in frames
    frames = []
for line in sys.stdin:
    fields = line.split()
    if not fields:
        close()
    elif len(fields) >= 2:
        frames.append(fields[1].split("+")[0])
close()
print(samples, round(100 * rooted / max(samples, 1), 2), round(100 * work_a / max(samples, 1), 2))'
}

# folded_stacks FOLDED: the same three figures from bpfprof's folded output.
folded_stacks() {
	awk '{ n = $NF; total += n; if ($0 ~ /^_start;/) rooted += n; if ($0 ~ /;main;.*work_a;/) work_a += n }
		END { printf "%d %.2f %.2f\n", total, 100 * rooted / total, 100 * work_a / total }' "$1"
}

# run MODE CONFIG: the workload for run_seconds with CONFIG attached for all
# but its first 0.3 s; appends "rounds/s samples rooted% work_a% bytes/sample
# bpf-ns-per-sample" to $work/MODE.CONFIG.
run() {
	local mode=$1 config=$2 profiler_pid= stats="- - - -" bpf_ns=- before after
	build/tests/frameless --mode "$mode" --seconds "$run_seconds" >"$work/workload.out" &
	local workload=$!
	sleep 0.3
	local attached=$((run_seconds - 1))
	case "$config" in
	bpfprof-*)
		build/bpfprof record --pid "$workload" --hz 999 --unwind "${config#bpfprof-}" --duration "${attached}s" \
			-o "$work/profile.folded" 2>"$work/agent.log" &
		profiler_pid=$!
		;;
	perf-dwarf | perf-fp)
		local graph=(--call-graph dwarf)
		[[ "$config" == perf-fp ]] && graph=(-g)
		perf record -q -F 999 "${graph[@]}" -p "$workload" -o "$work/perf.data" -- sleep "$attached" \
			>/dev/null 2>&1 &
		profiler_pid=$!
		;;
	esac
	if [[ "$config" == bpfprof-* ]]; then
		sleep 1 # past the agent's start-up
		before=$(bpf_run_totals)
		sleep 3
		after=$(bpf_run_totals)
		bpf_ns=$(awk -v b="${before% *}" -v a="${after% *}" 'BEGIN { print int((a - b) / (999 * 3) + 0.5) }')
	fi
	[[ -n "$profiler_pid" ]] && wait "$profiler_pid"
	wait "$workload"
	local rate
	rate=$(awk '/rounds in/ { print $2 / $5 }' "$work/workload.out")
	case "$config" in
	bpfprof-*)
		read -r samples rooted work_a < <(folded_stacks "$work/profile.folded")
		stats="$samples $rooted $work_a $(sed -n 's/.* \([0-9]*\) bytes per sample from the kernel.*/\1/p' "$work/agent.log")"
		;;
	perf-*)
		read -r samples rooted work_a < <(perf_stacks "$work/perf.data")
		stats="$samples $rooted $work_a $(($(stat -c %s "$work/perf.data") / (samples > 0 ? samples : 1)))"
		;;
	esac
	echo "$rate $stats $bpf_ns" >>"$work/$mode.$config"
}

for mode in $modes; do
	echo "frameless --mode $mode, ${run_seconds} s runs, profilers at 999 Hz, $rounds interleaved rounds"
	for ((round = 0; round < rounds; round++)); do
		for ((i = 0; i < ${#configs[@]}; i++)); do
			run "$mode" "${configs[$(((i + round) % ${#configs[@]}))]}"
		done
	done
	printf '\n%-14s %10s %8s %9s %11s %13s %13s %13s\n' configuration "rounds/s" "vs none" samples "to _start %" \
		"main>work_a %" "bytes/sample" "BPF ns/sample"
	for config in "${configs[@]}"; do
		file=$work/$mode.$config
		rate=$(cut -d' ' -f1 "$file" | median)
		# Line i of every file is round i: the ratio is the median of
		# each round's pair, which cancels drift between rounds.
		ratio=$(paste -d' ' "$file" "$work/$mode.none" | awk '{ print $1 / $7 }' | median)
		figures=()
		for field in 2 3 4 5 6; do
			if [[ "$(cut -d' ' -f"$field" "$file" | head -n 1)" == - ]]; then
				figures+=(-)
			else
				figures+=("$(cut -d' ' -f"$field" "$file" | median)")
			fi
		done
		printf '%-14s %10.1f %8.4f %9s %11s %13s %13s %13s\n' "$config" "$rate" "$ratio" "${figures[@]}"
	done
	echo
done

libc=$(ldd build/bpfprof | awk '/libc\.so/ { print $3 }')
libcrypto=$(ldd build/encrypt-server | awk '/libcrypto\.so/ { print $3 }')
echo "unwind tables (16-byte rows; 'stop' = rows whose rule the walker cannot follow; median of 5 builds)"
build/bench/unwind-tables --runs 5 "$libc" "$libcrypto" build/bpfprof build/encrypt-server
