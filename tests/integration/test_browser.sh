#!/usr/bin/env bash
# test_browser.sh: the UI of a real `bpfprof serve` in headless Chromium
# (tests/browser/ui.test.js); screenshots are kept in build/browser/.
set -u
. "$(dirname "$0")/../lib.sh"

artifacts=$ROOT/build/browser
mkdir -p "$artifacts"
start_workload cpu_split --seconds 120 --late-thread-ms 4000
log="$TEST_TMP/serve.log"
: >"$log"
"$ROOT/build/bpfprof" serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0 --hz 499 2>"$log" &
server_pids+=($!)
for _ in $(seq 100); do
	port=$(sed -n 's/.*on http:\/\/[^ ]*:\([0-9]*\)\/debug\/pprof\/.*/\1/p' "$log")
	[[ -n "$port" ]] && break
	sleep 0.05
done
if [[ -z "${port:-}" ]]; then
	not_ok "serve starts for the browser" "$(cat "$log")"
	finish
	exit
fi
# The page's own TAP lines count as this suite's tests.
node "$ROOT/tests/browser/ui.test.js" "http://127.0.0.1:$port" "$artifacts"
