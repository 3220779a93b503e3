#!/usr/bin/env bash
# vagrant/build-box.sh: builds the lab VM's vagrant-libvirt box from Debian's
# archive on this machine (for hosts that cannot download debian/bookworm64)
# and adds it to vagrant as bpfprof/<suite>64-local.
#   vagrant/build-box.sh [bookworm|trixie] [--force]   (root; default bookworm)
# The box: a 20 GiB qcow2 disk, MBR + one ext4 partition booted by GRUB, Debian's
# linux-image-amd64 (BTF on), the vagrant user with vagrant's insecure key and
# passwordless sudo, openssh, rsync, DHCP on eth0, and every package that
# scripts/setup.sh installs, so provisioning finds them there instead of
# installing them under emulation. Also leaves the box's kernel in
# build/vagrant/<suite>/ for vagrant/kvm-boots.sh, with the package list it holds. The root tree is made in
# BOX_WORK (/var/tmp/bpfprof-box), outside build/, whose *.d files make reads.
set -euo pipefail
cd "$(dirname "$0")/.."

suite=bookworm force=
for arg in "$@"; do
	case "$arg" in
	bookworm | trixie) suite=$arg ;;
	--force) force=1 ;;
	*)
		echo "vagrant-box: unknown argument $arg (want bookworm, trixie or --force)" >&2
		exit 2
		;;
	esac
done
name="bpfprof/${suite}64-local"
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
disk_gib=20
out=$PWD/build/vagrant/$suite
work=${BOX_WORK:-/var/tmp/bpfprof-box}/$suite
label=bpfprof-root

((EUID == 0)) || { echo "vagrant-box: run as root (mmdebstrap writes root-owned files)" >&2; exit 1; }
for tool in mmdebstrap sfdisk mkfs.ext4 qemu-img vagrant; do
	command -v "$tool" >/dev/null || { echo "vagrant-box: $tool is missing: run scripts/setup.sh --vagrant" >&2; exit 1; }
done
if [[ -z $force ]] && vagrant box list 2>/dev/null | grep -q "^$name "; then
	echo "vagrant-box: $name is already added (--force rebuilds it)"
	exit 0
fi
# Vagrant's well-known insecure public key, shipped in the vagrant package:
# vagrant logs in with it once and then replaces it with a key of its own.
insecure_key=
for key in /usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant.pub /usr/share/vagrant/keys/vagrant.pub; do
	[[ -f "$key" ]] && insecure_key=$key && break
done
[[ -n "$insecure_key" ]] || { echo "vagrant-box: vagrant's insecure key (keys/vagrant.pub) not found" >&2; exit 1; }

# The guest's packages: the system it boots, plus the project's one list.
mapfile -t project_pkgs < <(bash scripts/setup.sh --list)
system_pkgs=(systemd-sysv udev dbus kmod linux-image-amd64 initramfs-tools grub-pc-bin grub2-common
	openssh-server sudo rsync ifupdown isc-dhcp-client netbase ca-certificates less)
include=$(IFS=,; echo "${system_pkgs[*]},${project_pkgs[*]}")

rm -rf "$work" "$out"
mkdir -p "$work/root" "$out"
echo "vagrant-box: mmdebstrap $suite into $work/root (${#system_pkgs[@]} system + ${#project_pkgs[@]} project packages)"
mmdebstrap --variant=apt --aptopt='APT::Install-Recommends "false"' --aptopt='Acquire::Retries "3"' \
	--include="$include" "$suite" "$work/root" \
	"deb $mirror $suite main" "deb $mirror $suite-updates main" "deb $security $suite-security main"

root=$work/root
kver=$(ls "$root/lib/modules" | sort -V | tail -n 1)
[[ -f "$root/boot/vmlinuz-$kver" && -f "$root/boot/initrd.img-$kver" ]] ||
	{ echo "vagrant-box: no kernel/initrd for $kver in the root" >&2; exit 1; }

