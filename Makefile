# Makefile: builds everything into build/. Each directory's rules live in its
# own build.mk; this file holds the shared flags and the top-level targets.
#
#   make            build/bpfprof, build/encrypt-server, build/encrypt-bench
#   make test       every suite, ending in "N passed, N failed"
#   make bench      every benchmark, one after another (bench/run.sh); make
#                   bench-NAME runs one (the names: bench/build.mk; what each
#                   reports: docs/testing.md)
#   make demo       start the server, load it with hey, print the URLs
#   make test-vagrant  the lab VM booted for real (vagrant-libvirt, a local Debian box,
#                   TCG where KVM does not boot): pprof and the UI from the host; long,
#                   root only, not part of make test
#   make load       hey against a running server (PORT=8080)
#   make fuzz       the libFuzzer harnesses, FUZZ_SECONDS (60) each; make fuzz-regress: their corpora, then 10 s each
#   make soak       serve on the loaded demo server for 12 min (SOAK_MINUTES): memory, fds, threads flat

BUILD := build
CC := gcc
CFLAGS := -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE
DEPFLAGS = -MMD -MP
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Packages come first: every object waits for the setup script.
SETUP_STAMP := $(BUILD)/.setup-done

# Keep intermediate files (BPF objects behind skeletons): no rebuilds, and
# make never prints a deletion after the test summary.
.SECONDARY:

.PHONY: all test test-build demo load clean format setup test-vagrant soak fuzz fuzz-regress
all:

include demo-server/build.mk
include bpf/build.mk
include userspace/build.mk
include sampler/build.mk
include tests/build.mk
include tests/fuzz/fuzz.mk
include tests/soak/soak.mk
include bench/build.mk

$(SETUP_STAMP): scripts/setup.sh
	@mkdir -p $(@D)
	bash scripts/setup.sh
	@touch $@

setup:
	bash scripts/setup.sh

$(BUILD)/obj/%.o: %.c | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) $(INCLUDES) -c $< -o $@

$(BUILD)/asan/%.o: %.c | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANITIZE) $(DEPFLAGS) $(INCLUDES) -c $< -o $@

# The kernels tests/integration/test_kernels.sh boots: fetched from the
# distribution's archive and unpacked into build/kernels, never installed.
KERNELS_STAMP := $(BUILD)/kernels/releases
$(KERNELS_STAMP): scripts/setup.sh | $(SETUP_STAMP)
	bash scripts/setup.sh --kernels

# test-build: what the suites run, without running them (TESTS=regex
# bash tests/run.sh then runs some).
test-build: all $(TEST_BINARIES) $(WORKLOADS) $(BUILD)/asan/bpfprof

test: test-build $(KERNELS_STAMP)
	bash tests/run.sh

demo: all
	bash demo-server/demo.sh

test-vagrant:
	bash vagrant/test-vagrant.sh

PORT ?= 8080
load: | $(SETUP_STAMP)
	hey -z 30s -c 100 http://127.0.0.1:$(PORT)/encrypt

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
