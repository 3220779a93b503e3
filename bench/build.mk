# bench/build.mk: the benchmarks. Each NAME is bench/NAME.sh, run by
# bench/run.sh; `make bench-NAME` builds what it needs (bench_NAME_NEEDS)
# and runs it, `make bench` builds for all and runs them in this order.
# Included after the other build.mk files, whose targets these name.

BENCHES := encrypt agent serve ui unwind heap offcpu overhead sampler startup
bench_encrypt_NEEDS := $(BUILD)/encrypt-bench
bench_agent_NEEDS := all
bench_serve_NEEDS := all $(WORKLOADS)
bench_ui_NEEDS := all $(WORKLOADS)
bench_unwind_NEEDS := all $(WORKLOADS) $(BUILD)/bench/unwind-tables
bench_heap_NEEDS := all $(WORKLOADS)
bench_offcpu_NEEDS := all
bench_overhead_NEEDS := all
bench_sampler_NEEDS := all
bench_startup_NEEDS := all

.PHONY: bench $(addprefix bench-,$(BENCHES))
$(foreach b,$(BENCHES),$(eval bench-$(b): $(bench_$(b)_NEEDS)))
$(addprefix bench-,$(BENCHES)):
	bash bench/run.sh $(@:bench-%=%)

bench: $(sort $(foreach b,$(BENCHES),$(bench_$(b)_NEEDS)))
	bash bench/run.sh $(BENCHES)

# bench-unwind's table measurements, linked with the agent's own table
# builder (found by file name, wherever its layer is).
$(BUILD)/bench/unwind-tables: $(patsubst %.c,$(BUILD)/obj/%.o,bench/unwind_tables.c \
		$(filter %/unwind_table.c %/cfi_check.c,$(AGENT_SRCS)))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $^ -o $@ -ldw -lelf
