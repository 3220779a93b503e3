#!/usr/bin/env bash
# test_trace.sh: /debug/pprof/trace on build/tests/waits: valid JSON in the
# trace-event format (every event with its required fields), a named track
# per thread, the sleeper mostly asleep, the waiters woken, nothing lost;
# bad seconds, and a target that exited. `record --kind trace` writes the
# same document to a file.
set -u
. "$(dirname "$0")/../lib.sh"

serve_waits

expect_eq "trace?seconds=2 answers" "$(get '/debug/pprof/trace?seconds=2')" 200
expect_match "as JSON, to save" "$(tr -d '\r' <"$TEST_TMP/headers")" \
	'Content-Type: application/json'$'\n''(.*'$'\n'')*Content-Disposition: attachment; filename="trace.json"|Content-Disposition: attachment; filename="trace.json"'$'\n''(.*'$'\n'')*Content-Type: application/json'
# check_trace FILE PID: the format's rules and what waits does, one line per finding.
check_trace() {
	python3 - "$1" "$2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
pid = int(sys.argv[2])
events = doc["traceEvents"]
bad = [e for e in events if "ph" not in e or "name" not in e or "pid" not in e
       or (e["ph"] in ("X", "i") and not isinstance(e.get("ts"), (int, float)))
       or (e["ph"] == "X" and (not isinstance(e.get("dur"), (int, float)) or e["dur"] < 0 or "tid" not in e))]
print("malformed", len(bad))
names = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
print("threads", " ".join(sorted(names.values())))
print("pids", " ".join(sorted({str(e["pid"]) for e in events})), "want", pid)
def total(thread, name):
    return sum(e["dur"] for e in events if e["ph"] == "X" and names.get(e.get("tid")) == thread and e["name"] == name)
print("sleeper_asleep_share", round(total("sleeper", "sleeping") / (doc["otherData"]["window_seconds"] * 1e6), 3))
print("sleeper_on_cpu_share", round(total("sleeper", "on CPU") / (doc["otherData"]["window_seconds"] * 1e6), 3))
print("waiter_wakeups", sum(1 for e in events if e["ph"] == "i" and names.get(e["tid"]) == "waiter"))
print("lost", doc["otherData"]["events_lost"])
PY
}
report=$(check_trace "$TEST_TMP/body" "$WORKLOAD_PID")
expect_match "valid JSON with every event's required fields" "$report" 'malformed 0'$'\n'
expect_match "a named track for every thread" "$report" 'threads holder sleeper waiter waiter waits'
expect_match "all of them the target's" "$report" "pids $WORKLOAD_PID want $WORKLOAD_PID"
check "the sleeper spends most of the window asleep ($(sed -n 's/sleeper_asleep_share //p' <<<"$report"))" \
	awk -v s="$(sed -n 's/sleeper_asleep_share //p' <<<"$report")" 'BEGIN { exit !(s > 0.9 && s <= 1.0) }'
# A reader woken for every event preempted the sleeper after each switch in,
# and that switch woke it again: the sleeper spent 5-10 % on CPU, ~4000 slices
# a second. Batched wakeups leave it ~0.1 %.
check "and little of it on CPU ($(sed -n 's/sleeper_on_cpu_share //p' <<<"$report"))" \
	awk -v s="$(sed -n 's/sleeper_on_cpu_share //p' <<<"$report")" 'BEGIN { exit !(s < 0.02) }'
check "the waiters are woken when the lock is let go" \
	awk -v n="$(sed -n 's/waiter_wakeups //p' <<<"$report")" 'BEGIN { exit !(n > 10) }'
expect_match "nothing lost" "$report" $'\n''lost 0$'
expect_eq "trace?debug=1 is refused: the trace has no text form" "$(get '/debug/pprof/trace?seconds=1&debug=1')" 400

# The same kind recorded to a file: the row of the kinds table that serves
# it writes it (--kind is the same flag as --kind).
"$ROOT/build/bpfprof" record --kind trace --pid "$WORKLOAD_PID" --duration 2s -o "$TEST_TMP/recorded.json" \
	2>"$TEST_TMP/record.err"
expect_eq "record --kind trace exits 0" "$?" 0
expect_match "and says what it wrote" "$(cat "$TEST_TMP/record.err")" \
	'wrote .*recorded\.json \(json\): [0-9]+ scheduler events of 5 threads over 2\.0 s, 0 lost'
report=$(check_trace "$TEST_TMP/recorded.json" "$WORKLOAD_PID" 2>&1)
expect_match "the file is valid trace JSON" "$report" 'malformed 0'$'\n'
expect_match "with a track for each of the traced process's threads" "$report" 'threads holder sleeper waiter waiter waits'
expect_match "and only its" "$report" "pids $WORKLOAD_PID want $WORKLOAD_PID"
(cd "$TEST_TMP" && "$ROOT/build/bpfprof" record --kind trace --pid "$WORKLOAD_PID" --duration 1s 2>/dev/null)
check "--kind trace without -o writes trace.json" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' \
	"$TEST_TMP/trace.json"

expect_eq "trace?seconds=-1 is refused" "$(get '/debug/pprof/trace?seconds=-1')" 400
expect_match "the index says it is not Go's format" "$(curl -s "$AGENT_URL/debug/pprof/")" \
	'Chrome trace-event JSON for Perfetto or chrome://tracing \(not Go.s runtime trace format\)'
kill "$WORKLOAD_PID"
wait "$WORKLOAD_PID" 2>/dev/null
expect_eq "after the target exits: 410" "$(get '/debug/pprof/trace?seconds=1')" 410
kill "$AGENT_PID"
finish
