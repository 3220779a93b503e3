# sampler/build.mk: the in-process heap sampler (--heap-inject), a shared
# library the agent loads into a running target. Frame pointers in every
# function: its notes name the caller's frame from __builtin_frame_address.
# Only the functions the agent calls or probes are exported.
HEAP_SAMPLER := $(BUILD)/libbpfprof-heap-sampler.so
HEAP_SAMPLER_SRCS := sampler/heap_sampler.c userspace/model/heap_sampling.c

$(HEAP_SAMPLER): $(HEAP_SAMPLER_SRCS) bpf/heap.h userspace/model/heap_sampling.h | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -shared -fvisibility=hidden -fno-omit-frame-pointer -fno-optimize-sibling-calls \
		-fcf-protection=none -Ibpf -Iuserspace/model $(HEAP_SAMPLER_SRCS) -o $@ -lm -ldl -lpthread

all: $(HEAP_SAMPLER)
