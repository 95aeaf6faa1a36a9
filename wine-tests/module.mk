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
# - the table mutants keep the real runtime, but their test DLLs undo one of
#   its rules through its OS or mode table (wine-tests/hosts/target_dll.c,
#   WST_MUTANT_*);
# - the helper mutants keep the real runtime and test DLLs, but the
#   wsthelper.dll beside them is built with one of src/helper/'s
#   WST_MUTANT_HELPER_* defines (scenarios.MUTANTS runs them in helper mode).
#
# Every scenario directory holds a wsthelper.dll beside its programs, as a
# release zip's user would put it (helper mode looks next to the module,
# then next to the EXE). $(BUILD)/<arch>/helper-wrong-version/wsthelper.dll
# is a helper that offers another interface version (scenario
# helper-wrong-version copies it beside a host of its own; both architectures,
# for `run.py --arch i686`).
MUTANT_DEFINES_no-cancel := -DWST_MUTANT_NO_CANCEL
MUTANT_DEFINES_loader-lock := -DWST_MUTANT_LOADER_LOCK
MUTANT_DEFINES_exit-wait := -DWST_MUTANT_EXIT_WAIT
TABLE_MUTANTS := no-cancel loader-lock exit-wait
RUNTIME_MUTANTS := terminate-thread
HELPER_MUTANTS := helper-exit-thread helper-late-touch
HELPER_DEFINES_helper-exit-thread := -DWST_MUTANT_HELPER_EXIT_THREAD
HELPER_DEFINES_helper-late-touch := -DWST_MUTANT_HELPER_LATE_TOUCH
HELPER_DEFINES_wrong-version := -DWST_MUTANT_HELPER_VERSION=999u

# $(call helper_variant,ARCH,VARIANT,OUTPUT): wsthelper.dll built with
# HELPER_DEFINES_<VARIANT> (its own objects; the shared runtime objects stay).
define helper_variant
$(BUILD)/$(1)/obj/helper-$(2)/%.o: src/helper/%.c
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] $$< (helper $(2))"
	$$(Q)$$(CC_$(1)) $$(CFLAGS_WIN) -Isrc/runtime $(HELPER_DEFINES_$(2)) -c $$< -o $$@
