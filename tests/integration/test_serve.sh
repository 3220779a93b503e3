#!/usr/bin/env bash
# test_serve.sh: `bpfprof serve` as Go clients see it: the real `go tool
# pprof` against its endpoints, Go's headers and errors, concurrent
# windows, a target that exits while the agent keeps serving, and shutdown.
set -u
. "$(dirname "$0")/../lib.sh"

bpfprof=$ROOT/build/bpfprof

start_workload cpu_split --seconds 900 --late-thread-ms 100
split_pid=$WORKLOAD_PID
if ! start_serve --pid "$split_pid" --listen 127.0.0.1:0; then
	not_ok "serve starts" "$(cat "$AGENT_LOG")"
	finish
	exit
fi
ok "serve starts and says where"

top=$(go_pprof -top -cum "$AGENT_URL/debug/pprof/profile?seconds=2")
expect_match "go tool pprof -top reads a CPU profile over HTTP" "$top" 'Type: cpu'
expect_match "it names the target's functions" "$top" 'work_a'
raw=$(go_pprof -raw -seconds 1 "${AGENT_URL#http://}")
expect_match "host:port alone with -seconds fetches the CPU profile" "$raw" 'PeriodType: cpu nanoseconds'
expect_match "the profile covers the asked-for window" "$(go_pprof -top "$AGENT_URL/debug/pprof/profile?seconds=1")" \
	'Duration: 1(\.0[0-9]?)?s'

expect_eq "GET profile is 200" "$(get '/debug/pprof/profile?seconds=1')" 200
headers=$(cat "$TEST_TMP/headers")
expect_match "as application/octet-stream" "$headers" 'Content-Type: application/octet-stream'
expect_match "as an attachment named profile" "$headers" 'Content-Disposition: attachment; filename="profile"'
expect_match "with nosniff" "$headers" 'X-Content-Type-Options: nosniff'
expect_eq "the body is gzip" "$(head -c 2 "$TEST_TMP/body" | xxd -p)" 1f8b

# Two clients at once each get their own window.
curl -s -o "$TEST_TMP/a.pb.gz" -w '%{http_code}' "$AGENT_URL/debug/pprof/profile?seconds=2" >"$TEST_TMP/a.code" &
first=$!
sleep 0.5
curl -s -o "$TEST_TMP/b.pb.gz" -w '%{http_code}' "$AGENT_URL/debug/pprof/profile?seconds=1" >"$TEST_TMP/b.code" &
second=$!
wait "$first" "$second"
expect_eq "concurrent requests: the first is served" "$(cat "$TEST_TMP/a.code")" 200
expect_eq "concurrent requests: the second is served" "$(cat "$TEST_TMP/b.code")" 200
expect_match "each covers its own window (2 s)" "$(go_pprof -top "$TEST_TMP/a.pb.gz")" 'Duration: 2(\.0[0-9]?)?s'
expect_match "each covers its own window (1 s)" "$(go_pprof -top "$TEST_TMP/b.pb.gz")" 'Duration: 1(\.0[0-9]?)?s'
# Samples totalled in the kernel before the second window opened belong to
# the first: each window has exactly the samples taken while it was open.
taken_kept() { go_pprof -comments "$1" | sed -nE 's/^samples: ([0-9]+) taken, ([0-9]+) in the profile.*/\1 \2/p'; }
read -r a_taken a_kept <<<"$(taken_kept "$TEST_TMP/a.pb.gz")"
read -r b_taken b_kept <<<"$(taken_kept "$TEST_TMP/b.pb.gz")"
check "concurrent windows: the first has every sample taken in it ($a_taken $a_kept)" within 2 "${a_kept:-0}" "${a_taken:-x}"
check "concurrent windows: the second too ($b_taken $b_kept)" within 2 "${b_kept:-0}" "${b_taken:-x}"
check "the second has its own second's samples, not the first's half second before it ($b_kept of $a_kept)" \
	test "${b_kept:-0}" -gt "$((${a_kept:-0} * 3 / 10))" -a "${b_kept:-0}" -lt "$((${a_kept:-0} * 6 / 10))"

expect_eq "debug=1 is 200" "$(get '/debug/pprof/profile?seconds=1&debug=1')" 200
expect_match "debug=1 is plain text" "$(cat "$TEST_TMP/headers")" 'Content-Type: text/plain'
expect_match "debug=1 is a readable top table" "$(cat "$TEST_TMP/body")" 'flat +flat% +sum% +cum +cum% +function'
expect_match "debug=1 names the functions" "$(cat "$TEST_TMP/body")" 'work_a'

