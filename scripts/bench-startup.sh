#!/usr/bin/env bash
# make bench-startup: what attaching costs the agent, the first time and
# again. `bpfprof record -d 100ms` on the idle demo server, alternately with
# an empty unwind table cache (cold: every table compiled, then stored) and
# with the cache that run left (warm: every table read back), in
# interleaved rounds. Prints the medians of the agent's wall time, user and
# system CPU and the tables' time from its profile comment, and the median
# of each round's warm/cold ratio.
#   ROUNDS=5 scripts/bench-startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-5}
. scripts/bench-lib.sh

build/encrypt-server --port 0 >"$work/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
wait_for_port "$work/server.log" 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p'

# run CONFIG: one attach; appends "wall user system cpu tables-ms" to $work/CONFIG.
run() {
	local config=$1
	[[ $config == cold ]] && rm -rf "$work/cache"
	BPFPROF_CACHE_DIR=$work/cache /usr/bin/time -f '%e %U %S' -o "$work/time" \
		build/bpfprof record --pid "$server_pid" --duration 100ms -o "$work/profile.pb.gz" 2>/dev/null
	local tables
	tables=$(HOME=/tmp GOCACHE=/tmp/bpfprof-gocache go tool pprof -comments "$work/profile.pb.gz" 2>/dev/null |
		sed -n 's/.*KiB in the kernel, built in \([0-9]*\) ms.*/\1/p')
	awk -v tables="${tables:--}" '{ printf "%s %s %s %.2f %s\n", $1, $2, $3, $2 + $3, tables }' "$work/time" \
		>>"$work/$config"
}

echo "bpfprof record -d 100ms on the idle demo server, $rounds rounds, cold (empty table cache) then warm"
for ((round = 0; round < rounds; round++)); do
	run cold
	run warm
done

printf '\n%-6s %8s %8s %8s %8s %10s\n' cache "wall s" "user s" "sys s" "CPU s" "tables ms"
for config in cold warm; do
	printf '%-6s' "$config"
	for column in 1 2 3 4 5; do printf ' %8s' "$(cut -d' ' -f"$column" "$work/$config" | median)"; done
	echo
done
for column in 1:wall 4:CPU; do
	printf 'warm/cold, %s: %s\n' "${column#*:}" "$(paste -d' ' <(cut -d' ' -f"${column%%:*}" "$work/warm") \
		<(cut -d' ' -f"${column%%:*}" "$work/cold") | awk '{ print $1 / $2 }' | median)"
done
