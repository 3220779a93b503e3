#!/usr/bin/env bash
# make bench-serve: how long /debug/pprof/profile?seconds=N takes beyond the
# N seconds asked for (attach, drain, symbolize, encode), on a small target
# and on the demo server under load (thousands of distinct stacks).
#   RUNS=5 bench/run.sh serve
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
runs=${RUNS:-5}

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
start_agent "${pids[-1]}"
small=$URL

build/encrypt-server --port 0 --impl naive >"$work/server.log" 2>&1 &
pids+=($!)
server_pid=${pids[-1]}
wait_for_port "$work/server.log" 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p'
port=$PORT
start_agent "$server_pid"
demo=$URL
hey -z 600s -c 50 "http://127.0.0.1:$port/encrypt?size=1024" >/dev/null 2>&1 &
pids+=($!)
sleep 1

printf '%-42s %8s %22s\n' target seconds "ms beyond (median of $runs)"
printf '%-42s %8d %22s\n' "cpu_split (a handful of stacks)" 1 "$(overhead "$small" 1)"
printf '%-42s %8d %22s\n' "cpu_split (a handful of stacks)" 5 "$(overhead "$small" 5)"
printf '%-42s %8d %22s\n' "encrypt-server under hey (thousands)" 1 "$(overhead "$demo" 1)"
printf '%-42s %8d %22s\n' "encrypt-server under hey (thousands)" 5 "$(overhead "$demo" 5)"
