#!/usr/bin/env bash
# test_unwind.sh: complete user stacks through code without frame pointers,
# from the .eh_frame tables walked in BPF: attribution and
# completeness on build/tests/frameless (-O2 -fomit-frame-pointer) in every
# mode (a split through a shared leaf, 64 frames of 1 KiB, libc's qsort
# calling back, libcrypto's assembly, a signal handler, a library opened
# after attach), frame-pointer mode failing where it must, and the demo
# server under load reaching each thread's root.
set -u
. "$(dirname "$0")/../lib.sh"

bpfprof=$ROOT/build/bpfprof

# profile_mode MODE OUT [RECORD ARGS...]: records 3 s of frameless in MODE
# as folded stacks, then stops it.
profile_mode() {
	local mode=$1 out=$2
	shift 2
	start_workload frameless --mode "$mode" --seconds 60
	"$bpfprof" record --pid "$WORKLOAD_PID" --duration 3s --hz 999 -o "$out" "$@" 2>"$out.err"
	local status=$?
	kill "$WORKLOAD_PID" 2>/dev/null
	return $status
}

# share FOLDED ERE: the percentage of samples whose stack matches ERE.
share() {
	awk -v re="$2" '{ n = $NF; total += n; if ($0 ~ re) hit += n }
		END { if (total) printf "%.2f", 100 * hit / total }' "$1"
}

# rooted FOLDED: the percentage of samples whose outermost frame is a
# thread's root: _start for the main thread, clone3's child for the others.
rooted() {
	share "$1" '^(_start|__clone3|clone3|__clone|clone);'
}

