#!/usr/bin/env bash
# tests/fuzz/make-seeds.sh: writes the fuzzers' seed inputs (seed-* files
# in tests/fuzz/corpus/NAME) from things only this machine has: the
# build's test objects, the system's libc and libcrypto, a live process's
# maps. Run it after `make test`'s build; the seeds are committed, so the
# fuzzers and CI never need it. Inputs that once crashed a harness
# (crash-*, timeout-*, leak-*) are never touched.
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=tests/fuzz/corpus
for object in build/tests/cpu_split build/tests/frameless build/tests/symtest/libsymtest.so; do
	[[ -f "$object" ]] || {
		echo "make-seeds: $object is missing; build the tests first (make -j2 all \$(TEST_BINARIES) \$(WORKLOADS))" >&2
		exit 1
	}
done
mkdir -p "$corpus"/{unwind_table,symbolizer,proc_maps,http_params,pprof}
rm -f "$corpus"/*/seed-*
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
libc=$(ldd build/tests/cpu_split | awk '$1 ~ /^libc\.so/ { print $3 }')
libcrypto=$(ldd build/tests/frameless | awk '$1 ~ /^libcrypto\.so/ { print $3 }')

# unwind_table: fuzz_unwind_table.c's header (struct layout), then the
# CFI sections of real objects at their own addresses. libc's and
# libcrypto's tables are large, so only the FDEs of a window of their code
# are kept (with the CIEs they name), moved together and their pc-relative
# pointers rewritten: the signal trampoline, the PLT, thread roots and
# OpenSSL's realigned stacks are the rules worth starting from.
go=()
if [[ -f build/tests/goserver ]]; then
	objcopy --decompress-debug-sections build/tests/goserver "$tmp/goserver"
	go=("$tmp/goserver" "$(nm "$tmp/goserver" | awk '$3 == "runtime.rt0_go.abi0" { print $1 }')")
fi
python3 - "$corpus/unwind_table" build/tests/cpu_split build/tests/frameless build/tests/symtest/libsymtest.so \
	build/tests/waits "$libc" "$libcrypto" "${go[@]}" <<'EOF'
import re, struct, sys

HAS_EH, HAS_HDR, HAS_DEBUG, HAS_TEXT1 = 1, 2, 4, 8
TEXT_MAX = 8192

def sections(path):
    data = open(path, 'rb').read()
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3a)
    heads = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
    strtab = heads[shstrndx][4]
    out = {}
    for name, type_, flags, addr, offset, size, *_ in heads:
        n = data[strtab + name:data.index(b'\0', strtab + name)].decode()
        out[n] = (addr, data[offset:offset + size] if type_ != 8 else b'', flags)
    return out

def layout(flags, texts, hdr, eh, debug=b''):
    (a0, s0), (a1, s1) = texts + [(0, 0)] * (2 - len(texts))
    head = struct.pack('<BBHHHIIIII', flags, 0, min(s0, TEXT_MAX), min(s1, TEXT_MAX), len(hdr[1]), a0, a1,
                       hdr[0], eh[0], len(eh[1]))
    return head + hdr[1] + eh[1] + debug

def records(eh):
    """(offset, bytes, is_cie) of each CIE and FDE."""
    at = 0
    while at + 4 <= len(eh):
        length, = struct.unpack_from('<I', eh, at)
        if length == 0:
            break
        cie_id, = struct.unpack_from('<I', eh, at + 4)
        yield at, eh[at:at + 4 + length], cie_id == 0
        at += 4 + length

def window(eh_addr, eh, lo, hi):
    """The FDEs whose code starts in [lo, hi) and their CIEs, laid out anew
    at eh_addr: pc_begin (pcrel sdata4 on x86-64) and CIE pointers redone."""
    cies, fdes = {}, []
    for at, rec, is_cie in records(eh):
        if is_cie:
            cies[at] = rec
            continue
        pc = eh_addr + at + 8 + struct.unpack_from('<i', rec, 8)[0]
        if lo <= pc < hi:
            fdes.append((at + 4 - struct.unpack_from('<I', rec, 4)[0], pc, rec))
    out, placed = bytearray(), {}
    for cie_at, pc, rec in fdes:
        if cie_at not in placed:
            placed[cie_at] = len(out)
            out += cies[cie_at]
        rec = bytearray(rec)
        here = len(out)
        struct.pack_into('<I', rec, 4, here + 4 - placed[cie_at])
        struct.pack_into('<i', rec, 8, pc - (eh_addr + here + 8))
        out += rec
    return bytes(out + b'\0' * 4)

def window_debug(debug, lo, hi):
    """The same for .debug_frame (Go's, 32-bit DWARF): CIE pointers are
    section offsets and pc_begin is an absolute 8-byte address."""
    cies, fdes, at = {}, [], 0
    while at + 8 <= len(debug):
        length, cie_id = struct.unpack_from('<II', debug, at)
        rec = debug[at:at + 4 + length]
        if cie_id == 0xffffffff:
            cies[at] = rec
        elif lo <= struct.unpack_from('<Q', rec, 8)[0] < hi:
            fdes.append((cie_id, rec))
        at += 4 + length
    out, placed = bytearray(), {}
    for cie_at, rec in fdes:
        if cie_at not in placed:
            placed[cie_at] = len(out)
            out += cies[cie_at]
        rec = bytearray(rec)
        struct.pack_into('<I', rec, 4, placed[cie_at])
        out += rec
    return bytes(out)

def first_fde_pc(eh_addr, eh, cie_wanted):
    for at, rec, is_cie in records(eh):
        if not is_cie and cie_wanted(at + 4 - struct.unpack_from('<I', rec, 4)[0]):
            return eh_addr + at + 8 + struct.unpack_from('<i', rec, 8)[0]

out_dir, small, libc, libcrypto = sys.argv[1], sys.argv[2:6], sys.argv[6], sys.argv[7]
seeds = {}
for path in small:
    s = sections(path)
    base = path.rsplit('/', 1)[1]
    texts = [(s['.plt'][0], len(s['.plt'][1])), (s['.text'][0], len(s['.text'][1]))]
    hdr, eh = s['.eh_frame_hdr'][:2], s['.eh_frame'][:2]
    seeds[base] = layout(HAS_EH | HAS_HDR | HAS_TEXT1, texts, hdr, eh)
    seeds[base + '-no-hdr'] = layout(HAS_EH | HAS_TEXT1, texts, (0, b''), eh)

s = sections(libc)
eh_addr, eh = s['.eh_frame'][:2]
cies = {at: rec for at, rec, is_cie in records(eh) if is_cie}
def augmentation(rec):
    return rec[9:rec.index(b'\0', 9)]
trampoline = first_fde_pc(eh_addr, eh, lambda at: b'S' in augmentation(cies[at]))
plt = s['.plt'][0]
for name, lo in (('libc-signal-trampoline', trampoline - 2048), ('libc-plt', plt)):
    part = window(eh_addr, eh, lo, lo + TEXT_MAX)
    seeds[name] = layout(HAS_EH, [(lo, TEXT_MAX)], (0, b''), (eh_addr, part))
s = sections(libcrypto)
eh_addr, eh = s['.eh_frame'][:2]
# OpenSSL's realigned stacks: DW_CFA_def_cfa_expression with
# DW_OP_breg7 (rsp) and DW_OP_deref, CFA = *(rsp + n) + 8.
realigned = [eh_addr + at + 8 + struct.unpack_from('<i', rec, 8)[0] for at, rec, is_cie in records(eh)
             if not is_cie and re.search(rb'\x0f[\x02-\x08]\x77.\x06', rec, re.S)]
for i, pc in enumerate(realigned[:len(realigned):max(1, len(realigned) // 3)][:3]):
    lo = pc & ~0xfff
    seeds['libcrypto-realigned-%d' % i] = layout(HAS_EH, [(lo, TEXT_MAX)], (0, b''),
                                                 (eh_addr, window(eh_addr, eh, lo, lo + TEXT_MAX)))
# Go: .debug_frame only, no .eh_frame, around the runtime's assembly
# (rt0_go, mcall, systemstack, morestack: the g0 switch).
if len(sys.argv) > 8:
    s = sections(sys.argv[8])
    lo = int(sys.argv[9], 16) & ~0xfff
    seeds['go-runtime'] = layout(HAS_DEBUG, [(lo, TEXT_MAX)], (0, b''), (0, b''),
                                 window_debug(s['.debug_frame'][1], lo, lo + TEXT_MAX))
for name, data in seeds.items():
    open('%s/seed-%s' % (out_dir, name), 'wb').write(data)
EOF

# symbolizer: whole objects, small ones: full DWARF with an inlined call,
# stripped to .dynsym, a debuglink, the separate debug file itself (its
# code sections are NOBITS), a PIE with a PLT, and C++ for demangling.
for object in build/tests/symtest/libsymtest.so build/tests/symtest/libsymtest-stripped.so \
	build/tests/symtest/libsymtest-debuglink.so build/tests/symtest/libsymtest-debuglink.debug \
	build/tests/cpu_split build/tests/cpp_work; do
	[[ -f "$object" ]] && install -m 644 "$object" "$corpus/symbolizer/seed-$(basename "$object")"
done

# proc_maps: real maps text, and the corners paths have.
cat /proc/self/maps >"$corpus/proc_maps/seed-self"
{
	echo '55d0c0000000-55d0c0001000 r-xp 00001000 fe:01 99 /tmp/app (deleted)'
	echo '7ffd1000-7ffd3000 r-xp 00000000 00:00 0                          [vdso]'
	echo '7f0000000000-7f0000021000 rw-p 00000000 00:00 0 '
	echo '7f0000100000-7f0000200000 r-xp 00000000 08:01 12 /opt/a path/with spaces (deleted) (deleted)'
	printf '7f0000300000-7f0000400000 r-xp 00010000 08:01 13 /%0300d\n' 0
	printf '7f0000400000-7f0000500000 r-xp 00010000 08:01 14 /%0600d (deleted)\n' 0
	echo 'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]'
} >"$corpus/proc_maps/seed-corners"

# http_params: query values and --listen addresses, good and bad.
n=0
for value in 30 -1 0 9223372036854775807 -9223372036854775808 9223372036854775808 ' +5' 1e3 12abc '' \
	127.0.0.1:6060 '[::1]:6060' :6060 localhost:65536 ::1:80 '[]:0' 0x10; do
	printf '%s' "$value" >"$corpus/http_params/seed-$n"
	n=$((n + 1))
done

# pprof: programs for fuzz_pprof.c's builder (an opcode byte, then its
# operands; strings are a length byte and the bytes), shaped like the
# agent's own profiles: CPU with pid/comm labels, heap with four values and
# inlined frames, and one with empty, shared and extreme values.
python3 - "$corpus/pprof" <<'EOF'
import struct, sys

def text(s):
    b = s.encode()
    return bytes([len(b)]) + b

def sample_type(t, u):
    return b'\0' + text(t) + text(u)

def mapping(start, limit, offset, name, build_id, flags=0x0f):
    return b'\1' + struct.pack('<QQQB', start, limit, offset, flags) + text(name) + text(build_id)

def function(name, system, filename, line):
    return b'\2\0' + text(name) + text(system) + text(filename) + struct.pack('<q', line)

def location(address, mapping_pick, lines):
    out = b'\3' + struct.pack('<QB', address, mapping_pick) + bytes([len(lines)])
    for f, line in lines:
        out += bytes([f]) + struct.pack('<I', line + 0x7fffffff)
    return out

def sample(locations, values, labels=()):
    out = b'\4' + bytes([len(locations)] + list(locations))
    out += struct.pack('<4q', *(list(values) + [0] * (4 - len(values))))
    out += bytes([len(labels)])
    for key, value in labels:
        if isinstance(value, str):
            out += b'\1' + text(key) + struct.pack('<q', 0) + text(value)
        else:
            out += b'\2' + text(key) + struct.pack('<q', value[0]) + text(value[1])
    return out

def comment(s):
    return b'\5' + text(s)

def header(period_type, unit, period, time, duration):
    return b'\6' + text(period_type) + text(unit) + struct.pack('<qqq', period, time, duration)

def default_type(name):
    return b'\7\0' + text(name)

cpu = (sample_type('samples', 'count') + sample_type('cpu', 'nanoseconds') +
       mapping(0x555500000000, 0x555500021000, 0x1000, '/usr/bin/encrypt-server', '4f2a9c0e') +
       mapping(0xffffffff81000000, 0xffffffff82000000, 0, '[kernel.kallsyms]', '', 0x11) +
       function('main', 'main', '/src/main.c', 10) + function('encryptData', 'encryptData', '/src/encrypt.c', 40) +
       function('do_syscall_64', 'do_syscall_64', '', 0) +
       location(0x555500001234, 0, [(1, 44)]) + location(0x555500001100, 0, [(0, 12)]) +
       location(0xffffffff81001000, 1, [(2, 0)]) + location(0x7f0000001000, 255, []) +
       sample([0, 1], [3, 30303030], [('pid', (1234, 'pid')), ('comm', 'encrypt-server')]) +
       sample([2, 0, 1], [1, 10101010], [('pid', (1234, 'pid'))]) + sample([3], [1, 10101010]) +
       header('cpu', 'nanoseconds', 10101010, 1700000000123456789, 5000000000) +
       comment('bpfprof cpu profile') + default_type('cpu'))
heap = (sample_type('alloc_objects', 'count') + sample_type('alloc_space', 'bytes') +
        sample_type('inuse_objects', 'count') + sample_type('inuse_space', 'bytes') +
        mapping(0x400000, 0x500000, 0, '/usr/bin/app', 'abcdef') +
        function('inner', '_Z5innerv', 'app.cc', 3) + function('outer', '_Z5outerv', 'app.cc', 9) +
        location(0x401000, 0, [(0, 4), (1, 11)]) + sample([0], [2, 2048, 1, 1024]) +
        header('space', 'bytes', 524288, 0, 0) + default_type('inuse_space'))
odd = (sample_type('', '') + sample_type('x', 'x') + mapping(0, 0, 0, '', '') + function('x', 'x', 'x', -1) +
       function('x', 'x', 'x', -1) + location(0, 0, [(0, -5), (1, 0)]) +
       sample([0, 0, 0], [-1, -9223372036854775808], [('', ''), ('k', (0, ''))]) + comment('') + default_type('none'))
for name, program in (('cpu', cpu), ('heap', heap), ('odd', odd)):
    open('%s/seed-%s' % (sys.argv[1], name), 'wb').write(program)
EOF

echo "make-seeds: $(find "$corpus" -name 'seed-*' | wc -l) seeds in $corpus"
