#!/usr/bin/env bash
# make bench-startup: what attaching costs the agent, the first time and
# again, in two settings: `bpfprof record -d 100ms` on the idle demo server
# (the attach itself), and `record -d 1s` on the demo server under hey's
# load (the attach plus naming a profile's stacks: kernel symbols, and
# libc's debug info when libc6-dbg is installed). Each round runs once with
# an empty cache (cold: every unwind table compiled, every compressed debug
# file inflated, both stored) and once with the cache that run left (warm).
# Prints per setting the medians of the agent's wall time, user and system
# CPU and the tables' time from its profile comment, and the median of each
# round's warm/cold ratio.
#   ROUNDS=5 [AGENT=/path/to/other/bpfprof] bench/run.sh startup
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-5}
agent=${AGENT:-build/bpfprof} # AGENT=: another build, for a before/after
. bench/lib.sh

build/encrypt-server --port 0 >"$work/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
wait_for_port "$work/server.log" 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p'

# run SETTING CONFIG DURATION: one attach; appends "wall user system cpu tables-ms" to $work/SETTING.CONFIG.
run() {
	local setting=$1 config=$2 duration=$3
	[[ $config == cold ]] && rm -rf "$work/cache"
	BPFPROF_CACHE_DIR=$work/cache /usr/bin/time -f '%e %U %S' -o "$work/time" \
		"$agent" record --pid "$server_pid" --duration "$duration" -o "$work/profile.pb.gz" 2>/dev/null
	local tables
	tables=$(HOME=/tmp GOCACHE=/tmp/bpfprof-gocache go tool pprof -comments "$work/profile.pb.gz" 2>/dev/null |
		sed -n 's/.*KiB in the kernel, built in \([0-9]*\) ms.*/\1/p')
	awk -v tables="${tables:--}" '{ printf "%s %s %s %.2f %s\n", $1, $2, $3, $2 + $3, tables }' "$work/time" \
		>>"$work/$setting.$config"
}

# rounds_of SETTING DURATION: $rounds rounds of cold then warm.
rounds_of() {
	for ((round = 0; round < rounds; round++)); do
		run "$1" cold "$2"
		run "$1" warm "$2"
	done
}

echo "bpfprof record on the demo server, $rounds rounds each, cold (empty cache) then warm"
rounds_of idle 100ms
hey -z 3600s -c 20 "http://127.0.0.1:$PORT/encrypt" >/dev/null 2>&1 &
pids+=($!)
sleep 1
rounds_of loaded 1s

for setting in idle loaded; do
	[[ $setting == idle ]] && echo && echo "idle server, record -d 100ms"
	[[ $setting == loaded ]] && echo && echo "under hey -c 20, record -d 1s"
	printf '%-6s %8s %8s %8s %8s %10s\n' cache "wall s" "user s" "sys s" "CPU s" "tables ms"
	for config in cold warm; do
		printf '%-6s' "$config"
		for column in 1 2 3 4 5; do printf ' %8s' "$(cut -d' ' -f"$column" "$work/$setting.$config" | median)"; done
		echo
	done
	for column in 1:wall 4:CPU; do
		printf 'warm/cold, %s: %s\n' "${column#*:}" "$(paste -d' ' <(cut -d' ' -f"${column%%:*}" "$work/$setting.warm") \
			<(cut -d' ' -f"${column%%:*}" "$work/$setting.cold") | awk '{ print $1 / $2 }' | median)"
	done
done
