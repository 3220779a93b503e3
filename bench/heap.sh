#!/usr/bin/env bash
# make bench-heap: what heap profiling adds to each malloc/free pair, on
# build/tests/malloc_pairs (a tight loop of 64-byte malloc + free): no
# profiler, bpfprof --kind heap at the default rate (512 KiB) and at rate 1
# (every allocation), the same with --heap-inject (the sampler in the
# process: only sampled calls trap), and heaptrack -p (attaches through gdb
# and records every allocation), interleaved in rounds. Prints pairs per second, the
# ratio to the unprofiled run in the same round (median of the rounds) and
# the nanoseconds each configuration adds to a pair. Then the same four on
# the demo server (naive encryptData, 1 KiB payloads, hey -c 8): requests
# per second and the ratio to the unprofiled server in the same round.
# Last, allocation rate -> overhead: malloc_pairs slowed by --work N between
# pairs (WORKS, default "0 1000 10000 100000"), unprofiled, with uprobes and
# with --heap-inject at the default rate: the share of the loop's speed kept.
#   ROUNDS=3 SECONDS_PER_RUN=6 LOAD_SECONDS=5 bench/run.sh heap
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-3}
run_seconds=${SECONDS_PER_RUN:-6}
load_seconds=${LOAD_SECONDS:-5}
. bench/lib.sh

configs=(none bpfprof-default bpfprof-rate1 inject-default inject-rate1 heaptrack)

# run CONFIG: one workload run with CONFIG attached from 0.3 s on; appends
# its pairs per second from 2 s in (every profiler settled) to the end to
# $work/CONFIG.
run() {
	local config=$1 profiler=
	build/tests/malloc_pairs --seconds "$run_seconds" --work "${pair_work:-0}" >"$work/workload.out" &
	local workload=$!
	sleep 0.3
	case "$config" in
	bpfprof-default)
		build/bpfprof record --kind heap --pid "$workload" --duration "$((run_seconds + 2))s" \
			-o "$work/heap.pb.gz" 2>/dev/null &
		profiler=$!
		;;
	bpfprof-rate1)
		build/bpfprof record --kind heap --heap-rate 1 --pid "$workload" --duration "$((run_seconds + 2))s" \
			-o "$work/heap.pb.gz" 2>/dev/null &
		profiler=$!
		;;
	inject-default | inject-rate1)
		local rate=524288
		[[ $config == inject-rate1 ]] && rate=1
		build/bpfprof record --kind heap --heap-inject --heap-rate "$rate" --pid "$workload" \
			--duration "$((run_seconds + 2))s" -o "$work/heap.pb.gz" 2>/dev/null &
		profiler=$!
		;;
	heaptrack)
		(cd "$work" && heaptrack -p "$workload" >/dev/null 2>&1) &
		profiler=$!
		;;
	esac
	local status=0
	wait "$workload" || status=$?
	[[ -n "$profiler" ]] && { kill -INT "$profiler" 2>/dev/null || true; wait "$profiler" || true; }
	rm -f "$work"/heaptrack.*
	if ((status != 0)); then
		echo "$config: the workload exited with status $status; run left out" >&2
		return 0
	fi
	awk '$1 == "tick" && $2 >= 2 { if (t0 == "") { t0 = $2; p0 = $3 } t = $2; p = $3 }
		END { printf "%.0f\n", (p - p0) / (t - t0) }' "$work/workload.out" >>"$work/${results:-}$config"
}

echo "malloc_pairs (64-byte malloc + free), ${run_seconds} s runs, $rounds interleaved rounds"
interleave run "${configs[@]}"

printf '\n%-16s %14s %10s %14s\n' configuration "pairs/s" "vs none" "ns added/pair"
for config in "${configs[@]}"; do
	rate=$(median <"$work/$config")
	ratio=$(paired_ratio "$work/$config" "$work/none")
	added=$(paste -d' ' "$work/$config" "$work/none" | awk '{ print 1e9 / $1 - 1e9 / $2 }' | median)
	printf '%-16s %14.0f %10.4f %14.1f\n' "$config" "$rate" "$ratio" "$added"
done

# serve_run CONFIG: the demo server under hey for load_seconds with CONFIG
# attached (and settled) first; appends its requests per second to
# $work/server.CONFIG.
serve_run() {
	local config=$1 profiler=
	: >"$work/server.log"
	build/encrypt-server --port 0 --impl naive --threads 4 >"$work/server.log" 2>&1 &
	local server=$!
	wait_for_port "$work/server.log" 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p'
	local port=$PORT
	case "$config" in
	bpfprof-default) start_agent "$server" --heap; profiler=${pids[-1]} ;;
	bpfprof-rate1) start_agent "$server" --heap-rate 1; profiler=${pids[-1]} ;;
	inject-default) start_agent "$server" --heap-inject; profiler=${pids[-1]} ;;
	inject-rate1) start_agent "$server" --heap-inject --heap-rate 1; profiler=${pids[-1]} ;;
	heaptrack)
		(cd "$work" && heaptrack -p "$server" >/dev/null 2>&1) &
		profiler=$!
		;;
	esac
	sleep 2 # tables built and probes placed, or heaptrack injected
	hey -z "${load_seconds}s" -c 8 "http://127.0.0.1:$port/encrypt?size=1024" |
		awk '/Requests\/sec/ { print $2 }' >>"$work/server.$config"
	# The server goes first: heaptrack -p only lets go when its target exits.
	kill "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
	[[ -n "$profiler" ]] && { kill -INT "$profiler" 2>/dev/null || true; wait "$profiler" 2>/dev/null || true; }
	rm -f "$work"/heaptrack.*
}

echo
echo "demo server (naive encryptData, 1 KiB payloads, hey -c 8 for ${load_seconds} s), $rounds interleaved rounds"
interleave serve_run "${configs[@]}"

printf '\n%-16s %14s %10s\n' configuration "requests/s" "vs none"
for config in "${configs[@]}"; do
	rate=$(median <"$work/server.$config")
	ratio=$(paired_ratio "$work/server.$config" "$work/server.none")
	printf '%-16s %14.0f %10.4f\n' "$config" "$rate" "$ratio"
done

echo
echo "allocation rate -> overhead (malloc_pairs --work N, default rate), $rounds interleaved rounds"
sweep_configs=(none bpfprof-default inject-default)
printf '\n%-8s %16s %18s %18s\n' "--work" "pairs/s unprofiled" "uprobes: kept" "--heap-inject: kept"
for pair_work in ${WORKS:-0 1000 10000 100000}; do
	results="sweep.$pair_work."
	interleave run "${sweep_configs[@]}"
	printf '%-8s %16.0f %18.4f %18.4f\n' "$pair_work" "$(median <"$work/${results}none")" \
		"$(paired_ratio "$work/${results}bpfprof-default" "$work/${results}none")" \
		"$(paired_ratio "$work/${results}inject-default" "$work/${results}none")"
done
