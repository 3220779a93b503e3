#!/usr/bin/env bash
# test_layers.sh: the agent's folders are layers (AGENT_LAYERS in
# userspace/build.mk, lowest first): no file includes a later folder's
# header, no two modules depend on each other in a cycle, no header is
# named like a system header (every folder is on the include path), no
# layer includes one AGENT_FORBIDDEN_INCLUDES keeps it from, every source
# file is in a layer's folder, and the build's source lists name exactly
# the .c files the folders hold. The checker (tests/layers.py) is also run
# on small trees that break each rule, so it is seen to fail.
set -u
. "$(dirname "$0")/../lib.sh"

report=$(python3 "$ROOT/tests/layers.py" "$ROOT" 2>&1)
expect_eq "the agent's include graph follows its layers, with no module cycle" "$report" ""
expect_match "every module has a layer" "$(python3 "$ROOT/tests/layers.py" "$ROOT" --list)" \
	$'^base fd_io\n(.*\n)*profiles traced_set\n(.*\n)*commands record'

listed=$(make -s -C "$ROOT" --no-print-directory -f Makefile -f - print-agent-sources <<<'print-agent-sources: ; @echo $(filter userspace/%,$(AGENT_SRCS))' |
	tr ' ' '\n' | sort)
present=$(cd "$ROOT" && find userspace -name '*.c' | sort)
expect_eq "the build compiles every .c of the layers, and only those" "$listed" "$present"

# fake_tree DIR: two layers, low and high, one module each.
fake_tree() {
	mkdir -p "$1/userspace/low" "$1/userspace/high" "$1/bpf"
	echo 'AGENT_LAYERS := low high' >"$1/userspace/build.mk"
	printf '#include "a.h"\n' >"$1/userspace/low/a.c"
	: >"$1/userspace/low/a.h"
	printf '#include "a.h"\n#include "b.h"\n' >"$1/userspace/high/b.c"
	: >"$1/userspace/high/b.h"
}
tree=$TEST_TMP/ok
fake_tree "$tree"
expect_eq "a tree that keeps the rules passes" "$(python3 "$ROOT/tests/layers.py" "$tree")" ""

tree=$TEST_TMP/upward
fake_tree "$tree"
printf '#include "b.h"\n' >>"$tree/userspace/low/a.c"
expect_match "a lower layer including a higher one is found" "$(python3 "$ROOT/tests/layers.py" "$tree")" \
	'userspace/low/a.c includes high/b.h: low is below high'
check "and fails the check" bash -c "! python3 '$ROOT/tests/layers.py' '$tree' >/dev/null"

tree=$TEST_TMP/forbidden
fake_tree "$tree"
mkdir -p "$tree/userspace/top"
echo 'AGENT_LAYERS := low high top' >"$tree/userspace/build.mk"
echo 'AGENT_FORBIDDEN_INCLUDES := top:low' >>"$tree/userspace/build.mk"
printf '#include "b.h"\n#include "a.h"\n' >"$tree/userspace/top/t.c"
expect_match "a layer including one AGENT_FORBIDDEN_INCLUDES keeps it from is found" \
	"$(python3 "$ROOT/tests/layers.py" "$tree")" \
	'^userspace/top/t.c includes low/a.h: top may not reach low \(AGENT_FORBIDDEN_INCLUDES\)$'
check "and fails the check" bash -c "! python3 '$ROOT/tests/layers.py' '$tree' >/dev/null"
sed -i '/a\.h/d' "$tree/userspace/top/t.c"
expect_eq "while the layers it may reach pass" "$(python3 "$ROOT/tests/layers.py" "$tree")" ""
rule=$(grep '^AGENT_FORBIDDEN_INCLUDES' "$ROOT/userspace/build.mk")
expect_match "the agent's own rule keeps http/ from collect/" "$rule" '[ =]http:collect( |$)'
expect_match "and encode/ from collect/" "$rule" '[ =]encode:collect( |$)'

tree=$TEST_TMP/cycle
fake_tree "$tree"
printf '#include "c.h"\n' >"$tree/userspace/high/b.h"
printf '#include "c.h"\n' >"$tree/userspace/high/c.c"
printf '#include "b.h"\n' >"$tree/userspace/high/c.h"
expect_match "a cycle between modules of one layer is found" "$(python3 "$ROOT/tests/layers.py" "$tree")" \
	'module cycle: b -> c -> b'

tree=$TEST_TMP/system
fake_tree "$tree"
mkdir -p "$tree/include"
: >"$tree/include/b.h"
expect_match "a header named like a system one is found" \
	"$(SYSTEM_INCLUDE="$tree/include" python3 "$ROOT/tests/layers.py" "$tree")" \
	'userspace/high/b.h has the name of a header in .*/include/'

tree=$TEST_TMP/stray
fake_tree "$tree"
: >"$tree/userspace/loose.c"
expect_match "a source outside the layers' folders is found" "$(python3 "$ROOT/tests/layers.py" "$tree")" \
	'userspace/loose.c is in no layer'
finish
