#!/usr/bin/env bash
# test_debuginfod.sh: symbols from a debuginfod server. A stripped copy of
# build/tests/cpu_split is profiled three ways: alone it is only addresses
# in the stripped file; with DEBUGINFOD_URLS pointing at Debian's
# debuginfod serving its separated debug info (on 127.0.0.1) the frames have
# their names and the download is cached. (A server that accepts and never
# answers still holds a profile for about a minute: issue 15.)
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

kill "$WORKLOAD_PID"
finish
