#!/usr/bin/env bash
# test_encrypt_bench.sh: encrypt-bench's names, Go output format,
# allocation counts and flags. Timing is measured by `make bench-encrypt`,
# never asserted here.
set -u
. "$(dirname "$0")/../../tests/lib.sh"

bench=$ROOT/build/encrypt-bench
out=$("$bench" -benchtime 20x -cpu 2)
expect_eq "exits 0" "$?" 0
expect_match "starts with Go's header, goarch as Go names this machine" "$out" \
	$'^goos: linux\ngoarch: '"$(go env GOARCH)"$'\npkg: bpfprof/demo-server\ncpu: '
expect_eq "ends with PASS" "$(tail -n 1 <<<"$out")" PASS
for name in EncryptData EncryptDataSmall EncryptDataMedium EncryptDataLarge EncryptDataAES256 EncryptDataConcurrency; do
	for impl in naive fast; do
		expect_match "Benchmark$name/$impl-2 in Go's line format" "$out" \
			$'(^|\n)Benchmark'"$name/$impl"$'-2[ ]*\t +20\t +[0-9.]+ ns/op\t +[0-9]+ B/op\t +[0-9]+ allocs/op(\n|$)'
	done
done

allocs() { awk -v n="Benchmark$1/$2-2" '$1 == n { for (i = 1; i < NF; i++) if ($(i + 1) == "allocs/op") print $i }' <<<"$out"; }
bytes() { awk -v n="Benchmark$1/$2-2" '$1 == n { for (i = 1; i < NF; i++) if ($(i + 1) == "B/op") print $i }' <<<"$out"; }
expect_eq "fast allocates once per op (the response)" "$(allocs EncryptData fast)" 1
check "naive allocates more often than fast" test "$(allocs EncryptData naive)" -gt 1
# 48-byte payload: 2 * (16 + 48) hex digits + NUL = 129 bytes, nothing else.
expect_eq "fast's bytes per op are the response buffer exactly" "$(bytes EncryptData fast)" 129
check "naive counts OpenSSL's context allocations too" test "$(bytes EncryptData naive)" -gt 500
expect_eq "large payload: fast allocates 2 * (16 + 65536) + 1 bytes" "$(bytes EncryptDataLarge fast)" 131105

one=$("$bench" -bench 'AES256/fast' -benchtime 5x -count 3 -cpu 1)
expect_eq "-bench filters and -count repeats" "$(grep -c '^Benchmark' <<<"$one")" 3
expect_match "-cpu sets the suffix" "$one" 'BenchmarkEncryptDataAES256/fast-1'

for args in "-benchtime 0s" "-benchtime 3h" "-cpu 0" "-count x" "-bench (" "-nope 1"; do
	# shellcheck disable=SC2086
	"$bench" $args >"$TEST_TMP/bad.out" 2>&1
	status=$?
	expect_eq "'$args' is rejected with status 2" "$status" 2
done

finish