# The vagrant user, as vagrant's base box conventions want it.
chroot "$root" useradd -m -s /bin/bash -G sudo vagrant
echo vagrant:vagrant | chroot "$root" chpasswd
install -d -m 700 -o 1000 -g 1000 "$root/home/vagrant/.ssh"
install -m 600 -o 1000 -g 1000 "$insecure_key" "$root/home/vagrant/.ssh/authorized_keys"
echo 'vagrant ALL=(ALL) NOPASSWD:ALL' >"$root/etc/sudoers.d/vagrant"
chmod 440 "$root/etc/sudoers.d/vagrant"

echo bpfprof-lab >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tbpfprof-lab\n' >"$root/etc/hosts"
echo "LABEL=$label / ext4 errors=remount-ro 0 1" >"$root/etc/fstab"
# net.ifnames=0 below makes the one NIC eth0, whatever bus it sits on.
cat >"$root/etc/network/interfaces" <<'EOF'
auto lo
iface lo inet loopback
allow-hotplug eth0
iface eth0 inet dhcp
EOF
# Every VM made from the box gets its own machine id and SSH host keys,
# made at its first boot rather than shared from the build.
: >"$root/etc/machine-id"
rm -f "$root"/etc/ssh/ssh_host_*
mkdir -p "$root/etc/systemd/system/ssh.service.d"
cat >"$root/etc/systemd/system/ssh.service.d/host-keys.conf" <<'EOF'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
EOF

# GRUB without grub-install (which cannot probe a loop device here): the
# modules and a grub.cfg under /boot/grub, core.img in the gap after the MBR.
mkdir -p "$root/boot/grub/i386-pc"
cp "$root"/usr/lib/grub/i386-pc/*.mod "$root"/usr/lib/grub/i386-pc/*.lst "$root/boot/grub/i386-pc/"
cat >"$root/boot/grub/grub.cfg" <<EOF
set default=0
set timeout=1
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
menuentry "Debian ($suite) bpfprof lab" {
	linux /boot/vmlinuz-$kver root=LABEL=$label ro console=tty0 console=ttyS0,115200 net.ifnames=0
	initrd /boot/initrd.img-$kver
}
EOF
chroot "$root" grub-mkimage -O i386-pc -o /tmp/core.img -p '(hd0,msdos1)/boot/grub' biosdisk part_msdos ext2
mv "$root/tmp/core.img" "$work/core.img"
cp "$root/usr/lib/grub/i386-pc/boot.img" "$work/boot.img"
printf '%s\n' "${project_pkgs[@]}" >"$out/packages" # what test-vagrant compares with setup.sh --list
cp "$root/boot/vmlinuz-$kver" "$out/vmlinuz"
echo "$kver" >"$out/kernel-version"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb

echo "vagrant-box: disk image (${disk_gib} GiB, kernel $kver)"
raw=$work/disk.raw
truncate -s "${disk_gib}G" "$raw"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$raw"
# The partition starts at 1 MiB; mke2fs writes it there and copies the root in.
mkfs.ext4 -q -F -L "$label" -b 4096 -E offset=1048576 -d "$root" "$raw" $(((disk_gib * 1024 * 1024 - 1024) / 4))
# boot.img's code (not the partition table) into the MBR; it loads core.img
# from sector 1, the sector its default blocklist names.
dd if="$work/boot.img" of="$raw" bs=440 count=1 conv=notrunc status=none
dd if="$work/core.img" of="$raw" bs=512 seek=1 conv=notrunc status=none
qemu-img convert -O qcow2 "$raw" "$work/box.img"
rm -f "$raw"
rm -rf "$root"

cat >"$work/metadata.json" <<EOF
{"provider": "libvirt", "format": "qcow2", "virtual_size": $disk_gib}
EOF
cat >"$work/Vagrantfile" <<'EOF'
# Built by bpfprof's vagrant/build-box.sh; the project's vagrant/Vagrantfile sets the rest.
Vagrant.configure("2") do |config|
end
EOF
(cd "$work" && tar -cf "$suite.box" metadata.json Vagrantfile box.img)
rm -f "$work/box.img"
vagrant box add --force --name "$name" "$work/$suite.box"
rm -rf "$work"
echo "vagrant-box: added $name"
