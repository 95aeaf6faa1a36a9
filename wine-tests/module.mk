# Scenario programs, for each architecture, into $(BUILD)/<arch>/scenarios:
# the scriptable host (instrumented EXE), two instrumented DLLs built from one
# source, helper DLLs that hold the loader lock, hostile pipe clients, and a
# DLL and host whose counter and module names are hostile to a terminal.
# The driver (wine-tests/run.py) runs them; wine-tests/scenarios.py says how.
#
# The mutants: deliberately wrong builds of the same programs, each in
# $(BUILD)/x86_64/scenarios-<mutant>; scenarios.MUTANTS says which scenarios
# must catch each.
# - terminate-thread: linked against a runtime whose threadpool mode is
#   replaced by wine-tests/mutants/terminate_thread.c (its worker is a plain
#   thread, stopped with TerminateThread);
# - the others keep the real runtime, but their test DLLs undo one of its
#   rules through its OS or mode table (wine-tests/hosts/target_dll.c,
#   WST_MUTANT_*).
MUTANT_DEFINES_no-cancel := -DWST_MUTANT_NO_CANCEL
MUTANT_DEFINES_loader-lock := -DWST_MUTANT_LOADER_LOCK
MUTANT_DEFINES_exit-wait := -DWST_MUTANT_EXIT_WAIT
TABLE_MUTANTS := no-cancel loader-lock exit-wait
RUNTIME_MUTANTS := terminate-thread

SCEN_DIR = $(BUILD)/$(1)/scenarios$(if $(2),-$(2))
SCEN_LIB_NAME = winstrument$(if $(filter $(RUNTIME_MUTANTS),$(2)),-$(2))
SCEN_LINK = -L$(BUILD)/$(1)/lib -l$(SCEN_LIB_NAME) $(RUNTIME_SYSLIBS)
SCEN_LIB = $(BUILD)/$(1)/lib/lib$(SCEN_LIB_NAME).a
SCEN_TARGET_OBJ = $(if $(filter $(TABLE_MUTANTS),$(2)),$(BUILD)/$(1)/obj/wine-tests/hosts/target_dll_$(2).o,$(call objs,$(1),wine-tests/hosts/target_dll.c))

define mutant_target_rule
$(BUILD)/x86_64/obj/wine-tests/hosts/target_dll_$(1).o: wine-tests/hosts/target_dll.c
	@mkdir -p $$(@D)
	@echo "  CC [x86_64] $$< (mutant $(1))"
	$$(Q)$$(CC_x86_64) $$(CFLAGS_WIN) -Isrc/runtime $(MUTANT_DEFINES_$(1)) -c $$< -o $$@
endef
$(foreach m,$(TABLE_MUTANTS),$(eval $(call mutant_target_rule,$(m))))

# $(call scenario_rules,ARCH,VARIANT): VARIANT empty for the real runtime,
# or a mutant's name.

define scenario_rules
$(call SCEN_DIR,$(1),$(2))/wst_host.exe: $(call objs,$(1),wine-tests/hosts/wst_host.c wine-tests/hosts/resources.c) $(call SCEN_LIB,$(1),$(2))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2))

$(call SCEN_DIR,$(1),$(2))/wst_thousand.exe: $(call objs,$(1),wine-tests/hosts/wst_thousand.c) $(call SCEN_LIB,$(1),$(2))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2))

$(call SCEN_DIR,$(1),$(2))/wst_target_%.dll: $(call SCEN_TARGET_OBJ,$(1),$(2)) $(call SCEN_LIB,$(1),$(2))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -shared -o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2))

# wst_many_names.dll: the target DLL plus 4,200 more counter names (pipe-many-counters).
$(call SCEN_DIR,$(1),$(2))/wst_many_names.dll: $(call SCEN_TARGET_OBJ,$(1),$(2)) $(call objs,$(1),wine-tests/hosts/wst_many_names.c) $(call SCEN_LIB,$(1),$(2))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -shared -o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2))

$(call SCEN_DIR,$(1),$(2))/wst_locker.dll $(call SCEN_DIR,$(1),$(2))/wst_slow.dll: $(call SCEN_DIR,$(1),$(2))/%.dll: $(BUILD)/$(1)/obj/wine-tests/hosts/%.o
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -shared -o $$@ $$<

$(call SCEN_DIR,$(1),$(2))/wst_pipe_client.exe: $(call objs,$(1),wine-tests/hosts/wst_pipe_client.c src/common/protocol_codec.c src/common/status.c src/common/pipe_name.c)
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -o $$@ $$^

$(call SCEN_DIR,$(1),$(2))/wst_squatter.exe $(call SCEN_DIR,$(1),$(2))/wst_tool.exe: $(call SCEN_DIR,$(1),$(2))/%.exe: $(BUILD)/$(1)/obj/wine-tests/hosts/%.o
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -o $$@ $$^

$(call SCEN_DIR,$(1),$(2))/wst_hostile.dll: $(call objs,$(1),wine-tests/hosts/wst_hostile.c) $(call SCEN_LIB,$(1),$(2))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -shared -o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2))

$(call SCEN_DIR,$(1),$(2))/wst_hostile_host.exe: $(BUILD)/$(1)/obj/wine-tests/hosts/wst_hostile_host.o
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -o $$@ $$^

