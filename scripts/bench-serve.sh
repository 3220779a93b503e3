#!/usr/bin/env bash
# make bench-serve: how long /debug/pprof/profile?seconds=N takes beyond the
# N seconds asked for (attach, drain, symbolize, encode), on a small target
# and on the demo server under load (thousands of distinct stacks).
#   RUNS=5 scripts/bench-serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-5}
work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# serve_for PID: starts bpfprof serve on PID; sets URL to its base URL.
serve_for() {
	: >"$work/serve.$1.log"
	build/bpfprof serve --pid "$1" --listen 127.0.0.1:0 >/dev/null 2>"$work/serve.$1.log" &
	pids+=($!)
	local port=
	for _ in $(seq 100); do
		port=$(sed -n 's/.*:\([0-9]*\)\/debug\/pprof\/.*/\1/p' "$work/serve.$1.log")
		[[ -n "$port" ]] && break
		sleep 0.05
	done
	URL="http://127.0.0.1:$port"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# overhead URL SECONDS: median ms beyond SECONDS over $runs requests, and the stacks in the last.
overhead() {
	local url=$1 seconds=$2 total
	for _ in $(seq "$runs"); do
		total=$(curl -s -o "$work/p.pb.gz" -w '%{time_total}' "$url/debug/pprof/profile?seconds=$seconds")
		awk -v t="$total" -v s="$seconds" 'BEGIN { printf "%.1f\n", (t - s) * 1000 }'
	done | median
}

build/tests/cpu_split --seconds 600 >/dev/null &
pids+=($!)
serve_for "${pids[-1]}"
small=$URL

build/encrypt-server --port 0 --impl naive >"$work/server.log" 2>&1 &
pids+=($!)
server_pid=${pids[-1]}
sleep 0.3
port=$(sed -n 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$work/server.log")
serve_for "$server_pid"
demo=$URL
hey -z 600s -c 50 "http://127.0.0.1:$port/encrypt?size=1024" >/dev/null 2>&1 &
pids+=($!)
sleep 1

printf '%-42s %8s %22s\n' target seconds "ms beyond (median of $runs)"
printf '%-42s %8d %22s\n' "cpu_split (a handful of stacks)" 1 "$(overhead "$small" 1)"
printf '%-42s %8d %22s\n' "cpu_split (a handful of stacks)" 5 "$(overhead "$small" 5)"
printf '%-42s %8d %22s\n' "encrypt-server under hey (thousands)" 1 "$(overhead "$demo" 1)"
printf '%-42s %8d %22s\n' "encrypt-server under hey (thousands)" 5 "$(overhead "$demo" 5)"
