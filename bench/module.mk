# bench/: the counter-hit benchmark. Built like the project's own code (no
# instrumentation flags; its only probes are the WST_COUNT rows) and linked
# with libwinstrument.a. `make bench` builds the x86_64 program and runs it
# under Wine (or natively when BENCH_RUNNER is empty); `make cross` also builds
# the i686 one so that 32-bit builds stay honest.
#
#   make bench [BENCH_ARGS="--iterations N --repeat R"]
BENCH_SRCS := bench/bench_counters.c bench/self_region.c
BENCH_EXE = $(BUILD)/$(1)/bin/bench_counters.exe
BENCH_JSON := $(BUILD)/bench.json
BENCH_ARGS ?=

define bench_rules
$(call BENCH_EXE,$(1)): $(call objs,$(1),$(BENCH_SRCS)) $(call RUNTIME_LIB,$(1))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -o $$@ $(call objs,$(1),$(BENCH_SRCS)) \
		-L$(BUILD)/$(1)/lib -lwinstrument $(RUNTIME_SYSLIBS)
CROSS_OUTPUTS += $(call BENCH_EXE,$(1))
endef
$(foreach a,$(ARCHS),$(eval $(call bench_rules,$(a))))

# The JSON path is absolute so that Wine resolves it on its Z: drive (/).
bench: $(call BENCH_EXE,x86_64)
	$(Q)BUILD=$(BUILD) . scripts/wine-env.sh && \
		$$WINE $(call BENCH_EXE,x86_64) $(BENCH_ARGS) --json $(abspath $(BENCH_JSON))
