#!/usr/bin/env bash
# The README's demo: start encrypt-server, load it with hey the way the Go
# tutorial does, print where to look. Ctrl-C stops everything it started.
#   IMPL=naive|fast  DEMO_PORT=8080  LOAD_SECONDS=30  CONCURRENCY=100
#   DEMO_EXIT_AFTER_LOAD=1  stop once the load is done (used by the tests)
set -euo pipefail
cd "$(dirname "$0")/.."

impl=${IMPL:-naive}
port=${DEMO_PORT:-8080}
load_seconds=${LOAD_SECONDS:-30}
concurrency=${CONCURRENCY:-100}
log=$(mktemp)
server_pid=
cleanup() {
	[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build/encrypt-server --port "$port" --impl "$impl" >"$log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
	bound=$(sed -n 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$log")
	[[ -n "$bound" ]] && break
	if ! kill -0 "$server_pid" 2>/dev/null; then
		cat "$log" >&2
		exit 1
	fi
	sleep 0.05
done
[[ -n "$bound" ]] || { echo "demo: encrypt-server did not start" >&2; exit 1; }
base="http://127.0.0.1:$bound"

cat <<MSG
encrypt-server is running (impl=$impl, pid $server_pid)
  $base/encrypt        hex(IV || AES-CFB ciphertext) of a short message
  $base/encrypt?size=N the same for N bytes; POST a body to encrypt it
  $base/stats          request count and implementation
The bpfprof agent (CPU profile, flamegraphs, /debug/pprof) is not built yet:
see README.md for what exists today.

Loading it for ${load_seconds}s with: hey -z ${load_seconds}s -c $concurrency $base/encrypt
MSG
hey -z "${load_seconds}s" -c "$concurrency" "$base/encrypt" | sed -n '/Summary/,/Requests\/sec/p;/Status code/,$p'
curl -s "$base/stats"

if [[ -n "${DEMO_EXIT_AFTER_LOAD:-}" ]]; then
	exit 0
fi
echo "Load done; the server keeps running at $base. Ctrl-C to stop."
wait "$server_pid"
