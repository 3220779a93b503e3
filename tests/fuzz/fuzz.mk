# tests/fuzz/fuzz.mk: the libFuzzer harnesses (tests/fuzz/fuzz_*.c), built
# with Debian's clang into build/fuzz/, and the targets that run them.
#
#   make fuzz           each harness for FUZZ_SECONDS (60), new inputs kept in
#                       build/fuzz/corpus/NAME, crashes in build/fuzz/crashes/NAME
#   make fuzz-regress   each harness over its committed corpus (tests/fuzz/corpus/NAME)
#                       only, then FUZZ_REGRESS_SECONDS (10) of fuzzing each

# libFuzzer exists only in clang; every object the harness links is built
# with it too, so the fuzzer sees coverage and ASan sees memory in the code
# under test, not just in the harness.
FUZZ_CC := clang
FUZZ_SANITIZE := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE
FUZZ_SECONDS ?= 60
FUZZ_REGRESS_SECONDS ?= 10

FUZZ_HARNESSES := unwind_table symbolizer proc_maps http_params pprof
fuzz_unwind_table_SRCS := userspace/objects/unwind_table.c userspace/objects/cfi_check.c
fuzz_unwind_table_LIBS := -ldw -lelf
# The harness compiles symbolizer.c itself (it needs the file's static
# object loader), so only the modules that file calls are listed.
fuzz_symbolizer_SRCS := userspace/objects/symbolizer.c userspace/objects/symbol_frame.c userspace/objects/dwarf_frames.c \
	userspace/objects/cfi_check.c userspace/objects/debuginfo_fetcher.c userspace/processes/proc_maps.c \
	userspace/objects/debug_copy.c userspace/objects/table_cache.c userspace/objects/unwind_table.c userspace/base/fd_io.c \
	userspace/objects/kallsyms.c userspace/objects/demangle.c userspace/base/hashmap.c
fuzz_symbolizer_LIBS := -ldw -ldebuginfod -lelf -ldl -lpthread
fuzz_proc_maps_SRCS := userspace/processes/proc_maps.c
fuzz_http_params_SRCS := userspace/http/http_reply.c userspace/http/listen.c userspace/base/text_escape.c
fuzz_http_params_LIBS := -lmicrohttpd
fuzz_pprof_SRCS := userspace/encode/pprof.c userspace/model/profile.c userspace/base/hashmap.c userspace/base/fd_io.c $(PROTO_GEN)
fuzz_pprof_LIBS := -lprotobuf-c -lz

FUZZ_BINARIES := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_HARNESSES))

$(BUILD)/fuzz/obj/%.o: %.c | $(SETUP_STAMP) $(BUILD)/gen/profile.pb-c.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) $(DEPFLAGS) $(INCLUDES) -c $< -o $@

define fuzz_rules
$(BUILD)/fuzz/fuzz_$(1): $$(patsubst %.c,$(BUILD)/fuzz/obj/%.o,tests/fuzz/fuzz_$(1).c $$(fuzz_$(1)_SRCS))
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) $$^ -o $$@ $$(fuzz_$(1)_LIBS)
endef
$(foreach h,$(FUZZ_HARNESSES),$(eval $(call fuzz_rules,$(h))))

fuzz: $(FUZZ_BINARIES)
	bash tests/fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

fuzz-regress: $(FUZZ_BINARIES)
	bash tests/fuzz/run.sh regress $(FUZZ_REGRESS_SECONDS) $(FUZZ_HARNESSES)
