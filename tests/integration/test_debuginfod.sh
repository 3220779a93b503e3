#!/usr/bin/env bash
# test_debuginfod.sh: symbols from a debuginfod server. A stripped copy of
# build/tests/cpu_split is profiled: alone it is only addresses in the
# stripped file; with DEBUGINFOD_URLS pointing at Debian's debuginfod
# serving its separated debug info (on 127.0.0.1) the frames have their
# names and the download is cached; with a server that accepts and never
# answers, sampling and profiles go on with the symbol table and say the
# object is still pending, and serve picks the names up once they arrive.
set -u
. "$(dirname "$0")/../lib.sh"


served=$TEST_TMP/served
mkdir -p "$served"
cp "$ROOT/build/tests/cpu_split" "$TEST_TMP/cpu_split"
objcopy --only-keep-debug "$TEST_TMP/cpu_split" "$served/cpu_split.debug"
objcopy --strip-all "$TEST_TMP/cpu_split" "$served/cpu_split.stripped"
build_id=$(readelf -n "$served/cpu_split.stripped" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
check "the stripped copy has a build ID and no symbols" bash -c \
	"[[ -n '$build_id' && -z \"\$(nm '$served/cpu_split.stripped' 2>/dev/null)\" ]]"

port=$(free_port)
debuginfod -p "$port" -F "$served" -d "$TEST_TMP/debuginfod.sqlite" >"$TEST_TMP/debuginfod.log" 2>&1 &
server_pids+=($!)
url=http://127.0.0.1:$port
for ((i = 0; i < 100; i++)); do
	[[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/buildid/$build_id/debuginfo")" == 200 ]] && break
	sleep 0.2
done
expect_eq "debuginfod serves the debug info by build ID" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$url/buildid/$build_id/debuginfo")" 200

start_workload_at() { "$1" --seconds 60 >/dev/null 2>&1 & WORKLOAD_PID=$!; server_pids+=("$WORKLOAD_PID"); sleep 0.3; }
start_workload_at "$served/cpu_split.stripped"

# record_with ENV... : a 2 s folded profile of the stripped target.
record_with() {
	env -u DEBUGINFOD_URLS "$@" "$ROOT/build/bpfprof" record --pid "$WORKLOAD_PID" --duration 2s \
		-o "$TEST_TMP/out.folded" 2>"$TEST_TMP/out.err"
}

record_with HOME="$TEST_TMP/home"
expect_eq "without DEBUGINFOD_URLS: record exits 0" "$?" 0
expect_match "and the stripped code is only addresses" "$(cat "$TEST_TMP/out.folded")" 'cpu_split\.stripped\+0x[0-9a-f]+'
check "with no work_a" bash -c "! grep -q work_a '$TEST_TMP/out.folded'"

record_with DEBUGINFOD_URLS="$url" DEBUGINFOD_CACHE_PATH="$TEST_TMP/cache"
expect_eq "with DEBUGINFOD_URLS: record exits 0" "$?" 0
expect_match "and the frames are named from the server's debug info" "$(cat "$TEST_TMP/out.folded")" \
	'main;work_a;burn [0-9]+'
check "the download is cached (DEBUGINFOD_CACHE_PATH)" test -s "$TEST_TMP/cache/$build_id/debuginfo"

# A server that accepts connections and never answers them.
silent_port=$(free_port)
python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
held = []
while True:
    held.append(s.accept()[0])
' "$silent_port" &
server_pids+=($!)
for ((i = 0; i < 50; i++)); do (: <"/dev/tcp/127.0.0.1/$silent_port") 2>/dev/null && break; sleep 0.1; done

# record_silent OUT: a 2 s pprof profile with the silent server named.
record_silent() {
	DEBUGINFOD_URLS="http://127.0.0.1:$silent_port" DEBUGINFOD_CACHE_PATH="$TEST_TMP/cache-silent" \
		"$ROOT/build/bpfprof" record --pid "$WORKLOAD_PID" --duration 2s -o "$1" 2>"$TEST_TMP/out.err"
}
record_silent "$TEST_TMP/silent.pb.gz"
expect_eq "with a silent server: record exits 0" "$?" 0
expect_match "it waits for the pending debug info only while bytes arrive" "$(cat "$TEST_TMP/out.err")" \
	'waiting for the debug info of [0-9]+ objects? from debuginfod while it arrives \(at most 5 s without a byte'
expect_match "a window of the full 2 s was sampled" "$(cat "$TEST_TMP/out.err")" 'samples in [0-9]+ stacks over 2\.[0-9] s'
expect_match "the samples are named from the symbol table" \
	"$(go_pprof -top -nodecount=20 "$TEST_TMP/silent.pb.gz")" 'cpu_split\.stripped\+0x[0-9a-f]+'
expect_match "the profile's comments name the object still pending" \
	"$(go_pprof -raw "$TEST_TMP/silent.pb.gz" | grep '^Comment:')" \
	'looked for in the background: 0 objects found; [0-9]+ objects? still pending, named from their symbol tables meanwhile \([^)]*cpu_split\.stripped'
# The download cut short at exit is a miss the client remembers (its
# cache_miss_s rule), so the next run does not wait on that server again.
record_silent "$TEST_TMP/silent2.pb.gz"
expect_match "the next run finds the miss remembered and says so" \
	"$(go_pprof -raw "$TEST_TMP/silent2.pb.gz" | grep '^Comment:')" 'objects? found nowhere \([^)]*cpu_split\.stripped'

# serve: profiles answer at once while the server is silent, the threads
# view (which stops the target's threads for its walk) does not ask it;
# with the real server the names arrive in a later profile by themselves.
DEBUGINFOD_URLS="http://127.0.0.1:$silent_port" DEBUGINFOD_CACHE_PATH="$TEST_TMP/cache-silent2" \
	start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0
expect_eq "serve with a silent server: a 1 s profile answers" \
	"$(curl -s -m 20 -o "$TEST_TMP/p.pb.gz" -w '%{http_code}' "$AGENT_URL/debug/pprof/profile?seconds=1")" 200
expect_match "and says the object is pending" "$(go_pprof -raw "$TEST_TMP/p.pb.gz" | grep '^Comment:')" \
	'still pending, named from their symbol tables meanwhile \([^)]*cpu_split\.stripped'
expect_eq "the threads view answers without asking the server" \
	"$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$AGENT_URL/debug/pprof/goroutine?debug=1")" 200
kill "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null

DEBUGINFOD_URLS="$url" DEBUGINFOD_CACHE_PATH="$TEST_TMP/cache-serve" start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0
named=""
for ((i = 0; i < 10; i++)); do
	curl -s -m 20 -o "$TEST_TMP/p.pb.gz" "$AGENT_URL/debug/pprof/profile?seconds=1"
	named=$(go_pprof -top -nodecount=50 "$TEST_TMP/p.pb.gz" | grep -c ' work_a$')
	[[ "$named" -ge 1 ]] && break
done
expect_eq "serve with the real server: a profile names work_a" "$named" 1
expect_match "and says the object's debug info was found" "$(go_pprof -raw "$TEST_TMP/p.pb.gz" | grep '^Comment:')" \
	'1 object found \(cpu_split\.stripped\)'
kill "$AGENT_PID"

kill "$WORKLOAD_PID"
finish
