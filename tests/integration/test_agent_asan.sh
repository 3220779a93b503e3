#!/usr/bin/env bash
# test_agent_asan.sh: the whole agent built with ASan+UBSan (build/asan/bpfprof)
# through record and serve: every output format, concurrent windows, every
# route (block, mutex and the threads view too), a target exiting, shutdown
# with a recording in flight, and heap tracing. Any sanitizer
# report or leak fails it.
set -u
. "$(dirname "$0")/../lib.sh"

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
agent=$ROOT/build/asan/bpfprof

# no_reports DESCRIPTION FILE: the run's stderr holds no sanitizer report.
no_reports() {
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$2"; then
		not_ok "$1" "$(grep -m 3 -E 'ERROR|runtime error' "$2")"
	else
		ok "$1"
	fi
}

check "the agent under test is instrumented by ASan and UBSan" \
	bash -c "nm '$agent' | grep -q __asan_report && nm '$agent' | grep -q __ubsan_handle"

start_workload cpu_split --seconds 900 --late-thread-ms 300
for format in pprof folded svg; do
	"$agent" record --pid "$WORKLOAD_PID" --duration 1s --format "$format" -o "$TEST_TMP/out.$format" \
		2>"$TEST_TMP/record.err"
	expect_eq "record --format $format under sanitizers exits 0" "$?" 0
	no_reports "record --format $format: no sanitizer report" "$TEST_TMP/record.err"
done

AGENT_BIN=$agent start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0
serve_pid=$AGENT_PID
url=$AGENT_URL
curl -s -o /dev/null "$url/debug/pprof/profile?seconds=1" &
curl -s -o /dev/null "$url/debug/pprof/profile?seconds=2&debug=1" &
curl -s -X POST -o /dev/null "$url/api/snapshots?seconds=1"
curl -s -X POST -o /dev/null "$url/api/snapshots?seconds=1"
sleep 2.5
for path in /api/traced-set /api/snapshots /api/snapshots/1 /api/snapshots/1/flame /api/snapshots/1/top \
	/api/snapshots/1/pprof "/api/diff?base=1&target=2" / /ui/ /debug/pprof/ /debug/pprof/cmdline \
	"/debug/pprof/symbol?0x1" /debug/pprof/heap /nope "/debug/pprof/profile?seconds=x" \
	"/debug/pprof/block?seconds=1" "/debug/pprof/mutex?seconds=1&debug=1" /debug/pprof/goroutine \
	"/debug/pprof/goroutine?debug=1" "/debug/pprof/threads?debug=2"; do
	curl -s -o /dev/null "$url$path"
done
curl -s -X POST --data "0x1+0x2" -o /dev/null "$url/debug/pprof/symbol"
curl -s -X POST -o /dev/null "$url/api/snapshots?seconds=30"
kill "$WORKLOAD_PID"
sleep 0.5
expect_eq "after the target exits, the sanitized agent still answers" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$url/debug/pprof/profile?seconds=1")" 410
kill -TERM "$serve_pid"
wait "$serve_pid"
expect_eq "serve under sanitizers stops with status 0, a recording in flight" "$?" 0
no_reports "serve: no sanitizer report or leak" "$AGENT_LOG"

# Heap tracing: its thread, profiles taken while records arrive, every heap
# view and snapshot kind, a delta cut short by the target's exit, shutdown.
start_workload alloc_sites --threads 2
AGENT_BIN=$agent start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0 --heap-rate 4096
heap_serve=$AGENT_PID
url=$AGENT_URL
curl -s -o /dev/null "$url/debug/pprof/allocs?seconds=30" &
delta=$!
curl -s -X POST -o /dev/null "$url/api/snapshots?kind=allocs&seconds=2"
kill -USR1 "$WORKLOAD_PID"
for path in /debug/pprof/heap "/debug/pprof/heap?debug=1" /debug/pprof/allocs "/debug/pprof/leaks?older_than=0" \
	"/debug/pprof/heap?seconds=1"; do
	curl -s -o /dev/null "$url$path"
done
curl -s -X POST -o /dev/null "$url/api/snapshots?kind=heap"
curl -s -X POST -o /dev/null "$url/api/snapshots?kind=leaks&seconds=0"
sleep 2.5
for path in /api/snapshots /api/snapshots/1/flame /api/snapshots/2/top /api/snapshots/3/pprof; do
	curl -s -o /dev/null "$url$path"
done
kill "$WORKLOAD_PID"
wait "$delta"
expect_eq "a heap delta cut short by the target's exit answers" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$url/debug/pprof/heap")" 200
kill -TERM "$heap_serve"
wait "$heap_serve"
expect_eq "serve --heap under sanitizers stops with status 0" "$?" 0
no_reports "serve --heap: no sanitizer report or leak" "$AGENT_LOG"

finish
