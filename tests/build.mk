# tests/build.mk: cmocka unit tests, each built plain (also run under
# valgrind) and with ASan+UBSan, plus the objects the symbolizer tests load.

UNIT_TESTS := $(DEMO_UNIT_TESTS) test_hashmap test_range_pool test_stack_table test_command_line test_output_format test_unwind_mode \
	test_proc test_flame test_pprof test_flamegraph_svg test_symbolizer test_listen test_top test_flame_tree test_unwind_table \
	test_probe_site test_heap_sampling test_heap_profile test_trace_json test_window_health \
	test_kernel_features test_window test_bpf_counters test_go_runtime test_remote_call test_table_cache test_text_escape
test_hashmap_SRCS := userspace/base/hashmap.c
test_range_pool_SRCS := userspace/base/range_pool.c
test_stack_table_SRCS := userspace/model/stack_table.c userspace/base/hashmap.c
test_text_escape_SRCS := userspace/base/text_escape.c
test_command_line_SRCS := userspace/commands/command_line.c
test_command_line_LIBS := -lm
test_output_format_SRCS := userspace/encode/output_format.c
test_unwind_mode_SRCS := userspace/collect/unwind_mode.c
test_proc_SRCS := userspace/processes/proc_maps.c userspace/objects/kallsyms.c
FLAME_TREE_SRCS := userspace/encode/flame.c userspace/encode/flame_tree.c userspace/encode/palette.c userspace/model/profile.c \
	userspace/base/text_escape.c userspace/base/hashmap.c
test_flame_SRCS := userspace/encode/folded.c $(FLAME_TREE_SRCS)
test_pprof_SRCS := userspace/encode/pprof.c userspace/model/profile.c userspace/base/hashmap.c userspace/base/fd_io.c $(PROTO_GEN)
test_pprof_LIBS := -lprotobuf-c -lz
test_flamegraph_svg_SRCS := userspace/encode/flamegraph_svg.c $(BUILD)/gen/flamegraph_svg_js.c $(FLAME_TREE_SRCS)
test_listen_SRCS := userspace/http/listen.c
test_top_SRCS := userspace/encode/top.c userspace/model/profile.c userspace/base/hashmap.c
test_flame_tree_SRCS := $(FLAME_TREE_SRCS)
test_heap_profile_SRCS := userspace/model/heap_profile.c userspace/model/heap_sampling.c userspace/model/stack_table.c \
	userspace/model/profile.c userspace/base/hashmap.c
test_heap_profile_LIBS := -lm
test_trace_json_SRCS := userspace/encode/trace_json.c userspace/base/text_escape.c userspace/base/hashmap.c
test_bpf_counters_SRCS := userspace/collect/bpf_counters.c userspace/model/profile.c userspace/base/hashmap.c
test_bpf_counters_LIBS := -lbpf
test_window_SRCS := userspace/profiles/window.c userspace/processes/process_handle.c
test_kernel_features_SRCS := userspace/collect/kernel_features.c
test_window_health_SRCS := userspace/model/window_health.c userspace/model/profile.c userspace/base/hashmap.c
test_heap_sampling_SRCS := userspace/model/heap_sampling.c
test_heap_sampling_LIBS := -lm
test_probe_site_SRCS := userspace/collect/probe_site.c
test_probe_site_LIBS := -ldl
test_remote_call_SRCS := userspace/collect/remote_call.c
test_go_runtime_SRCS := userspace/objects/go_runtime.c
test_go_runtime_LIBS := -ldw -lelf
test_go_runtime_DATA = $(BUILD)/tests/goserver $(BUILD)/tests/cpu_split
test_unwind_table_SRCS := userspace/objects/unwind_table.c userspace/objects/cfi_check.c
test_unwind_table_LIBS := -ldw -lelf -ldl
test_unwind_table_DATA = $(test_symbolizer_DATA)
test_table_cache_SRCS := userspace/objects/table_cache.c userspace/objects/unwind_table.c userspace/objects/cfi_check.c \
	userspace/base/fd_io.c
test_table_cache_LIBS := -ldw -lelf -ldl
test_symbolizer_SRCS := userspace/processes/process_image.c userspace/objects/symbolizer.c userspace/objects/elf_object.c \
	userspace/objects/dwarf_frames.c userspace/objects/symbol_frame.c userspace/objects/debug_copy.c userspace/objects/table_cache.c userspace/objects/unwind_table.c userspace/base/fd_io.c userspace/objects/cfi_check.c userspace/objects/debuginfo_fetcher.c userspace/processes/proc_maps.c userspace/objects/kallsyms.c userspace/objects/demangle.c \
	userspace/base/hashmap.c
test_symbolizer_LIBS := -ldw -ldebuginfod -lelf -ldl -lpthread
test_symbolizer_DATA := $(addprefix $(BUILD)/tests/symtest/,libsymtest.so libsymtest-stripped.so \
	libsymtest-debuglink.so libsymtest-debuglink.debug libsymtest-gz.so libsymtest-gz.debug)

