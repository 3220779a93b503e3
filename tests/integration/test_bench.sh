#!/usr/bin/env bash
# test_bench.sh: the benchmarks' machinery, not their figures (timing is
# measured by `make bench`, never asserted here): every bench/NAME.sh has
# a `make bench-NAME` that resolves, `make bench` runs them all through
# bench/run.sh, the runner refuses a wrong name before running anything,
# the speed-up table reads encrypt-bench's output, and the sampler's timed
# build still compiles.
set -u
. "$(dirname "$0")/../lib.sh"

names=$(bash "$ROOT/bench/run.sh" --list)
listed=$(make -s -C "$ROOT" --no-print-directory -f Makefile -f - print-benches <<<'print-benches: ; @echo $(BENCHES)')
expect_eq "bench/build.mk lists every bench/NAME.sh, and only those" "$(tr ' ' '\n' <<<"$listed" | sort)" "$names"
for name in $names; do
	check "bench/$name.sh parses" bash -n "$ROOT/bench/$name.sh"
	plan=$(make -n -C "$ROOT" --no-print-directory "bench-$name" 2>&1)
	expect_eq "make -n bench-$name resolves and ends in the runner" "$?:$(tail -n 1 <<<"$plan")" "0:bash bench/run.sh $name"
done
plan=$(make -n -C "$ROOT" --no-print-directory bench 2>&1)
expect_eq "make -n bench resolves and runs every benchmark in one runner" "$?:$(tail -n 1 <<<"$plan")" \
	"0:bash bench/run.sh $listed"

bash "$ROOT/bench/run.sh" encrypt no-such-bench >"$TEST_TMP/wrong.out" 2>&1
expect_eq "an unknown name is refused with status 2" "$?" 2
expect_match "naming it and the benchmarks there are" "$(cat "$TEST_TMP/wrong.out")" \
	"no benchmark 'no-such-bench'; one of: .*encrypt"
check "before any benchmark ran" bash -c "! grep -q '=== bench' '$TEST_TMP/wrong.out'"
expect_refusal "no name is a usage error" 2 '^usage: bench/run.sh NAME' bash "$ROOT/bench/run.sh"
expect_refusal "lib.sh is no benchmark" 2 "no benchmark 'lib'" bash "$ROOT/bench/run.sh" lib

# One short benchmark through the runner, as make bench-encrypt runs it.
out=$(cd "$ROOT" && BENCH=EncryptDataSmall BENCHTIME=5x bash bench/run.sh encrypt 2>&1)
expect_match "the runner names the benchmark it starts" "$out" '^=== bench encrypt'
expect_match "and it prints its speed-up table" "$out" $'\nEncryptDataSmall +[0-9.]+ +[0-9.]+ +[0-9.]+x'

out=$("$ROOT/build/encrypt-bench" -benchtime 20x -cpu 2)
table=$(awk -f "$ROOT/bench/speedup.awk" <<<"$out")
expect_eq "speed-up table has a row per benchmark" "$(grep -cE '^EncryptData[A-Za-z0-9]* +[0-9.]+ +[0-9.]+ +[0-9.]+x' <<<"$table")" 6

# make bench-sampler builds the CPU sampler with its phases timed: that
# build must keep compiling, with the map the bench reads.
clang -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror -I"$ROOT/build/gen" -I"$ROOT/bpf" \
	-DBPFPROF_SAMPLE_COST -c "$ROOT/bpf/cpu.bpf.c" -o "$TEST_TMP/cpu-cost.bpf.o" 2>"$TEST_TMP/clang.err"
expect_eq "the timed sampler compiles$(head -c 300 "$TEST_TMP/clang.err")" "$?" 0
expect_match "and has the sample_cost map" "$(bpftool btf dump file "$TEST_TMP/cpu-cost.bpf.o" 2>&1)" "VAR 'sample_cost'"

finish
