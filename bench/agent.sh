#!/usr/bin/env bash
# make bench-agent: what profiling costs the profiled. The demo server runs
# under hey's load with no profiler, with bpfprof record at 99 and 999 Hz,
# and with `perf record -F 99 -g`, interleaved in rounds so drift hits every
# configuration alike. Prints the median req/s of each, the median of its
# per-round ratios to the unprofiled run, the server's CPU time per request
# (a steadier measure than req/s when hey shares the cores) and its ratio,
# the agent's own CPU use (% of one core) and the kernel-side cost of one
# run of the BPF sampler (kernel.bpf_stats_enabled).
# HZS lists the sampling rates (default "99 999"): HZS="49 99 499 999 4999"
# gives docs/overhead.md's "sampling rate -> CPU cost" table.
#   ROUNDS=5 SECONDS_PER_RUN=10 CONCURRENCY=50 IMPL=naive HZS="99 999" bench/run.sh agent
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-5}
run_seconds=${SECONDS_PER_RUN:-10}
concurrency=${CONCURRENCY:-50}
impl=${IMPL:-naive}
. bench/lib.sh
bpf_stats_before=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -q kernel.bpf_stats_enabled="$bpf_stats_before"; bench_cleanup' EXIT

build/encrypt-server --port 0 --impl "$impl" >"$work/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
wait_for_port "$work/server.log" 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p'
url="http://127.0.0.1:$PORT/encrypt"

configs=(none)
for hz in ${HZS:-99 999}; do configs+=("bpfprof-$hz"); done
configs+=(perf-99-g)
sysctl -q kernel.bpf_stats_enabled=1

# The server's user + system CPU time so far, in clock ticks.
server_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$server_pid/stat"; }
tick_us=$((1000000 / $(getconf CLK_TCK)))

# run CONFIG: one hey run under CONFIG; appends "req/s agent-cpu% bpf-ns server-us-per-request"
# to $work/CONFIG.
run() {
	local config=$1 profiler_pid= agent_cpu=- bpf_ns=-
	case "$config" in
	bpfprof-*)
		build/bpfprof record --pid "$server_pid" --hz "${config#bpfprof-}" --duration "$((run_seconds + 1))s" \
			-o "$work/profile.pb.gz" 2>"$work/agent.log" &
		profiler_pid=$!
		;;
	perf-99-g)
		perf record -q -F 99 -g -p "$server_pid" -o "$work/perf.data" -- sleep "$((run_seconds + 1))" \
			>/dev/null 2>&1 &
		profiler_pid=$!
		;;
	esac
	sleep 0.5 # attached before the load starts
	local rps requests ticks_before ticks_after
	ticks_before=$(server_ticks)
	hey -z "${run_seconds}s" -c "$concurrency" "$url" >"$work/hey.out"
	ticks_after=$(server_ticks)
	rps=$(awk '/Requests\/sec/ { print $2 }' "$work/hey.out")
	requests=$(awk '/\[200\]/ { print $2 }' "$work/hey.out")
	[[ "$config" == bpfprof-* ]] && bpf_ns=$(bpf_ns_per_run)
	if [[ -n "$profiler_pid" ]]; then
		wait "$profiler_pid"
		[[ "$config" == bpfprof-* ]] &&
			agent_cpu=$(sed -n 's/.*(\([0-9.]*\)% of one core).*/\1/p' "$work/agent.log")
	fi
	echo "$rps $agent_cpu $bpf_ns $(((ticks_after - ticks_before) * tick_us * 1000 / requests))" >>"$work/$config"
}

echo "demo server (impl=$impl) under hey -z ${run_seconds}s -c $concurrency, $rounds interleaved rounds"
for ((round = 0; round < rounds; round++)); do
	# Rotate the order each round so no configuration always runs first.
	for ((i = 0; i < ${#configs[@]}; i++)); do
		run "${configs[$(((i + round) % ${#configs[@]}))]}"
	done
done

printf '\n%-14s %10s %8s %13s %9s %12s %11s   %s\n' configuration "req/s" "vs none" "server ns/req" "vs none" \
	"agent CPU %" "BPF ns/run" "every run's req/s"
for config in "${configs[@]}"; do
	rps=$(cut -d' ' -f1 "$work/$config" | median)
	cpu=- bpf_ns=-
	if [[ "$config" == bpfprof-* ]]; then
		cpu=$(cut -d' ' -f2 "$work/$config" | median)
		bpf_ns=$(cut -d' ' -f3 "$work/$config" | median)
	fi
	# Line i of every file is round i: the ratio is the median of each
	# round's pair, which cancels drift between rounds.
	ratio=$(paste -d' ' "$work/$config" "$work/none" | awk '{ print $1 / $5 }' | median)
	cost=$(cut -d' ' -f4 "$work/$config" | median)
	cost_ratio=$(paste -d' ' "$work/$config" "$work/none" | awk '{ print $4 / $8 }' | median)
	printf '%-14s %10.0f %8.4f %13.0f %9.4f %12s %11s   %s\n' "$config" "$rps" "$ratio" "$cost" "$cost_ratio" \
		"$cpu" "$bpf_ns" "$(cut -d' ' -f1 "$work/$config" | awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 }')"
done
