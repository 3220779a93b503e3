#!/usr/bin/env bash
# vagrant/test-vagrant.sh (make test-vagrant): the lab VM end to end, booted for
# real. Installs the host side (setup.sh --vagrant), starts libvirt's daemons if
# they are not running, builds and adds the local Debian box if it is missing,
# picks KVM or TCG by booting a KVM guest, `vagrant up` (which provisions with
# scripts/setup.sh and make all), starts the demo in the guest, then from the
# host reads a CPU profile with go tool pprof and screenshots the UI's
# flamegraph through the forwarded port, and destroys the VM. Prints TAP and
# the time of each phase. Too long for CI (about half an hour under TCG).
#   BPFPROF_DEBIAN=12|13   the box: bpfprof/bookworm64-local (default) or trixie64-local
#   BPFPROF_BOX=NAME       another box (e.g. debian/bookworm64, with internet)
#   BPFPROF_LIBVIRT_DRIVER=kvm|qemu  skip the KVM probe
#   KEEP_VM=1              leave the VM running (vagrant destroy -f by hand)
set -euo pipefail
. "$(dirname "$0")/../tests/lib.sh"
cd "$ROOT"

# libvirt's system instance, box building (mmdebstrap, root-owned files) and apt need root.
((EUID == 0)) || { echo "test-vagrant: run as root (libvirt's qemu:///system, apt, mmdebstrap)" >&2; exit 1; }
export BPFPROF_DEBIAN=${BPFPROF_DEBIAN:-12}
case "$BPFPROF_DEBIAN" in
12) suite=bookworm ;;
13) suite=trixie ;;
*)
	echo "test-vagrant: BPFPROF_DEBIAN must be 12 or 13" >&2
	exit 2
	;;
esac
export BPFPROF_BOX=${BPFPROF_BOX:-bpfprof/${suite}64-local}
export BPFPROF_NET=user
artifacts=$ROOT/build/vagrant
mkdir -p "$artifacts"
log=$artifacts/test-vagrant.log
: >"$log"
agent=http://127.0.0.1:6060
vm_up=

timings=()
run_start=$(date +%s)
# phase NAME COMMAND...: runs one phase with its output in the log, prints
# ok/not ok with its time; returns the command's status.
phase() {
	local name=$1 start status
	shift
	start=$(date +%s)
	echo "=== $name: $*" >>"$log"
	if "$@" >>"$log" 2>&1; then status=0; else status=$?; fi
	local took=$(($(date +%s) - start))
	timings+=("$(printf '%-56s %5ds' "$name" "$took")")
	if ((status == 0)); then
		ok "$name (${took}s)"
	else
		local tail_lines
		mapfile -t tail_lines < <(tail -n 30 "$log" | tr '\r' '\n' | grep -v Progress | tail -n 8 | cut -c1-240)
		not_ok "$name (${took}s)" "status $status; the last lines of $log:" "${tail_lines[@]}"
	fi
	return $status
}

report() {
	echo "# timings (BPFPROF_BOX=$BPFPROF_BOX, driver ${BPFPROF_LIBVIRT_DRIVER:-?}):"
	local t
	for t in "${timings[@]}"; do echo "#   $t"; done
	echo "#   $(printf '%-56s %5ds' total $(($(date +%s) - run_start)))"
}

destroy_vm() {
	[[ -n $vm_up && -z ${KEEP_VM:-} ]] || return 0
	vm_up=
	phase "vagrant destroy -f" bash -c 'cd vagrant && vagrant destroy -f' || true
}
# On any exit, including a failed phase, the VM goes; lib.sh's cleanup after.
trap 'destroy_vm; report; cleanup_lib' EXIT
# A failed phase ends the run: what follows needs it.
stop() {
	destroy_vm
	finish || true
	exit 1
}

start_libvirt() {
	# No systemd here: start the daemons by hand, only if they are not running.
	pgrep -x virtlogd >/dev/null || virtlogd -d
	pgrep -x libvirtd >/dev/null || libvirtd -d
	local i
	for i in $(seq 50); do
		virsh -c qemu:///system version >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "libvirtd does not answer on qemu:///system"
	return 1
}

ports_free() {
	local port
	for port in 2222 6060 8080; do
		if ss -Hltn "sport = :$port" | grep -q .; then
			echo "port $port is in use on this host: the lab VM forwards it"
			return 1
		fi
	done
}

