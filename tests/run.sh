#!/usr/bin/env bash
# tests/run.sh: runs every suite and ends with "N passed, N failed" over all
# of them. Suites speak TAP ("ok N - name" / "not ok N - name"); a suite that
# exits non-zero without a failing test line, or runs fewer tests than its
# plan, counts as one more failure, so crashes and valgrind errors never pass.
#   TESTS=regex bash tests/run.sh   runs only the suites whose name matches
set -uo pipefail
cd "$(dirname "$0")/.."

log_dir=build/test-logs
mkdir -p "$log_dir"
total_passed=0
total_failed=0
# Every unit test binary the build produced (tests/build.mk lists them).
unit_tests=()
for bin in build/tests/test_*; do [[ -x "$bin" ]] && unit_tests+=("$(basename "$bin")"); done

suites=()
for t in "${unit_tests[@]}"; do suites+=("unit/$t"); done
for t in "${unit_tests[@]}"; do suites+=("asan/$t"); done
for t in "${unit_tests[@]}"; do suites+=("valgrind/$t"); done
# The browser UI's pure modules, under Node's own test runner.
suites+=("node/ui")
for script in tests/integration/*.sh; do suites+=("integration/$(basename "$script" .sh)"); done
# The demo server's own end-to-end suites sit with it.
for script in demo-server/tests/*.sh; do suites+=("demo-server/$(basename "$script" .sh)"); done

suite_command() {
	local kind=${1%%/*} name=${1#*/}
	case "$kind" in
	unit) echo "build/tests/$name" ;;
	asan) echo "build/tests/asan/$name" ;;
	valgrind) echo "valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite build/tests/$name" ;;
	integration) echo "bash tests/integration/$name.sh" ;;
	node) echo "node --test --test-reporter=tap tests/$name/*.test.mjs" ;;
	demo-server) echo "bash demo-server/tests/$name.sh" ;;
	esac
}

for suite in "${suites[@]}"; do
	[[ -z "${TESTS:-}" || "$suite" =~ ${TESTS} ]] || continue
	log="$log_dir/${suite//\//-}.log"
	echo "=== $suite"
	CMOCKA_MESSAGE_OUTPUT=TAP $(suite_command "$suite") >"$log" 2>&1
	status=$?
	cat "$log"
	passed=$(grep -c '^ok ' "$log")
	failed=$(grep -c '^not ok ' "$log")
	planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)
	if ((status != 0 && failed == 0)); then
		echo "not ok - $suite exited with status $status"
		failed=$((failed + 1))
	elif [[ -z "$planned" ]] || ((passed + failed < planned)); then
		echo "not ok - $suite ran $((passed + failed)) of ${planned:-an unknown number of} tests"
		failed=$((failed + 1))
	fi
	echo "--- $suite: $passed passed, $failed failed"
	total_passed=$((total_passed + passed))
	total_failed=$((total_failed + failed))
done

echo "$total_passed passed, $total_failed failed"
((total_failed == 0))
