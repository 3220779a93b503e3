#!/usr/bin/env bash
# test_source_rules.sh: rules on the tree's files that no compiler checks
# (tests/source_rules.py): no issue number in code, comments, tests,
# build files or scripts; no agent .c over 700 lines and no UI or SVG
# script over 500 (a table in the checker). The checker is also run on
# small trees that break each rule, so it is seen to fail.
set -u
. "$(dirname "$0")/../lib.sh"

rules=$ROOT/tests/source_rules.py
report=$(python3 "$rules" "$ROOT" 2>&1)
expect_eq "no issue number in the tree's code and no file over its size limit" "$report" ""

# The tracker's word and a number, never written out here: this file is
# checked too.
word=issue
tree=$TEST_TMP/issues
mkdir -p "$tree/userspace/base" "$tree/tests" "$tree/docs"
printf '/* %s %d: the reason */\nint x;\n' "$word" 6 >"$tree/userspace/base/a.c"
printf '# the %s #%d test\n' "${word^}" 12 >"$tree/tests/b.sh"
printf 'x: # %s-%d\n' "$word" 3 >"$tree/Makefile"
printf 'fixed in %ss %d and 7\n' "$word" 5 >"$tree/docs/history.txt"
printf 'done (%s %d)\n' "$word" 16 >"$tree/README.md"
printf '\0%s %d' "$word" 9 >"$tree/tests/seed.bin"
out=$(python3 "$rules" "$tree")
expect_eq "a tree naming issues fails the check" "$?" 1
expect_match "in a C comment" "$out" "userspace/base/a.c:1: names an issue \\($word 6\\)"
expect_match "in a test, written with # and a capital" "$out" "tests/b.sh:1: names an issue \\(${word^} #12\\)"
expect_match "in a Makefile, with a dash" "$out" "Makefile:1: names an issue \\($word-3\\)"
expect_eq "and nothing else: docs/, *.md and binary files may" "$(wc -l <<<"$out")" 3

# make_lines FILE N: a file of N lines.
make_lines() { mkdir -p "$(dirname "$1")" && yes 'x;' | head -n "$2" >"$1"; }
tree=$TEST_TMP/sizes
make_lines "$tree/userspace/model/big.c" 701
make_lines "$tree/userspace/model/fits.c" 700
make_lines "$tree/userspace/ui/views/big.js" 501
make_lines "$tree/userspace/ui/fits.js" 500
make_lines "$tree/tests/unit/long_test.c" 2000
make_lines "$tree/userspace/encode/svg.js" 501
out=$(python3 "$rules" "$tree")
expect_eq "a file over its limit fails the check" "$?" 1
expect_match "an agent .c over 700 lines" "$out" 'userspace/model/big.c: 701 lines, over its limit of 700'
expect_match "a UI script over 500 lines, in a subfolder too" "$out" 'userspace/ui/views/big.js: 501 lines, over its limit of 500'
expect_match "a script embedded from another folder too" "$out" 'userspace/encode/svg.js: 501 lines, over its limit of 500'
expect_eq "and nothing at the limit or outside the table" "$(wc -l <<<"$out")" 3

finish
