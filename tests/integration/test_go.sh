#!/usr/bin/env bash
# test_go.sh: a Go program (build/tests/goserver: Debian's golang-go, the
# standard library only) profiled from outside by bpfprof and from inside
# by its own net/http/pprof over the same window, under load: the top
# cumulative functions agree within 3 points, stacks cross Go's g0 switch
# into the goroutine that asked for it, fewer than 1 % of them end
# unexplained, and the names, source lines and inlined calls come from the
# binary's DWARF. Prints the agreement table as TAP comments.
set -u
. "$(dirname "$0")/../lib.sh"

bpfprof=$ROOT/build/bpfprof

port=$(free_port)
# Go's profile at 500 Hz rather than its default 100: five times the
# samples, so that its own sampling noise is well below the 3 points.
"$ROOT/build/tests/goserver" -listen "127.0.0.1:$port" -profile-hz 500 >"$TEST_TMP/goserver.log" 2>&1 &
go_pid=$!
server_pids+=("$go_pid")
until_http "http://127.0.0.1:$port/encrypt" 5
answer=$(curl -s "http://127.0.0.1:$port/encrypt")
expect_match "the Go server answers hex(IV || ciphertext)" "$answer" '^[0-9a-f]{128}$'

# Both profiles over the same 20 s, the load running before and after.
hey -z 26s -c 8 "http://127.0.0.1:$port/encrypt" >/dev/null 2>&1 &
load=$!
sleep 2
curl -s -o "$TEST_TMP/go.pb.gz" "http://127.0.0.1:$port/debug/pprof/profile?seconds=20" &
go_profile=$!
"$bpfprof" record --pid "$go_pid" -d 20s --hz 499 -o "$TEST_TMP/bpf.pb.gz" 2>"$TEST_TMP/record.err"
expect_eq "record of a Go program exits 0" "$?" 0
wait "$go_profile"
wait "$load"

# Go's own profiler never samples runtime.sysmon, the monitor thread that
# runs without a P (none of its samples in any run here, while it used
# 3.8-3.9 % of the CPU bpfprof saw): shares are compared over the rest,
# relative to what is left, so both profiles count the same threads.
sysmon_bpf=$(cum_percent "$(go_pprof -top -cum -nodecount=1000 -nodefraction=0 "$TEST_TMP/bpf.pb.gz")" runtime.sysmon)
sysmon_go=$(cum_percent "$(go_pprof -top -cum -nodecount=1000 -nodefraction=0 "$TEST_TMP/go.pb.gz")" runtime.sysmon)
echo "# runtime.sysmon: ${sysmon_bpf:-0}% of bpfprof's samples, ${sysmon_go:-0}% of Go's; left out of both below"
comparable=(-top -cum -nodecount=1000 -nodefraction=0 -relative_percentages -ignore='^runtime\.sysmon$')
go_top=$(go_pprof "${comparable[@]}" "$TEST_TMP/go.pb.gz")
bpf_top=$(go_pprof "${comparable[@]}" "$TEST_TMP/bpf.pb.gz")
check "Go's own profile was taken" test -n "$(cum_percent "$go_top" main.encryptHandler)"
echo "# function                                  Go's net/http/pprof   bpfprof"
for fn in net/http.\(\*conn\).serve main.encryptHandler main.encryptData main.joinHex encoding/hex.EncodeToString \
	runtime.mallocgc runtime.makeslice runtime.systemstack crypto/cipher.\(\*ctr\).XORKeyStream syscall.Syscall; do
	go_share=$(cum_percent "$go_top" "$fn")
	bpf_share=$(cum_percent "$bpf_top" "$fn")
	printf '# %-45s %6s%% %14s%%\n' "$fn" "${go_share:-0}" "${bpf_share:-0}"
	check "$fn: bpfprof's ${bpf_share:-none}% within 3 points of Go's ${go_share:-none}%" \
		within 3 "${bpf_share:-}" "${go_share:--100}"
done

raw=$(go_pprof -raw "$TEST_TMP/bpf.pb.gz")
ends=$(sed -n 's/^Comment: user stacks ended: //p' <<<"$raw")
echo "# user stacks ended: $ends"
unexplained=$(awk -F', ' '{ for (i = 1; i <= NF; i++) { split($i, w, " "); all += w[1]; if ($i !~ /root/) odd += w[1] } }
	END { if (all) printf "%.2f", 100 * odd / all }' <<<"$ends")
check "fewer than 1 % of the stacks end anywhere but their root (${unexplained:-none}%)" \
	awk -v u="${unexplained:-100}" 'BEGIN { exit !(u < 1) }'
traces=$(go_pprof -traces "$TEST_TMP/bpf.pb.gz")
# -traces lists each stack leaf first, a frame a line.
expect_match "stacks on g0 continue on the goroutine's stack past runtime.systemstack" "$traces" \
	'runtime\.systemstack'$'\n'' +runtime\.gcAssistAlloc'$'\n'' +runtime\.mallocgc'$'\n'
expect_match "and reach the goroutine's root, runtime.goexit" "$traces" \
	'runtime\.systemstack'$'\n''( +[^'$'\n'']+'$'\n'')* +runtime\.goexit'$'\n'
expect_match "assembly functions are named as Go names them (no .abi0)" "$bpf_top" ' runtime\.systemstack'$'\n'
expect_match "inlined calls get frames of their own (pprof marks them inline)" "$bpf_top" \
	'encoding/hex\.EncodeToString \(inline\)'
list=$(go_pprof -list '^main.encryptData$' "$TEST_TMP/bpf.pb.gz")
expect_match "-list main.encryptData shows its source from the binary's DWARF" "$list" \
	'ROUTINE =+ main\.encryptData in .*tests/workloads/goserver/main\.go'
expect_match "with time on the line that calls joinHex" "$list" \
	'[0-9.]+m?s +[0-9]+:[[:space:]]+return joinHex\(append\(iv, ciphertext\.\.\.\)\), nil'

finish
