#!/usr/bin/env bash
# tests/kernels/boot.sh: runs one command on another Linux kernel. Boots the
# Debian kernel RELEASE (/boot/vmlinuz-RELEASE up to 6.x, from 7.x
# /usr/lib/modules/RELEASE/vmlinuz), unpacked by scripts/setup.sh --kernels
# or installed, under QEMU with
# this machine's own / as a read-only root over virtio-9p, so the guest runs
# exactly the binaries just built, and copies the command's output and exit
# status back through a second, writable 9p share.
#
#   tests/kernels/boot.sh RELEASE OUT_DIR COMMAND...
#
# The command runs as root in a chroot of the host's / with tmpfs on /tmp,
# /run and /dev/shm, proc, sysfs, devtmpfs, bpffs, tracefs and cgroup2
# mounted, and lo up; no other network. Its stdout and stderr go to
# OUT_DIR/output, the guest console to OUT_DIR/console, and boot.sh exits
# with the command's status (124 when the guest never finished).
# VM_TIMEOUT (seconds, default 900) bounds the whole run; VM_MEMORY (MiB,
# default 3072) and VM_CPUS (default 2) size the guest. VM_ACCEL forces
# kvm or tcg; otherwise KVM is used only where a guest really boots under
# it (vagrant/kvm-boots.sh, once), since nested guests on some hosts hang
# right after the kernel decompresses.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

release=${1:?usage: boot.sh RELEASE OUT_DIR COMMAND...}
out_dir=${2:?usage: boot.sh RELEASE OUT_DIR COMMAND...}
shift 2
(($# > 0)) || { echo "boot.sh: no command given" >&2; exit 2; }
# Kernels come unpacked from their Debian packages (scripts/setup.sh
# --kernels), or installed; from 7.x the image is in the modules' directory.
kernel=""
for kernel_root in "$root/build/kernels/root" /; do
	for image in "boot/vmlinuz-$release" "usr/lib/modules/$release/vmlinuz" "lib/modules/$release/vmlinuz"; do
		[[ -r "${kernel_root%/}/$image" ]] && { kernel=${kernel_root%/}/$image; break 2; }
	done
done
[[ -n "$kernel" ]] || { echo "boot.sh: no kernel $release (scripts/setup.sh --kernels fetches Debian's)" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "boot.sh: qemu-system-x86_64 missing (scripts/setup.sh --kernels)" >&2; exit 2; }

vm_dir=$root/build/vm
mkdir -p "$vm_dir" "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
rm -f "$out_dir/output" "$out_dir/status" "$out_dir/console" "$out_dir/booted"
initrd=$(bash "$here/initramfs.sh" "$release" "$kernel_root" "$vm_dir")

# The command, quoted for the guest's shell, and where to start it.
printf '%q ' "$@" >"$out_dir/command"
printf '%s\n' "$PWD" >"$out_dir/cwd"
printf '%s\n' "$root" >"$out_dir/tree"

# qemu_run ACCEL SECONDS: boots the guest; returns when it powers off or
# the time is up (then the guest is killed).
qemu_run() {
	local accel=(-accel tcg,thread=single -cpu max)
	# KVM with QEMU's default CPU: -cpu host aborts on some nested hosts.
	[[ "$1" == kvm ]] && accel=(-accel kvm)
	timeout --foreground -k 5 "$2" qemu-system-x86_64 \
		"${accel[@]}" -smp "${VM_CPUS:-2}" -m "${VM_MEMORY:-3072}" \
		-nographic -no-reboot -nic none \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4" \
		-fsdev local,id=hostroot,path=/,readonly=on,multidevs=remap,security_model=none \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		-fsdev local,id=results,path="$out_dir",multidevs=remap,security_model=none \
		-device virtio-9p-pci,fsdev=results,mount_tag=results \
		</dev/null >"$out_dir/console" 2>&1 || true
}

# KVM only where a guest really reaches userspace under it (the lab VM's
# probe, vagrant/kvm-boots.sh, whose verdict is kept), TCG otherwise.
choose_accel() {
	if [[ -n "${VM_ACCEL:-}" ]]; then
		echo "$VM_ACCEL"
		return
	fi
	local verdict=$root/build/vagrant/libvirt-driver
	[[ -s "$verdict" ]] || bash "$root/vagrant/kvm-boots.sh" "$kernel" >/dev/null 2>"$vm_dir/kvm-probe.log" || true
	if [[ "$(cat "$verdict" 2>/dev/null)" == kvm ]]; then echo kvm; else echo tcg; fi
}

accel=$(choose_accel)
echo "$accel" >"$out_dir/accel"
qemu_run "$accel" "${VM_TIMEOUT:-900}"
if [[ ! -s "$out_dir/status" ]]; then
	echo "boot.sh: the guest on $release ($accel) did not finish; its console:" >&2
	tail -n 30 "$out_dir/console" >&2
	exit 124
fi
exit "$(cat "$out_dir/status")"
