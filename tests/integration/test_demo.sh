#!/usr/bin/env bash
# test_demo.sh: the README's demo command, shortened, end to end.
set -u
. "$(dirname "$0")/../lib.sh"

out=$(cd "$ROOT" && DEMO_PORT=0 LOAD_SECONDS=2 CONCURRENCY=20 DEMO_EXIT_AFTER_LOAD=1 bash scripts/demo.sh 2>&1)
status=$?
expect_eq "demo exits 0 when asked to stop after the load" "$status" 0
expect_match "demo prints the encrypt URL" "$out" 'http://127\.0\.0\.1:[0-9]+/encrypt'
expect_match "demo's load got only 200 responses" "$out" '\[200\][[:space:]]+[0-9]+ responses'
check "demo's load got no errors" bash -c "! grep -q 'Error distribution' <<<\"\$1\"" _ "$out"
expect_match "demo shows the server's counters" "$out" '"impl":"naive","requests":[1-9]'
port=$(sed -n 's/.*http:\/\/127\.0\.0\.1:\([0-9]*\)\/stats.*/\1/p' <<<"$out" | head -n 1)
check "demo stopped its server" bash -c "! curl -s -m 2 http://127.0.0.1:$port/healthz"

finish