# A test's source is tests/unit/NAME.c unless NAME_DIR says where (the demo
# server's are in demo-server/tests).
define unit_test_rules
$(BUILD)/tests/$(1): $$(patsubst %.c,$(BUILD)/obj/%.o,$$(or $$($(1)_DIR),tests/unit)/$(1).c $$($(1)_SRCS)) | $$($(1)_DATA)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(filter %.o,$$^) -o $$@ -lcmocka $$($(1)_LIBS)
$(BUILD)/tests/asan/$(1): $$(patsubst %.c,$(BUILD)/asan/%.o,$$(or $$($(1)_DIR),tests/unit)/$(1).c $$($(1)_SRCS)) | $$($(1)_DATA)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(SANITIZE) $$(filter %.o,$$^) -o $$@ -lcmocka $$($(1)_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rules,$(t))))

$(patsubst %,$(BUILD)/obj/tests/unit/%.o,$(UNIT_TESTS)) $(patsubst %,$(BUILD)/asan/tests/unit/%.o,$(UNIT_TESTS)): \
	| $(AGENT_GENERATED_HEADERS)

# The symbolizer's subjects: one library with full DWARF, a copy stripped to
# .dynsym, and copies whose DWARF sits in a file named by .gnu_debuglink.
SYMTEST := $(BUILD)/tests/symtest
$(SYMTEST)/libsymtest.so: tests/unit/symtest_lib.c | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(CC) -O2 -g -fno-omit-frame-pointer -fPIC -shared -Wall -Wextra -Werror $< -o $@
$(SYMTEST)/libsymtest-stripped.so: $(SYMTEST)/libsymtest.so
	objcopy --strip-all $< $@
$(SYMTEST)/libsymtest-debuglink.debug: $(SYMTEST)/libsymtest.so
	objcopy --only-keep-debug $< $@
$(SYMTEST)/libsymtest-debuglink.so: $(SYMTEST)/libsymtest.so $(SYMTEST)/libsymtest-debuglink.debug
	cd $(SYMTEST) && objcopy --strip-debug --add-gnu-debuglink=libsymtest-debuglink.debug libsymtest.so \
		libsymtest-debuglink.so
# The same with its debug sections compressed, as distributions ship them.
$(SYMTEST)/libsymtest-gz.debug: $(SYMTEST)/libsymtest.so
	objcopy --only-keep-debug --compress-debug-sections=zlib $< $@
$(SYMTEST)/libsymtest-gz.so: $(SYMTEST)/libsymtest.so $(SYMTEST)/libsymtest-gz.debug
	cd $(SYMTEST) && objcopy --strip-debug --add-gnu-debuglink=libsymtest-gz.debug libsymtest.so libsymtest-gz.so

TEST_BINARIES := $(foreach t,$(UNIT_TESTS),$(BUILD)/tests/$(t) $(BUILD)/tests/asan/$(t))

# Targets for the agent's integration tests. cpu_split keeps frame pointers
# in every function and no tail calls, so its stacks are complete for the
# frame-pointer unwinder.
WORKLOADS := $(BUILD)/tests/cpu_split $(BUILD)/tests/many_stacks $(BUILD)/tests/alloc_sites $(BUILD)/tests/malloc_pairs \
	$(BUILD)/tests/fork_exec $(BUILD)/tests/waits $(BUILD)/tests/forker
$(WORKLOADS): $(BUILD)/tests/%: tests/workloads/%.c | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fno-omit-frame-pointer -fno-optimize-sibling-calls -fno-shrink-wrap $< -o $@ -lpthread

# The DWARF unwinder's target, built the opposite way to the workloads above:
# -fomit-frame-pointer leaves %rbp an ordinary register, so a frame-pointer
# walk breaks at the first frame, and only .eh_frame can find the callers;
# -fno-optimize-sibling-calls keeps every call a call, so the true chain is
# there to be found. Its own rule: the pattern rule above would add frame
# pointers (WORKLOADS is extended only after that rule has been read).
WORKLOADS += $(BUILD)/tests/frameless
$(BUILD)/tests/frameless: tests/workloads/frameless.c | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(CC) -O2 -g -fomit-frame-pointer -fno-optimize-sibling-calls -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
		$< -o $@ -lcrypto -ldl

# A plugin host and its plugin's object, which tests link into many
# libraries with build IDs of their own (tests/integration/test_code_churn.sh).
WORKLOADS += $(BUILD)/tests/dlopen_loop $(BUILD)/tests/plugin.o
$(BUILD)/tests/dlopen_loop: tests/workloads/dlopen_loop.c | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fno-omit-frame-pointer $< -o $@ -ldl
$(BUILD)/tests/plugin.o: tests/workloads/plugin.c | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(CC) -O2 -g -fPIC -fomit-frame-pointer -fno-optimize-sibling-calls -Wall -Wextra -Werror -std=gnu11 -c $< -o $@

# A C++ program for the symbolizer's demangling and inline frames.
WORKLOADS += $(BUILD)/tests/cpp_work
$(BUILD)/tests/cpp_work: tests/workloads/cpp_work.cpp | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(CXX) -O2 -g -Wall -Wextra -Werror $< -o $@

# A Go program, built by Debian's own Go toolchain from the standard library
# alone (no module is fetched): the Go tests profile it with bpfprof and with
# its own net/http/pprof at once.
WORKLOADS += $(BUILD)/tests/goserver
$(BUILD)/tests/goserver: tests/workloads/goserver/main.go | $(SETUP_STAMP)
	@mkdir -p $(@D)
	cd tests/workloads/goserver && HOME=$(abspath $(BUILD)) GOCACHE=$(abspath $(BUILD))/gocache GOPROXY=off \
		GO111MODULE=off GOFLAGS= go build -o $(abspath $@) .
