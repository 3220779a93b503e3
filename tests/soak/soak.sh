#!/usr/bin/env bash
# tests/soak/soak.sh: `make soak`, not part of `make test`. Runs `bpfprof
# serve --heap` on the demo server under hey for SOAK_MINUTES (default 12)
# while a client takes every kind the agent serves, round after round, and
# samples the agent's RSS, open fds and threads every 5 s into
# build/soak/soak.csv. Passes when they stay flat, every request succeeded
# and the agent, the server and their shutdown survived it all.
#   SOAK_MINUTES=12      how long the client loop runs (decimals allowed, for a smoke
#                        run; under 6 min flatness is not judged)
#   SOAK_CONCURRENCY=50  hey's workers
# Leaves its evidence in build/soak/: soak.csv, agent.log, server.log, hey.txt.
set -u
cd "$(dirname "$0")/../.." || exit 1

minutes=${SOAK_MINUTES:-12}
concurrency=${SOAK_CONCURRENCY:-50}
out=build/soak
request_timeout=120
sample_every=5
# How the agent says its snapshot store is full (a 503): the store's limits
# are changing, so the words live here, in one place.
store_full='keeps at most'

if ((EUID != 0)); then
	echo "soak: run as root: the agent loads BPF programs and the soak reads its /proc/PID/fd" >&2
	exit 1
fi
if ! total=$(awk -v m="$minutes" 'BEGIN { if (m !~ /^[0-9]+(\.[0-9]+)?$/ || m <= 0) exit 1; printf "%d", m * 60 }'); then
	echo "soak: SOAK_MINUTES must be a positive number of minutes, not '$minutes'" >&2
	exit 2
fi

rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
csv=$out/soak.csv
server_pid='' agent_pid='' hey_pid='' sampler_pid=''

