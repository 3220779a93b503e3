#!/usr/bin/env bash
# tests/kernels/initramfs.sh RELEASE KERNEL_ROOT DIR: builds (once per
# kernel) the initramfs tests/kernels/boot.sh boots: a static busybox, tests/kernels/init and the modules
# kernel RELEASE (its modules under KERNEL_ROOT/lib/modules) needs to mount
# the host's root over virtio-9p, in the order their dependencies ask; those
# built into the kernel (virtio_pci from 7.x) are left out. Prints the
# image's path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
release=$1
kernel_root=$2
dir=$3
image=$dir/initramfs-$release.cpio.gz
if [[ -s "$image" && "$image" -nt "$here/init" && "$image" -nt "$0" ]]; then
	echo "$image"
	exit 0
fi
busybox=$(command -v busybox) || { echo "initramfs.sh: busybox-static missing (scripts/setup.sh --kernels)" >&2; exit 2; }
ldd "$busybox" >/dev/null 2>&1 && { echo "initramfs.sh: $busybox is not static (install busybox-static)" >&2; exit 2; }

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging"/{bin,dev,proc,sys,newroot,modules}
cp "$busybox" "$staging/bin/busybox"
cp "$here/init" "$staging/init"
chmod +x "$staging/init"

# Depth-first over modinfo's depends, so each module follows what it needs;
# built-in ones have no file and are skipped. modinfo knows them from
# modules.builtin; a kernel unpacked without one (from 7.x it is in
# linux-base-RELEASE, not in the image or modules package) cannot say, so a
# module without a file is taken as built in, and the guest's 9p mount is
# what fails if it is not.
modules_dir=${kernel_root%/}/lib/modules/$release
declare -A placed=()
order=0
place_module() {
	local name=$1 file dep
	[[ -n "${placed[$name]:-}" ]] && return 0
	placed[$name]=1
	file=$(modinfo -b "$kernel_root" -k "$release" -F filename "$name" 2>/dev/null) || {
		if [[ -d "$modules_dir" && ! -e "$modules_dir/modules.builtin" ]]; then
			echo "initramfs.sh: kernel $release has no module $name and no modules.builtin: taken as built in" >&2
			return 0
		fi
		echo "initramfs.sh: kernel $release has no module $name" >&2
		exit 2
	}
	[[ "$file" == "(builtin)" ]] && return 0
	for dep in $(modinfo -b "$kernel_root" -k "$release" -F depends "$name" | tr ',' ' '); do
		place_module "$dep"
	done
	local target
	target=$staging/modules/$(printf '%02d' "$order")-$name.ko
	order=$((order + 1))
	case "$file" in
	*.xz) xz -dc "$file" >"$target" ;;
	*.zst) zstd -qdc "$file" >"$target" ;;
	*.gz) gzip -dc "$file" >"$target" ;;
	*) cp "$file" "$target" ;;
	esac
}
for module in virtio_pci 9pnet_virtio 9p; do place_module "$module"; done

(cd "$staging" && find . | cpio -o -H newc --quiet | gzip -1) >"$image.tmp"
mv "$image.tmp" "$image"
echo "$image"
