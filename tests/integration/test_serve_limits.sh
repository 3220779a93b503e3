#!/usr/bin/env bash
# test_serve_limits.sh: what `bpfprof serve` takes on at once, against a
# real agent on build/tests/cpu_split: clients that give up (their windows
# end, their threads go), --max-windows and --max-connections (503 with the
# reason beyond them), slow clients cut, and the UI's snapshots deleted and
# kept under --snapshot-memory, the oldest evicted.
set -u
. "$(dirname "$0")/../lib.sh"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
post() { curl -s -X POST -o "$TEST_TMP/body" -w '%{http_code}' "$AGENT_URL$1"; }
threads_of() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }

start_workload cpu_split --seconds 9000
split_pid=$WORKLOAD_PID

# --- clients that give up: nothing is held for them ---------------------------
start_serve --pid "$split_pid" --listen 127.0.0.1:0 || not_ok "serve starts" "$(cat "$AGENT_LOG")"
# The baseline is an agent that has served a window: its sampler's thread
# then waits, detached, for the next one.
get '/debug/pprof/profile?seconds=1' >/dev/null
idle_threads=$(threads_of "$AGENT_PID")
clients=()
for ((i = 0; i < 20; i++)); do
	curl -s -o /dev/null --max-time 1 "$AGENT_URL/debug/pprof/profile?seconds=3600" &
	clients+=($!)
done
wait "${clients[@]}"
# Each window notices its client within a tick, then unloads its share.
at_rest() { (($(threads_of "$AGENT_PID") <= idle_threads)) && ! sampler_loaded; }
wait_until 5 at_rest
check "20 clients that gave up after 1 s hold no thread 5 s later ($(threads_of "$AGENT_PID") threads, $idle_threads idle)" \
	test "$(threads_of "$AGENT_PID")" -le "$idle_threads"
check "and the sampler is detached" sampler_unloaded
expect_eq "the agent still answers" "$(get /debug/pprof/cmdline)" 200
kill "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null

# --- --max-windows: the excess gets 503 and the reason --------------------------
start_serve --pid "$split_pid" --listen 127.0.0.1:0 --max-windows 2
curl -s -o /dev/null --max-time 8 "$AGENT_URL/debug/pprof/profile?seconds=6" &
clients=($!)
curl -s -o /dev/null --max-time 8 "$AGENT_URL/debug/pprof/block?seconds=6" &
clients+=($!)
wait_until 5 sampler_loaded
sleep 0.5
expect_eq "a third window beyond --max-windows 2 is 503" "$(get '/debug/pprof/profile?seconds=1')" 503
expect_match "saying why and which flag sets it" "$(cat "$TEST_TMP/body")" \
	'cannot take a CPU profile: 2 profile windows are open already, as many as this agent takes at once \(--max-windows\)'
expect_eq "a UI recording counts too (503)" "$(post '/api/snapshots?kind=cpu&seconds=1')" 503
expect_eq "as does a trace" "$(get '/debug/pprof/trace?seconds=1')" 503
expect_eq "views that open no window still answer" "$(get '/debug/pprof/goroutine?debug=1')" 200
wait "${clients[@]}"
expect_eq "once the windows end, a new one is taken" "$(get '/debug/pprof/profile?seconds=1')" 200
kill "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null

# --- --max-connections: the excess gets 503 and the reason ----------------------
start_serve --pid "$split_pid" --listen 127.0.0.1:0 --max-connections 2
curl -s -o /dev/null --max-time 6 "$AGENT_URL/debug/pprof/profile?seconds=4" &
clients=($!)
curl -s -o /dev/null --max-time 6 "$AGENT_URL/debug/pprof/profile?seconds=4" &
clients+=($!)
wait_until 5 sampler_loaded
expect_eq "a third connection beyond --max-connections 2 is 503" "$(get /debug/pprof/cmdline)" 503
expect_match "saying why" "$(cat "$TEST_TMP/body")" \
	'3 connections are open, more than this agent serves at once \(--max-connections 2\)'
wait "${clients[@]}"
expect_eq "once they close, it answers again" "$(get /debug/pprof/cmdline)" 200

