#!/usr/bin/env bash
# make bench-offcpu: what the block, mutex and wall-clock profiles and the
# trace timeline cost the demo server under load: its requests per second
# with nothing attached, with `record --kind block`, `mutex` or `wall`, and
# with a /debug/pprof/trace window running, interleaved in rounds; the
# ratio to the unprofiled server of the same round (median of the rounds).
#   ROUNDS=3 LOAD_SECONDS=5 IMPL=naive bench/run.sh offcpu
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-3}
load_seconds=${LOAD_SECONDS:-5}
impl=${IMPL:-naive}
. bench/lib.sh

configs=(none block mutex wall trace)

# run CONFIG: the demo server under hey with CONFIG attached first;
# appends its requests per second to $work/CONFIG.
run() {
	local config=$1 profiler=
	: >"$work/server.log"
	build/encrypt-server --port 0 --impl "$impl" --threads 4 >"$work/server.log" 2>&1 &
	local server=$!
	wait_for_port "$work/server.log" 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p'
	local port=$PORT
	case "$config" in
	block | mutex | wall)
		build/bpfprof record --kind "$config" --pid "$server" --duration "$((load_seconds + 3))s" \
			-o "$work/$config.pb.gz" 2>/dev/null &
		profiler=$!
		;;
	trace)
		start_agent "$server"
		curl -s -o "$work/trace.json" "$URL/debug/pprof/trace?seconds=$((load_seconds + 2))" &
		profiler=$!
		;;
	esac
	sleep 1 # attached
	hey -z "${load_seconds}s" -c 8 "http://127.0.0.1:$port/encrypt?size=1024" |
		awk '/Requests\/sec/ { print $2 }' >>"$work/$config"
	[[ -n "$profiler" ]] && { wait "$profiler" 2>/dev/null || true; }
	kill "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
}

echo "demo server ($impl encryptData, 1 KiB payloads, hey -c 8 for ${load_seconds} s), $rounds interleaved rounds"
interleave run "${configs[@]}"

printf '\n%-12s %14s %10s\n' configuration "requests/s" "vs none"
for config in "${configs[@]}"; do
	rate=$(median <"$work/$config")
	ratio=$(paired_ratio "$work/$config" "$work/none")
	printf '%-12s %14.0f %10.4f\n' "$config" "$rate" "$ratio"
done
