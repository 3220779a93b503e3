#!/usr/bin/env bash
# test_heap_demo.sh: the tutorial's memory step on the demo server. The same
# 200 requests through the naive and the fast encryptData, each under an
# allocs delta of `bpfprof serve --heap-rate 1`: fast allocates fewer bytes
# per request, and go tool pprof -list encryptData shows where, per line.
set -u
. "$(dirname "$0")/../lib.sh"

requests=200
size=1024

start_encrypt_server --impl naive --threads 4
if ! start_serve --pid "$SERVER_PID" --listen 127.0.0.1:0 --heap-rate 1; then
	not_ok "serve --heap attaches to the demo server" "$(cat "$AGENT_LOG")"
	finish
	exit
fi
ok "serve --heap attaches to the demo server"

# allocs_of IMPL: the allocs delta over $requests requests served by IMPL.
allocs_of() {
	local impl=$1
	curl -s -X POST "http://127.0.0.1:$SERVER_PORT/impl?name=$impl" >/dev/null
	go_pprof -proto -output "$TEST_TMP/$impl.pb.gz" "$AGENT_URL/debug/pprof/allocs?seconds=4" >/dev/null &
	local fetch=$!
	sleep 1
	hey -n "$requests" -c 4 "http://127.0.0.1:$SERVER_PORT/encrypt?size=$size" >/dev/null 2>&1
	wait "$fetch"
}
allocs_of naive
allocs_of fast

naive=$(heap_value "$TEST_TMP/naive.pb.gz" alloc_space encryptData)
fast=$(heap_value "$TEST_TMP/fast.pb.gz" alloc_space encryptData)
# naive: the scratch buffer (size + 1), the IV-prefixed copy (16 + size), the
# hex (2 x (16 + size) + 1) and a cipher context each time; fast: the hex.
check "naive allocates at least 4,146 bytes per request (got $((${naive:-0} / requests)))" \
	test "${naive:-0}" -ge $((4146 * requests))
check "fast allocates its 2,081-byte response and little else (got $((${fast:-0} / requests)))" \
	test "${fast:-0}" -ge $((2081 * requests)) -a "${fast:-0}" -le $((2200 * requests))
check "fast allocates under half what naive does per request" test $((2 * ${fast:-0})) -lt "${naive:-1}"

list=$(go_pprof -list '^encryptData$' -sample_index=alloc_space "$TEST_TMP/naive.pb.gz")
expect_match "naive: -list puts the IV-prefixed copy's bytes on its line" "$list" \
	'[0-9.]+[kM]B +[0-9]+:[[:space:]]+joined = malloc\(AES_IV_LEN \+ len\);'
expect_match "naive: and the scratch buffer's on its own" "$list" \
	'[0-9.]+[kM]B +[0-9]+:[[:space:]]+encrypted = malloc\(len \+ 1\);'
list=$(go_pprof -list '^encryptData$' -sample_index=alloc_space "$TEST_TMP/fast.pb.gz")
expect_match "fast: the one allocation left is the response" "$list" \
	'[0-9.]+[kM]B +[0-9]+:[[:space:]]+char \*hex = malloc\(2 \* raw_len \+ 1\);'
check "fast: no scratch buffer anywhere" bash -c "! grep -q 'encrypted = malloc' <<<\"\$1\"" _ "$list"
kill "$AGENT_PID" "$SERVER_PID"
finish
