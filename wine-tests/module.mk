# Scenario programs, for each architecture, into $(BUILD)/<arch>/scenarios:
# the scriptable host (instrumented EXE), two instrumented DLLs built from one
# source, helper DLLs that hold the loader lock, and hostile pipe clients.
# The driver (wine-tests/run.py) runs them; wine-tests/scenarios.py says how.
#
# The same programs linked against the deliberately wrong runtime (its worker
# is stopped with TerminateThread: wine-tests/wrong/) go to
# $(BUILD)/x86_64/scenarios-wrong, for the scenarios marked `teeth`.
#
# And the mutants (scenarios-<mutant>): the real runtime, but the probe DLLs
# undo one of its rules through its OS or mode table (wine-tests/hosts/
# wst_probe.c, WST_MUTANT_*). scenarios.MUTANTS says which scenarios catch them.
MUTANT_DEFINES_nocancel := -DWST_MUTANT_NO_CANCEL
MUTANT_DEFINES_loaderlock := -DWST_MUTANT_LOADER_LOCK
MUTANT_DEFINES_exitwait := -DWST_MUTANT_EXIT_WAIT
MUTANTS := nocancel loaderlock exitwait

SCEN_DIR = $(BUILD)/$(1)/scenarios$(if $(2),-$(2))
SCEN_LINK = -L$(BUILD)/$(1)/lib -lwinstrument$(if $(filter wrong,$(2)),-wrong) $(RUNTIME_SYSLIBS)
SCEN_LIB = $(BUILD)/$(1)/lib/libwinstrument$(if $(filter wrong,$(2)),-wrong).a
SCEN_PROBE_OBJ = $(if $(filter $(MUTANTS),$(2)),$(BUILD)/$(1)/obj/wine-tests/hosts/wst_probe_$(2).o,$(call objs,$(1),wine-tests/hosts/wst_probe.c))

define mutant_probe_rule
$(BUILD)/x86_64/obj/wine-tests/hosts/wst_probe_$(1).o: wine-tests/hosts/wst_probe.c
	@mkdir -p $$(@D)
	@echo "  CC [x86_64] $$< (mutant $(1))"
	$$(Q)$$(CC_x86_64) $$(CFLAGS_WIN) -Isrc/runtime $(MUTANT_DEFINES_$(1)) -c $$< -o $$@
endef
$(foreach m,$(MUTANTS),$(eval $(call mutant_probe_rule,$(m))))

# $(call scenario_rules,ARCH,VARIANT): VARIANT empty for the real runtime,
# "wrong" or one of $(MUTANTS) for the test-only variants.

define scenario_rules
$(call SCEN_DIR,$(1),$(2))/wst_host.exe: $(call objs,$(1),wine-tests/hosts/wst_host.c wine-tests/hosts/resources.c) $(call SCEN_LIB,$(1),$(2))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2))

$(call SCEN_DIR,$(1),$(2))/wst_probe_%.dll: $(call SCEN_PROBE_OBJ,$(1),$(2)) $(call SCEN_LIB,$(1),$(2))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -shared -o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2))

# wst_many.dll: the probe DLL plus 4,200 more counter names (pipe-many-counters).
$(call SCEN_DIR,$(1),$(2))/wst_many.dll: $(call SCEN_PROBE_OBJ,$(1),$(2)) $(call objs,$(1),wine-tests/hosts/wst_many_counters.c) $(call SCEN_LIB,$(1),$(2))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -shared -o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2))

$(call SCEN_DIR,$(1),$(2))/wst_locker.dll $(call SCEN_DIR,$(1),$(2))/wst_slow.dll: $(call SCEN_DIR,$(1),$(2))/%.dll: $(BUILD)/$(1)/obj/wine-tests/hosts/%.o
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -shared -o $$@ $$<

$(call SCEN_DIR,$(1),$(2))/wst_pipe_client.exe: $(call objs,$(1),wine-tests/hosts/wst_pipe_client.c src/common/protocol_codec.c src/common/status.c)
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -o $$@ $$^

$(call SCEN_DIR,$(1),$(2))/wst_squatter.exe $(call SCEN_DIR,$(1),$(2))/wst_tool.exe: $(call SCEN_DIR,$(1),$(2))/%.exe: $(BUILD)/$(1)/obj/wine-tests/hosts/%.o
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -o $$@ $$^

SCENARIO_PROGRAMS_$(1)$(2) := $(addprefix $(call SCEN_DIR,$(1),$(2))/,wst_host.exe wst_probe_a.dll \
	wst_probe_b.dll wst_many.dll wst_locker.dll wst_slow.dll wst_pipe_client.exe wst_squatter.exe \
	wst_tool.exe)
CROSS_OUTPUTS += $$(SCENARIO_PROGRAMS_$(1)$(2))
endef
$(foreach a,$(ARCHS),$(eval $(call scenario_rules,$(a),)))
$(eval $(call scenario_rules,x86_64,wrong))
$(foreach m,$(MUTANTS),$(eval $(call scenario_rules,x86_64,$(m))))

WRONG_RUNTIME_OBJS := $(filter-out %/mode_threadpool.o,$(call objs,x86_64,$(RUNTIME_SRCS))) \
	$(call objs,x86_64,wine-tests/wrong/mode_threadpool_terminate.c)
$(BUILD)/x86_64/obj/wine-tests/wrong/%.o: CFLAGS_EXTRA += -Isrc/runtime
$(BUILD)/x86_64/lib/libwinstrument-wrong.a: $(WRONG_RUNTIME_OBJS)
	@mkdir -p $(@D)
	@echo "  AR [x86_64] $@ (wrong runtime, tests only)"
	$(Q)rm -f $@ && $(AR_x86_64) rcs $@ $^

# The scenarios need the x86_64 programs and inspector; `make check` has built
# everything already, `make wine-check` alone builds what it needs.
wine-check: $(SCENARIO_PROGRAMS_x86_64) $(SCENARIO_PROGRAMS_x86_64wrong) \
		$(foreach m,$(MUTANTS),$(SCENARIO_PROGRAMS_x86_64$(m))) \
		$(BUILD)/x86_64/bin/wst-inspect.exe
	$(Q)$(PYTHON) wine-tests/run.py --build $(BUILD) $(SCENARIO_ARGS)
