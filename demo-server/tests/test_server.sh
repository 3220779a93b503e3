#!/usr/bin/env bash
# test_server.sh: the real encrypt-server over HTTP, both implementations,
# responses decrypted with openssl(1), and every kind of bad input.
set -u
. "$(dirname "$0")/../../tests/lib.sh"

KEY128=2b7e151628aed2a6abf7158809cf4f3c
KEY256=603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4
DEFAULT_PAYLOAD='Hello, World! This is a test message to encrypt.'

# decrypt HEX KEY: the plaintext of a hex(IV || ciphertext) response.
decrypt() {
	local hex=$1 key=$2 bits=$((${#2} * 4))
	printf '%s' "${hex:32}" | xxd -r -p |
		openssl enc -d "-aes-$bits-cfb" -K "$key" -iv "${hex:0:32}"
}

alphabet() { yes abcdefghijklmnopqrstuvwxyz | tr -d '\n' | head -c "$1"; }

for impl in naive fast; do
	if ! start_encrypt_server --impl "$impl" --key "$KEY128" --threads 2; then
		not_ok "$impl: server starts" "$(cat "$SERVER_LOG")"
		continue
	fi
	expect_match "$impl: startup line names the implementation" "$(cat "$SERVER_LOG")" "impl=$impl threads=2 key=AES-128"
	expect_eq "$impl: GET /healthz is 200" "$(http GET /healthz)" 200

	expect_eq "$impl: GET /encrypt is 200" "$(http GET /encrypt)" 200
	body=$(<"$TEST_TMP/body")
	expect_match "$impl: response is lowercase hex of IV and ciphertext" "$body" "^[0-9a-f]{$((2 * (16 + ${#DEFAULT_PAYLOAD})))}$"
	expect_eq "$impl: default payload decrypts with openssl" "$(decrypt "$body" "$KEY128")" "$DEFAULT_PAYLOAD"
	http GET /encrypt >/dev/null
	second=$(<"$TEST_TMP/body")
	check "$impl: two responses carry different IVs" test "${body:0:32}" != "${second:0:32}"

	expect_eq "$impl: GET /encrypt?size=1000 is 200" "$(http GET '/encrypt?size=1000')" 200
	expect_eq "$impl: sized payload decrypts to the repeated alphabet" \
		"$(decrypt "$(<"$TEST_TMP/body")" "$KEY128")" "$(alphabet 1000)"
	http GET '/encrypt?size=0' >/dev/null
	expect_match "$impl: size=0 returns the IV alone" "$(<"$TEST_TMP/body")" '^[0-9a-f]{32}$'

	head -c 4096 /dev/urandom >"$TEST_TMP/random.bin"
	expect_eq "$impl: POST /encrypt of 4 KiB is 200" "$(http POST /encrypt --data-binary @"$TEST_TMP/random.bin")" 200
	decrypt "$(<"$TEST_TMP/body")" "$KEY128" >"$TEST_TMP/back.bin"
	check "$impl: POSTed binary body round-trips" cmp "$TEST_TMP/random.bin" "$TEST_TMP/back.bin"

	head -c 1048576 /dev/urandom >"$TEST_TMP/mib.bin"
	expect_eq "$impl: POST of exactly 1 MiB is 200" "$(http POST /encrypt --data-binary @"$TEST_TMP/mib.bin")" 200
	decrypt "$(<"$TEST_TMP/body")" "$KEY128" >"$TEST_TMP/back.bin"
	check "$impl: 1 MiB body round-trips" cmp "$TEST_TMP/mib.bin" "$TEST_TMP/back.bin"
	printf x >>"$TEST_TMP/mib.bin"
	expect_eq "$impl: POST of 1 MiB + 1 byte is 413" "$(http POST /encrypt --data-binary @"$TEST_TMP/mib.bin")" 413
	expect_eq "$impl: chunked POST of 1 MiB + 1 byte is 413" \
		"$(http POST /encrypt -H 'Transfer-Encoding: chunked' --data-binary @"$TEST_TMP/mib.bin")" 413
	expect_eq "$impl: empty POST is 200" "$(http POST /encrypt --data-binary '')" 200
	expect_match "$impl: empty POST returns the IV alone" "$(<"$TEST_TMP/body")" '^[0-9a-f]{32}$'

	expect_eq "$impl: HEAD /encrypt is 200" "$(http HEAD /encrypt)" 200
	expect_eq "$impl: PUT /encrypt is 405" "$(http PUT /encrypt)" 405
	expect_match "$impl: 405 names the allowed methods" "$(<"$TEST_TMP/headers")" 'Allow: GET, HEAD, POST'
	expect_eq "$impl: DELETE /encrypt is 405" "$(http DELETE /encrypt)" 405
	expect_eq "$impl: POST /stats is 405" "$(http POST /stats --data-binary x)" 405
	for bad in abc -1 1048577 '' 1.5; do
		expect_eq "$impl: size='$bad' is 400" "$(http GET "/encrypt?size=$bad")" 400
	done
	expect_match "$impl: 400 says why" "$(<"$TEST_TMP/body")" 'size must be a whole number of bytes from 0 to 1048576'
	expect_eq "$impl: unknown path is 404" "$(http GET /nope)" 404
	expect_eq "$impl: /encrypt/ is 404" "$(http GET /encrypt/)" 404

	expect_eq "$impl: GET /stats is 200" "$(http GET /stats)" 200
	stats=$(<"$TEST_TMP/body")
	expect_match "$impl: /stats names the implementation" "$stats" "\"impl\":\"$impl\""
	expect_match "$impl: /stats counts the encrypted responses" "$stats" '"encrypted":8,'
	expect_match "$impl: /stats is JSON" "$(python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)))' <<<"$stats")" "'requests'"

	other=$([[ $impl == naive ]] && echo fast || echo naive)
	expect_eq "$impl: GET /impl names it" "$(http GET /impl; cat "$TEST_TMP/body")" "200$impl"
	expect_eq "$impl: POST /impl?name=$other switches" "$(http POST "/impl?name=$other"; cat "$TEST_TMP/body")" "200$other"
	http GET /encrypt >/dev/null
	expect_eq "$impl: after the switch, responses still decrypt" "$(decrypt "$(<"$TEST_TMP/body")" "$KEY128")" "$DEFAULT_PAYLOAD"
	expect_match "$impl: /stats reports the new implementation" "$(http GET /stats >/dev/null; cat "$TEST_TMP/body")" "\"impl\":\"$other\""
	expect_eq "$impl: POST /impl with a bad name is 400" "$(http POST '/impl?name=slow')" 400
	http POST "/impl?name=$impl" >/dev/null
	hey_out=$(hey -n 2000 -c 50 "http://127.0.0.1:$SERVER_PORT/encrypt" 2>&1)
	expect_match "$impl: 2000 requests from 50 clients all succeed" "$hey_out" '\[200\][[:space:]]+2000 responses'

	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID"
	expect_eq "$impl: SIGTERM stops the server with status 0" "$?" 0
	expect_match "$impl: shutdown is reported" "$(cat "$SERVER_LOG")" 'stopped after [0-9]+ requests'
done

if start_encrypt_server --impl fast --key "$KEY256"; then
	http GET '/encrypt?size=333' >/dev/null
	expect_eq "AES-256 key: response decrypts with aes-256-cfb" "$(decrypt "$(<"$TEST_TMP/body")" "$KEY256")" "$(alphabet 333)"
	expect_match "AES-256 key: /stats reports 256 bits" "$(http GET /stats >/dev/null; cat "$TEST_TMP/body")" '"key_bits":256'
	held_port=$SERVER_PORT
	"$ROOT/build/encrypt-server" --port "$held_port" >"$TEST_TMP/busy.out" 2>&1
	status=$?
	expect_eq "port in use: exit status 1" "$status" 1
	expect_match "port in use: one line saying so" "$(cat "$TEST_TMP/busy.out")" "^encrypt-server: cannot listen on 127.0.0.1:$held_port: Address already in use"
	kill "$SERVER_PID"
else
	not_ok "AES-256 server starts" "$(cat "$SERVER_LOG")"
fi

bad_flags() {
	local description=$1 status=$2 pattern=$3
	shift 3
	expect_refusal "$description" "$status" "$pattern" "$ROOT/build/encrypt-server" "$@"
}
bad_flags "unknown --impl is rejected" 2 "--impl must be naive or fast, not 'slow'" --impl slow
bad_flags "non-hex --key is rejected" 2 "--key must be 32 or 64 hex digits" --key zz
bad_flags "a 24-byte --key is rejected" 2 "--key must be 32 or 64 hex digits" --key "${KEY256:0:48}"
bad_flags "--threads 0 is rejected" 2 "--threads must be a whole number from 1" --threads 0
bad_flags "--port 70000 is rejected" 2 "--port must be a whole number from 0 to 65535" --port 70000
bad_flags "--port abc is rejected" 2 "--port must be a whole number" --port abc
bad_flags "an unknown flag is rejected" 2 "unknown or incomplete option '--bogus'" --bogus
bad_flags "a missing flag value is rejected" 2 "unknown or incomplete option '--port'" --port
bad_flags "a stray argument is rejected" 2 "unexpected argument 'extra'" extra
bad_flags "--bind that is not an address fails" 1 "--bind nowhere is not an IPv4 address" --port 0 --bind nowhere
help=$("$ROOT/build/encrypt-server" --help)
expect_match "--help describes every flag" "$help" '--port.*--bind.*--impl.*--threads.*--key'

finish
