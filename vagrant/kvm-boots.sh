#!/usr/bin/env bash
# vagrant/kvm-boots.sh: says which libvirt domain type the lab VM should use
# here: "kvm" when a KVM guest really reaches userspace, else "qemu" (TCG).
# /dev/kvm opening is not enough: under nested virtualization a KVM guest can
# hang right after its kernel decompresses, so this boots one and waits for
# its first userspace line.
#   vagrant/kvm-boots.sh [KERNEL]   prints kvm or qemu; the reason goes to stderr
# The verdict is also kept in build/vagrant/libvirt-driver, where the
# Vagrantfile finds it when BPFPROF_LIBVIRT_DRIVER is not set.
# KERNEL defaults to the lab box's (build/vagrant/bookworm/vmlinuz), else the
# newest /boot/vmlinuz-*.
set -euo pipefail
cd "$(dirname "$0")/.."

timeout_s=${KVM_PROBE_SECONDS:-30}
kernel=${1:-}
if [[ -z $kernel ]]; then
	kernel=build/vagrant/bookworm/vmlinuz
	[[ -f $kernel ]] || kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1 || true)
fi
verdict_file=build/vagrant/libvirt-driver
mkdir -p "$(dirname "$verdict_file")"
say() { echo "kvm-boots: $*" >&2; }
verdict() { echo "$1" >"$verdict_file"; echo "$1"; }
[[ -n $kernel && -r $kernel ]] || { say "no kernel to boot (build the box first), so no verdict kept"; echo qemu; exit 0; }
[[ -r /dev/kvm && -w /dev/kvm ]] || { say "/dev/kvm is not usable"; verdict qemu; exit 0; }
# The guest has no libraries: busybox must be the static build (busybox-static).
busybox=$(command -v busybox || true)
if [[ -z $busybox ]] || ldd "$busybox" >/dev/null 2>&1; then
	echo "kvm-boots: a static busybox is missing: run scripts/setup.sh --vagrant" >&2
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The smallest userspace: a static busybox as /init that prints a marker and
# powers the guest off.
mkdir -p "$work/init/bin"
cp "$busybox" "$work/init/bin/busybox"
cat >"$work/init/init" <<'EOF'
#!/bin/busybox sh
echo BPFPROF-KVM-USERSPACE
/bin/busybox poweroff -f
EOF
chmod +x "$work/init/init"
(cd "$work/init" && find . | cpio -o -H newc --quiet) >"$work/initrd"

# The default CPU model: -cpu host aborts on some nested hosts (MSR 0x10a)
# before any guest code runs, which would say nothing about KVM itself.
start=$(date +%s.%N)
timeout "$timeout_s" qemu-system-x86_64 -accel kvm -m 256 -smp 1 -display none -no-reboot \
	-serial "file:$work/console" -kernel "$kernel" -initrd "$work/initrd" \
	-append 'console=ttyS0 panic=-1 rdinit=/init' >"$work/qemu.out" 2>&1 || true
took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
if grep -q BPFPROF-KVM-USERSPACE "$work/console" 2>/dev/null; then
	say "a KVM guest reached userspace in ${took}s"
	verdict kvm
else
	last=$(tail -c 300 "$work/console" 2>/dev/null | tr -s '\r\n' ' ' || true)
	err=$(head -c 300 "$work/qemu.out" | tr -s '\n' ' ')
	say "a KVM guest did not reach userspace in ${took}s (console ends: ${last:-nothing}${err:+; qemu: $err}); use TCG"
	verdict qemu
fi
