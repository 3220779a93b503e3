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
# provider, and what scripts/vagrant-box.sh needs to build a box from
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
# (6.1, the lab VM's) and its 6.12 backport. KERNEL_PACKAGES overrides the
# list (metapackages; their linux-image-* and linux-modules-* dependencies
# are what is fetched).
case "$distro:${VERSION_CODENAME:-}" in
debian:bookworm) default_kernels="linux-image-amd64 linux-image-6.12-amd64" ;;
ubuntu:*) default_kernels="linux-image-generic" ;;
*) default_kernels="linux-image-amd64" ;;
esac
kernel_packages=(${KERNEL_PACKAGES:-$default_kernels})
kernels_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/kernels"

# fetch_kernels: apt-get download + dpkg-deb -x into build/kernels/root,
# modules indexed by depmod there; build/kernels/releases lists them.
fetch_kernels() {
	local meta pkg deb release releases=()
	command -v depmod >/dev/null || PATH=$PATH:/usr/sbin:/sbin
	mkdir -p "$kernels_dir/debs" "$kernels_dir/root"
	apt-cache show "${kernel_packages[0]}" >/dev/null 2>&1 || "${as_root[@]}" apt-get update -qq
	for meta in "${kernel_packages[@]}"; do
		local pkgs
		pkgs=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-\(image\|modules\)\(-extra\)\?-[0-9][^ ]*\)$/\1/p')
		[[ -n "$pkgs" ]] || {
			echo "setup: no kernel package behind $meta in this machine's archive" >&2
			exit 1
		}
		for pkg in $pkgs; do
			if [[ ! -e "$kernels_dir/root/.unpacked-$pkg" ]]; then
				echo "setup: fetching $pkg (unpacked into build/kernels, not installed)"
				(cd "$kernels_dir/debs" && apt-get download -qq "$pkg" 2>/dev/null)
				deb=$(ls "$kernels_dir/debs/${pkg}_"*.deb | head -n 1)
				dpkg-deb -x "$deb" "$kernels_dir/root"
				rm -f "$deb"
				: >"$kernels_dir/root/.unpacked-$pkg"
			fi
			[[ "$pkg" == linux-image-* ]] && releases+=("${pkg#linux-image-}")
		done
	done
	for release in "${releases[@]}"; do
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