# A local box made before setup.sh's list changed would leave provisioning to
# install the difference under emulation: such a box is built again.
add_box() {
	local local_box= held=$artifacts/$suite/packages
	[[ $BPFPROF_BOX == bpfprof/*-local ]] && local_box=1
	if vagrant box list | grep -q "^$BPFPROF_BOX "; then
		if [[ -z $local_box ]] || cmp -s "$held" <(bash scripts/setup.sh --list); then
			echo "$BPFPROF_BOX is already added"
			return 0
		fi
		echo "$BPFPROF_BOX predates scripts/setup.sh's package list (or this checkout's build/): rebuilding"
		bash vagrant/build-box.sh "$suite" --force
		return
	fi
	if [[ -n $local_box ]]; then
		bash vagrant/build-box.sh "$suite"
	else
		vagrant box add --provider libvirt "$BPFPROF_BOX"
	fi
}

pick_driver() {
	if [[ -z ${BPFPROF_LIBVIRT_DRIVER:-} ]]; then
		local kernel=$artifacts/$suite/vmlinuz # the box's own, when this machine built it
		[[ -f $kernel ]] || kernel=
		BPFPROF_LIBVIRT_DRIVER=$(bash vagrant/kvm-boots.sh $kernel)
	fi
	export BPFPROF_LIBVIRT_DRIVER
	echo "libvirt domain type: $BPFPROF_LIBVIRT_DRIVER"
}

# The demo in the guest as a transient systemd unit: it outlives the SSH
# session that starts it (a backgrounded job under sudo keeps that session open).
start_demo() {
	(cd vagrant && vagrant ssh -c 'sudo systemd-run --quiet --unit=bpfprof-demo --working-directory=/bpfprof \
		--setenv=DEMO_BIND=0.0.0.0 --setenv=LOAD_SECONDS=600 /bpfprof/lab demo && echo "demo started in the guest"')
	local i
	for i in $(seq 120); do
		curl -sf -o /dev/null "$agent/ui/" && return 0
		sleep 2
	done
	echo "the agent's UI never answered on $agent/ui/; the guest's demo log:"
	(cd vagrant && vagrant ssh -c 'sudo journalctl -u bpfprof-demo --no-pager | tail -n 20') || true
	return 1
}

pprof_top() {
	# pprof waits 1.5x the window for an answer by default; an emulated guest
	# behind an SSH tunnel (and the agent's first unwind tables) needs longer.
	go_pprof -timeout 90 -top "$agent/debug/pprof/profile?seconds=5" >"$artifacts/pprof-top.txt"
	cat "$artifacts/pprof-top.txt"
	grep -q encryptData "$artifacts/pprof-top.txt"
}

screenshot() {
	rm -f "$artifacts/ui.png"
	NODE_PATH=tests/browser/node_modules node vagrant/ui-shot.js "$agent" 5 "$artifacts/ui.png" | tee "$artifacts/ui.json"
}

phase "host packages (setup.sh --vagrant)" bash scripts/setup.sh --vagrant || stop
phase "libvirt daemons answer" start_libvirt || stop
phase "host ports 2222, 6060, 8080 are free" ports_free || stop
phase "box $BPFPROF_BOX is added" add_box || stop
phase "KVM or TCG, by a real boot" pick_driver || stop
echo "# domain type: $BPFPROF_LIBVIRT_DRIVER"
vm_up=1
phase "vagrant up (boot, setup.sh, make all)" bash -c 'cd vagrant && vagrant up --provider=libvirt' || stop
# The network rule: the VM brought no bridge and no libvirt network up.
active_nets=$(virsh -c qemu:///system net-list --name | sed '/^$/d')
expect_eq "no libvirt network is active (user-mode networking only)" "$active_nets" ""
phase "demo starts in the guest, UI reachable from the host" start_demo || stop
phase "go tool pprof on the host reads the guest's profile" pprof_top || true
expect_match "and the profile names encryptData" "$(tr '\n' ' ' <"$artifacts/pprof-top.txt" 2>/dev/null)" encryptData
phase "the UI, screenshotted from the host" screenshot || true
shown=$(cat "$artifacts/ui.json" 2>/dev/null || true)
painted=$(sed -n 's/.*"painted":\([0-9]*\).*/\1/p' <<<"$shown")
check "the screenshot shows a painted flamegraph ($artifacts/ui.png)" test "${painted:-0}" -gt 1000
expect_match "and the UI's top table lists encryptData" "$shown" '"encryptData":true'
destroy_vm
finish
