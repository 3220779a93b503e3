#!/usr/bin/env bash
# test_fuzz.sh: the libFuzzer harnesses (tests/fuzz/), built with Debian's
# clang: each replays its committed corpus (the seeds and every input that
# once crashed it) without a crash, and a short pass of fuzzing finds none.
# The runner is also seen to fail, and keep the input, on a harness that
# crashes. A clang without libFuzzer fails the suite; it never skips.
set -u
. "$(dirname "$0")/../lib.sh"

seconds=${FUZZ_TEST_SECONDS:-8}
harnesses=(unwind_table symbolizer proc_maps http_params pprof)
# Crashes found here stay after the suite, for `make fuzz`'s workflow.
work=$ROOT/build/fuzz/test-run
rm -rf "$work"

cat >"$TEST_TMP/crashy.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 3 && data[0] == 'B' && data[1] == 'U' && data[2] == 'G')
		abort();
	return 0;
}
EOF
mkdir -p "$TEST_TMP/bin" "$TEST_TMP/seeds/crashy"
if clang -fsanitize=fuzzer,address,undefined "$TEST_TMP/crashy.c" -o "$TEST_TMP/bin/fuzz_crashy" \
	>"$TEST_TMP/clang.out" 2>&1; then
	ok "clang links a libFuzzer harness"
else
	not_ok "clang links a libFuzzer harness" "clang -fsanitize=fuzzer failed (Debian ships libFuzzer in libclang-rt-dev):" \
		"$(head -c 1000 "$TEST_TMP/clang.out")"
fi
printf 'BUG' >"$TEST_TMP/seeds/crashy/bug"
out=$(FUZZ_BIN_DIR=$TEST_TMP/bin FUZZ_SEEDS_DIR=$TEST_TMP/seeds FUZZ_WORK_DIR=$TEST_TMP/work \
	bash "$ROOT/tests/fuzz/run.sh" replay crashy 2>&1)
status=$?
if ((status != 0)) && [[ "$out" == *CRASH* ]] && [[ -n $(ls "$TEST_TMP/work/crashes/crashy" 2>/dev/null) ]]; then
	ok "the runner fails on a crashing input and keeps it"
else
	not_ok "the runner fails on a crashing input and keeps it" "status $status" "$out"
fi

binaries=()
for h in "${harnesses[@]}"; do binaries+=("build/fuzz/fuzz_$h"); done
if make -s -C "$ROOT" -j2 "${binaries[@]}" >"$TEST_TMP/build.out" 2>&1; then
	ok "the ${#harnesses[@]} harnesses build with clang -fsanitize=fuzzer,address,undefined"
else
	not_ok "the ${#harnesses[@]} harnesses build with clang -fsanitize=fuzzer,address,undefined" \
		"$(tail -c 2000 "$TEST_TMP/build.out")"
fi

for h in "${harnesses[@]}"; do
	inputs=$(find "$ROOT/tests/fuzz/corpus/$h" -type f 2>/dev/null | wc -l)
	if ((inputs == 0)); then
		not_ok "fuzz_$h has a committed corpus" "tests/fuzz/corpus/$h is empty"
		continue
	fi
	if out=$(FUZZ_WORK_DIR=$work bash "$ROOT/tests/fuzz/run.sh" replay "$h" 2>&1); then
		ok "fuzz_$h replays its $inputs committed inputs without a crash"
	else
		not_ok "fuzz_$h replays its $inputs committed inputs without a crash" "$out"
	fi
	if out=$(FUZZ_WORK_DIR=$work nice -n 19 bash "$ROOT/tests/fuzz/run.sh" fuzz "$seconds" "$h" 2>&1); then
		ok "fuzz_$h: $seconds s of fuzzing find no crash (${out#*fuzzing: })"
	else
		not_ok "fuzz_$h: $seconds s of fuzzing find no crash" "$out"
	fi
done

finish
