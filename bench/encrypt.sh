#!/usr/bin/env bash
# make bench-encrypt: runs encrypt-bench (Go's format) and prints the fast/naive
# ratios per benchmark, side by side from the same run.
#   BENCHTIME=1s COUNT=1 BENCH=. bench/run.sh encrypt
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp)
trap 'rm -f "$out"' EXIT
build/encrypt-bench -bench "${BENCH:-.}" -benchtime "${BENCHTIME:-1s}" -count "${COUNT:-1}" | tee "$out"

echo
awk -f bench/speedup.awk "$out"
