#!/usr/bin/env bash
# test_kernels.sh: the kernel matrix. tests/kernels/compat.sh (every profile
# type, record and serve, with its exactness checks) on this machine's
# kernel, then on each Debian kernel scripts/setup.sh --kernels unpacked
# into build/kernels, booted under QEMU with this machine's userland
# (tests/kernels/boot.sh), two guests at a time. Each kernel's results are
# this suite's, named after the kernel.
set -u
. "$(dirname "$0")/../lib.sh"

releases_file=$ROOT/build/kernels/releases
releases=()
[[ -s "$releases_file" ]] && mapfile -t releases <"$releases_file"

# relay KERNEL TAP_FILE: the kernel's results as this suite's, renumbered;
# its plan checked, so a guest that stopped half-way fails.
relay() {
	local kernel=$1 file=$2 line ran=0 planned=""
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok "[$kernel] ${line#* - }"; ran=$((ran + 1)) ;;
		"not ok "*) not_ok "[$kernel] ${line#* - }"; ran=$((ran + 1)) ;;
		1..*) planned=${line#1..} ;;
		*) echo "$line" ;;
		esac
	done <"$file"
	check "[$kernel] ran every test of its plan (${ran} of ${planned:-no plan})" test "$ran" = "${planned:-x}"
}

# docs/kernels.md cannot drift: its feature table is the agent's own, and
# every kernel the matrix boots has its row of results (this machine's own
# may differ from run to run and is reported by the suite itself).
doc=$ROOT/docs/kernels.md
expect_eq "docs/kernels.md holds the agent's feature table (bpfprof features --markdown)" \
	"$(sed -n '/<!-- features:begin -->/,/<!-- features:end -->/p' "$doc" | sed '1d;$d')" \
	"$("$ROOT/build/bpfprof" features --markdown)"
tested=$(sed -n '/<!-- tested:begin -->/,/<!-- tested:end -->/p' "$doc")
for release in "${releases[@]}"; do
	series=$(grep -oE '^[0-9]+\.[0-9]+' <<<"$release")
	expect_match "docs/kernels.md reports the $series series" "$tested" $'\n''\| '"${series//./\\.}"'\.'
done

started=$(date +%s)
COMPAT_ON_HOST=1 bash "$ROOT/tests/kernels/compat.sh" >"$TEST_TMP/host.tap" 2>&1
relay "$(uname -r) (this machine)" "$TEST_TMP/host.tap"
echo "# this machine's kernel: $(($(date +%s) - started)) s"

if ((${#releases[@]} == 0)); then
	not_ok "Debian's kernels are unpacked in build/kernels" "run: bash scripts/setup.sh --kernels"
	finish
	exit
fi
if [[ "${CI:-}" == true ]]; then
	# The lab VM's kernel, the newest Debian 12 users run and the newest
	# series Debian ships (trixie-backports or unstable).
	expect_match "CI boots Debian 12's 6.1 (the lab VM's kernel)" "${releases[*]}" '(^| )6\.1\.[0-9-]+amd64'
	expect_match "and Debian's 6.12" "${releases[*]}" '(^| )6\.12\.[0-9]+'
	expect_match "and Debian's newest, 7.x" "${releases[*]}" '(^| )7\.[0-9]+\.[0-9]+'
fi

# Two guests at a time: each is one emulated CPU's worth of host time.
declare -A guest_pid=() guest_start=()
for release in "${releases[@]}"; do
	while (($(jobs -rp | wc -l) >= 2)); do wait -n; done
	guest_start[$release]=$(date +%s)
	(
		# 900 s was boot.sh's bound when the suite had 52 checks; it has
		# 100 now, and 7.x under TCG took 670 s alone.
		VM_TIMEOUT=${VM_TIMEOUT:-1500} bash "$ROOT/tests/kernels/boot.sh" "$release" "$ROOT/build/vm/matrix-$release" \
			bash tests/kernels/compat.sh >"$TEST_TMP/boot-$release.log" 2>&1
		echo "$? $(($(date +%s) - ${guest_start[$release]}))" >"$TEST_TMP/done-$release"
	) &
	guest_pid[$release]=$!
done
wait
for release in "${releases[@]}"; do
	out=$ROOT/build/vm/matrix-$release
	read -r status seconds <"$TEST_TMP/done-$release"
	if [[ -s "$out/output" ]]; then
		relay "$release" "$out/output"
	fi
	# The suite's own status is in its results; 124 is a guest that hung.
	check "[$release] the guest booted, ran the suite and powered off" test -s "$out/status" -a "$status" != 124
	echo "# $release: ${seconds} s under $(cat "$out/accel" 2>/dev/null || echo '?')"
	[[ -s "$out/status" ]] || sed 's/^/# /' "$TEST_TMP/boot-$release.log" | tail -n 30
done

# What each kernel's verifier spent on each program (compat.sh's "# program"
# lines, this machine's first): a table for docs/kernels.md in
# build/kernel-programs.md, and the doc's own table checked to hold every
# program in each walk.
programs=$TEST_TMP/programs
grep -h '^# program ' "$TEST_TMP/host.tap" >"$programs"
for release in "${releases[@]}"; do
	grep -h '^# program ' "$ROOT/build/vm/matrix-$release/output" 2>/dev/null >>"$programs"
done
python3 "$ROOT/tests/kernels/programs_table.py" <"$programs" >"$ROOT/build/kernel-programs.md"
expect_eq "docs/kernels.md's program table has every program in each walk (build/kernel-programs.md)" \
	"$(python3 "$ROOT/tests/kernels/programs_table.py" --missing "$doc" <"$programs")" ""
finish
