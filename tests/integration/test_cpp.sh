#!/usr/bin/env bash
# test_cpp.sh: a C++ program (build/tests/cpp_work, g++ -O2 -g): a class
# template's member in a namespace is named demangled, as the source
# spells it, and the static member inlined into it gets a frame of its own
# with its line, from the binary's DWARF.
set -u
. "$(dirname "$0")/../lib.sh"

start_workload cpp_work --seconds 900
"$ROOT/build/bpfprof" record --pid "$WORKLOAD_PID" -d 2s --hz 499 -o "$TEST_TMP/cpp.pb.gz" 2>/dev/null
expect_eq "record of a C++ program exits 0" "$?" 0
top=$(go_pprof -top -cum -nodecount=50 "$TEST_TMP/cpp.pb.gz")
got=$(cum_percent "$top" 'lab::Accumulator<unsigned')
check "the template's member is named demangled and holds the time (got ${got:-none}%)" \
	awk -v g="${got:-0}" 'BEGIN { exit !(g > 90) }'
expect_match "with its template argument and namespace" "$top" 'lab::Accumulator<unsigned long>::run\(std::vector<unsigned long, std::allocator<unsigned long> > const&, int\) const'
expect_match "the inlined static member has a frame of its own" "$top" 'lab::Accumulator<unsigned long>::mix\(unsigned long, unsigned long\) \(inline\)'
raw=$(go_pprof -raw "$TEST_TMP/cpp.pb.gz")
expect_match "pprof keeps the mangled name as the system name" "$raw" '_ZNK3lab11AccumulatorImE3runERKSt6vectorImSaImEEi'
list=$(go_pprof -list 'Accumulator<unsigned long>::mix' "$TEST_TMP/cpp.pb.gz")
expect_match "-list finds the inlined function's source" "$list" 'return acc \* 31 \+ \(value \^ \(acc >> 7\)\);'

finish
