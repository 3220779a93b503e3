#!/usr/bin/env bash
# bench/run.sh: the one way benchmarks run. Each is bench/NAME.sh; this runs
# the named ones in the order given and stops at the first that fails.
# It builds nothing: `make bench-NAME` builds what NAME needs, then calls
# this; `make bench` does so for every name bench/build.mk lists.
#   bench/run.sh NAME...   (each benchmark's variables are in its header)
#   bench/run.sh --list    every NAME, one a line
set -euo pipefail
cd "$(dirname "$0")/.."

names() {
	local script
	for script in bench/*.sh; do
		script=$(basename "$script" .sh)
		[[ $script == run || $script == lib ]] || echo "$script"
	done
}

if [[ $# -eq 0 ]]; then
	echo "usage: bench/run.sh NAME... (or --list); NAME is one of: $(names | tr '\n' ' ')" >&2
	exit 2
fi
if [[ $1 == --list ]]; then
	names
	exit 0
fi
# Every name is checked before the first benchmark starts: a typo never
# costs the minutes of the ones before it.
for name in "$@"; do
	if [[ $name == run || $name == lib || ! -f bench/$name.sh ]]; then
		echo "bench/run.sh: no benchmark '$name'; one of: $(names | tr '\n' ' ')" >&2
		exit 2
	fi
done
for name in "$@"; do
	echo "=== bench $name"
	bash "bench/$name.sh"
done
