#!/usr/bin/env bash
# tutorial-shots.sh: docs/tutorial.md's screenshots, from the real UI of an
# agent attached to the loaded demo server (docs/tools/tutorial-shots.js).
#   sudo docs/tools/tutorial-shots.sh [OUT_DIR]   (default docs/images)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-docs/images}
. bench/lib.sh # $work, $pids stopped at exit

build/encrypt-server --port 0 --impl naive >"$work/server.log" 2>&1 &
pids+=($!)
server=$!
wait_for_port "$work/server.log" 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p'
server_url="http://127.0.0.1:$PORT"
start_agent "$server"
hey -z 300s -c 50 "$server_url/encrypt" >/dev/null 2>&1 &
pids+=($!)
sleep 2
# playwright-core is installed for the browser tests (tests/browser).
NODE_PATH=tests/browser/node_modules node docs/tools/tutorial-shots.js "$URL" "$server_url" "$out"
