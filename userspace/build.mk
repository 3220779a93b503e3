# userspace/build.mk: the bpfprof agent.

# The agent's folders are its layers, lowest first (userspace/README.md):
# a file includes headers of its own folder and of folders before it only
# (tests/layers.py checks it, run by tests/integration/test_layers.sh).
AGENT_LAYERS := base objects processes model collect encode profiles http commands
# Pairs HIGH:LOW where HIGH may not include LOW although it is lower:
# the HTTP server and the encoders see the kinds table and the model,
# never the BPF glue.
AGENT_FORBIDDEN_INCLUDES := http:collect encode:collect
INCLUDES += $(addprefix -Iuserspace/,$(AGENT_LAYERS)) -Ibpf -I$(BUILD)/gen
PROTO_GEN := $(BUILD)/gen/profile.pb-c.c

base_SRCS := fd_io.c hashmap.c range_pool.c text_escape.c
objects_SRCS := elf_function.c kallsyms.c demangle.c debuginfo_fetcher.c debug_copy.c unwind_table.c table_cache.c cfi_check.c \
	go_runtime.c symbol_frame.c dwarf_frames.c elf_object.c symbolizer.c
processes_SRCS := process_handle.c process_tree.c proc_maps.c process_image.c
model_SRCS := profile.c stack_table.c profile_builder.c heap_sampling.c heap_profile.c window_health.c
collect_SRCS := unwind_mode.c kernel_features.c kernel_probe.c probe_site.c bpf_counters.c program_load.c ring_reader.c unwinder.c process_collector.c cpu_collector.c \
	heap_collector.c heap_injector.c link_teardown.c offcpu_collector.c timeline_collector.c thread_stacks.c remote_call.c
encode_SRCS := output_format.c pprof.c output.c flame.c flame_tree.c palette.c folded.c flamegraph_svg.c top.c trace_json.c
profiles_SRCS := window.c traced_set.c profile_comments.c session.c cpu_sampler.c heap_tracer.c offcpu_profile.c wall_profile.c threads_view.c profile_kinds.c trace_window.c snapshots.c
http_SRCS := http_reply.c listen.c ui_api.c http_server.c
commands_SRCS := command_line.c options.c features_command.c record.c serve.c main.c

AGENT_SRCS := $(foreach layer,$(AGENT_LAYERS),$(addprefix userspace/$(layer)/,$($(layer)_SRCS))) $(PROTO_GEN)
UI_FILES := $(wildcard userspace/ui/*.html userspace/ui/*.css userspace/ui/*.js)
AGENT_SRCS += $(BUILD)/gen/ui_assets.c $(BUILD)/gen/flamegraph_svg_js.c
AGENT_LIBS := -lbpf -ldw -ldebuginfod -lelf -lmicrohttpd -lprotobuf-c -lz -ldl -lm -lpthread
AGENT_GENERATED_HEADERS := $(BPF_SKELETONS) $(BUILD)/gen/profile.pb-c.h

$(BUILD)/gen/profile.pb-c.c $(BUILD)/gen/profile.pb-c.h: userspace/proto/profile.proto | $(SETUP_STAMP)
	@mkdir -p $(BUILD)/gen
	protoc-c --c_out=$(BUILD)/gen --proto_path=userspace/proto $<

$(BUILD)/gen/ui_assets.c: $(UI_FILES) scripts/embed-ui.sh | $(SETUP_STAMP)
	@mkdir -p $(@D)
	bash scripts/embed-ui.sh $@ $(UI_FILES)

# The SVG flamegraph's script as one C string, for the SVG to carry inline
# (not a UI asset). Inside the SVG it sits in a CDATA section, which the
# marker "]]>" would end early.
$(BUILD)/gen/flamegraph_svg_js.c: userspace/encode/flamegraph_svg.js | $(SETUP_STAMP)
	@mkdir -p $(@D)
	@if grep -qF ']]>' $<; then echo "$<: ]]> would end the SVG's CDATA section" >&2; exit 1; fi
	{ echo '/* Generated from $< by userspace/build.mk: do not edit. */'; \
	  echo '#include "flamegraph_svg_js.h"'; \
	  echo 'const char flamegraph_svg_js[] = {'; xxd -i <$<; echo ', 0x00};'; } >$@.tmp
	mv $@.tmp $@

# Generated headers must exist before any agent object compiles the first time.
$(patsubst %.c,$(BUILD)/obj/%.o,$(AGENT_SRCS)): | $(AGENT_GENERATED_HEADERS)

$(BUILD)/bpfprof: $(patsubst %.c,$(BUILD)/obj/%.o,$(AGENT_SRCS))
	$(CC) $(CFLAGS) $^ -o $@ $(AGENT_LIBS)

# The whole agent under ASan+UBSan, for an end-to-end run in the tests
# (the pure modules also have their own sanitizer and valgrind suites).
$(patsubst %.c,$(BUILD)/asan/%.o,$(AGENT_SRCS)): | $(AGENT_GENERATED_HEADERS)
$(BUILD)/asan/bpfprof: $(patsubst %.c,$(BUILD)/asan/%.o,$(AGENT_SRCS))
	$(CC) $(CFLAGS) $(SANITIZE) $^ -o $@ $(AGENT_LIBS)

all: $(BUILD)/bpfprof
