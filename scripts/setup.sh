#!/usr/bin/env bash
# The one place that knows which system packages bpfprof needs. `./lab`, the
# Makefile, CI and the Vagrant provisioner all call it; it installs only what
# is missing, so a second run costs a dpkg query and nothing more.
#
#   scripts/setup.sh            the packages to build, run the demo and test
#   scripts/setup.sh --kernels  also the kernels the tests boot under QEMU
#                               (tests/kernels/): unpacked into build/kernels,
#                               never installed, so the machine's own boot is
#                               left as it was
#   scripts/setup.sh --vagrant  also the lab VM's host side (make test-vagrant)
#   scripts/setup.sh --list     print the default set, one a line, installing
#                               nothing (the lab box pre-installs exactly these)
set -euo pipefail
with_kernels=false with_vagrant=false list_only=false
for arg in "$@"; do
	case "$arg" in
	--kernels) with_kernels=true ;;
	--vagrant) with_vagrant=true ;;
	--list) list_only=true ;;
	*)
		echo "setup: unknown option ${arg} (usage: setup.sh [--kernels] [--vagrant] | --list)" >&2
		exit 2
		;;
	esac
done

# shellcheck disable=SC1091
. /etc/os-release
distro="${ID:-debian}"

# Build: compiler, BPF toolchain and every library the agent and demo link.
build_pkgs=(make gcc g++ clang llvm pkg-config libc6-dev libbpf-dev libelf-dev libdw-dev libdebuginfod-dev
	libmicrohttpd-dev libssl-dev zlib1g-dev libprotobuf-c-dev protobuf-c-compiler)
# Demo and tests: load generator, HTTP client, pprof reader, unit-test framework,
# valgrind for the pure modules, openssl(1) to decrypt what the server produced,
# heaptrack to run beside the heap profiler in make bench-heap; QEMU, a static
# busybox and cpio to boot other kernels with this machine's userland;
# libdebuginfod1, which libdwfl loads to fetch debug info from DEBUGINFOD_URLS,
# and the debuginfod server, which a test runs over a directory; nginx and
# PostgreSQL, real servers with worker and per-connection processes that the
# process-set tests start themselves; clang's libFuzzer (libclang-rt-dev,
# only recommended by clang, which --no-install-recommends leaves out) for
# the fuzzers in tests/fuzz/; libc6-dbg, libc's debug info with compressed
# sections as distributions ship it (valgrind recommends it), on which the
# symbolizer's uncompressed copies are tested.
run_pkgs=(hey curl openssl xxd libcmocka-dev valgrind golang-go procps iproute2 libxml2-utils python3 fonts-dejavu-core vagrant
	heaptrack qemu-system-x86 busybox-static cpio kmod xz-utils libdebuginfod1 debuginfod nginx postgresql libclang-rt-dev libc6-dbg)
# Node and npm only where they are not already there (some images bring their own);
# a fresh machine (--list) has neither.
! $list_only && command -v node >/dev/null && command -v npm >/dev/null || run_pkgs+=(nodejs npm)

case "$distro" in
ubuntu)
	# Ubuntu ships bpftool and perf inside the kernel-matched linux-tools packages.
	build_pkgs+=(linux-tools-common "linux-tools-$(uname -r)")
	run_pkgs+=(linux-tools-generic chromium-browser)
	;;
*)
	build_pkgs+=(bpftool)
	run_pkgs+=(linux-perf chromium)
	;;
esac

if $list_only; then
	printf '%s\n' "${build_pkgs[@]}" "${run_pkgs[@]}"
	exit 0
fi
# The lab VM's host (make test-vagrant): libvirt with QEMU, the libvirt
# provider, and what vagrant/build-box.sh needs to build a box from
# Debian's archive (mmdebstrap, an MBR for the disk, qemu-img) and to see
# whether KVM boots (a busybox initramfs). Ordinary users never need these.
if $with_vagrant; then
	run_pkgs+=(vagrant-libvirt libvirt-daemon-system qemu-system-x86 qemu-utils mmdebstrap fdisk e2fsprogs
		busybox-static cpio rsync openssh-client)
fi

missing=()
for pkg in "${build_pkgs[@]}" "${run_pkgs[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

# The browser tests drive the distribution's Chromium with playwright-core
# from npm (never a downloaded browser), pinned in tests/browser.
install_browser_driver() {
	local dir
	dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/browser"
	[[ -d "$dir/node_modules/playwright-core" ]] && return 0
	echo "setup: installing playwright-core into tests/browser"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

# The kernels users run, as the distribution packages them: Debian 12's own
# (6.1, the lab VM's), its 6.12 backport and, on Debian 12 and 13, the newest
# 7.x Debian ships (newest_series below). KERNEL_PACKAGES overrides the list
# (metapackages; their linux-image-*, linux-binary-*, linux-base-* and
# linux-modules-* dependencies are what is fetched, from this machine's
# archive or, for one it does not have, from the newer suites below).
case "$distro:${VERSION_CODENAME:-}" in
debian:bookworm) default_kernels="linux-image-amd64 linux-image-6.12-amd64" ;;
ubuntu:*) default_kernels="linux-image-generic" ;;
*) default_kernels="linux-image-amd64" ;;
esac
kernel_packages=(${KERNEL_PACKAGES:-$default_kernels})
# The newest series is fetched unless KERNEL_PACKAGES names the list.
newest_series=""
case "$distro:${VERSION_CODENAME:-}:${KERNEL_PACKAGES:-}" in
debian:bookworm: | debian:trixie:) newest_series=7 ;;
esac
kernels_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/kernels"

