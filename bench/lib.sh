# bench/lib.sh: what the benchmark scripts (and the tutorial's generators)
# share: a scratch directory and the processes to stop on exit, starting an
# agent, and medians. Source it.
# shellcheck shell=bash

work=$(mktemp -d)
pids=()
bench_cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap bench_cleanup EXIT

# wait_for_port LOG SED-EXPRESSION: waits for a server's log to name its port; sets PORT.
wait_for_port() {
	PORT=
	for _ in $(seq 100); do
		PORT=$(sed -n "$2" "$1")
		[[ -n "$PORT" ]] && return 0
		sleep 0.05
	done
	return 1
}

# start_agent PID ARGS...: `bpfprof serve` on PID on a free port; sets URL.
start_agent() {
	local target=$1
	shift
	: >"$work/serve.$target.log"
	build/bpfprof serve --pid "$target" --listen 127.0.0.1:0 "$@" >/dev/null 2>"$work/serve.$target.log" &
	pids+=($!)
	wait_for_port "$work/serve.$target.log" 's/.*:\([0-9]*\)\/debug\/pprof\/.*/\1/p'
	URL="http://127.0.0.1:$PORT"
}

# interleave FUNCTION CONFIG...: FUNCTION CONFIG for every configuration,
# $rounds times, the order rotating each round so drift hits all alike.
interleave() {
	local run=$1 round i
	shift
	local configs=("$@")
	for ((round = 0; round < rounds; round++)); do
		for ((i = 0; i < ${#configs[@]}; i++)); do
			"$run" "${configs[$(((i + round) % ${#configs[@]}))]}"
		done
	done
}

# paired_ratio FILE BASE: the median over rounds of FILE's first number
# over BASE's, line by line (line i of each is round i, and both have as
# many columns), which cancels drift between rounds.
paired_ratio() { paste -d' ' "$1" "$2" | awk '{ print $1 / $(NF / 2 + 1) }' | median; }

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The sampler's average kernel time per run (every tick on every CPU, the
# target's or not), while the agent that loaded it still runs.
bpf_ns_per_run() {
	bpf_run_totals | awk '{ print $2 ? int($1 / $2 + 0.5) : "-" }'
}

# bpf_run_totals: "run_time_ns run_cnt" of the loaded sampler(s) so far.
bpf_run_totals() {
	bpftool -j prog show name sample_cpu | python3 -c '
import json, sys
progs = json.load(sys.stdin)
progs = progs if isinstance(progs, list) else [progs]
print(sum(p.get("run_time_ns", 0) for p in progs), sum(p.get("run_cnt", 0) for p in progs))'
}
