#!/usr/bin/env bash
# test_vagrant.sh: the lab VM's Vagrantfile passes `vagrant validate` with each
# of its choices (Debian 12 or 13, a box override, KVM or TCG) and rejects bad
# ones, forwards the demo's ports to the host's loopback, keeps libvirt's
# networking on QEMU's user-mode stack bound to 127.0.0.1, and its provisioning,
# run for real here, succeeds. Booting the VM is make test-vagrant's (long).
set -u
. "$(dirname "$0")/../lib.sh"

vagrantfile=$ROOT/vagrant/Vagrantfile
validated=$(cd "$ROOT/vagrant" && vagrant validate --ignore-provider 2>&1)
expect_eq "vagrant validate accepts the Vagrantfile" "$?" 0
expect_match "and says so" "$validated" 'Vagrantfile validated successfully'

broken="$TEST_TMP/broken"
mkdir -p "$broken"
sed 's/config.vm.box = /config.vm.bx = /' "$vagrantfile" >"$broken/Vagrantfile"
(cd "$broken" && vagrant validate --ignore-provider >/dev/null 2>&1)
check "and vagrant validate does reject a broken one (the check can fail)" test $? -ne 0

text=$(cat "$vagrantfile")
for pair in DEMO_PORT:8080 AGENT_PORT:6060; do
	name=${pair%%:*} port=${pair##*:}
	expect_match "$name is $port, the demo's default" "$text" "$name = $port"
	expect_match "$name is forwarded to the host's loopback only" "$text" \
		"guest: $name, host: $name, host_ip: \"127.0.0.1\""
done
for env in BPFPROF_DEBIAN=13 BPFPROF_BOX=bpfprof/bookworm64-local BPFPROF_LIBVIRT_DRIVER=qemu BPFPROF_NET=libvirt; do
	(cd "$ROOT/vagrant" && env "$env" vagrant validate --ignore-provider >/dev/null 2>&1)
	expect_eq "vagrant validate accepts $env" "$?" 0
done
for env in BPFPROF_DEBIAN=14 BPFPROF_LIBVIRT_DRIVER=xen BPFPROF_NET=bridge; do
	refused=$(cd "$ROOT/vagrant" && env "$env" vagrant validate --ignore-provider 2>&1)
	expect_match "and refuses $env, naming the variable" "$refused" "Vagrantfile: ${env%%=*} must be"
done
expect_match "Debian 12's box is the default, 13's the other choice" "$text" \
	'BOXES = \{ "12" => "debian/bookworm64", "13" => "debian/trixie64" \}'
expect_match "BPFPROF_BOX overrides the box" "$text" 'ENV\["BPFPROF_BOX"\]'
expect_match "TCG (libvirt domain type qemu) where KVM does not boot" "$text" 'libvirt.driver = LIBVIRT_DRIVER'
expect_match "user-mode networking: no management network (no bridge)" "$text" 'libvirt.mgmt_attach = false'
expect_match "and SSH forwarded on the host's loopback only" "$text" 'hostfwd=tcp:127\.0\.0\.1:#\{SSH_PORT\}-:22'
check "and nothing forwarded on another address" bash -c "! grep -E 'hostfwd=tcp:[^1]|hostfwd=tcp::' '$vagrantfile'"
expect_match "both providers are configured" "$text" 'provider "libvirt".*provider "virtualbox"'

# The provisioning commands, as the VM would run them, but in this checkout.
provision=$(sed -n '/<<-SHELL/,/^ *SHELL$/p' "$vagrantfile" | sed '1d;$d' | sed "s|cd /bpfprof|cd '$ROOT'|")
expect_match "provisioning goes through the project's setup script" "$provision" 'bash scripts/setup.sh'
bash -c "$provision" >"$TEST_TMP/provision.log" 2>&1
expect_eq "the provisioning script runs for real and succeeds" "$?" 0

# The lab's scripts, which make test-vagrant runs (too long for this suite), parse.
for script in build-box.sh kvm-boots.sh test-vagrant.sh; do
	check "vagrant/$script parses" bash -n "$ROOT/vagrant/$script"
done

# The package sets: --list prints the default one, which --vagrant extends.
listed=$(bash "$ROOT/scripts/setup.sh" --list)
expect_match "setup.sh --list prints the default packages" "$listed" $'(^|\n)libbpf-dev\n'
check "and not the lab host's (those are behind --vagrant)" bash -c "! grep -qx vagrant-libvirt <<<'$listed'"
expect_refusal "setup.sh refuses an unknown option in one line" 2 'unknown option --bogus' \
	bash "$ROOT/scripts/setup.sh" --bogus

finish