# --- slow clients: a request that never completes is cut --------------------------
port=${AGENT_URL##*:}
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /debug/pprof/cmdline HTTP/1.1\r\nHost: x\r\n' >&3 # never ends its headers
started=$SECONDS
cut=no
while ((SECONDS - started < 20)); do
	if ! read -r -t 1 -u 3 _; then
		# read fails on a timeout (status > 128) or at the end of the stream
		(($? > 128)) && continue
		cut=yes
		break
	fi
done
exec 3<&-
check "a client that never finishes its headers is cut within 12 s (after $((SECONDS - started)) s)" \
	test "$cut" = yes -a "$((SECONDS - started))" -le 12
expect_eq "and the agent answers others meanwhile" "$(get /debug/pprof/cmdline)" 200
kill "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null

# --- snapshots: deleted, and kept under a memory budget -----------------------------
start_serve --pid "$split_pid" --listen 127.0.0.1:0 --snapshot-memory 1MiB
expect_eq "POST a snapshot (202)" "$(post '/api/snapshots?kind=cpu&seconds=1')" 202
until [[ "$(curl -s "$AGENT_URL/api/snapshots/1")" == *'"state":"ready"'* ]]; do sleep 0.2; done
expect_eq "DELETE /api/snapshots/1 is 204" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$AGENT_URL/api/snapshots/1")" 204
expect_eq "then it is gone (404)" "$(get /api/snapshots/1/flame)" 404
expect_eq "and no longer listed" "$(get /api/snapshots >/dev/null; json 'len(d["snapshots"]), d["bytes"]' <"$TEST_TMP/body")" "0 0"
expect_eq "deleting it again is 404" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$AGENT_URL/api/snapshots/1")" 404
expect_eq "DELETE on anything else is 405" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$AGENT_URL/api/traced-set")" 405
expect_eq "a recording snapshot can be deleted too" "$(post '/api/snapshots?kind=cpu&seconds=600')" 202
recording=$(json 'd["id"]' <"$TEST_TMP/body")
expect_eq "(204)" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$AGENT_URL/api/snapshots/$recording")" 204
wait_until 3 sampler_unloaded
check "which ends its window (the sampler detaches)" sampler_unloaded
# Each CPU snapshot of this target takes some tens of KiB: 1 MiB holds a
# handful, so a run of 30 evicts the oldest while the newest stay.
# One at a time, each recorded before the next (at most 16 record at once).
last=""
for ((n = 0; n < 30; n++)); do
	[[ "$(post '/api/snapshots?kind=cpu&seconds=1')" == 202 ]] && last=$(json 'd["id"]' <"$TEST_TMP/body")
	until [[ "$(curl -s "$AGENT_URL/api/snapshots/$last")" != *'"state":"recording"'* ]]; do sleep 0.1; done
done
for ((i = 0; i < 100; i++)); do
	get /api/snapshots >/dev/null
	[[ "$(json 'all(s["state"] != "recording" for s in d["snapshots"])' <"$TEST_TMP/body")" == True ]] && break
	sleep 0.2
done
summary=$(json '"%d %d %d %d %d" % (len(d["snapshots"]), d["evicted"], d["bytes"], d["budget_bytes"], max(s["id"] for s in d["snapshots"]))' <"$TEST_TMP/body")
read -r kept evicted bytes budget newest <<<"$summary"
echo "# 30 snapshots under a 1 MiB budget: $kept kept ($bytes bytes), $evicted evicted"
check "past the budget the oldest are evicted ($evicted evicted, $kept kept)" test "$evicted" -gt 0 -a "$kept" -gt 0
check "what is kept fits the budget ($bytes of $budget bytes)" test "$bytes" -le "$budget"
expect_eq "the newest is kept" "$newest" "$last"
expect_eq "all 30 were taken" "$last" "$((recording + 30))"
expect_eq "an evicted one is 404" "$(get /api/snapshots/2/flame)" 404
expect_eq "the kept ones still answer" "$(get "/api/snapshots/$newest/flame")" 200
check "the agent's memory stays bounded: RSS under 200 MiB ($(awk '/^VmRSS/ { print $2 }' "/proc/$AGENT_PID/status") KiB)" \
	test "$(awk '/^VmRSS/ { print $2 }' "/proc/$AGENT_PID/status")" -lt 204800
kill "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null

# --- bad values --------------------------------------------------------------------
expect_refusal "--max-windows 0" 2 "^bpfprof: --max-windows must be a whole number of windows from 1 to 1000, not '0'" \
	"$ROOT/build/bpfprof" serve --pid "$split_pid" --max-windows 0
expect_refusal "--max-connections x" 2 "^bpfprof: --max-connections must be a whole number of connections from 1 to 10000, not 'x'" \
	"$ROOT/build/bpfprof" serve --pid "$split_pid" --max-connections x
expect_refusal "--snapshot-memory 10" 2 "^bpfprof: --snapshot-memory must be a size of at least 1048576 bytes, such as 256MiB or 1GiB, not '10'" \
	"$ROOT/build/bpfprof" serve --pid "$split_pid" --snapshot-memory 10
kill "$split_pid"
finish
