#!/usr/bin/env bash
# The README's demo: start encrypt-server, attach `bpfprof serve` to it, print
# where to look, and load it with hey the way the Go tutorial does, round after round,
# until Ctrl-C, which stops everything it started.
#   IMPL=naive|fast  DEMO_PORT=8080  AGENT_PORT=6060  LOAD_SECONDS=30  CONCURRENCY=100
#   DEMO_BIND=127.0.0.1  the address both listen on (0.0.0.0 inside the lab VM,
#                        whose forwarded ports arrive on its NAT interface)
#   DEMO_EXIT_AFTER_LOAD=1  stop after the first round of load (used by the tests)
#   HEAP=1  trace allocations too (serve --heap; its uprobes then show in CPU profiles)
set -euo pipefail
cd "$(dirname "$0")/.."

impl=${IMPL:-naive}
port=${DEMO_PORT:-8080}
agent_port=${AGENT_PORT:-6060}
bind=${DEMO_BIND:-127.0.0.1}
load_seconds=${LOAD_SECONDS:-30}
concurrency=${CONCURRENCY:-100}
work=$(mktemp -d)
server_pid= agent_pid=
as_root=()
((EUID == 0)) || as_root=(sudo)
cleanup() {
	[[ -n "$agent_pid" ]] && "${as_root[@]}" kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for_line FILE SED-EXPRESSION PID: prints the first match, or fails if PID dies first.
wait_for_line() {
	local found
	for _ in $(seq 200); do
		found=$(sed -n "$2" "$1")
		[[ -n "$found" ]] && { echo "$found"; return 0; }
		kill -0 "$3" 2>/dev/null || { cat "$1" >&2; return 1; }
		sleep 0.05
	done
	return 1
}

: >"$work/server.log" >"$work/agent.log"
build/encrypt-server --bind "$bind" --port "$port" --impl "$impl" >"$work/server.log" 2>&1 &
server_pid=$!
bound=$(wait_for_line "$work/server.log" 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$server_pid")
base="http://127.0.0.1:$bound"

"${as_root[@]}" build/bpfprof serve --pid "$server_pid" --listen "$bind:$agent_port" ${HEAP:+--heap} 2>"$work/agent.log" &
agent_pid=$!
agent_bound=$(wait_for_line "$work/agent.log" 's/.*on http:\/\/[^ ]*:\([0-9]*\)\/debug\/pprof\/.*/\1/p' "$agent_pid")
agent="http://127.0.0.1:$agent_bound"

cat <<MSG
encrypt-server is running (impl=$impl, pid $server_pid): $base/encrypt
bpfprof serve is attached to it:
  $agent/ui/                      the flamegraph UI: record, explore, compare snapshots
  $agent/debug/pprof/             Go-compatible endpoints
  go tool pprof -top $agent/debug/pprof/profile?seconds=10
  go tool pprof -list encryptData $agent/debug/pprof/profile?seconds=10
$([[ -n "${HEAP:-}" ]] && echo "  go tool pprof -list encryptData $agent/debug/pprof/allocs     bytes allocated per line")
  go tool pprof -top $agent/debug/pprof/mutex?seconds=10         where requests queue on locks
(Both listen on $bind; from a VM's host, use the forwarded ports on the host's 127.0.0.1.)

Loading it in rounds of ${load_seconds}s until Ctrl-C: hey -z ${load_seconds}s -c $concurrency $base/encrypt
  curl -X POST '$base/impl?name=fast'      switch to the fast encryptData meanwhile
MSG
# Rounds of load, each summarized, keep the profiles busy while the user
# explores; Ctrl-C (or DEMO_EXIT_AFTER_LOAD, for the tests) ends them.
while kill -0 "$server_pid" 2>/dev/null; do
	hey -z "${load_seconds}s" -c "$concurrency" "$base/encrypt" | sed -n '/Summary/,/Requests\/sec/p;/Status code/,$p'
	curl -s "$base/stats"
	echo
	[[ -n "${DEMO_EXIT_AFTER_LOAD:-}" ]] && exit 0
done