# --- the split through a shared leaf, every unwinding mode ------------------
for unwind in auto dwarf; do
	profile_mode split "$TEST_TMP/split-$unwind.folded" --unwind "$unwind"
	expect_eq "--unwind $unwind: record exits 0" "$?" 0
	for pair in work_a:50 work_b:30 work_c:20; do
		fn=${pair%%:*} want=${pair##*:}
		got=$(share "$TEST_TMP/split-$unwind.folded" ";main;$fn;burn ")
		check "--unwind $unwind: main;$fn;burn gets ${want}% within 2 points (got ${got:-none}%)" within 2 "$got" "$want"
	done
	got=$(share "$TEST_TMP/split-$unwind.folded" ';main;')
	check "--unwind $unwind: at least 99% of samples reach main (got ${got:-none}%)" within 1 "$got" 100
	got=$(rooted "$TEST_TMP/split-$unwind.folded")
	check "--unwind $unwind: at least 99% reach _start (got ${got:-none}%)" within 1 "$got" 100
done

# The workload really has no frame pointers: the frame-pointer walk gets
# no further than the leaf, so the tests above can fail.
profile_mode split "$TEST_TMP/split-fp.folded" --unwind fp
got=$(share "$TEST_TMP/split-fp.folded" ';main;')
check "--unwind fp: main is missing from the frameless stacks (on ${got:-0}%)" within 5 "${got:-0}" 0

# --- pprof carries why stacks ended --------------------------------------------
profile_mode split "$TEST_TMP/split.pb.gz"
comments=$(go_pprof -top "$TEST_TMP/split.pb.gz" | head -n 10)
expect_match "the profile says how user stacks were unwound" "$comments" \
	'user stacks: --unwind auto, .eh_frame tables of [0-9]+ objects \([0-9]+ rows, [0-9]+ KiB in the kernel, built in [0-9]+ ms; '
expect_match "and why they ended" "$comments" "user stacks ended: [0-9]+ reached the thread's root"

# --- unwind tables kept on disk by build ID ------------------------------------
# table_line PPROF: the comment that says how the tables were had.
table_line() { go_pprof -top "$1" | grep -o 'tables of [0-9]* objects ([^)]*)'; }
export BPFPROF_CACHE_DIR=$TEST_TMP/fresh-cache
profile_mode split "$TEST_TMP/cache1.pb.gz"
first=$(table_line "$TEST_TMP/cache1.pb.gz")
objects=$(sed -n 's/^tables of \([0-9]*\) objects.*/\1/p' <<<"$first")
expect_match "a first attach compiles every table and adds it to the cache ($first)" "$first" \
	"; 0 read from the table cache, ${objects:-x} added to it\)"
expect_eq "one file per object, named by its build ID" \
	"$(find "$BPFPROF_CACHE_DIR" -name '*.unwind' | grep -cE '/[0-9a-f]+\.unwind$')" "${objects:-x}"
expect_eq "the cache directory is private" "$(stat -c %a "$BPFPROF_CACHE_DIR")" 700
profile_mode split "$TEST_TMP/cache2.pb.gz"
second=$(table_line "$TEST_TMP/cache2.pb.gz")
expect_match "a second attach reads them all back ($second)" "$second" \
	"^tables of ${objects:-x} objects \(.*; ${objects:-x} read from the table cache, 0 added to it\)"
# Separate debug files with compressed sections (libc6-dbg's, as Debian ships
# them) are copied uncompressed into the same cache by build ID.
debug_line() { go_pprof -top "$1" | grep -o 'debug files: .*'; }
libc_line() { go_pprof -lines -top -nodecount=1000 "$1" | grep -o '__libc_start_call_main [^ ]*:[0-9]*' | head -n 1; }
expect_match "the first attach copies libc's compressed debug file ($(debug_line "$TEST_TMP/cache1.pb.gz"))" \
	"$(debug_line "$TEST_TMP/cache1.pb.gz")" "^debug files: 0 read from the cache's uncompressed copies, [1-9][0-9]* copied into it$"
expect_match "the second opens the copy instead ($(debug_line "$TEST_TMP/cache2.pb.gz"))" \
	"$(debug_line "$TEST_TMP/cache2.pb.gz")" "^debug files: [1-9][0-9]* read from the cache's uncompressed copies, 0 copied into it$"
copies=$(find "$BPFPROF_CACHE_DIR" -name '*.debug' | grep -cE '/[0-9a-f]+\.debug$')
check "the copies are named by build ID ($copies)" test "$copies" -ge 1
compressed=$(find "$BPFPROF_CACHE_DIR" -name '*.debug' -exec readelf -S -W {} + 2>/dev/null | grep -c ' \.debug_[a-z]* .* C ')
expect_eq "with no section left compressed" "$compressed" 0
expect_match "libc's frames are named by line ($(libc_line "$TEST_TMP/cache1.pb.gz"))" \
	"$(libc_line "$TEST_TMP/cache1.pb.gz")" ':[1-9][0-9]*$'
expect_eq "the same from the copy" "$(libc_line "$TEST_TMP/cache2.pb.gz")" "$(libc_line "$TEST_TMP/cache1.pb.gz")"
profile_mode split "$TEST_TMP/cache3.folded"
got=$(rooted "$TEST_TMP/cache3.folded")
check "and walks stacks to their roots with them (${got:-0}%)" within 1 "${got:-0}" 100
got=$(share "$TEST_TMP/cache3.folded" ';main;')
check "main is on the frameless stacks (${got:-0}%)" within 1 "${got:-0}" 100
victim=$(find "$BPFPROF_CACHE_DIR" -name '*.unwind' | head -n 1)
head -c 100 /dev/urandom >"$victim"
profile_mode split "$TEST_TMP/cache4.pb.gz"
expect_match "a damaged file is compiled again" "$(table_line "$TEST_TMP/cache4.pb.gz")" \
	"; $((objects - 1)) read from the table cache, 1 added to it\)"
chmod 0777 "$BPFPROF_CACHE_DIR"
profile_mode split "$TEST_TMP/cache5.pb.gz"
expect_match "a cache directory others may write is not used" "$(table_line "$TEST_TMP/cache5.pb.gz")" \
	"table cache off: .* is not this user's alone \(owner 0, mode 777\)"
BPFPROF_CACHE_DIR=off profile_mode split "$TEST_TMP/cache6.pb.gz"
expect_match "BPFPROF_CACHE_DIR=off turns it off" "$(table_line "$TEST_TMP/cache6.pb.gz")" \
	"table cache off: BPFPROF_CACHE_DIR=off"
export BPFPROF_CACHE_DIR=$TEST_TMP/table-cache

# --- 64 frames of 1 KiB: more than perf's largest DWARF stack copy ------------
profile_mode deep "$TEST_TMP/deep.folded"
for pair in work_a:50 work_b:30 work_c:20; do
	fn=${pair%%:*} want=${pair##*:}
	got=$(share "$TEST_TMP/deep.folded" ";$fn;burn ")
	check "deep stack: $fn gets ${want}% within 2 points (got ${got:-none}%)" within 2 "$got" "$want"
done
got=$(awk '{ n = $NF; total += n; line = $0; if (line ~ /;main;descend;/ && gsub(/;descend/, "", line) == 64) hit += n }
	END { if (total) printf "%.2f", 100 * hit / total }' "$TEST_TMP/deep.folded")
check "deep stack: at least 99% of samples show main and all 64 frames (got ${got:-none}%)" within 1 "$got" 100
got=$(rooted "$TEST_TMP/deep.folded")
check "deep stack: at least 99% reach _start (got ${got:-none}%)" within 1 "$got" 100

# --- libc calling back into the program ----------------------------------------
profile_mode qsort "$TEST_TMP/qsort.folded"
got=$(share "$TEST_TMP/qsort.folded" ';main;sort_by_callback;')
check "qsort: at least 99% of samples are under main;sort_by_callback (got ${got:-none}%)" within 1 "$got" 100
got=$(share "$TEST_TMP/qsort.folded" ';main;sort_by_callback;[^ ]*qsort[^ ]*;.*compare_ints')
check "qsort: the callback is found through libc's frames (got ${got:-none}%)" test "${got%.*}" -ge 30

# --- hand-written assembly in libcrypto --------------------------------------
profile_mode crypto "$TEST_TMP/crypto.folded"
got=$(share "$TEST_TMP/crypto.folded" ';main;hash_blocks;.*libcrypto')
check "crypto: time inside libcrypto is under main;hash_blocks (got ${got:-none}%)" test "${got%.*}" -ge 90
got=$(rooted "$TEST_TMP/crypto.folded")
check "crypto: at least 99% reach _start (got ${got:-none}%)" within 1 "$got" 100
# Without SHA-NI, OpenSSL's AVX2 code realigns the stack and describes its
# CFA as *(rsp + n) + 8: the dereferencing rule.
OPENSSL_ia32cap=":~0x20000000" profile_mode crypto "$TEST_TMP/crypto-avx.folded"
got=$(rooted "$TEST_TMP/crypto-avx.folded")
check "crypto, realigned stacks: at least 99% reach _start (got ${got:-none}%)" within 1 "$got" 100

# --- a signal handler: through the kernel's trampoline --------------------------
profile_mode signal "$TEST_TMP/signal.folded"
handler=$(share "$TEST_TMP/signal.folded" ';on_tick;')
got=$(share "$TEST_TMP/signal.folded" '^_start;.*;main;.*;\[signal trampoline\];on_tick;')
check "signal: the handler's samples (${handler:-0}%) all reach main through the trampoline (got ${got:-none}%)" \
	awk -v h="${handler:-0}" -v g="${got:-0}" 'BEGIN { exit !(h > 0.5 && h - g < 0.05) }'

# --- code mapped after attach -------------------------------------------------
start_workload frameless --mode dlopen --seconds 60
"$bpfprof" record --pid "$WORKLOAD_PID" --duration 4s --hz 999 -o "$TEST_TMP/dlopen.folded" 2>/dev/null
kill "$WORKLOAD_PID"
got=$(share "$TEST_TMP/dlopen.folded" ';main;compress_blocks;compress2;')
check "dlopen: zlib opened after attach is unwound to main (${got:-none}% of samples)" test "${got%.*}" -ge 40
got=$(rooted "$TEST_TMP/dlopen.folded")
check "dlopen: at least 95% reach _start, the rest before the tables caught up (got ${got:-none}%)" within 5 "$got" 100

# --- the demo server under load -----------------------------------------------
if start_encrypt_server --impl naive --threads 2; then
	record_under_load "$TEST_TMP/demo.folded" 5
	kill "$SERVER_PID"
	got=$(rooted "$TEST_TMP/demo.folded")
	check "demo server: at least 99% of samples reach the thread's root (got ${got:-none}%)" within 1 "$got" 100
	got=$(share "$TEST_TMP/demo.folded" 'start_thread;.*;handle_request;.*encryptData;.*vfprintf')
	check "demo server: snprintf's time is attributed to encryptData under handle_request (got ${got:-none}%)" \
		test "${got%.*}" -ge 10
else
	not_ok "the demo server starts" "$(cat "$SERVER_LOG")"
fi

expect_refusal "--unwind takes auto, fp or dwarf" 2 "--unwind must be auto, fp or dwarf, not 'lbr'" \
	"$bpfprof" record --pid $$ --unwind lbr
expect_match "record --help explains --unwind" "$("$bpfprof" record --help)" '--unwind M'
expect_match "serve --help explains --unwind" "$("$bpfprof" serve --help)" '--unwind M'

finish