# From 7.x Debian's kernels are in suites newer than this machine's:
# trixie-backports, else unstable. Each is read through an apt configuration
# and state of its own, build/kernels/apt/SUITE, whose one source is this
# machine's own Debian entry with the suite replaced; the machine's sources,
# lists and cache are left as they were.
newer_suites=(trixie-backports unstable)

# debian_source: "URI KEYRING" (KEYRING - when the entry names none) of this
# machine's Debian entry for its own release's suite, from deb822 .sources
# files or one-line lists.
debian_source() {
	local suite=${VERSION_CODENAME:-} file found=""
	for file in /etc/apt/sources.list.d/*.sources; do
		[[ -r "$file" ]] || continue
		found=$(awk -v suite="$suite" 'BEGIN { RS = ""; FS = "\n" }
			{
				split("", v)
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^#/ || !match($i, /^[A-Za-z-]+:/)) continue
					name = tolower(substr($i, 1, RLENGTH - 1))
					value = substr($i, RLENGTH + 1)
					gsub(/^[ \t]+|[ \t]+$/, "", value)
					v[name] = value
				}
				if (tolower(v["enabled"]) != "no" && (" " v["types"] " ") ~ / deb / &&
					(" " v["suites"] " ") ~ (" " suite " ")) {
					split(v["uris"], uri, /[ \t]+/)
					print uri[1], (v["signed-by"] ~ /^\// ? v["signed-by"] : "-")
					exit
				}
			}' "$file")
		[[ -n "$found" ]] && break
	done
	[[ -n "$found" ]] || found=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk -v suite="$suite" '/^[ \t]*deb[ \t]/ {
			sub(/^[ \t]*deb[ \t]+/, "")
			key = "-"
			if (substr($0, 1, 1) == "[") {
				end = index($0, "]")
				opts = substr($0, 2, end - 2)
				$0 = substr($0, end + 1)
				if (match(opts, /signed-by=[^ \t]+/)) key = substr(opts, RSTART + 10, RLENGTH - 10)
			}
			if ($2 == suite) { print $1, key; exit }
		}')
	echo "$found"
}

# newer_apt SUITE: sets apt_opts to the options that read SUITE through its
# own configuration under build/kernels/apt/SUITE.
newer_apt() {
	local dir=$kernels_dir/apt/$1 uri key source options=""
	read -r uri key <<<"$(debian_source)"
	[[ -n "$uri" ]] || {
		echo "setup: no Debian entry for ${VERSION_CODENAME:-this release} in /etc/apt to read $1 from" >&2
		exit 1
	}
	[[ "$key" == - ]] || options="[signed-by=$key] "
	source="deb ${options}${uri} $1 main"
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	[[ "$(cat "$dir/sources.list" 2>/dev/null)" == "$source" ]] || echo "$source" >"$dir/sources.list"
	apt_opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache")
}

# kernel_parts META [APT OPTION...]: the packages behind a kernel
# metapackage that hold its files: linux-image-V (to 6.x) or, from 7.x,
# linux-binary-V (vmlinuz) and linux-base-V (config, modules.builtin); and
# linux-modules-V.
kernel_parts() {
	local meta=$1
	shift
	{ apt-cache "$@" depends "$meta" 2>/dev/null || true; } |
		sed -n 's/^ *Depends: \(linux-\(image\|binary\|base\|modules\)\(-extra\)\?-[0-9][^ ]*\)$/\1/p'
}

# unpacked PKG...: every one of them is in build/kernels/root already.
unpacked() {
	local pkg
	for pkg in "$@"; do [[ -e "$kernels_dir/root/.unpacked-$pkg" ]] || return 1; done
}

# newest_in_lists: the newest $newest_series.x of Debian's generic amd64
# flavour (cloud has no 9p to boot over, rt is another scheduler, -dbg is
# debug symbols) in the lists apt_opts reads.
newest_in_lists() {
	{ apt-cache "${apt_opts[@]}" pkgnames "linux-image-$newest_series." 2>/dev/null || true; } |
		{ grep -E "^linux-image-${newest_series}\.[0-9]+\.[0-9]+[^-]*(-[0-9]+)?-amd64\$" || true; } |
		sort -V | tail -n 1
}

# from_newer_suites [META]: finds META (by default newest_in_lists) in the
# first of newer_suites that has it; sets newer_meta, parts and apt_opts, or
# returns 1 (a suite that cannot be read is skipped, with a line on stderr
# saying so). A suite's lists are refreshed only when what they name is not
# unpacked yet, so a second run asks the archive nothing and a fetch takes
# what the archive has that day.
from_newer_suites() {
	local suite refreshed
	for suite in "${newer_suites[@]}"; do
		newer_apt "$suite"
		refreshed=false
		while :; do
			newer_meta=${1:-$(newest_in_lists)}
			parts=""
			[[ -n "$newer_meta" ]] && parts=$(kernel_parts "$newer_meta" "${apt_opts[@]}")
			# shellcheck disable=SC2086 # parts is a list of package names
			if [[ -n "$parts" ]] && { $refreshed || unpacked $parts; }; then
				return 0
			fi
			$refreshed && break
			echo "setup: reading $suite's package lists into build/kernels/apt/$suite"
			apt-get "${apt_opts[@]}" update -qq || {
				echo "setup: cannot read $suite: $(head -n 1 "$kernels_dir/apt/$suite/sources.list")" >&2
				break
			}
			refreshed=true
		done
	done
	return 1
}

# unpack_parts: apt-get download (with apt_opts) + dpkg-deb -x of each of
# parts into build/kernels/root, once; adds its release to releases.
unpack_parts() {
	local pkg deb
	for pkg in $parts; do
		if [[ ! -e "$kernels_dir/root/.unpacked-$pkg" ]]; then
			echo "setup: fetching $pkg (unpacked into build/kernels, not installed)"
			(cd "$kernels_dir/debs" && apt-get "${apt_opts[@]}" download -qq "$pkg" 2>/dev/null)
			deb=$(ls "$kernels_dir/debs/${pkg}_"*.deb | head -n 1)
			dpkg-deb -x "$deb" "$kernels_dir/root"
			rm -f "$deb"
			: >"$kernels_dir/root/.unpacked-$pkg"
		fi
		case "$pkg" in
		linux-image-* | linux-binary-*) releases+=("${pkg#linux-*-}") ;;
		esac
	done
}

# fetch_kernels: the kernels' packages unpacked into build/kernels/root,
# modules indexed by depmod there (once); build/kernels/releases lists them. From
# 7.x a kernel's files are under /usr/lib/modules/RELEASE (vmlinuz too):
# /lib/modules/RELEASE links there, where depmod and modinfo look.
fetch_kernels() {
	local meta release index parts newer_meta apt_opts=() releases=()
	command -v depmod >/dev/null || PATH=$PATH:/usr/sbin:/sbin
	mkdir -p "$kernels_dir/debs" "$kernels_dir/root/lib/modules"
	# Without root this machine's lists cannot be refreshed, and a package
	# they lack may be in a newer suite's, which need no root.
	if ! apt-cache show "${kernel_packages[0]}" >/dev/null 2>&1 && ((EUID == 0 || ${#as_root[@]} > 0)); then
		"${as_root[@]}" apt-get update -qq
	fi
	for meta in "${kernel_packages[@]}"; do
		apt_opts=()
		parts=$(kernel_parts "$meta")
		[[ -n "$parts" ]] || from_newer_suites "$meta" || {
			echo "setup: no kernel package behind $meta in this machine's archive (nor in ${newer_suites[*]})" >&2
			exit 1
		}
		unpack_parts
	done
	if [[ -n "$newest_series" ]]; then
		from_newer_suites || {
			echo "setup: no $newest_series.x kernel for amd64 in ${newer_suites[*]}" >&2
			exit 1
		}
		unpack_parts
	fi
	# depmod reads every module, 10 s for a kernel of compressed ones: only
	# after something was unpacked.
	for release in "${releases[@]}"; do
		[[ -d "$kernels_dir/root/usr/lib/modules/$release" && ! -e "$kernels_dir/root/lib/modules/$release" ]] &&
			ln -s "../../usr/lib/modules/$release" "$kernels_dir/root/lib/modules/$release"
		index=$kernels_dir/root/lib/modules/$release/modules.dep
		[[ -s "$index" && -z "$(find "$kernels_dir/root" -maxdepth 1 -name '.unpacked-*' -newer "$index")" ]] ||
			depmod -b "$kernels_dir/root" "$release"
	done
	printf '%s\n' "${releases[@]}" >"$kernels_dir/releases"
}

as_root=()
if ((${#missing[@]} > 0)) && ((EUID != 0)); then
	command -v sudo >/dev/null || {
		echo "setup: need root or sudo to install: ${missing[*]}" >&2
		exit 1
	}
	as_root=(sudo)
fi

if ((${#missing[@]} > 0)); then
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	"${as_root[@]}" apt-get update -qq
	"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
install_browser_driver
if $with_kernels; then
	fetch_kernels
fi
