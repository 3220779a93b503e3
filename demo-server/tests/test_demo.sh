#!/usr/bin/env bash
# test_demo.sh: the README's demo command, shortened, end to end: the
# server, the agent attached to it, the load, and the URLs it prints.
set -u
. "$(dirname "$0")/../../tests/lib.sh"

out="$TEST_TMP/demo.out"
(cd "$ROOT" && DEMO_PORT=0 AGENT_PORT=0 LOAD_SECONDS=5 CONCURRENCY=20 DEMO_EXIT_AFTER_LOAD=1 HEAP=1 \
	bash demo-server/demo.sh >"$out" 2>&1) &
demo=$!
for _ in $(seq 100); do
	grep -q 'Loading it in rounds' "$out" && break
	sleep 0.1
done
agent=$(sed -n 's/^  \(http:\/\/127\.0\.0\.1:[0-9]*\)\/ui\/.*/\1/p' "$out" | head -n 1)
expect_match "the demo prints the agent's UI URL" "$agent" '^http://127\.0\.0\.1:[0-9]+$'
expect_eq "the agent answers during the load" "$(curl -s -o /dev/null -w '%{http_code}' "$agent/debug/pprof/")" 200
expect_match "it is attached to the demo server" "$(curl -s "$agent/api/traced-set")" '"comm":"encrypt-server"'
# With frame-pointer stacks and the tutorial's short message, encryptData
# itself is a rare leaf; what every sample of a loaded server shows is its
# responses going out.
expect_match "a CPU profile of the loaded server shows it answering" \
	"$(go_pprof -top -nodecount=1000 -nodefraction=0 "$agent/debug/pprof/profile?seconds=2")" \
	'File: encrypt-server.*tcp_sendmsg'
expect_match "the agent traces the heap: allocs names encryptData" \
	"$(go_pprof -top -nodecount=1000 -nodefraction=0 "$agent/debug/pprof/allocs?seconds=2")" \
	'Type: alloc_space.*encryptData'
wait "$demo"
expect_eq "demo exits 0 when asked to stop after the load" "$?" 0
text=$(cat "$out")
expect_match "demo prints the encrypt URL" "$text" 'http://127\.0\.0\.1:[0-9]+/encrypt'
expect_match "demo prints the go tool pprof commands" "$text" 'go tool pprof -top http://127\.0\.0\.1:[0-9]+/debug/pprof/profile'
expect_match "demo says how to switch to fast meanwhile" "$text" "curl -X POST 'http://127\\.0\\.0\\.1:[0-9]+/impl\\?name=fast'"
expect_match "demo's load got only 200 responses" "$text" '\[200\][[:space:]]+[0-9]+ responses'
check "demo's load got no errors" bash -c "! grep -q 'Error distribution' '$out'"
expect_match "demo shows the server's counters" "$text" '"impl":"naive","requests":[1-9]'
check "demo stopped its agent" bash -c "! curl -s -m 2 $agent/debug/pprof/ >/dev/null"

finish
