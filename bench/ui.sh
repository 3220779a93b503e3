#!/usr/bin/env bash
# make bench-ui: how long the flamegraph page takes to show a profile with
# about 100k distinct stacks, in Debian's headless Chromium. The profile is
# real: tests/workloads/many_stacks sampled by bpfprof serve at 10 kHz.
#   SECONDS_TO_RECORD=5 RUNS=3 bench/run.sh ui
set -euo pipefail
cd "$(dirname "$0")/.."

record_seconds=${SECONDS_TO_RECORD:-5}
. bench/lib.sh

build/tests/many_stacks --seconds 600 >/dev/null &
pids+=($!)
start_agent "${pids[0]}" --hz 10000
url=$URL
curl -s -X POST "$url/api/snapshots?seconds=$record_seconds" >/dev/null
sleep "$record_seconds"
until curl -s "$url/api/snapshots/1" | grep -q '"state":"ready"'; do sleep 0.5; done
curl -s -o "$work/flame.json" "$url/api/snapshots/1/flame"
python3 - "$work/flame.json" <<'PY'
import json, os, sys
tree = json.load(open(sys.argv[1]))["root"]
nodes = stacks = 0
todo = [tree]
while todo:
    n = todo.pop()
    nodes += 1
    stacks += n["self"] > 0
    todo.extend(n["children"])
print(f"profile: {stacks} distinct stacks, {nodes} frames in the tree, {os.path.getsize(sys.argv[1]) / 1e6:.1f} MB of JSON")
PY
# playwright-core is installed for the browser tests (tests/browser).
RUNS=${RUNS:-3} NODE_PATH=tests/browser/node_modules node bench/ui-render.js "$url"
