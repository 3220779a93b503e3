# tests/lib.sh: TAP helpers and server handling shared by the integration
# suites. Source it; call `finish` last.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEST_TMP=$(mktemp -d)
# Each suite starts with an unwind table cache of its own, empty: no
# suite's result depends on tables another suite, or an earlier run, left.
export BPFPROF_CACHE_DIR=$TEST_TMP/table-cache
test_count=0
test_failures=0
server_pids=()

cleanup_lib() {
	local pid
	for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TEST_TMP"
}
trap cleanup_lib EXIT

ok() { echo "ok $((++test_count)) - $1"; }

not_ok() {
	echo "not ok $((++test_count)) - $1"
	test_failures=$((test_failures + 1))
	shift
	local line
	for line in "$@"; do echo "# $line"; done
}

# check DESCRIPTION COMMAND...: passes when the command succeeds; returns
# its verdict, so a failure can be explained.
check() {
	local description=$1
	shift
	if "$@" >"$TEST_TMP/check.out" 2>&1; then
		ok "$description"
	else
		not_ok "$description" "command failed: $*" "$(head -c 2000 "$TEST_TMP/check.out")"
		return 1
	fi
}

# expect_eq DESCRIPTION ACTUAL EXPECTED
expect_eq() {
	if [[ "$2" == "$3" ]]; then
		ok "$1"
	else
		not_ok "$1" "expected: ${3:0:300}" "actual:   ${2:0:300}"
	fi
}

# expect_match DESCRIPTION TEXT ERE
expect_match() {
	if [[ "$2" =~ $3 ]]; then
		ok "$1"
	else
		not_ok "$1" "expected to match: $3" "actual: ${2:0:500}"
	fi
}

# expect_refusal DESCRIPTION STATUS ERE COMMAND...: the command fails with
# that status and exactly one line on stderr, matching ERE.
expect_refusal() {
	local description=$1 want=$2 pattern=$3
	shift 3
	"$@" >"$TEST_TMP/refusal.out" 2>"$TEST_TMP/refusal.err"
	local status=$? err
	err=$(cat "$TEST_TMP/refusal.err")
	if [[ $status -eq $want && "$err" =~ $pattern && $(wc -l <"$TEST_TMP/refusal.err") -eq 1 ]]; then
		ok "$description"
	else
		not_ok "$description" "status $status (want $want)" "stderr: $err"
	fi
}

finish() {
	echo "1..$test_count"
	((test_failures == 0))
}

