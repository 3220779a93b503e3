#!/usr/bin/env bash
# test_threads.sh: the threads view (Go's goroutine profile) of `serve` on
# build/tests/waits: every thread listed with its real name, state and
# stack in debug=2, grouped by stack in debug=1, counted in the pprof form;
# a target held by another tracer, and a target that exited.
set -u
. "$(dirname "$0")/../lib.sh"

serve_waits

expect_eq "goroutine?debug=2 answers" "$(get '/debug/pprof/goroutine?debug=2')" 200
dump=$(cat "$TEST_TMP/body")
for tid in $(ls "/proc/$WORKLOAD_PID/task"); do
	name=$(cat "/proc/$WORKLOAD_PID/task/$tid/comm")
	expect_match "thread $tid is listed as \"$name\"" "$dump" "thread $tid \"$name\" \\["
done
expect_eq "and nothing else" "$(grep -c '^thread ' <<<"$dump")" "$(ls "/proc/$WORKLOAD_PID/task" | wc -l)"
# The sleeper is asleep nearly always, but may be caught between sleeps.
expect_match "the sleeper's stack is its own code, with its state" "$dump" \
	'"sleeper" \[(sleeping in [a-z_]+|running)\]:'$'\n''(.*'$'\n'')*sleeper\(\)'$'\n''	.*waits\.c:[0-9]+'
expect_match "the main thread waits in pthread_join" "$dump" '"waits" \[sleeping[^]]*\]:'$'\n''(.*'$'\n'')*main\(\)'

# Both waiters are queued on the lock nearly always; a look may still catch
# one between waits, so look a few times for the moment they match.
for ((i = 0; i < 20; i++)); do
	status=$(get '/debug/pprof/goroutine?debug=1')
	grouped=$(cat "$TEST_TMP/body")
	grep -q '^2 @' <<<"$grouped" && break
	sleep 0.1
done
expect_eq "goroutine?debug=1 answers" "$status" 200
expect_match "debug=1 counts every thread" "$grouped" "threads profile: total $(ls "/proc/$WORKLOAD_PID/task" | wc -l)"
expect_match "the two waiters share one stack" "$grouped" '2 @ (0x[0-9a-f]+ ?)+'$'\n''# labels: \{"thread":"waiter"\}'

top=$(go_pprof -top -cum "$AGENT_URL/debug/pprof/goroutine")
expect_match "pprof form: Go's goroutine/count" "$top" 'Type: goroutine'
expect_match "pprof form: one per thread" "$top" "Showing nodes accounting for $(ls "/proc/$WORKLOAD_PID/task" | wc -l), 100%"
expect_match "threads is the same view" "$(go_pprof -top "$AGENT_URL/debug/pprof/threads")" 'Type: goroutine'
expect_match "the index links the full dump" "$(curl -s "$AGENT_URL/debug/pprof/")" 'href="goroutine\?debug=2"'
check "the target keeps running after its threads were walked" kill -0 "$WORKLOAD_PID"
kill "$WORKLOAD_PID"
wait "$WORKLOAD_PID" 2>/dev/null
sleep 0.3
expect_eq "after the target exits: 410" "$(get '/debug/pprof/goroutine?debug=2')" 410
expect_match "saying so" "$(cat "$TEST_TMP/body")" 'has exited'
kill "$AGENT_PID"

# Another tracer holds the target: ptrace is refused, and the answer says why.
strace -f -o /dev/null "$ROOT/build/tests/waits" --seconds 60 >/dev/null &
strace_pid=$!
server_pids+=("$strace_pid")
sleep 0.5
traced=$(pgrep -P "$strace_pid" waits)
start_serve --pid "$traced" --listen 127.0.0.1:0
expect_eq "a target held by strace: 500" "$(get '/debug/pprof/goroutine?debug=1')" 500
expect_match "with the reason" "$(cat "$TEST_TMP/body")" 'cannot attach to PID [0-9]+ with ptrace'
kill "$AGENT_PID" "$traced" "$strace_pid" 2>/dev/null

finish
