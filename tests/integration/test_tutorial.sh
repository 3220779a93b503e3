#!/usr/bin/env bash
# test_tutorial.sh: docs/tutorial.md as a reader runs it. Every "$ " command
# of its listings, in order, as written but for shorter windows (seconds=30
# becomes 4, seconds=10 becomes 3, -benchtime 2s becomes 100ms) and without
# sudo, in a network namespace of its own, so the tutorial's fixed ports
# (8080, 6060, 6061) are on a loopback no one else uses. Each command must
# succeed, and the story must hold: the naive server's profile names
# encryptData and its snprintf, the fast one's is free of both the heap
# agent's uprobe traps (its agent was stopped) and the snprintf hex encoding.
set -u
if [[ "${TUTORIAL_NETNS:-}" != 1 ]]; then
	exec unshare --net env TUTORIAL_NETNS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"
ip link set lo up

# The reader's shell: a directory of their own with the build beside it,
# go tool pprof with a writable home and no network, and `pgrep
# encrypt-server` naming the server the tutorial started (not another on
# this machine).
work=$TEST_TMP/reader
mkdir -p "$work"
ln -s "$ROOT/build" "$work/build"
cd "$work" || exit 1
export HOME=$TEST_TMP GOCACHE=$TEST_TMP/gocache GOFLAGS=-mod=mod GOPROXY=off
SERVER=""
pgrep() { if [[ "$*" == encrypt-server ]]; then echo "$SERVER"; else command pgrep "$@"; fi; }

mapfile -t commands < <(sed -n 's/^    \$ //p' "$ROOT/docs/tutorial.md")
check "the tutorial has its commands (${#commands[@]})" test "${#commands[@]}" -ge 20
started=()
for ((i = 0; i < ${#commands[@]}; i++)); do
	typed=${commands[$i]}
	cmd=${typed#sudo }
	cmd=${cmd//seconds=30/seconds=4}
	cmd=${cmd//seconds=10/seconds=3}
	cmd=${cmd//-benchtime 2s/-benchtime 100ms}
	out=$TEST_TMP/step-$i.out
	if [[ "$cmd" == *' &' ]]; then
		(eval "exec ${cmd% &}") >"$out" 2>&1 & # $! is the command itself
		started+=($!)
		server_pids+=($!)
		[[ "$cmd" == build/encrypt-server* ]] && SERVER=$!
		# Ready before the next command, as a reader waits for the banner.
		case "$cmd" in
		build/encrypt-server*) until_http http://127.0.0.1:8080/ 10 ;;
		*'--listen 127.0.0.1:6061'*) until_http http://127.0.0.1:6061/ 30 ;;
		*'bpfprof serve'*) until_http http://127.0.0.1:6060/ 30 ;;
		*) sleep 1 ;;
		esac
		check "step $((i + 1)): \`$typed\` starts" kill -0 "${started[-1]}"
	else
		eval "$cmd" >"$out" 2>&1
		status=$?
		[[ $status -eq 0 ]] || echo "# $(tail -n 3 "$out")"
		expect_eq "step $((i + 1)): \`$typed\` succeeds" "$status" 0
	fi
done

pprof() { go tool pprof "$@" 2>&1; }
naive=$(pprof -top -nodefraction=0 -nodecount=1000 cpu.pb.gz)
expect_match "the naive profile names encryptData" "$naive" ' encryptData'$'\n'
expect_match "and the snprintf that hex-encodes" "$naive" '__vfprintf_internal'
fast=$(pprof -top -nodefraction=0 -nodecount=1000 cpu-fast.pb.gz)
expect_match "the fast profile is of the fast server" "$fast" ' encryptData'$'\n'
expect_eq "with no uprobe traps: the heap agent was stopped before it" "$(grep -c uprobe_notify_resume <<<"$fast")" 0
expect_eq "and no snprintf hex encoding" "$(grep -c hex_encode_with_snprintf <<<"$fast")" 0
allocs_fast=$(grep -l 'encrypt_fast.c' "$TEST_TMP"/step-*.out | head -n 1)
check "step 5's allocations are the fast server's" test -n "$allocs_fast"
expect_match "the benchmarks ran, naive and fast" "$(cat "$TEST_TMP/step-$((${#commands[@]} - 1)).out")" \
	'BenchmarkEncryptData/naive.*'$'\n''(.*'$'\n'')*BenchmarkEncryptData/fast'

finish