# start_encrypt_server ARGS...: starts build/encrypt-server on a free port;
# sets SERVER_PID, SERVER_PORT and SERVER_LOG. Returns 1 if it never listens.
start_encrypt_server() {
	SERVER_LOG="$TEST_TMP/server.$RANDOM.log"
	: >"$SERVER_LOG"
	"$ROOT/build/encrypt-server" --port 0 "$@" >"$SERVER_LOG" 2>&1 &
	SERVER_PID=$!
	server_pids+=("$SERVER_PID")
	local i
	for ((i = 0; i < 100; i++)); do
		SERVER_PORT=$(sed -n 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$SERVER_LOG")
		[[ -n "$SERVER_PORT" ]] && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# record_under_load OUT SECONDS [RECORD ARGS...]: `bpfprof record` of the
# running encrypt server for SECONDS at 999 Hz while hey loads it with
# 1 KiB payloads (real work for encryptData's loop); returns record's status.
record_under_load() {
	local out=$1 seconds=$2 status
	shift 2
	hey -z "$((seconds + 3))s" -c 50 "http://127.0.0.1:$SERVER_PORT/encrypt?size=1024" >/dev/null 2>&1 &
	local hey_pid=$!
	sleep 1
	"$ROOT/build/bpfprof" record --pid "$SERVER_PID" --duration "${seconds}s" --hz 999 -o "$out" "$@" 2>/dev/null
	status=$?
	wait "$hey_pid"
	return $status
}

# start_serve ARGS...: starts `bpfprof serve` (or $AGENT_BIN); sets AGENT_PID,
# AGENT_LOG and AGENT_URL (http://127.0.0.1:PORT). Waits AGENT_START_SECONDS
# (default 5) for it to listen.
start_serve() {
	AGENT_LOG="$TEST_TMP/serve.$RANDOM.log"
	: >"$AGENT_LOG" # exists before the background job opens it, for the first sed
	"${AGENT_BIN:-$ROOT/build/bpfprof}" serve "$@" 2>"$AGENT_LOG" &
	AGENT_PID=$!
	server_pids+=("$AGENT_PID")
	local i port
	for ((i = 0; i < ${AGENT_START_SECONDS:-5} * 20; i++)); do
		port=$(sed -n 's/.*on http:\/\/[^ ]*:\([0-9]*\)\/debug\/pprof\/.*/\1/p' "$AGENT_LOG")
		[[ -n "$port" ]] && break
		kill -0 "$AGENT_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	AGENT_URL="http://127.0.0.1:$port"
	[[ -n "$port" ]]
}

# http METHOD PATH [CURL ARGS...]: prints the status code; body in $TEST_TMP/body,
# headers in $TEST_TMP/headers.
http() {
	local method=(-X "$1") path=$2
	[[ "$1" == HEAD ]] && method=(--head)
	shift 2
	curl -s "${method[@]}" -o "$TEST_TMP/body" -D "$TEST_TMP/headers" -w '%{http_code}' \
		"http://127.0.0.1:$SERVER_PORT$path" "$@"
}

# get PATH: GETs PATH from the agent start_serve started; prints the
# status; body in $TEST_TMP/body, headers in $TEST_TMP/headers.
get() {
	curl -s -o "$TEST_TMP/body" -D "$TEST_TMP/headers" -w '%{http_code}' "$AGENT_URL$1"
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_until SECONDS COMMAND...: runs COMMAND every 0.1 s until it
# succeeds, for up to SECONDS; fails if it never does.
wait_until() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		"${@:2}" && return 0
		sleep 0.1
	done
	return 1
}

# Whether serve's CPU sampler is in the kernel (loaded only while a window needs it).
sampler_loaded() { bpftool prog show 2>/dev/null | grep -q 'name sample_cpu'; }
sampler_unloaded() { ! sampler_loaded; }

# until_http URL SECONDS: waits until URL answers (any status), for up to
# SECONDS; fails if it never does.
until_http() { wait_until "$2" curl -s -o /dev/null "$1"; }

# go_pprof ARGS...: the real `go tool pprof`, with a writable cache and no network.
go_pprof() {
	HOME="$TEST_TMP" GOCACHE="$TEST_TMP/gocache" GOFLAGS=-mod=mod GOPROXY=off go tool pprof "$@" 2>&1
}

# start_workload NAME ARGS...: starts build/tests/NAME; sets WORKLOAD_PID.
# serve_waits: build/tests/waits in its waiting phase (60 s: a sleeper, a
# lock holder and two waiters) with `bpfprof serve` attached to it.
serve_waits() {
	start_workload waits --seconds 60
	kill -USR1 "$WORKLOAD_PID"
	sleep 0.5
	start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0
}

# heap_value PROFILE SAMPLE_INDEX FUNCTION [PPROF_ARGS...]: FUNCTION's
# cumulative value, in bytes or objects, as go tool pprof -top -cum prints
# it (empty: none), after any filter given (-tagfocus=pid=12).
heap_value() {
	local profile=$1 index=$2 function=$3
	shift 3
	go_pprof -top -cum -nodefraction=0 -nodecount=1000 -sample_index="$index" -unit=B "$@" "$profile" |
		awk -v f="$function" '$6 == f { v = $4; sub(/B$/, "", v); print v; exit }'
}

# until_line FILE ERE [SECONDS]: waits until a line of FILE matches ERE
# (the agent's "bpfprof: tracing" once its probes are in, however long
# attaching takes on a loaded machine), for up to SECONDS (30); fails if
# none does.
until_line() { wait_until "${3:-30}" grep -sEq -- "$2" "$1"; }

start_workload() {
	local name=$1
	shift
	"$ROOT/build/tests/$name" "$@" >"$TEST_TMP/$name.$RANDOM.out" 2>&1 &
	WORKLOAD_PID=$!
	server_pids+=("$WORKLOAD_PID")
	sleep 0.2
	kill -0 "$WORKLOAD_PID" 2>/dev/null
}

# expect_alloc_sites_exact PROFILE PREFIX: alloc_sites' figures at rate 1
# (docs/heap-profiling.md's table), one check each, named PREFIX: ...
expect_alloc_sites_exact() {
	local p=$1 prefix=$2
	expect_eq "$prefix: keep_small has 100,000 bytes in use" "$(heap_value "$p" inuse_space keep_small)" 100000
	expect_eq "$prefix: keep_small has 1000 objects in use" "$(heap_value "$p" inuse_objects keep_small)" 1000
	expect_eq "$prefix: keep_calloc has 1 MiB in use" "$(heap_value "$p" inuse_space keep_calloc)" 1048576
	expect_eq "$prefix: grow_buffer allocated 1 KiB + 2 KiB + ... + 64 KiB" \
		"$(heap_value "$p" alloc_space grow_buffer)" 2129920
	expect_eq "$prefix: grow_buffer keeps its last 64 KiB" "$(heap_value "$p" inuse_space grow_buffer)" 65536
	expect_eq "$prefix: churn allocated 1 GiB" "$(heap_value "$p" alloc_space churn)" 1073741824
	expect_eq "$prefix: churn keeps nothing" "$(heap_value "$p" inuse_space churn)" ""
	expect_eq "$prefix: posix_memalign, aligned_alloc, memalign, reallocarray, valloc keep 15,832 bytes" \
		"$(heap_value "$p" inuse_space keep_aligned)" 15832
	expect_eq "$prefix: that is 5 objects" "$(heap_value "$p" inuse_objects keep_aligned)" 5
}

# heap_record_through_exit OUT [RECORD ARGS...]: records the heap of
# alloc_sites at rate 1 into OUT (stderr in OUT.err), has it allocate and
# kills it 1.5 s later, mid-profile; returns the recorder's status.
heap_record_through_exit() {
	local out=$1
	shift
	start_workload alloc_sites
	"$ROOT/build/bpfprof" record --type heap --pid "$WORKLOAD_PID" --duration 20s --heap-rate 1 -o "$out" "$@" \
		2>"$out.err" &
	local recorder=$!
	until_line "$out.err" '^bpfprof: tracing'
	kill -USR1 "$WORKLOAD_PID"
	sleep 1.5
	kill "$WORKLOAD_PID"
	wait "$recorder"
}

# cum_percent PPROF_TOP_OUTPUT FUNCTION: the cum% pprof -top gives FUNCTION.
cum_percent() {
	awk -v f="$2" '$6 == f { sub(/%/, "", $5); print $5 }' <<<"$1" | head -n 1
}

# rooted_percent PPROF ERE: the percentage of samples whose outermost frame's
# function matches ERE (a thread's root: _start, clone3), from -raw.
rooted_percent() {
	go_pprof -raw "$1" | awk -v re="$2" '
		/^Samples:/ { part = "samples"; next }
		/^Locations/ { part = "locations"; next }
		/^Mappings/ { part = "" }
		part == "samples" && /^ +[0-9]+ +[0-9]+: / { n++; count[n] = $1; root[n] = $NF }
		part == "locations" && /^ +[0-9]+: 0x/ { id = $1; sub(/:/, "", id); name[id] = $4 }
		END {
			for (i = 1; i <= n; i++) { total += count[i]; if (name[root[i]] ~ re) hit += count[i] }
			if (total) printf "%.2f", 100 * hit / total
		}'
}

# kernel_locations PPROF: the profile's kernel locations (-raw), a line each.
kernel_locations() {
	go_pprof -raw "$1" | sed -n '/^Locations/,/^Mappings/p' | grep -E '^ +[0-9]+: 0xffff'
}

# unnamed_kernel_locations LINES: how many of kernel_locations' lines are not
# a kernel text address (0xffffffff........, as cpu.h's 4-byte frames come
# back) with a name.
unnamed_kernel_locations() {
	grep -cvE '^ +[0-9]+: 0xffffffff[0-9a-f]{8} M=[0-9]+ [A-Za-z_]' <<<"$1"
}

# sent_without_user_frames PPROF: the CPU samples that crossed with their
# kernel frames alone, from the profile's comment.
sent_without_user_frames() {
	go_pprof -comments "$1" | sed -nE 's/.*, ([0-9]+) of them without the user frames.*/\1/p'
}

# within TOLERANCE ACTUAL EXPECTED: |actual - expected| <= tolerance.
within() {
	awk -v t="$1" -v a="$2" -v e="$3" 'BEGIN { d = a - e; if (d < 0) d = -d; exit !(a != "" && d <= t) }'
}