for bad in abc 0 -5 1.5; do
	expect_eq "seconds=$bad is 400" "$(get "/debug/pprof/profile?seconds=$bad")" 400
done
expect_match "with Go's message" "$(cat "$TEST_TMP/body")" 'invalid value for "seconds" - must be a positive integer'
expect_match "with X-Go-Pprof, so go tool pprof shows it" "$(cat "$TEST_TMP/headers")" 'X-Go-Pprof: 1'
expect_eq "an excessive seconds is 400" "$(get '/debug/pprof/profile?seconds=100000')" 400
expect_match "saying the limit" "$(cat "$TEST_TMP/body")" 'limit of 3600'
expect_eq "a bad debug is 400" "$(get '/debug/pprof/profile?seconds=1&debug=x')" 400
expect_match "go tool pprof prints our reason" "$(go_pprof -top "$AGENT_URL/debug/pprof/profile?seconds=0")" \
	'400 Bad Request - invalid value for "seconds"'

expect_eq "/debug/pprof redirects" "$(get /debug/pprof)" 301
expect_match "to /debug/pprof/" "$(cat "$TEST_TMP/headers")" 'Location: /debug/pprof/'
expect_eq "the index is 200" "$(get /debug/pprof/)" 200
index=$(cat "$TEST_TMP/body")
expect_match "the index links the CPU profile" "$index" 'href="profile\?debug=1"'
expect_match "the index links cmdline" "$index" 'href="cmdline\?debug=1"'
expect_match "the index links symbol" "$index" 'href="symbol\?debug=1"'
expect_match "the index says what is not built" "$index" 'Not built yet.*threadcreate'
expect_match "the index says heap tracing is off" "$index" 'Heap tracing is off \(start with <code>--heap</code>\)'

expect_eq "cmdline is 200" "$(get /debug/pprof/cmdline)" 200
expect_eq "cmdline joins the arguments with NUL" "$(tr '\0' '|' <"$TEST_TMP/body")" \
	"$ROOT/build/tests/cpu_split|--seconds|900|--late-thread-ms|100"
for name in heap allocs leaks; do
	expect_eq "$name without --heap is 404" "$(get "/debug/pprof/$name")" 404
done
for name in threadcreate; do
	expect_eq "$name is absent (404)" "$(get "/debug/pprof/$name")" 404
done
expect_match "and says it is not built" "$(cat "$TEST_TMP/body")" 'not available: bpfprof does not build it yet'
expect_eq "an unknown profile is 404" "$(get /debug/pprof/nosuch)" 404
expect_match "Go's words for it" "$(cat "$TEST_TMP/body")" 'Unknown profile'
expect_eq "an unknown path is 404" "$(get /nope)" 404
expect_eq "DELETE is 405" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$AGENT_URL/debug/pprof/")" 405

expect_eq "/ is 200" "$(get /)" 200
home=$(cat "$TEST_TMP/body")
expect_match "/ shows the PID and command" "$home" "PID $split_pid \\(cpu_split\\).*build/tests/cpu_split --seconds 900"
expect_match "/ counts the threads" "$home" '<th>threads</th><td>2</td>'
expect_match "/ gives the target's uptime" "$home" '<th>uptime</th><td>[0-9]+ s</td>'
expect_match "/ links the UI" "$home" 'href="/ui/"'

