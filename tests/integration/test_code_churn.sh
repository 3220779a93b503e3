#!/usr/bin/env bash
# test_code_churn.sh: a long-lived `bpfprof serve` on a target whose code
# comes and goes (build/tests/dlopen_loop loading 40 libraries of distinct
# build IDs in turn, each at new addresses, as a plugin host or a JIT's
# code does). What the agent holds follows what the target maps: the
# symbolizer keeps a few unmapped objects and frees the rest, the unwinder
# gives their rows back to its BPF map and reuses them, and stacks walked
# through tables loaded into reused rows still reach main. And processes
# that come and go (--children on build/tests/forker) leave no descriptor
# open in the agent.
set -u
. "$(dirname "$0")/../lib.sh"

libraries=40
kept=16 # IDLE_OBJECTS_KEPT (symbolizer.c) and IDLE_TABLES_KEPT (unwinder.c)
plugins=$TEST_TMP/plugins
mkdir -p "$plugins"
for ((i = 0; i < libraries; i++)); do
	gcc -shared -Wl,--build-id=0x$(printf 'c0de%028x' "$i") "$ROOT/build/tests/plugin.o" -o "$plugins/plugin-$i.so" ||
		not_ok "plugin-$i.so links"
done

# comment PROFILE ERE: the first comment line matching ERE.
comment() { go_pprof -comments "$1" | grep -E -m 1 -- "$2"; }
# number TEXT ERE: the number just before ERE in TEXT.
number() { sed -nE "s/.*[^0-9]([0-9]+) $2.*/\1/p" <<<"$1"; }

start_workload dlopen_loop --dir "$plugins" --count "$libraries" --hold-ms 1500 --seconds 900
start_serve --pid "$WORKLOAD_PID" --listen 127.0.0.1:0 || not_ok "serve starts" "$(cat "$AGENT_LOG")"

declare -a held idle freed tables_dropped rows
for window in 1 2; do
	code=$(get '/debug/pprof/profile?seconds=24')
	expect_eq "window $window: answered" "$code" 200
	cp "$TEST_TMP/body" "$TEST_TMP/window$window.pb.gz"
	objects=$(comment "$TEST_TMP/window$window.pb.gz" '^objects read:')
	tables=$(comment "$TEST_TMP/window$window.pb.gz" '^user stacks: ')
	ends=$(comment "$TEST_TMP/window$window.pb.gz" '^user stacks ended:')
	echo "# window $window: $objects"
	echo "# window $window: $tables"
	echo "# window $window: $ends"
	held[window]=$(number "$objects" 'held')
	idle[window]=$(number "$objects" 'of them mapped by no process')
	freed[window]=$(number "$objects" 'freed after')
	tables_dropped[window]=$(number "$tables" 'tables freed')
	rows[window]=$(sed -nE 's/.*\(([0-9]+) rows.*/\1/p' <<<"$tables")
	check "window $window: the symbolizer keeps at most $kept unmapped objects (${idle[window]:-none})" \
		test "${idle[window]:-99}" -le "$kept"
	# Each library's stacks are walked by its table once the agent has
	# looked again (at most a second after its first sample); a wrong
	# table in reused rows would end them as bad frames or unreadable.
	rooted=$(number "$ends" 'reached the thread.s root')
	check "window $window: stacks walked through reused rows reach the root (${rooted:-none})" test "${rooted:-0}" -gt 100
	check "window $window: none ends at a bad frame, an unreadable stack or a missing rule" \
		bash -c '! grep -Eq "bad frame|stack unreadable|no unwind rule" <<<"$1"' _ "$ends"
done
# Twice as many libraries came and went in the second window's time: what
# is held does not grow with them.
check "what the symbolizer holds stays flat across windows (${held[1]:-?} then ${held[2]:-?} objects)" \
	test "${held[2]:-99}" -le "$((${held[1]:-0} + 2))"
check "objects of unloaded libraries were freed, more as more came (${freed[1]:-?} then ${freed[2]:-?})" \
	test "${freed[2]:-0}" -gt "${freed[1]:-0}"
check "the unwinder freed the tables of unloaded libraries (${tables_dropped[2]:-none} by the second window)" \
	test "${tables_dropped[2]:-0}" -gt 0
check "the unwinder's rows in the kernel stay flat (${rows[1]:-?} then ${rows[2]:-?})" \
	test "${rows[2]:-999999999}" -le "$((${rows[1]:-0} + 1000))"
check "the agent is still serving" test "$(get '/debug/pprof/')" = 200
kill "$AGENT_PID" "$WORKLOAD_PID"
wait "$AGENT_PID" 2>/dev/null

# --- processes that come and go --------------------------------------------------------
fds_of() { find "/proc/$1/fd" -mindepth 1 2>/dev/null | wc -l; }
"$ROOT/build/tests/forker" --children 20 --child-seconds 0.1 >"$TEST_TMP/forker.out" 2>&1 &
forker=$!
server_pids+=("$forker")
start_serve --pid "$forker" --children --listen 127.0.0.1:0 || not_ok "serve --children starts" "$(cat "$AGENT_LOG")"
kill -USR1 "$forker"
wait_until 10 test "$(grep -c '^forker: worker' "$TEST_TMP/forker.out")" -ge 20
sleep 2 # the first round's exits seen
fds_before=$(fds_of "$AGENT_PID")
for round in 1 2 3 4 5; do
	kill -USR1 "$forker"
	wait_until 10 test "$(grep -c '^forker: worker' "$TEST_TMP/forker.out")" -ge $((20 * (round + 1)))
	sleep 0.5
done
sleep 2
fds_after=$(fds_of "$AGENT_PID")
echo "# agent descriptors: $fds_before after 20 workers came and went, $fds_after after 100 more"
check "100 exited workers leave no descriptor open in the agent ($fds_before then $fds_after)" \
	test "$fds_after" -le "$((fds_before + 5))"
expect_eq "and it still serves their profile" "$(get '/debug/pprof/profile?seconds=1')" 200
finish
