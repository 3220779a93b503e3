#!/usr/bin/env bash
# The one place that knows which system packages bpfprof needs. `./lab`, the
# Makefile, CI and the Vagrant provisioner all call it; it installs only what
# is missing, so a second run costs a dpkg query and nothing more.
set -euo pipefail

# shellcheck disable=SC1091
. /etc/os-release
distro="${ID:-debian}"

# Build: compiler, BPF toolchain and every library the agent and demo link.
build_pkgs=(make gcc clang llvm pkg-config libc6-dev libbpf-dev libelf-dev libdw-dev
	libmicrohttpd-dev libssl-dev zlib1g-dev libprotobuf-c-dev protobuf-c-compiler)
# Demo and tests: load generator, HTTP client, pprof reader, unit-test framework,
# valgrind for the pure modules, openssl(1) to decrypt what the server produced,
# heaptrack to run beside the heap profiler in make bench-heap.
run_pkgs=(hey curl openssl xxd libcmocka-dev valgrind golang-go procps iproute2 libxml2-utils python3 fonts-dejavu-core vagrant
	heaptrack)
# Node and npm only where they are not already there (some images bring their own).
command -v node >/dev/null && command -v npm >/dev/null || run_pkgs+=(nodejs npm)

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

if ((${#missing[@]} == 0)); then
	install_browser_driver
	exit 0
fi

as_root=()
if ((EUID != 0)); then
	command -v sudo >/dev/null || {
		echo "setup: need root or sudo to install: ${missing[*]}" >&2
		exit 1
	}
	as_root=(sudo)
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_browser_driver
