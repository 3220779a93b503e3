#!/usr/bin/env bash
# test_fleet.sh: scraping the agent as a fleet's collector would. Parca and
# Grafana Alloy (pyroscope.scrape) cannot run here, so this replays what
# their scrapers send with docs/fleet.md's configurations: the same paths
# and seconds, all profile types at once, each within the scraper's
# timeout; every answer must be a 200 with a profile pprof can read.
set -u
. "$(dirname "$0")/../lib.sh"

start_encrypt_server --impl naive --threads 4
start_serve --pid "$SERVER_PID" --listen 127.0.0.1:0 --heap
hey -z 30s -c 8 "http://127.0.0.1:$SERVER_PORT/encrypt" >/dev/null 2>&1 &
load=$!

# scrape NAME TIMEOUT PATH...: fetches every PATH at once, as one scrape
# round does, each within TIMEOUT seconds; checks each answer.
scrape() {
	local name=$1 timeout=$2 path i=0 fetches=()
	shift 2
	for path in "$@"; do
		curl -s -m "$timeout" -o "$TEST_TMP/$name.$i.pb.gz" -w '%{http_code}' "$AGENT_URL$path" \
			>"$TEST_TMP/$name.$i.code" &
		fetches+=($!)
		i=$((i + 1))
	done
	wait "${fetches[@]}"
	i=0
	for path in "$@"; do
		expect_eq "$name: $path answers 200 within ${timeout} s" "$(cat "$TEST_TMP/$name.$i.code")" 200
		check "$name: $path is a profile pprof reads" go_pprof -raw "$TEST_TMP/$name.$i.pb.gz"
		i=$((i + 1))
	done
}

# Parca: scrape_interval 10s, its default timeout 13 s (interval + 3 s);
# delta profiles get ?seconds=<interval>; block and mutex set delta: true.
scrape parca 13 '/debug/pprof/profile?seconds=10' /debug/pprof/allocs '/debug/pprof/block?seconds=10' \
	'/debug/pprof/mutex?seconds=10' /debug/pprof/goroutine
# Alloy: scrape_interval 15s, scrape_timeout 14s, delta_profiling_duration 10s.
scrape alloy 14 '/debug/pprof/profile?seconds=10' /debug/pprof/allocs '/debug/pprof/block?seconds=10' \
	'/debug/pprof/mutex?seconds=10' /debug/pprof/goroutine
expect_match "the CPU profile a scraper gets names encryptData" \
	"$(go_pprof -top -nodecount=1000 -nodefraction=0 "$TEST_TMP/alloy.0.pb.gz")" 'encryptData'
kill "$load" "$AGENT_PID" "$SERVER_PID" 2>/dev/null
finish
