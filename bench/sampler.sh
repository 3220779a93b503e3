#!/usr/bin/env bash
# make bench-sampler: where the CPU sampler's BPF time goes, per sample. The
# naive demo server runs under hey's load while `bpfprof record --hz HZ`
# samples it, alternately with the plain agent and with one whose BPF
# programs time their phases (BPFPROF_SAMPLE_COST, built into
# build/sample-cost). The plain runs give the figures that count: the
# kernel's own time per run (kernel.bpf_stats_enabled: every tick on both
# CPUs, the target's or not) and per target sample (that total over the
# samples the profile holds). The timed runs say where it goes; their clock
# reads add time of their own, which shows as their larger total.
# A third agent is the plain one with BPFPROF_CPU_TOTALS=0: samples of a
# held stack as references instead of kernel totals, for what each moves
# (bytes per sample, from the profile) and costs side by side.
# BASELINE names another build's bpfprof (an earlier commit's) to run in
# the same rounds, for a before/after measured side by side.
#   ROUNDS=3 SECONDS_PER_RUN=8 HZ=99 CONCURRENCY=50 BASELINE=/tmp/old/build/bpfprof bench/run.sh sampler
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-3}
run_seconds=${SECONDS_PER_RUN:-8}
hz=${HZ:-99}
concurrency=${CONCURRENCY:-50}
. bench/lib.sh
bpf_stats_before=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -q kernel.bpf_stats_enabled="$bpf_stats_before"; bench_cleanup' EXIT

# The timed build shares the plain one's packages and sources, not its objects.
cost_build=build/sample-cost
mkdir -p "$cost_build"
cp -p build/.setup-done "$cost_build/.setup-done"
make -s BUILD="$cost_build" BPF_DEFINES=-DBPFPROF_SAMPLE_COST "$cost_build/bpfprof" >"$work/build.log" 2>&1 ||
	{ cat "$work/build.log" >&2; exit 1; }

build/encrypt-server --port 0 --impl naive >"$work/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
wait_for_port "$work/server.log" 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p'
url="http://127.0.0.1:$PORT/encrypt"
sysctl -q kernel.bpf_stats_enabled=1

# The phases, in enum sample_cost's order (bpf/sample_cost.bpf.h).
phases=(filter setup walk walk_mapping walk_row kernel_stack hash send_ref send_whole
	samples frames kernel_samples kernel_frames row_hits row_misses)

# sample_costs: "name value" for every entry of the timed sampler's
# sample_cost map, summed over CPUs.
sample_costs() {
	bpftool -j map dump name sample_cost | python3 -c '
import json, sys
names = sys.argv[1:]
for entry in json.load(sys.stdin):
    key = entry["key"]
    key = key if isinstance(key, int) else int.from_bytes(bytes(int(b, 16) for b in key), "little")
    total = 0
    for per_cpu in entry["values"]:
        value = per_cpu["value"]
        total += value if isinstance(value, int) else int.from_bytes(bytes(int(b, 16) for b in value), "little")
    print(names[key], total)' "${phases[@]}"
}

# run CONFIG: one hey run while CONFIG's agent samples; appends
# "ns-per-run ns-per-target-sample bytes-per-sample" to $work/CONFIG, and
# the timed build's phases to $work/phases.N.
run() {
	local config=$1 agent=build/bpfprof totals=
	[[ $config == timed ]] && agent=$cost_build/bpfprof
	[[ $config == baseline ]] && agent=$BASELINE
	[[ $config == references ]] && totals=0
	env ${totals:+BPFPROF_CPU_TOTALS=$totals} "$agent" record --pid "$server_pid" --hz "$hz" --duration "$((run_seconds + 2))s" \
		-o "$work/profile.pb.gz" 2>"$work/agent.log" &
	local agent_pid=$!
	pids+=("$agent_pid")
	until_sampling "$work/agent.log"
	hey -z "${run_seconds}s" -c "$concurrency" "$url" >/dev/null
	local totals
	totals=$(bpf_run_totals)
	if [[ $config == timed ]]; then
		timed_runs=$((timed_runs + 1))
		sample_costs >"$work/phases.$timed_runs"
	fi
	wait "$agent_pid"
	local samples bytes
	samples=$(sed -n 's/.*pprof): \([0-9]*\) samples.*/\1/p' "$work/agent.log")
	bytes=$(sed -n 's/.* \([0-9]*\) bytes per sample from the kernel.*/\1/p' "$work/agent.log")
	echo "$totals $samples ${bytes:--}" | awk '{ printf "%.0f %.0f %s\n", $1 / $2, $1 / $3, $4 }' >>"$work/$config"
}

