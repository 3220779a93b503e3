# userspace/build.mk: the bpfprof agent.

INCLUDES += -Iuserspace -Ibpf -I$(BUILD)/gen
PROTO_GEN := $(BUILD)/gen/profile.pb-c.c
# The agent's pure modules: no BPF, unit-tested alone.
AGENT_PURE_SRCS := userspace/hashmap.c userspace/profile.c userspace/stack_table.c userspace/proc_maps.c \
	userspace/kallsyms.c userspace/demangle.c userspace/symbolizer.c userspace/profile_builder.c \
	userspace/flame.c userspace/flamegraph_svg.c userspace/pprof.c userspace/output.c userspace/cli.c \
	userspace/target.c userspace/top.c userspace/listen.c userspace/json.c userspace/flame_tree.c \
	userspace/heap_sampling.c userspace/heap_profile.c userspace/probe_site.c userspace/trace_json.c userspace/window_health.c userspace/kernel_features.c $(PROTO_GEN)
AGENT_SRCS := $(AGENT_PURE_SRCS) userspace/kernel_probe.c userspace/unwind_table.c userspace/unwinder.c userspace/bpf_counters.c userspace/ring_reader.c userspace/cpu_collector.c userspace/heap_collector.c userspace/heap_tracer.c userspace/offcpu_collector.c userspace/offcpu_profile.c userspace/thread_stacks.c userspace/threads_view.c userspace/timeline_collector.c userspace/wall_profile.c userspace/cpu_sampler.c userspace/session.c \
	userspace/record.c userspace/serve.c userspace/http_reply.c userspace/snapshots.c userspace/ui_api.c \
	userspace/main.c
UI_FILES := $(wildcard userspace/ui/*.html userspace/ui/*.css userspace/ui/*.js)
AGENT_SRCS += $(BUILD)/gen/ui_assets.c
AGENT_LIBS := -lbpf -ldw -lelf -lmicrohttpd -lprotobuf-c -lz -ldl -lm -lpthread
AGENT_GENERATED_HEADERS := $(BPF_SKELETONS) $(BUILD)/gen/profile.pb-c.h

$(BUILD)/gen/profile.pb-c.c $(BUILD)/gen/profile.pb-c.h: userspace/proto/profile.proto | $(SETUP_STAMP)
	@mkdir -p $(BUILD)/gen
	protoc-c --c_out=$(BUILD)/gen --proto_path=userspace/proto $<

$(BUILD)/gen/ui_assets.c: $(UI_FILES) scripts/embed-ui.sh | $(SETUP_STAMP)
	@mkdir -p $(@D)
	bash scripts/embed-ui.sh $@ $(UI_FILES)

# Generated headers must exist before any agent object compiles the first time.
$(patsubst %.c,$(BUILD)/obj/%.o,$(AGENT_SRCS)) $(patsubst %.c,$(BUILD)/asan/%.o,$(AGENT_PURE_SRCS)): \
	| $(AGENT_GENERATED_HEADERS)

$(BUILD)/bpfprof: $(patsubst %.c,$(BUILD)/obj/%.o,$(AGENT_SRCS))
	$(CC) $(CFLAGS) $^ -o $@ $(AGENT_LIBS)

# The whole agent under ASan+UBSan, for an end-to-end run in the tests
# (the pure modules also have their own sanitizer and valgrind suites).
$(patsubst %.c,$(BUILD)/asan/%.o,$(AGENT_SRCS)): | $(AGENT_GENERATED_HEADERS)
$(BUILD)/asan/bpfprof: $(patsubst %.c,$(BUILD)/asan/%.o,$(AGENT_SRCS))
	$(CC) $(CFLAGS) $(SANITIZE) $^ -o $@ $(AGENT_LIBS)

all: $(BUILD)/bpfprof
