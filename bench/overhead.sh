#!/usr/bin/env bash
# make bench-overhead: the overhead report, one table. The demo server
# (IMPL, 4 worker threads, 1 KiB payloads) under the same hey load with:
# no profiler; bpfprof CPU at 99 and 999 Hz; heap tracing at the default
# rate, by uprobes and with --heap-inject; block and mutex together;
# everything at once; and the peers on the same load: perf record -F 99
# -g, perf record --call-graph dwarf, and heaptrack -p. A fresh server per
# run, configurations interleaved in rounds; each row is the median of its
# per-round ratios to the unprofiled run of the same round, with the
# profiler's own CPU (% of one core over the load, its whole process tree)
# and peak memory (sum of VmHWM).
#   ROUNDS=3 LOAD_SECONDS=5 CONCURRENCY=8 IMPL=naive bench/run.sh overhead
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-3}
load_seconds=${LOAD_SECONDS:-5}
concurrency=${CONCURRENCY:-8}
impl=${IMPL:-naive}
. bench/lib.sh

configs=(none cpu-99 cpu-999 heap heap-inject block+mutex everything perf-99-g perf-dwarf heaptrack)
tick_ms=$((1000 / $(getconf CLK_TCK)))

# tree PID...: the PIDs and all their descendants.
tree() {
	local pid
	for pid in "$@"; do
		echo "$pid"
		tree $(pgrep -P "$pid" || true)
	done
}

# usage PID...: "CPU-ticks peak-KiB" of the processes' trees right now.
usage() {
	local ticks=0 kib=0 pid t k
	for pid in $(tree "$@"); do
		t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null) || continue
		k=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || k=0
		ticks=$((ticks + t))
		kib=$((kib + ${k:-0}))
	done
	echo "$ticks $kib"
}

# run CONFIG: one hey run against a fresh server under CONFIG; appends
# "req/s agent-cpu% agent-MiB" to $work/CONFIG.
run() {
	local config=$1 duration=$((load_seconds + 4))
	local profilers=()
	: >"$work/server.log"
	build/encrypt-server --port 0 --impl "$impl" --threads 4 >"$work/server.log" 2>&1 &
	local server=$!
	wait_for_port "$work/server.log" 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p'
	local port=$PORT
	record() { build/bpfprof record --pid "$server" --duration "${duration}s" -o "$work/$RANDOM.pb.gz" "$@" 2>/dev/null & profilers+=($!); }
	case "$config" in
	cpu-99) record --hz 99 ;;
	cpu-999) record --hz 999 ;;
	heap) start_agent "$server" --heap; profilers+=("${pids[-1]}") ;;
	heap-inject) start_agent "$server" --heap-inject; profilers+=("${pids[-1]}") ;;
	block+mutex) record --kind block; record --kind mutex ;;
	everything)
		start_agent "$server" --heap
		profilers+=("${pids[-1]}")
		record --hz 99
		record --kind block
		record --kind mutex
		;;
	perf-99-g)
		perf record -q -F 99 -g -p "$server" -o "$work/perf.data" -- sleep "$duration" >/dev/null 2>&1 &
		profilers+=($!)
		;;
	perf-dwarf)
		perf record -q -F 99 --call-graph dwarf -p "$server" -o "$work/perf.data" -- sleep "$duration" \
			>/dev/null 2>&1 &
		profilers+=($!)
		;;
	heaptrack)
		(cd "$work" && exec heaptrack -p "$server" >/dev/null 2>&1) &
		profilers+=($!)
		;;
	esac
	sleep 2 # attached: tables built, probes placed, heaptrack injected
	local before=(0 0) after=(0 0)
	((${#profilers[@]} > 0)) && read -ra before <<<"$(usage "${profilers[@]}")"
	hey -z "${load_seconds}s" -c "$concurrency" "http://127.0.0.1:$port/encrypt?size=1024" >"$work/hey.out"
	((${#profilers[@]} > 0)) && read -ra after <<<"$(usage "${profilers[@]}")"
	local rps cpu mib
	rps=$(awk '/Requests\/sec/ { print $2 }' "$work/hey.out")
	cpu=$(awk -v t=$((after[0] - before[0])) -v ms="$tick_ms" -v s="$load_seconds" 'BEGIN { printf "%.1f", t * ms / 10 / s }')
	mib=$(awk -v k="${after[1]}" 'BEGIN { printf "%.0f", k / 1024 }')
	echo "$rps $cpu $mib" >>"$work/$config"
	# The server first: heaptrack -p only lets go when its target exits.
	kill "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
	local pid
	for pid in "${profilers[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
	for pid in "${profilers[@]}"; do wait "$pid" 2>/dev/null || true; done
	rm -f "$work"/*.pb.gz "$work"/perf.data* "$work"/heaptrack.*
}

echo "demo server ($impl encryptData, 4 threads, 1 KiB payloads) under hey -c $concurrency for ${load_seconds} s;"
echo "$rounds interleaved rounds on $(nproc) CPUs, $(uname -r)"
interleave run "${configs[@]}"

printf '\n%-13s %11s %9s %14s %14s\n' configuration "requests/s" "vs none" "profiler CPU %" "profiler MiB"
for config in "${configs[@]}"; do
	rps=$(cut -d' ' -f1 "$work/$config" | median)
	ratio=$(paired_ratio "$work/$config" "$work/none")
	cpu=$(cut -d' ' -f2 "$work/$config" | median)
	mib=$(cut -d' ' -f3 "$work/$config" | median)
	printf '%-13s %11.0f %9.4f %14s %14s\n' "$config" "$rps" "$ratio" "$cpu" "$mib"
done