# Go's symbol endpoint, as pprof calls it for unsymbolized addresses.
text_map=$(awk '/cpu_split$/ && / r-xp / { print $1, $3; exit }' "/proc/$split_pid/maps")
map_start=0x${text_map%%-*}
map_offset=0x${text_map##* }
work_a=0x$(nm "$ROOT/build/tests/cpu_split" | awk '$3 == "work_a" { print $1 }')
address=$(printf '0x%x' $((map_start + work_a - map_offset + 1)))
expect_eq "GET symbol says it can resolve" "$(curl -s "$AGENT_URL/debug/pprof/symbol")" "num_symbols: 1"
expect_eq "POST symbol names a function by address" \
	"$(curl -s -X POST --data "$address+0x10" "$AGENT_URL/debug/pprof/symbol")" $'num_symbols: 1\n'"$address work_a"
expect_eq "GET symbol with addresses in the query does too" \
	"$(curl -s "$AGENT_URL/debug/pprof/symbol?$address")" $'num_symbols: 1\n'"$address work_a"

# --- the UI's JSON API -----------------------------------------------------
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
expect_eq "GET /api/traced-set is 200" "$(get /api/traced-set)" 200
expect_eq "it describes the target" "$(json 'd["pid"], d["comm"], d["alive"], d["threads"]' <"$TEST_TMP/body")" \
	"$split_pid cpu_split True 2"
post() { curl -s -X POST -o "$TEST_TMP/body" -w '%{http_code}' "$AGENT_URL$1"; }
# Windows of 8 s and 2 s: the first is still recording when it is looked
# at, however slowly this machine starts the few commands in between (with
# two kernel-matrix guests running, a 2 s window was seen ready already, and
# a 4 s one finished between its state and its flame tree being asked for).
expect_eq "POST /api/snapshots starts a recording (202)" "$(post '/api/snapshots?seconds=8')" 202
first_id=$(json 'd["id"]' <"$TEST_TMP/body")
expect_eq "a second one may run at once" "$(post '/api/snapshots?seconds=2')" 202
second_id=$(json 'd["id"]' <"$TEST_TMP/body")
get "/api/snapshots/$first_id" >/dev/null
expect_eq "while recording, the snapshot says so" "$(json 'd["state"]' <"$TEST_TMP/body")" recording
expect_eq "its flame tree is not ready yet (409)" "$(get "/api/snapshots/$first_id/flame")" 409
for ((i = 0; i < 150; i++)); do
	get /api/snapshots >/dev/null
	[[ "$(json '[s["state"] for s in d["snapshots"]]' <"$TEST_TMP/body")" == "['ready', 'ready']" ]] && break
	sleep 0.2
done
expect_eq "both become ready" "$(json '[s["state"] for s in d["snapshots"]]' <"$TEST_TMP/body")" "['ready', 'ready']"
get "/api/snapshots/$first_id" >/dev/null
expect_eq "a ready snapshot lists its sample types" \
	"$(json '[t["type"] for t in d["sample_types"]], d["default_sample_type"]' <"$TEST_TMP/body")" \
	"['samples', 'cpu'] cpu"
expect_eq "flame is 200" "$(get "/api/snapshots/$first_id/flame")" 200
expect_eq "the flame tree's root holds the total" "$(json 'd["root"]["value"] == d["total"] > 0' <"$TEST_TMP/body")" True
expect_match "and the target's functions" "$(cat "$TEST_TMP/body")" '"name":"work_a","kind":"native"'
expect_eq "top by sample count is 200" "$(get "/api/snapshots/$first_id/top?sample_type=samples")" 200
expect_eq "top is sorted by flat" "$(json 'd["rows"][0]["function"], d["unit"]' <"$TEST_TMP/body")" "burn count"
expect_eq "an unknown sample type is 400" "$(get "/api/snapshots/$first_id/top?sample_type=bogus")" 400
expect_eq "an unknown snapshot is 404" "$(get /api/snapshots/99/flame)" 404
expect_eq "pprof download is 200" "$(get "/api/snapshots/$first_id/pprof")" 200
expect_match "as an attachment" "$(cat "$TEST_TMP/headers")" "filename=\"cpu-$first_id.pb.gz\""
expect_match "that go tool pprof reads" "$(go_pprof -top "$TEST_TMP/body")" 'work_a'
expect_eq "diff is 200" "$(get "/api/diff?base=$first_id&target=$second_id")" 200
# Four times the samples, give or take one window's start under load.
ratio=$(json 'd["base_total"] / d["target_total"]' <"$TEST_TMP/body")
check "the diff carries both totals (8 s and 2 s windows: $ratio)" awk -v r="$ratio" 'BEGIN { exit !(r > 3 && r < 5.5) }'
expect_eq "diff without ids is 400" "$(get /api/diff)" 400
expect_eq "seconds=0 is 400" "$(post '/api/snapshots?seconds=0')" 400
expect_match "with a JSON reason" "$(cat "$TEST_TMP/body")" '"error":"seconds must be a whole number from 1 to 3600"'
expect_eq "an unknown API path is 404" "$(get /api/nope)" 404
expect_eq "GET /api/kinds is 200" "$(get /api/kinds)" 200
expect_eq "it lists the kinds the UI records, from the agent's table" \
	"$(json '" ".join(k["name"] + ":" + k["seconds"] for k in d["kinds"])' <"$TEST_TMP/body")" \
	"cpu:window heap:none allocs:window leaks:age block:window mutex:window wall:window"
expect_eq "a kind the UI does not record is refused" "$(post '/api/snapshots?kind=trace&seconds=1')" 400
expect_match "naming those it does" "$(cat "$TEST_TMP/body")" 'kind must be cpu, heap, allocs, leaks, block, mutex or wall'

# A client that gives up ends its window at once: the agent says so and the
# sampler lets go of the target (its BPF program is unloaded).
curl -s -o /dev/null --max-time 4 "$AGENT_URL/debug/pprof/profile?seconds=30" &
curl_pid=$!
wait_until 4 sampler_loaded
check "while a client waits for its window, the sampler is loaded" sampler_loaded
wait "$curl_pid"
until_line "$AGENT_LOG" 'client of /debug/pprof/profile went away' 4
expect_match "a client gone mid-window ends the window (the agent says so)" "$(cat "$AGENT_LOG")" \
	'the client of /debug/pprof/profile went away after [0-4]\.[0-9] s; its window ended'
wait_until 4 sampler_unloaded
check "and the sampler is unloaded, not left running for 30 s" sampler_unloaded

# The target exits: the agent keeps serving, and says so.
kill "$split_pid"
wait "$split_pid" 2>/dev/null
sleep 0.3
expect_eq "after the target exits, a new CPU profile is 410" "$(get '/debug/pprof/profile?seconds=1')" 410
expect_match "saying the target exited" "$(cat "$TEST_TMP/body")" "PID $split_pid \\(cpu_split\\) has exited"
expect_eq "cmdline is still served" "$(get /debug/pprof/cmdline)" 200
expect_eq "a new snapshot is 410" "$(post '/api/snapshots?seconds=1')" 410
expect_eq "earlier snapshots stay available" "$(get "/api/snapshots/$first_id/flame")" 200
expect_eq "/api/traced-set says it exited, with no uptime" \
	"$(get /api/traced-set >/dev/null; json 'd["alive"], d["uptime_seconds"]' <"$TEST_TMP/body")" "False None"
until_line "$AGENT_LOG" 'has exited; still serving' 3
expect_match "the agent's log says so too, once" "$(grep -c 'still serving what was collected' "$AGENT_LOG")" '^1$'
expect_match "/ says the target exited" "$(get / >/dev/null; cat "$TEST_TMP/body")" 'exited'
check "the agent is still running" kill -0 "$AGENT_PID"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
expect_eq "SIGTERM stops the agent with status 0" "$?" 0

# A window in flight when the target exits returns what it has: the target
# is killed a second into the window, however long attaching took.
start_workload cpu_split
if start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0; then
	get '/debug/pprof/profile?seconds=10' >"$TEST_TMP/partial.code" &
	fetch=$!
	wait_until 10 sampler_loaded
	sleep 1
	kill "$WORKLOAD_PID"
	wait "$fetch"
	expect_eq "a window outliving its target still answers 200" "$(cat "$TEST_TMP/partial.code")" 200
	expect_match "with the partial profile, marked as such" "$(go_pprof -top "$TEST_TMP/body")" \
		'the target exited after.*work_a'
	kill "$AGENT_PID"
else
	not_ok "serve starts on a short-lived target" "$(cat "$AGENT_LOG")"
fi

# The demo server under load, profiled through serve by the real client.
if start_encrypt_server --impl naive --threads 2; then
	demo_pid=$SERVER_PID
	if start_serve --pid "$demo_pid" --listen 127.0.0.1:0 --hz 999; then
		hey -z 6s -c 50 "http://127.0.0.1:$SERVER_PORT/encrypt?size=1024" >/dev/null 2>&1 &
		hey_pid=$!
		sleep 0.5
		demo_top=$(go_pprof -top -nodecount=1000 -nodefraction=0 "$AGENT_URL/debug/pprof/profile?seconds=4")
		expect_match "go tool pprof -top against serve of the demo server names encryptData" "$demo_top" \
			' encryptData('$'\n''|$)'
		expect_match "and its /dev/urandom reads" "$demo_top" 'urandom_read_iter|get_random_bytes_user'
		demo_raw=$(go_pprof -raw "$AGENT_URL/debug/pprof/profile?seconds=1")
		expect_match "-raw shows the encrypt-server mapping with its build ID" "$demo_raw" \
			"$ROOT/build/encrypt-server [0-9a-f]{40} \[FN\]\[FL\]\[LN\]\[IN\]"
		wait "$hey_pid"

		# The lab's story: a snapshot of naive, switch to fast live, another
		# snapshot, and the diff shows the snprintf hex encoding gone.
		hey -z 7s -c 50 "http://127.0.0.1:$SERVER_PORT/encrypt?size=1024" >/dev/null 2>&1 &
		hey_pid=$!
		sleep 0.3
		# snapshot_ready ID: waits (up to 20 s) until snapshot ID is ready.
		snapshot_ready() {
			local i
			for ((i = 0; i < 200; i++)); do
				[[ "$(curl -s "$AGENT_URL/api/snapshots/$1")" == *'"state":"ready"'* ]] && return 0
				sleep 0.1
			done
			return 1
		}
		curl -s -X POST "$AGENT_URL/api/snapshots?seconds=2" >/dev/null
		snapshot_ready 1
		curl -s -X POST "http://127.0.0.1:$SERVER_PORT/impl?name=fast" >/dev/null
		curl -s -X POST "$AGENT_URL/api/snapshots?seconds=2" >/dev/null
		snapshot_ready 2
		wait "$hey_pid"
		get "/api/diff?base=1&target=2" >/dev/null
		shares=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
def total(node, side, name):
    own = node[side] if node["name"] == name else 0
    return own + sum(total(c, side, name) for c in node["children"] if node["name"] != name)
for side, key in (("base", "base_total"), ("target", "target_total")):
    print("%.4f" % (total(d["root"], side, "__vfprintf_internal") / d[key]))' "$TEST_TMP/body")
		base_share=$(head -n 1 <<<"$shares") target_share=$(tail -n 1 <<<"$shares")
		check "naive's snapshot spends time formatting hex with snprintf (share $base_share)" \
			awk -v s="$base_share" 'BEGIN { exit !(s > 0.02) }'
		expect_eq "after switching to fast live, the diff shows it gone" "$target_share" 0.0000
		kill "$AGENT_PID"
	else
		not_ok "serve starts on the demo server" "$(cat "$AGENT_LOG")"
	fi
	kill "$demo_pid"
else
	not_ok "the demo server starts" "$(cat "$SERVER_LOG")"
fi

# Listening beyond loopback warns; flags are checked.
start_workload cpu_split --seconds 60
if start_serve --pid "$WORKLOAD_PID" --listen 0.0.0.0:0; then
	expect_match "a non-loopback address prints a warning" "$(cat "$AGENT_LOG")" \
		'warning: listening beyond this machine'
	held=${AGENT_URL##*:}
	expect_refusal "a port in use" 1 "cannot listen on 127.0.0.1:$held: Address already in use" \
		"$bpfprof" serve --pid "$WORKLOAD_PID" --listen "127.0.0.1:$held"
	kill "$AGENT_PID"
else
	not_ok "serve starts on 0.0.0.0" "$(cat "$AGENT_LOG")"
fi
# A kernel that refuses the DWARF walk (BPFPROF_TEST_REFUSE_WALK=1 makes
# every verifier refuse it): each window still profiles, with frame
# pointers and a warning, and the refusal is verified and said only once.
if BPFPROF_TEST_REFUSE_WALK=1 start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0; then
	for window in 1 2; do
		expect_eq "refused walk: block window $window answers" "$(get '/debug/pprof/block?seconds=1')" 200
		expect_match "refused walk: block window $window warns of frame pointers" "$(go_pprof -raw "$TEST_TMP/body" | head -n 20)" \
			'Comment: WARNING: user stacks by frame pointers only: this kernel refused the off-CPU tracer'"'"'s --unwind auto walk'
	done
	expect_eq "refused walk: profile?seconds=1 answers" "$(get '/debug/pprof/profile?seconds=1')" 200
	expect_match "refused walk: the CPU profile warns too" "$(go_pprof -raw "$TEST_TMP/body" | head -n 20)" \
		'Comment: WARNING: user stacks by frame pointers only: this kernel refused the CPU sampler'
	expect_eq "refused walk: the off-CPU refusal said once on stderr" \
		"$(grep -c 'refused the off-CPU tracer'"'"'s --unwind auto walk' "$AGENT_LOG")" 1
	kill "$AGENT_PID"
else
	not_ok "serve starts with the walk refused" "$(cat "$AGENT_LOG")"
fi
expect_refusal "a malformed --listen" 2 "--listen takes HOST:PORT" "$bpfprof" serve --pid "$WORKLOAD_PID" --listen nowhere
expect_refusal "a missing --pid" 2 "--pid is required" "$bpfprof" serve
expect_refusal "an unknown PID" 1 "no process with PID 4194303" "$bpfprof" serve --pid 4194303
expect_refusal "--hz 0" 2 "--hz must be a whole number" "$bpfprof" serve --pid "$WORKLOAD_PID" --hz 0
expect_match "serve --help explains --listen" "$("$bpfprof" serve --help)" '--listen'

finish