# wst_dist.dll: time scopes, distributions and gauges; wst_dist_host.exe
# (not instrumented) drives it (the dist-* scenarios).
$(call SCEN_DIR,$(1),$(2))/wst_dist.dll: $(call objs,$(1),wine-tests/hosts/wst_dist.c) $(call SCEN_LIB,$(1),$(2))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -shared -o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2))

# wst_cxx.dll: C++, built with toolchain/wst-c++ as a user would (dist-cxx).
$(call SCEN_DIR,$(1),$(2))/wst_cxx.dll: wine-tests/hosts/wst_cxx.cpp wine-tests/hosts/wst_cxx.h \
		$(call SCEN_LIB,$(1),$(2)) toolchain/wst-c++ toolchain/wst-cc
	@mkdir -p $$(@D)
	@echo "  WST-C++ [$(1)] $$@"
	$$(Q)toolchain/wst-c++ --wst-arch=$(1) -std=c++17 -O2 -g -Wall -Wextra -Werror -shared \
		-o $$@ $$< -L$(abspath $(BUILD))/$(1)/lib

$(call SCEN_DIR,$(1),$(2))/wst_dist_host.exe: $(BUILD)/$(1)/obj/wine-tests/hosts/wst_dist_host.o
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -o $$@ $$^

SCENARIO_PROGRAMS_$(1)$(2) := $(addprefix $(call SCEN_DIR,$(1),$(2))/,wst_host.exe wst_target_a.dll \
	wst_target_b.dll wst_many_names.dll wst_locker.dll wst_slow.dll wst_pipe_client.exe \
	wst_squatter.exe wst_tool.exe wst_hostile.dll wst_hostile_host.exe wst_thousand.exe \
	wst_dist.dll wst_dist_host.exe wst_cxx.dll)
CROSS_OUTPUTS += $$(SCENARIO_PROGRAMS_$(1)$(2))
endef
$(foreach a,$(ARCHS),$(eval $(call scenario_rules,$(a),)))
$(foreach m,$(RUNTIME_MUTANTS) $(TABLE_MUTANTS),$(eval $(call scenario_rules,x86_64,$(m))))

TERMINATE_THREAD_OBJS := $(filter-out %/mode_threadpool.o,$(call objs,x86_64,$(RUNTIME_SRCS))) \
	$(call objs,x86_64,wine-tests/mutants/terminate_thread.c)
$(BUILD)/x86_64/obj/wine-tests/mutants/%.o: CFLAGS_EXTRA += -Isrc/runtime
$(BUILD)/x86_64/lib/libwinstrument-terminate-thread.a: $(TERMINATE_THREAD_OBJS)
	@mkdir -p $(@D)
	@echo "  AR [x86_64] $@ (mutant terminate-thread, tests only)"
	$(Q)rm -f $@ && $(AR_x86_64) rcs $@ $^

# The scenarios need the x86_64 programs and inspector; `make check` has built
# everything already, `make wine-check` alone builds what it needs.
SCENARIO_INPUTS := $(SCENARIO_PROGRAMS_x86_64) \
		$(foreach m,$(RUNTIME_MUTANTS) $(TABLE_MUTANTS),$(SCENARIO_PROGRAMS_x86_64$(m))) \
		$(BUILD)/x86_64/bin/wst-inspect.exe
wine-check: $(SCENARIO_INPUTS)
	$(Q)$(PYTHON) wine-tests/run.py --build $(BUILD) $(SCENARIO_ARGS)

# The same scenarios while a background load keeps every CPU busy: no verdict
# may depend on the machine's speed. STRESS_REPEAT passes run back to back.
STRESS_REPEAT ?= 1
stress-check: $(SCENARIO_INPUTS)
	$(Q)$(PYTHON) wine-tests/run.py --build $(BUILD) --stress --repeat $(STRESS_REPEAT) \
		$(SCENARIO_ARGS)

# The dist_zip and i686 scenarios' target: counters_host.exe, which loads
# counters_dll.dll, both instrumented, in $(BUILD)/<arch>/scenarios for both
# architectures (the i686 scenario reads the 32-bit pair with the 64-bit
# inspector; the dist_zip scenario builds its own pair with the zip's wst-cc).
COUNTERS_DIR = $(BUILD)/$(1)/scenarios

define counters_rules
$(call COUNTERS_DIR,$(1))/counters_dll.dll: $(call objs,$(1),wine-tests/hosts/counters_dll.c) $(call RUNTIME_LIB,$(1))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -shared -o $$@ $$< -L$(BUILD)/$(1)/lib -lwinstrument $(RUNTIME_SYSLIBS)
$(call COUNTERS_DIR,$(1))/counters_host.exe: $(call objs,$(1),wine-tests/hosts/counters_host.c) $(call RUNTIME_LIB,$(1))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -o $$@ $$< -L$(BUILD)/$(1)/lib -lwinstrument $(RUNTIME_SYSLIBS)
CROSS_OUTPUTS += $(call COUNTERS_DIR,$(1))/counters_dll.dll $(call COUNTERS_DIR,$(1))/counters_host.exe
endef
$(foreach a,$(ARCHS),$(eval $(call counters_rules,$(a))))
