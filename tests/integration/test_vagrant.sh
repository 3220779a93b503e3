#!/usr/bin/env bash
# test_vagrant.sh: the lab VM's Vagrantfile passes `vagrant validate`, forwards
# the demo's ports to the host's loopback, and its provisioning, run for real
# here, succeeds. (Booting the VM needs a hypervisor the test machine lacks.)
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
expect_match "both providers are configured" "$text" 'provider "libvirt".*provider "virtualbox"'

# The provisioning commands, as the VM would run them, but in this checkout.
provision=$(sed -n '/<<-SHELL/,/^ *SHELL$/p' "$vagrantfile" | sed '1d;$d' | sed "s|cd /bpfprof|cd '$ROOT'|")
expect_match "provisioning goes through the project's setup script" "$provision" 'bash scripts/setup.sh'
bash -c "$provision" >"$TEST_TMP/provision.log" 2>&1
expect_eq "the provisioning script runs for real and succeeds" "$?" 0

finish