$(call helper_dll_rule,$(3),$(1),$(patsubst src/helper/%.c,$(BUILD)/$(1)/obj/helper-$(2)/%.o,$(wildcard src/helper/*.c)))
endef
$(foreach m,$(HELPER_MUTANTS),$(eval $(call helper_variant,x86_64,$(m),$(BUILD)/x86_64/scenarios-$(m)/wsthelper.dll)))
$(foreach a,$(ARCHS),$(eval $(call helper_variant,$(a),wrong-version,$(BUILD)/$(a)/helper-wrong-version/wsthelper.dll)))

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
	$$(call link,$(1),-o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2)))

$(call SCEN_DIR,$(1),$(2))/wst_thousand.exe: $(call objs,$(1),wine-tests/hosts/wst_thousand.c) $(call SCEN_LIB,$(1),$(2))
	$$(call link,$(1),-o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2)))

$(call SCEN_DIR,$(1),$(2))/wst_target_%.dll: $(call SCEN_TARGET_OBJ,$(1),$(2)) $(call SCEN_LIB,$(1),$(2))
	$$(call link,$(1),-shared -o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2)))

# wst_many_names.dll: the target DLL plus 4,200 more counter names (pipe-many-counters).
$(call SCEN_DIR,$(1),$(2))/wst_many_names.dll: $(call SCEN_TARGET_OBJ,$(1),$(2)) $(call objs,$(1),wine-tests/hosts/wst_many_names.c) $(call SCEN_LIB,$(1),$(2))
	$$(call link,$(1),-shared -o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2)))

$(call SCEN_DIR,$(1),$(2))/wst_locker.dll $(call SCEN_DIR,$(1),$(2))/wst_slow.dll: $(call SCEN_DIR,$(1),$(2))/%.dll: $(BUILD)/$(1)/obj/wine-tests/hosts/%.o
	$$(call link,$(1),-shared -o $$@ $$<)

$(call SCEN_DIR,$(1),$(2))/wst_pipe_client.exe: $(call objs,$(1),wine-tests/hosts/wst_pipe_client.c src/common/protocol_codec.c src/common/status.c src/common/pipe_name.c)
	$$(call link,$(1),-o $$@ $$^)

$(call SCEN_DIR,$(1),$(2))/wst_squatter.exe $(call SCEN_DIR,$(1),$(2))/wst_tool.exe: $(call SCEN_DIR,$(1),$(2))/%.exe: $(BUILD)/$(1)/obj/wine-tests/hosts/%.o
	$$(call link,$(1),-o $$@ $$^)

$(call SCEN_DIR,$(1),$(2))/wst_hostile.dll: $(call objs,$(1),wine-tests/hosts/wst_hostile.c) $(call SCEN_LIB,$(1),$(2))
	$$(call link,$(1),-shared -o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2)))

$(call SCEN_DIR,$(1),$(2))/wst_hostile_host.exe: $(BUILD)/$(1)/obj/wine-tests/hosts/wst_hostile_host.o
	$$(call link,$(1),-o $$@ $$^)

# wst_dist.dll: time scopes, distributions and gauges; wst_dist_host.exe
# (not instrumented) drives it (the dist-* scenarios).
$(call SCEN_DIR,$(1),$(2))/wst_dist.dll: $(call objs,$(1),wine-tests/hosts/wst_dist.c) $(call SCEN_LIB,$(1),$(2))
	$$(call link,$(1),-shared -o $$@ $$(filter %.o,$$^) $(call SCEN_LINK,$(1),$(2)))

# wst_cxx.dll: C++, built with toolchain/wst-c++ as a user would (dist-cxx).
$(call SCEN_DIR,$(1),$(2))/wst_cxx.dll: wine-tests/hosts/wst_cxx.cpp wine-tests/hosts/wst_cxx.h \
		$(call SCEN_LIB,$(1),$(2)) toolchain/wst-c++ toolchain/wst-cc
	@mkdir -p $$(@D)
	@echo "  WST-C++ [$(1)] $$@"
	$$(Q)toolchain/wst-c++ --wst-arch=$(1) -std=c++17 -O2 -g -Wall -Wextra -Werror -shared \
		-o $$@ $$< -L$(abspath $(BUILD))/$(1)/lib

$(call SCEN_DIR,$(1),$(2))/wst_dist_host.exe: $(BUILD)/$(1)/obj/wine-tests/hosts/wst_dist_host.o
	$$(call link,$(1),-o $$@ $$^)

# The helper beside the programs: the real one, except in a helper mutant's
# directory (whose own rule, above, builds it).
$(if $(filter $(HELPER_MUTANTS),$(2)),,$(call SCEN_DIR,$(1),$(2))/wsthelper.dll: $(call HELPER_DLL,$(1))
	@mkdir -p $$(@D)
	$$(Q)cp $$< $$@)

SCENARIO_PROGRAMS_$(1)$(2) := $(addprefix $(call SCEN_DIR,$(1),$(2))/,wsthelper.dll wst_host.exe wst_target_a.dll \
	wst_target_b.dll wst_many_names.dll wst_locker.dll wst_slow.dll wst_pipe_client.exe \
	wst_squatter.exe wst_tool.exe wst_hostile.dll wst_hostile_host.exe wst_thousand.exe \
	wst_dist.dll wst_dist_host.exe wst_cxx.dll)
CROSS_OUTPUTS += $$(SCENARIO_PROGRAMS_$(1)$(2))
endef
$(foreach a,$(ARCHS),$(eval $(call scenario_rules,$(a),)))
$(foreach m,$(RUNTIME_MUTANTS) $(TABLE_MUTANTS) $(HELPER_MUTANTS),$(eval $(call scenario_rules,x86_64,$(m))))
CROSS_OUTPUTS += $(foreach a,$(ARCHS),$(BUILD)/$(a)/helper-wrong-version/wsthelper.dll)

TERMINATE_THREAD_OBJS := $(filter-out %/mode_threadpool.o,$(call objs,x86_64,$(RUNTIME_SRCS))) \
	$(call objs,x86_64,wine-tests/mutants/terminate_thread.c)
$(BUILD)/x86_64/obj/wine-tests/mutants/%.o: CFLAGS_EXTRA += -Isrc/runtime
$(BUILD)/x86_64/lib/libwinstrument-terminate-thread.a: $(TERMINATE_THREAD_OBJS)
	@mkdir -p $(@D)
	@echo "  AR [x86_64] $@ (mutant terminate-thread, tests only)"
	$(Q)rm -f $@ && $(AR_x86_64) rcs $@ $^

# The scenarios need the x86_64 programs and inspector, and the counters pair of
# every architecture (the i686 scenario fails, rightly, when its pair is
# missing); `make check` has built everything already, `make wine-check` and
# `make stress-check` alone build what they need.
SCENARIO_INPUTS := $(SCENARIO_PROGRAMS_x86_64) \
		$(foreach m,$(RUNTIME_MUTANTS) $(TABLE_MUTANTS) $(HELPER_MUTANTS),$(SCENARIO_PROGRAMS_x86_64$(m))) \
		$(BUILD)/x86_64/helper-wrong-version/wsthelper.dll \
		$(BUILD)/x86_64/bin/wst-inspect.exe \
		$(foreach a,$(ARCHS),$(BUILD)/$(a)/scenarios/counters_dll.dll \
			$(BUILD)/$(a)/scenarios/counters_host.exe)
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
	$$(call link,$(1),-shared -o $$@ $$< -L$(BUILD)/$(1)/lib -lwinstrument $(RUNTIME_SYSLIBS))
$(call COUNTERS_DIR,$(1))/counters_host.exe: $(call objs,$(1),wine-tests/hosts/counters_host.c) $(call RUNTIME_LIB,$(1))
	$$(call link,$(1),-o $$@ $$< -L$(BUILD)/$(1)/lib -lwinstrument $(RUNTIME_SYSLIBS))
CROSS_OUTPUTS += $(call COUNTERS_DIR,$(1))/counters_dll.dll $(call COUNTERS_DIR,$(1))/counters_host.exe
endef
$(foreach a,$(ARCHS),$(eval $(call counters_rules,$(a))))

# The functions-* scenarios' programs (wine-tests/cases/functions.py), built
# with toolchain/wst-cc --wst-functions as a user would, in
# $(BUILD)/<arch>/scenarios: wst_fn.dll (also as wst_fn_b.dll, a second
# module with its own table; as wst_fn_repro.dll, stripped into
# wst_fn_stripped.dll; and as wst_fn_rebuilt.dll), the C++
# wst_fn_cxx.dll, wst_fn_many.dll (more functions than a table takes), and
# wst_fn_host.exe, built calls-only.
FN_DIR = $(BUILD)/$(1)/scenarios
FN_HOOKS = $(call RUNTIME_LIB,$(1)) $(call FUNCTIONS_LIB,$(1),functions) \
	$(call FUNCTIONS_LIB,$(1),calls) toolchain/wst-cc
FN_CC = toolchain/wst-cc --wst-arch=$(1) -O2 -g -Wall -Wextra -Werror -L$(abspath $(BUILD))/$(1)/lib

define fn_rules
$(call FN_DIR,$(1))/wst_fn.dll $(call FN_DIR,$(1))/wst_fn_b.dll: wine-tests/hosts/wst_fn.c $(FN_HOOKS)
	@mkdir -p $$(@D)
	@echo "  WST-CC [$(1)] $$@"
	$$(Q)$(call FN_CC,$(1)) --wst-functions -shared -o $$@ $$<

# The user's own -foptimize-sibling-calls after wst-cc's flags overrides its
# -fno-optimize-sibling-calls (functions-sibling-calls).
$(call FN_DIR,$(1))/wst_fn_sib.dll: wine-tests/hosts/wst_fn.c $(FN_HOOKS)
	@mkdir -p $$(@D)
	@echo "  WST-CC [$(1)] $$@"
	$$(Q)$(call FN_CC,$(1)) --wst-functions -foptimize-sibling-calls -shared -o $$@ $$<

# Instrumented functions inlined into instrumented callers (functions-inline).
$(call FN_DIR,$(1))/wst_fn_inline.dll: wine-tests/hosts/wst_fn_inline.c $(FN_HOOKS)
	@mkdir -p $$(@D)
	@echo "  WST-CC [$(1)] $$@"
	$$(Q)$(call FN_CC,$(1)) --wst-functions -shared -o $$@ $$<

# wst_fn.c linked as a reproducible build links (no timestamp: 0 in every
# build), then stripped; and rebuilt with one constant changed, so that its
# headers equal the first's and only the build id tells them apart.
$(call FN_DIR,$(1))/wst_fn_repro.dll: wine-tests/hosts/wst_fn.c $(FN_HOOKS)
	@mkdir -p $$(@D)
	@echo "  WST-CC [$(1)] $$@"
	$$(Q)$(call FN_CC,$(1)) --wst-functions -Wl,--no-insert-timestamp -shared -o $$@ $$<

$(call FN_DIR,$(1))/wst_fn_rebuilt.dll: wine-tests/hosts/wst_fn.c $(FN_HOOKS)
	@mkdir -p $$(@D)
	@echo "  WST-CC [$(1)] $$@"
	$$(Q)$(call FN_CC,$(1)) --wst-functions -DWST_FN_BUILD_MARK=2 -Wl,--no-insert-timestamp \
		-shared -o $$@ $$<

$(call FN_DIR,$(1))/wst_fn_stripped.dll: $(call FN_DIR,$(1))/wst_fn_repro.dll
	@echo "  STRIP [$(1)] $$@"
	$$(Q)$(1)-w64-mingw32-strip -o $$@ $$<

$(call FN_DIR,$(1))/wst_fn_many.dll: wine-tests/hosts/wst_fn_many.c $(FN_HOOKS)
	@mkdir -p $$(@D)
	@echo "  WST-CC [$(1)] $$@"
	$$(Q)$(call FN_CC,$(1)) --wst-functions -shared -o $$@ $$<

$(call FN_DIR,$(1))/wst_fn_cxx.dll: wine-tests/hosts/wst_fn_cxx.cpp $(FN_HOOKS) toolchain/wst-c++
	@mkdir -p $$(@D)
	@echo "  WST-C++ [$(1)] $$@"
	$$(Q)toolchain/wst-c++ --wst-arch=$(1) --wst-functions -std=c++17 -O2 -g -Wall -Wextra \
		-Werror -L$(abspath $(BUILD))/$(1)/lib -shared -o $$@ $$<

$(call FN_DIR,$(1))/wst_fn_host.exe: wine-tests/hosts/wst_fn_host.c $(FN_HOOKS)
	@mkdir -p $$(@D)
	@echo "  WST-CC [$(1)] $$@"
	$$(Q)$(call FN_CC,$(1)) --wst-functions=calls -o $$@ $$<

FN_PROGRAMS_$(1) := $(addprefix $(call FN_DIR,$(1))/,wst_fn.dll wst_fn_b.dll wst_fn_sib.dll \
	wst_fn_stripped.dll wst_fn_repro.dll wst_fn_rebuilt.dll wst_fn_inline.dll \
	wst_fn_many.dll wst_fn_cxx.dll wst_fn_host.exe)
CROSS_OUTPUTS += $$(FN_PROGRAMS_$(1))
endef
$(foreach a,$(ARCHS),$(eval $(call fn_rules,$(a))))
wine-check stress-check: $(FN_PROGRAMS_x86_64) $(call FN_DIR,i686)/wst_fn_inline.dll \
	$(call FN_DIR,i686)/wst_fn_host.exe
# wst_cov.exe: the coverage scenarios' target, built with
# `wst-cc --wst-functions` and -g as a user would (cases/coverage.py); the
# prefix map makes its DWARF name the source ./wine-tests/hosts/wst_cov.c,
# which genhtml finds from the source tree's root.
# Both architectures, for `run.py --arch i686`.
COV_HOST := $(BUILD)/x86_64/scenarios/wst_cov.exe
$(BUILD)/%/scenarios/wst_cov.exe: wine-tests/hosts/wst_cov.c toolchain/wst-cc \
		$(BUILD)/%/lib/libwinstrument.a $(BUILD)/%/lib/libwinstrument-functions.a
	@mkdir -p $(@D)
	@echo "  WST-CC [$*] $@"
	$(Q)toolchain/wst-cc --wst-arch=$* --wst-functions -std=c11 -O1 -g -Wall -Wextra -Werror \
		-ffile-prefix-map=$(CURDIR)=. -o $@ $< -L$(abspath $(BUILD))/$*/lib
CROSS_OUTPUTS += $(foreach a,$(ARCHS),$(BUILD)/$(a)/scenarios/wst_cov.exe)
# The zlib scenario's programs (examples/module.mk), or its SKIPPED reason.
wine-check stress-check: $(COV_HOST) $(BUILD)/zlib/functions/zlib1.dll
# wst_sqlite_host.exe: the workload of scenario sqlite-live, an ordinary
# program (not instrumented) that loads SQLite's own DLL (examples/module.mk)
# with LoadLibrary, so it builds without SQLite's source.
SQLITE_HOST := $(BUILD)/x86_64/scenarios/wst_sqlite_host.exe
$(SQLITE_HOST): $(call objs,x86_64,wine-tests/hosts/wst_sqlite_host.c)
	$(call link,x86_64,-o $@ $^)
CROSS_OUTPUTS += $(SQLITE_HOST)
wine-check stress-check: $(SQLITE_HOST) $(BUILD)/sqlite/functions/libsqlite3-0.dll

# Mutant fn-no-repair: wst_fn.dll and wst_fn_cxx.dll linked with timed hooks
# that never repair frames by stack address
# (wine-tests/mutants/function_hooks_no_repair.c), beside the real host, in
# $(BUILD)/x86_64/scenarios-fn-no-repair; functions-unwind must catch it.
FN_MUTANT_DIR := $(BUILD)/x86_64/scenarios-fn-no-repair
FN_MUTANT_LIB := $(BUILD)/x86_64/lib/libwinstrument-functions-no-repair.a
FN_MUTANT_FLAGS := -O2 -g -finstrument-functions -fno-optimize-sibling-calls -Iinclude
FN_MUTANT_LINK := -L$(BUILD)/x86_64/lib -lwinstrument-functions-no-repair -lwinstrument \
	$(RUNTIME_SYSLIBS)
$(BUILD)/x86_64/obj/wine-tests/mutants/function_hooks_no_repair.o: CFLAGS_EXTRA += -Isrc/runtime
$(FN_MUTANT_LIB): $(BUILD)/x86_64/obj/wine-tests/mutants/function_hooks_no_repair.o
	@mkdir -p $(@D)
	@echo "  AR [x86_64] $@ (mutant fn-no-repair, tests only)"
	$(Q)rm -f $@ && $(AR_x86_64) rcs $@ $^
$(FN_MUTANT_DIR)/wst_fn.dll: wine-tests/hosts/wst_fn.c $(FN_MUTANT_LIB) $(call RUNTIME_LIB,x86_64)
	@mkdir -p $(@D)
	@echo "  LD [x86_64] $@ (mutant fn-no-repair)"
	$(Q)$(CC_x86_64) $(LDFLAGS_WIN) $(FN_MUTANT_FLAGS) -shared -o $@ $< $(FN_MUTANT_LINK)
$(FN_MUTANT_DIR)/wst_fn_cxx.dll: wine-tests/hosts/wst_fn_cxx.cpp $(FN_MUTANT_LIB) $(call RUNTIME_LIB,x86_64)
	@mkdir -p $(@D)
	@echo "  LD [x86_64] $@ (mutant fn-no-repair)"
	$(Q)x86_64-w64-mingw32-g++ $(FN_MUTANT_FLAGS) -shared -o $@ $< $(FN_MUTANT_LINK) \
		-static-libgcc -static-libstdc++
$(FN_MUTANT_DIR)/wst_fn_host.exe: $(call FN_DIR,x86_64)/wst_fn_host.exe
	@mkdir -p $(@D)
	$(Q)cp $< $@
FN_MUTANT_PROGRAMS := $(addprefix $(FN_MUTANT_DIR)/,wst_fn.dll wst_fn_cxx.dll wst_fn_host.exe)
CROSS_OUTPUTS += $(FN_MUTANT_PROGRAMS)
wine-check stress-check: $(FN_MUTANT_PROGRAMS)

# Mutant fn-key-only: wst_fn_inline.dll linked with timed hooks that tell
# frames apart by stack address alone (wine-tests/mutants/function_hooks_key_only.c),
# beside the real host; functions-inline must catch it.
FN_KEY_DIR := $(BUILD)/x86_64/scenarios-fn-key-only
FN_KEY_LIB := $(BUILD)/x86_64/lib/libwinstrument-functions-key-only.a
FN_KEY_LINK := -L$(BUILD)/x86_64/lib -lwinstrument-functions-key-only -lwinstrument \
	$(RUNTIME_SYSLIBS)
$(FN_KEY_LIB): $(BUILD)/x86_64/obj/wine-tests/mutants/function_hooks_key_only.o
	@mkdir -p $(@D)
	@echo "  AR [x86_64] $@ (mutant fn-key-only, tests only)"
	$(Q)rm -f $@ && $(AR_x86_64) rcs $@ $^
$(FN_KEY_DIR)/wst_fn_inline.dll: wine-tests/hosts/wst_fn_inline.c $(FN_KEY_LIB) $(call RUNTIME_LIB,x86_64)
	@mkdir -p $(@D)
	@echo "  LD [x86_64] $@ (mutant fn-key-only)"
	$(Q)$(CC_x86_64) $(FN_MUTANT_FLAGS) -shared -o $@ $< $(FN_KEY_LINK)
$(FN_KEY_DIR)/wst_fn_host.exe: $(call FN_DIR,x86_64)/wst_fn_host.exe
	@mkdir -p $(@D)
	$(Q)cp $< $@
CROSS_OUTPUTS += $(FN_KEY_DIR)/wst_fn_inline.dll $(FN_KEY_DIR)/wst_fn_host.exe
wine-check stress-check: $(FN_KEY_DIR)/wst_fn_inline.dll $(FN_KEY_DIR)/wst_fn_host.exe
# sqlite-live against fn-key-only: SQLite's object, as its own build compiled
# it (examples/sqlite/build.sh), linked again with the mutant hooks, and the
# workload host beside it. Without SQLite's source there is no object: the
# rule says so and makes nothing (sqlite-live skips, the mutant is still
# caught by functions-inline).
SQLITE_OBJ := $(BUILD)/sqlite/obj/.libs/sqlite3.o
$(FN_KEY_DIR)/libsqlite3-0.dll: $(BUILD)/sqlite/functions/libsqlite3-0.dll $(FN_KEY_LIB) \
		$(call RUNTIME_LIB,x86_64)
	@mkdir -p $(@D)
	@echo "  LD [x86_64] $@ (mutant fn-key-only)"
	$(Q)if [ -f $(SQLITE_OBJ) ]; then \
		$(CC_x86_64) $(LDFLAGS_WIN) -shared -o $@ $(SQLITE_OBJ) $(FN_KEY_LINK); \
	else echo "  (no SQLite build: $(BUILD)/sqlite/SKIPPED)"; fi
$(FN_KEY_DIR)/wst_sqlite_host.exe: $(SQLITE_HOST)
	@mkdir -p $(@D)
	$(Q)cp $< $@
CROSS_OUTPUTS += $(FN_KEY_DIR)/libsqlite3-0.dll $(FN_KEY_DIR)/wst_sqlite_host.exe
wine-check stress-check: $(FN_KEY_DIR)/libsqlite3-0.dll $(FN_KEY_DIR)/wst_sqlite_host.exe
