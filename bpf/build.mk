# bpf/build.mk: BPF objects (CO-RE, against vmlinux.h generated from the
# running kernel's BTF) and their libbpf skeletons.

# x86-64 only: the unwinder's registers, frames and signal frames are its.
ifneq ($(shell uname -m),x86_64)
$(error bpfprof builds on x86-64 only, not $(shell uname -m))
endif
# BPF_DEFINES: -DBPFPROF_SAMPLE_COST for make bench-sampler's own build.
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror -I$(BUILD)/gen -Ibpf $(BPF_DEFINES)
VMLINUX_H := $(BUILD)/gen/vmlinux.h
# One x.bpf.c and its x.h per program; each gets a skeleton, x.skel.h.
BPF_APPS := cpu heap offcpu timeline process_tracker
BPF_SKELETONS := $(patsubst %,$(BUILD)/gen/%.skel.h,$(BPF_APPS))

$(VMLINUX_H): | $(SETUP_STAMP)
	@mkdir -p $(@D)
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(VMLINUX_H)
	@mkdir -p $(@D)
	clang $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/gen/%.skel.h: $(BUILD)/bpf/%.bpf.o
	bpftool gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@