# until_sampling LOG: the agent has attached.
until_sampling() {
	for _ in $(seq 200); do
		grep -q 'sampling PID' "$1" && return 0
		sleep 0.05
	done
	echo "bench-sampler: the agent did not start: $(cat "$1")" >&2
	exit 1
}

timed_runs=0
echo "demo server (impl=naive) under hey -z ${run_seconds}s -c $concurrency, record --hz $hz, $rounds interleaved rounds"
configs=(plain timed references)
[[ -n "${BASELINE:-}" ]] && configs+=(baseline)
interleave run "${configs[@]}"

printf '\n%-10s %12s %22s %18s\n' agent "BPF ns/run" "BPF ns/target sample" "bytes per sample"
for config in "${configs[@]}"; do
	printf '%-10s %12s %22s %18s\n' "$config" "$(cut -d' ' -f1 "$work/$config" | median)" \
		"$(cut -d' ' -f2 "$work/$config" | median)" "$(cut -d' ' -f3 "$work/$config" | median)"
done
echo "totals vs references, BPF ns/run: $(paired_ratio "$work/plain" "$work/references")"
[[ -n "${BASELINE:-}" ]] && echo "plain vs baseline, BPF ns/run: $(paired_ratio "$work/plain" "$work/baseline")"

echo
echo "timed build, per target sample (all $rounds runs together):"
awk '{ v[$1] += $2 } END {
	n = v["samples"]; f = v["frames"] ? v["frames"] : 1; k = v["kernel_samples"] ? v["kernel_samples"] : 1
	printf "  %-36s %8.1f\n", "user frames", v["frames"] / n
	printf "  %-36s %7.0f%%\n", "taken in kernel mode", 100 * v["kernel_samples"] / n
	printf "  %-36s %7.0f%%\n", "rows found in the row cache", 100 * v["row_hits"] / (v["row_hits"] + v["row_misses"] + 1e-9)
	printf "  %-36s %8.0f ns\n", "filter (a target thread?)", v["filter"] / n
	printf "  %-36s %8.0f ns\n", "record head", v["setup"] / n
	printf "  %-36s %8.0f ns (%.0f a frame)\n", "user stack walk", v["walk"] / n, v["walk"] / f
	printf "  %-36s %8.0f ns (%.0f a frame)\n", "  of which mapping lookups", v["walk_mapping"] / n, v["walk_mapping"] / f
	printf "  %-36s %8.0f ns (%.0f a frame)\n", "  of which row lookups", v["walk_row"] / n, v["walk_row"] / f
	printf "  %-36s %8.0f ns (%.0f a frame)\n", "  of which stack reads and the rest", (v["walk"] - v["walk_mapping"] - v["walk_row"]) / n, (v["walk"] - v["walk_mapping"] - v["walk_row"]) / f
	printf "  %-36s %8.0f ns (%.0f in a kernel-mode sample, %.1f frames)\n", "kernel stack (the kernel'"'"'s unwinder)", v["kernel_stack"] / n, v["kernel_stack"] / k, v["kernel_frames"] / k
	printf "  %-36s %8.0f ns\n", "stack hashes", v["hash"] / n
	printf "  %-36s %8.0f ns\n", "sending (total, reference or whole)", (v["send_ref"] + v["send_whole"]) / n
}' "$work"/phases.*