# Every process this script started, by its PID; the agent last but one so
# that it detaches from a server that is still there.
cleanup() {
	local pid
	for pid in "$sampler_pid" "$hey_pid" "$agent_pid" "$server_pid"; do
		[[ -n "$pid" ]] && kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { printf '%(%s)T' -1; }

# wait_for_port LOG PID SECONDS: the port a "listening on"/"serving on" line
# of LOG gives, once it appears; fails if PID dies or SECONDS pass first.
wait_for_port() {
	local log=$1 pid=$2 deadline=$(($(now) + $3)) port
	while (($(now) < deadline)); do
		port=$(sed -n 's/.* on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$log" | head -n 1)
		[[ -n "$port" ]] && { echo "$port"; return 0; }
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# --- the loaded demo server and the agent ------------------------------------------
: >"$out/server.log"
build/encrypt-server --port 0 --impl naive >"$out/server.log" 2>&1 &
server_pid=$!
if ! server_port=$(wait_for_port "$out/server.log" "$server_pid" 10); then
	echo "soak: the demo server did not start: $(head -c 300 "$out/server.log")" >&2
	exit 1
fi
# hey keeps the server busy for longer than the soak can last; it is
# interrupted at the end, which makes it print its report.
hey -z "$((total + 900))s" -c "$concurrency" "http://127.0.0.1:$server_port/encrypt?size=1024" >"$out/hey.txt" 2>&1 &
hey_pid=$!
sleep 1

: >"$out/agent.log"
build/bpfprof serve --pid "$server_pid" --heap --listen 127.0.0.1:0 >"$out/agent.log" 2>&1 &
agent_pid=$!
# Attaching heap uprobes to a loaded server can take seconds on a busy machine.
if ! agent_port=$(wait_for_port "$out/agent.log" "$agent_pid" 60); then
	echo "soak: the agent did not start: $(head -c 300 "$out/agent.log")" >&2
	exit 1
fi
agent=http://127.0.0.1:$agent_port

# An address inside the naive encryptData, for the symbol endpoint to name.
text_map=$(awk '/encrypt-server$/ && / r-xp / { print $1, $3; exit }' "/proc/$server_pid/maps")
encrypt_data=0x$(nm build/encrypt-server | awk '$3 == "encryptData" { print $1; exit }')
symbol_address=$(printf '0x%x' $((0x${text_map%%-*} + encrypt_data - 0x${text_map##* } + 1)))

# --- requests and their tally -------------------------------------------------------
declare -A ok_by failed_by ms_sum_by ms_max_by
labels=()
requests_ok=0 requests_failed=0
snapshot_refusals=0 delete_refusals=0 deletes_ok=0 delete_codes=

publish_counts() {
	printf '%d %d\n' "$requests_ok" "$requests_failed" >"$work/counts.new"
	mv "$work/counts.new" "$work/counts"
}
publish_counts

# call METHOD PATH [CURL ARGS...]: one request to the agent; sets code (000
# when it never answered within request_timeout), ms (how long it took) and
# curl_rc; the body is in $work/body.
call() {
	local answer
	answer=$(curl -s -X "$1" -o "$work/body" -w '%{http_code} %{time_total}' --max-time "$request_timeout" \
		"$agent$2" "${@:3}")
	curl_rc=$?
	code=${answer%% *}
	ms=$(awk -v t="${answer#* }" 'BEGIN { printf "%d", t * 1000 }')
}

# tally LABEL PATH PROBLEM: counts a request under LABEL; a non-empty
# PROBLEM makes it a failure, printed with when and where it happened.
tally() {
	[[ -v "ok_by[$1]" ]] || { labels+=("$1"); ok_by[$1]=0; failed_by[$1]=0; ms_sum_by[$1]=0; ms_max_by[$1]=0; }
	# Counts are read into n first: labels hold ? and =, which arithmetic
	# would try to parse inside a subscript.
	local n=${ms_sum_by[$1]}
	ms_sum_by[$1]=$((n + ms))
	n=${ms_max_by[$1]}
	((ms > n)) && ms_max_by[$1]=$ms
	if [[ -z "$3" ]]; then
		n=${ok_by[$1]}
		ok_by[$1]=$((n + 1))
		requests_ok=$((requests_ok + 1))
	else
		n=${failed_by[$1]}
		failed_by[$1]=$((n + 1))
		requests_failed=$((requests_failed + 1))
		echo "soak: FAIL at $(($(now) - start)) s: $1 ($2): $3"
	fi
	publish_counts
}

# problem TYPE: why the last answer is not a good one of TYPE (gzip: a
# gzipped profile; json; text: anything non-empty), or nothing.
problem() {
	if [[ "$code" == 000 ]]; then
		if ((curl_rc == 28)); then
			echo "no answer within $request_timeout s"
		else
			echo "no answer (curl exit $curl_rc)"
		fi
		return
	fi
	if [[ "$code" != 2?? ]]; then
		echo "status $code: $(head -c 200 "$work/body" | tr '\n' ' ')"
		return
	fi
	local first
	case $1 in
	gzip) [[ "$(head -c 2 "$work/body" | od -An -tx1 | tr -d ' \n')" == 1f8b ]] || echo "status $code but not gzip" ;;
	json)
		first=$(head -c 1 "$work/body")
		[[ "$first" == "{" || "$first" == "[" ]] || echo "status $code but not JSON: $(head -c 200 "$work/body")"
		;;
	text) [[ -s "$work/body" ]] || echo "status $code with an empty body" ;;
	esac
}

# request LABEL TYPE METHOD PATH [CURL ARGS...]: call, then tally; returns
# 0 when the answer was good.
request() {
	local label=$1 type=$2 why
	call "$3" "$4" "${@:5}"
	why=$(problem "$type")
	tally "$label" "$3 $4" "$why"
	[[ -z "$why" ]]
}

# expect_in_body LABEL PATH ERE: a good answer must also say this.
expect_in_body() {
	grep -Eq -- "$3" "$work/body" && return 0
	tally "$1" "$2" "the answer lacks /$3/: $(head -c 200 "$work/body" | tr '\n' ' ')"
	# The request itself was counted as ok already; one request, one verdict.
	local n=${ok_by[$1]}
	ok_by[$1]=$((n - 1))
	requests_ok=$((requests_ok - 1))
	publish_counts
}

# --- one round: every Go-compatible endpoint, then the UI's snapshots -----------------
go_endpoints() {
	request profile gzip GET '/debug/pprof/profile?seconds=2'
	request 'profile?debug=1' text GET '/debug/pprof/profile?seconds=1&debug=1'
	request heap gzip GET /debug/pprof/heap
	request 'heap?debug=1' text GET '/debug/pprof/heap?debug=1'
	request allocs gzip GET /debug/pprof/allocs
	request 'allocs?seconds=2' gzip GET '/debug/pprof/allocs?seconds=2'
	request leaks gzip GET '/debug/pprof/leaks?older_than=5'
	request block gzip GET '/debug/pprof/block?seconds=2'
	request mutex gzip GET '/debug/pprof/mutex?seconds=2'
	request wall gzip GET '/debug/pprof/wall?seconds=2'
	request 'goroutine?debug=1' text GET '/debug/pprof/goroutine?debug=1'
	request 'goroutine?debug=2' text GET '/debug/pprof/goroutine?debug=2'
	request threads gzip GET /debug/pprof/threads
	request trace json GET '/debug/pprof/trace?seconds=1'
	request cmdline text GET /debug/pprof/cmdline && expect_in_body cmdline cmdline 'encrypt-server'
	request symbol text GET /debug/pprof/symbol && expect_in_body symbol 'GET symbol' '^num_symbols: 1'
	request symbol text POST /debug/pprof/symbol --data "$symbol_address" &&
		expect_in_body symbol 'POST symbol' "^$symbol_address encryptData\$"
	request index text GET /debug/pprof/
	request 'api/traced-set' json GET /api/traced-set
}

# The UI's snapshot slots: two CPU recordings (for a diff) and one of every
# other kind, all started at once as several users of the page would.
slots=(cpu cpu2 heap allocs leaks block mutex wall)
# A slot's snapshot that could not be deleted stays in the agent; while
# new ones are refused, its views are still asked for.
declare -A kept

ui_snapshots() {
	local slot kind query id state i
	declare -A fresh
	for slot in "${slots[@]}"; do
		kind=${slot%2}
		case $kind in
		heap) query="kind=heap" ;;
		leaks) query="kind=leaks&seconds=5" ;;
		*) query="kind=$kind&seconds=2" ;;
		esac
		call POST "/api/snapshots?$query"
		if [[ "$code" == 202 ]]; then
			id=$(sed -n 's/.*"id":\([0-9]*\).*/\1/p' "$work/body")
			tally "ui:$kind" "POST /api/snapshots?$query" "$([[ -n "$id" ]] || echo "202 without an id")"
			[[ -n "$id" ]] && fresh[$slot]=$id
		elif [[ "$code" == 503 ]] && grep -Eq -- "$store_full" "$work/body"; then
			# A full store is the agent's policy, not a soak failure, but
			# how often it happened is shown.
			snapshot_refusals=$((snapshot_refusals + 1))
			((snapshot_refusals == 1)) &&
				echo "soak: at $(($(now) - start)) s the agent refused a snapshot: $(head -c 200 "$work/body")"
		else
			tally "ui:$kind" "POST /api/snapshots?$query" "$(problem json)"
		fi
	done

	for slot in "${!fresh[@]}"; do
		id=${fresh[$slot]}
		state=
		for ((i = 0; i < 120; i++)); do
			request ui:state json GET "/api/snapshots/$id" || break
			state=$(sed -n 's/.*"state":"\([a-z]*\)".*/\1/p' "$work/body")
			[[ "$state" != recording ]] && break
			sleep 0.5
		done
		# A state request that failed was counted already; a recording that
		# failed or never ended is this slot's failure.
		if [[ -n "$state" && "$state" != ready ]]; then
			tally "ui:${slot%2}" "snapshot $id" "ended $state, not ready: $(head -c 200 "$work/body")"
		fi
		[[ "$state" == ready ]] || unset "fresh[$slot]"
	done

	local views=()
	for slot in "${slots[@]}"; do
		if [[ -n "${fresh[$slot]:-}" ]]; then
			views+=("$slot:${fresh[$slot]}")
		elif [[ -n "${kept[$slot]:-}" ]]; then
			views+=("$slot:${kept[$slot]}")
		fi
	done
	local view cpu_a='' cpu_b=''
	for view in "${views[@]}"; do
		slot=${view%%:*} id=${view#*:}
		request "ui:${slot%2}" json GET "/api/snapshots/$id/flame"
		request "ui:${slot%2}" json GET "/api/snapshots/$id/top"
		request "ui:${slot%2}" gzip GET "/api/snapshots/$id/pprof"
		[[ $slot == cpu ]] && cpu_a=$id
		[[ $slot == cpu2 ]] && cpu_b=$id
	done
	[[ -n "$cpu_a" && -n "$cpu_b" ]] && request ui:diff json GET "/api/diff?base=$cpu_a&target=$cpu_b"
	request ui:list json GET /api/snapshots

	for slot in "${!fresh[@]}"; do
		id=${fresh[$slot]}
		call DELETE "/api/snapshots/$id"
		if [[ "$code" == 2?? ]]; then
			deletes_ok=$((deletes_ok + 1))
		else
			delete_refusals=$((delete_refusals + 1))
			[[ " $delete_codes " == *" $code "* ]] || delete_codes+="${delete_codes:+ }$code"
			kept[$slot]=$id
		fi
	done
}

# --- the sampler ----------------------------------------------------------------------
# Runs beside the client, whose requests last seconds, so that the samples
# stay 5 s apart; it reads the client's counts from $work/counts.
sample_agent() {
	local ok=0 failed=0 rss threads fds
	echo "elapsed_s,rss_kib,fds,threads,requests_ok,requests_failed" >"$csv"
	while :; do
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$agent_pid/status" 2>/dev/null)
		threads=$(awk '/^Threads:/ { print $2 }' "/proc/$agent_pid/status" 2>/dev/null)
		fds=$(find "/proc/$agent_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
		[[ -z "$rss" ]] && fds=
		read -r ok failed <"$work/counts"
		echo "$(($(now) - start)),$rss,$fds,$threads,$ok,$failed" >>"$csv"
		# A read that times out on a FIFO nobody writes: a pause with no
		# sleep process left behind when the sampler is killed.
		read -r -t "$sample_every" <>"$work/tick"
	done
}

start=$(now)
mkfifo "$work/tick"
sample_agent &
sampler_pid=$!
echo "soak: $minutes min: agent $agent_pid at $agent, demo server $server_pid under hey -c $concurrency; samples in $csv"

rounds=0 agent_died=''
while (($(now) - start < total)); do
	if ! kill -0 "$agent_pid" 2>/dev/null; then
		wait "$agent_pid"
		agent_died="the agent died at $(($(now) - start)) s or before (exit status $?)"
		agent_pid=''
		echo "soak: $agent_died"
		break
	fi
	go_endpoints
	ui_snapshots
	rounds=$((rounds + 1))
done
sleep "$sample_every" # one more sample after the last round's requests
kill "$sampler_pid" 2>/dev/null
wait "$sampler_pid" 2>/dev/null
sampler_pid=

# --- survival and shutdown ------------------------------------------------------------
reasons=()
agent_alive=yes
[[ -n "$agent_died" ]] && reasons+=("$agent_died")
if ! kill -0 "$server_pid" 2>/dev/null || [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
	"http://127.0.0.1:$server_port/healthz") != 200 ]]; then
	reasons+=("the demo server did not survive (it no longer answers /healthz)")
fi
# hey keeps at most a million results for its report: the server's own
# count is the one that covers the whole run.
server_stats=$(curl -s --max-time 10 "http://127.0.0.1:$server_port/stats")
call GET /api/traced-set
if [[ -n "$(problem json)" ]]; then
	agent_alive=no
	reasons+=("the agent does not answer at the end: $(problem json)")
fi
kill -INT "$hey_pid" 2>/dev/null
wait "$hey_pid" 2>/dev/null
hey_pid=

# The agent's shutdown after a long run: SIGTERM, then it must exit 0
# within 15 s (gone from /proc, or a zombie bash has not reaped yet).
agent_exit=
if [[ $agent_alive == yes ]]; then
	kill -TERM "$agent_pid"
	for ((i = 0; i < 150; i++)); do
		[[ "$(awk '{ print $3 }' "/proc/$agent_pid/stat" 2>/dev/null)" =~ ^(Z|)$ ]] && break
		sleep 0.1
	done
	if ((i == 150)); then
		reasons+=("the agent did not exit within 15 s of SIGTERM")
		kill -KILL "$agent_pid"
		wait "$agent_pid"
	else
		wait "$agent_pid"
		agent_exit=$?
		((agent_exit == 0)) || reasons+=("the agent exited with status $agent_exit after SIGTERM")
	fi
	agent_pid=
fi

# --- the report -----------------------------------------------------------------------
echo
echo "soak: $rounds rounds in $(($(now) - start)) s"
# Times are whole requests, windows included (profile?seconds=2 takes 2 s
# and more); a slow tail there is the agent or this machine's load.
printf '%-20s %7s %7s %9s %9s\n' request ok failed mean_ms max_ms
for label in "${labels[@]}"; do
	good=${ok_by[$label]} bad=${failed_by[$label]} sum=${ms_sum_by[$label]}
	printf '%-20s %7d %7d %9d %9d\n' "$label" "$good" "$bad" $((sum / (good + bad))) "${ms_max_by[$label]}"
done
printf '%-20s %7d %7d\n' total "$requests_ok" "$requests_failed"
echo "snapshots refused by the store's limit: $snapshot_refusals"
echo "snapshots deleted: $deletes_ok; deletions refused: $delete_refusals${delete_codes:+ (status $delete_codes)}"
echo "hey: $(grep -E 'Requests/sec' "$out/hey.txt" | tr -s ' \t' ' ');$(sed -n '/Status code distribution/,/^$/p' \
	"$out/hey.txt" | grep -E 'responses' | tr -s ' \t' ' ' | tr '\n' ';') server: $server_stats"
echo "agent log: $(wc -l <"$out/agent.log") lines; the most frequent (numbers as N):"
sed -E 's/[0-9]+(\.[0-9]+)?/N/g' "$out/agent.log" | sort | uniq -c | sort -rn | head -n 6

# The rows taken while the agent was alive.
samples=$(tail -n +2 "$csv" | awk -F, '$2 != ""')
if [[ -z "$samples" ]]; then
	reasons+=("no sample of the agent was taken")
else
	echo
	printf '%-8s %10s %10s %6s %8s\n' '' elapsed_s rss_kib fds threads
	awk -F, '
		NR == 1 { f = $0 } { l = $0; if ($2 > r) r = $2; if ($3 > d) d = $3; if ($4 > t) t = $4 }
		END {
			split(f, a, ","); printf "%-8s %10s %10s %6s %8s\n", "first", a[1], a[2], a[3], a[4]
			split(l, a, ","); printf "%-8s %10s %10s %6s %8s\n", "last", a[1], a[2], a[3], a[4]
			printf "%-8s %10s %10s %6s %8s\n", "max", "", r, d, t
		}' <<<"$samples"
	# Medians hide a slow creep under the peaks of requests in flight; the
	# lowest RSS of each 2 minutes shows it.
	echo "lowest rss_kib per 2 min: $(awk -F, '{ b = int($1 / 120); if (!(b in m) || $2 < m[b]) m[b] = $2; if (b > last) last = b }
		END { for (b = 0; b <= last; b++) printf "%s%s", (b ? " " : ""), m[b] }' <<<"$samples")"

	# "Flat": the last 2 minutes against minutes 2-4, past the warm-up (first
	# profiles, symbolizer caches). RSS is judged by the windows' medians,
	# fds and threads by their lowest values: every window in flight holds
	# tens of fds (perf events, BPF maps) and a thread or more, so a median
	# says how many were in flight when the sampler looked (113 against 119
	# in a run whose agent was back at 112 every time it was at rest), while
	# a leaked fd or thread raises the level the agent returns to.
	end=$(tail -n 1 <<<"$samples" | cut -d, -f1)
	base_from=120 base_to=240 final_from=$((end - 120))
	# level FROM TO COLUMN: the median and the lowest of COLUMN over samples
	# FROM <= elapsed < TO, or nothing when there are none.
	level() {
		awk -F, -v a="$1" -v b="$2" -v c="$3" '$1 >= a && $1 < b { print $c }' <<<"$samples" | sort -n |
			awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)), v[1] }'
	}
	echo
	# A smoke run ends inside the warm-up, where the agent is still growing
	# (a 30 s run: +15 MiB between its 5th and its last seconds): it checks
	# the requests and the agent's survival, not flatness.
	if ((total < 360)); then
		echo "flatness not judged: runs shorter than 6 min end inside the warm-up"
		columns=()
	else
		echo "elapsed s $base_from-$base_to against s $final_from-$end (median, lowest):"
		columns=(2:rss_kib 3:fds 4:threads)
	fi
	for column in "${columns[@]}"; do
		index=${column%%:*} name=${column#*:}
		read -r base_median base_lowest < <(level "$base_from" "$base_to" "$index")
		read -r final_median final_lowest < <(level "$final_from" $((end + 1)) "$index")
		if [[ -z "${base_median:-}" || -z "${final_median:-}" ]]; then
			reasons+=("too few samples to judge $name (run longer)")
			continue
		fi
		if [[ $name == rss_kib ]]; then
			judged=median base=$base_median final=$final_median
			allowed=$(((base / 10) > 8192 ? base / 10 : 8192))
		else
			judged=lowest base=$base_lowest final=$final_lowest
			allowed=2
		fi
		echo "  $name: median $base_median -> $final_median, lowest $base_lowest -> $final_lowest (judged: $judged, allowed +$allowed)"
		((final - base > allowed)) &&
			reasons+=("not flat: $name went from a $judged of $base to $final (+$((final - base)), allowed +$allowed)")
	done
fi

((requests_failed > 0)) && reasons+=("$requests_failed of $((requests_ok + requests_failed)) requests failed")
echo
if ((${#reasons[@]} > 0)); then
	for reason in "${reasons[@]}"; do echo "soak: FAILED: $reason"; done
	exit 1
fi
flat=flat
((total < 360)) && flat="flatness not judged"
echo "soak: passed: $flat, every request answered, server and agent alive, agent exit $agent_exit"
