#!/usr/bin/env bash
# test_browser.sh: the UI of a real `bpfprof serve` in headless Chromium
# (tests/browser/ui.test.js), and the script of an SVG flamegraph `record`
# wrote; screenshots are kept in build/browser/.
set -u
. "$(dirname "$0")/../lib.sh"

artifacts=$ROOT/build/browser
mkdir -p "$artifacts"
start_workload cpu_split --seconds 900 --late-thread-on-usr1
cpu_pid=$WORKLOAD_PID
# An SVG flamegraph of the same target, whose own script the page drives too.
svg=$TEST_TMP/flame.svg
"$ROOT/build/bpfprof" record --pid "$cpu_pid" --duration 1s -o "$svg" 2>"$TEST_TMP/record.log" ||
	echo "# record -o flame.svg failed: $(tail -n 1 "$TEST_TMP/record.log")"
if ! start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0 --hz 499 --heap; then
	not_ok "serve --heap starts for the browser" "$(cat "$AGENT_LOG")"
	finish
	exit
fi
cpu_url=$AGENT_URL
# cpu_split allocates nothing once running, so its heap profiles are empty;
# alloc_sites, traced at every allocation, gives the heap views known content
# (the page sends it SIGUSR1 to allocate, then SIGTERM to see the exit).
start_workload alloc_sites
if ! start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0 --heap-rate 1; then
	not_ok "serve --heap-rate 1 starts for the browser" "$(cat "$AGENT_LOG")"
	finish
	exit
fi
# The page's own TAP lines count as this suite's tests.
node "$ROOT/tests/browser/ui.test.js" "$cpu_url" "$artifacts" "$AGENT_URL" "$WORKLOAD_PID" "$cpu_pid" "$svg"
