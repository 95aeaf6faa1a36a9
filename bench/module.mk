# bench/: the counter-hit benchmark, and below it the load/unload one. Built
# like the project's own code (no instrumentation flags; the counter
# benchmark's only probes are the WST_COUNT rows) and linked with
# libwinstrument.a. `make bench` builds the x86_64 programs and runs them
# under Wine; `make cross` also builds the i686 ones so that 32-bit builds
# stay honest.
#
#   make bench [BENCH_ARGS="--iterations N --repeat R"]
# Both benchmarks share bench_common.c; the counter benchmark reads its own
# region through the inspector's platform-free parsers (src/common).
BENCH_COMMON_SRCS := bench/bench_common.c
BENCH_SRCS := bench/bench_counters.c bench/self_region.c $(BENCH_COMMON_SRCS) \
	src/common/pe_image.c src/common/region_parse.c src/common/status.c
BENCH_EXE = $(BUILD)/$(1)/bin/bench_counters.exe
BENCH_JSON := $(BUILD)/bench.json
BENCH_ARGS ?=

# bench_dist: time scopes and distributions against a counter hit and a pair
# of QueryPerformanceCounter calls; its JSON joins build/bench.json as "dist".
BENCH_DIST_SRCS := bench/bench_dist.c bench/self_region.c $(BENCH_COMMON_SRCS) \
	src/common/pe_image.c src/common/region_parse.c src/common/status.c
BENCH_DIST_EXE = $(BUILD)/$(1)/bin/bench_dist.exe
BENCH_DIST_JSON := $(BUILD)/bench-dist.json

# The thread-churn rows load bench_churn.dll (bench/churn_dll.c), whose own
# DllMain hits a counter at thread detach; it sits next to the benchmark.
BENCH_CHURN_DLL = $(BUILD)/$(1)/bin/bench_churn.dll

# What a benchmark program links after its objects: the runtime.
BENCH_LINK = -L$(BUILD)/$(1)/lib -lwinstrument $(RUNTIME_SYSLIBS)

define bench_rules
$(call BENCH_EXE,$(1)): $(call objs,$(1),$(BENCH_SRCS)) $(call RUNTIME_LIB,$(1)) \
		$(call BENCH_CHURN_DLL,$(1))
	$$(call link,$(1),-o $$@ $(call objs,$(1),$(BENCH_SRCS)) $(call BENCH_LINK,$(1)))

$(call BENCH_CHURN_DLL,$(1)): $(call objs,$(1),bench/churn_dll.c) $(call RUNTIME_LIB,$(1))
	$$(call link,$(1),-shared -o $$@ $(call objs,$(1),bench/churn_dll.c) $(call BENCH_LINK,$(1)))
$(call BENCH_DIST_EXE,$(1)): $(call objs,$(1),$(BENCH_DIST_SRCS)) $(call RUNTIME_LIB,$(1))
	$$(call link,$(1),-o $$@ $(call objs,$(1),$(BENCH_DIST_SRCS)) $(call BENCH_LINK,$(1)))
CROSS_OUTPUTS += $(call BENCH_EXE,$(1)) $(call BENCH_CHURN_DLL,$(1)) $(call BENCH_DIST_EXE,$(1))
endef
$(foreach a,$(ARCHS),$(eval $(call bench_rules,$(a))))

# The load/unload benchmark: a host that is not instrumented, and one DLL
# source built twice, with the runtime (lifecycle_wst.dll) and without it
# (lifecycle_plain.dll, -DWST_BENCH_PLAIN), so that the two differ only by the
# runtime. The host re-runs itself once per mode (the mode is per process).
# lifecycle_floor.dll (bench/trigger_floor_dll.c) is the design floor: only the
# on-demand trigger's mechanism (a named event and a pool wait on it, and a
# pool callback blocked in one pipe wait), without the runtime.
# lifecycle_hfloor.dll (bench/helper_floor_dll.c) and hfloor_helper.dll
# (bench/helper_floor_helper.c) are helper mode's design floor: the deferred
# load of a second DLL whose one thread waits for the stop and leaves through
# FreeLibraryAndExitThread, without the runtime.
# Every case runs in two hosts: one that loads advapi32 first (as most
# processes have it), and one with only what bench_lifecycle.exe imports
# (kernel32, msvcrt), where a DLL importing advapi32 would load it per cycle.
#
#   make bench [BENCH_LC_ARGS="--cycles N --repeat R"]
BENCH_LC_EXE = $(BUILD)/$(1)/bin/bench_lifecycle.exe
BENCH_LC_DLLS = $(BUILD)/$(1)/bin/lifecycle_wst.dll $(BUILD)/$(1)/bin/lifecycle_plain.dll \
	$(BUILD)/$(1)/bin/lifecycle_floor.dll $(call HELPER_DLL,$(1)) \
	$(BUILD)/$(1)/bin/lifecycle_hfloor.dll $(BUILD)/$(1)/bin/hfloor_helper.dll
BENCH_LC_JSON := $(BUILD)/bench-lifecycle.json
BENCH_LC_ARGS ?=

define bench_lc_rules
$(call BENCH_LC_EXE,$(1)): $(call objs,$(1),bench/bench_lifecycle.c $(BENCH_COMMON_SRCS))
	$$(call link,$(1),-o $$@ $$^)

$(BUILD)/$(1)/obj/bench/lifecycle_dll_plain.o: bench/lifecycle_dll.c
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] $$< (plain)"
	$$(Q)$$(CC_$(1)) $$(CFLAGS_WIN) $$(CFLAGS_EXTRA) -DWST_BENCH_PLAIN -c $$< -o $$@

$(BUILD)/$(1)/bin/lifecycle_plain.dll: $(BUILD)/$(1)/obj/bench/lifecycle_dll_plain.o
	$$(call link,$(1),-shared -o $$@ $$<)

$(BUILD)/$(1)/bin/lifecycle_floor.dll: $(call objs,$(1),bench/trigger_floor_dll.c)
	$$(call link,$(1),-shared -o $$@ $$<)

$(BUILD)/$(1)/bin/lifecycle_hfloor.dll: $(call objs,$(1),bench/helper_floor_dll.c)
	$$(call link,$(1),-shared -o $$@ $$<)

# --kill-at: i686 exports the stdcall start undecorated, as GetProcAddress asks.
$(BUILD)/$(1)/bin/hfloor_helper.dll: $(call objs,$(1),bench/helper_floor_helper.c)
	$$(call link,$(1),-shared -o $$@ $$< $$(KILL_AT))

$(BUILD)/$(1)/bin/lifecycle_wst.dll: $(call objs,$(1),bench/lifecycle_dll.c) $(call RUNTIME_LIB,$(1))
	$$(call link,$(1),-shared -o $$@ $$(filter %.o,$$^) $(call BENCH_LINK,$(1)))
# server_calls.exe: one of these DLLs' cycles with phase markers, for
# counting Wine server calls under WINEDEBUG=+server (docs/modes.md, "Costs").
$(BUILD)/$(1)/bin/server_calls.exe: $(call objs,$(1),bench/server_calls.c)
	$$(call link,$(1),-o $$@ $$^)
CROSS_OUTPUTS += $(call BENCH_LC_EXE,$(1)) $(call BENCH_LC_DLLS,$(1)) \
	$(BUILD)/$(1)/bin/server_calls.exe
endef
$(foreach a,$(ARCHS),$(eval $(call bench_lc_rules,$(a))))

# The scrape benchmark (issue 13): one scrape of the metrics endpoint over a
# fleet of wst_thousand.exe (the scenario program with 1,000 counters), timed
# with the inspector's own collection and OpenMetrics writer.
#
#   make bench [BENCH_SCRAPE_ARGS="--processes N --repeat R"]
BENCH_SCRAPE_EXE = $(BUILD)/$(1)/bin/bench_scrape.exe
BENCH_SCRAPE_JSON := $(BUILD)/bench-scrape.json
BENCH_SCRAPE_ARGS ?= --processes 100 --repeat 5

define bench_scrape_rules
$(call objs,$(1),bench/bench_scrape.c): CFLAGS_EXTRA += -Isrc/inspector -D__USE_MINGW_ANSI_STDIO=1
$(call BENCH_SCRAPE_EXE,$(1)): $(call objs,$(1),bench/bench_scrape.c $(BENCH_COMMON_SRCS) \
		$(INSPECTOR_LIB_SRCS))
	$$(call link,$(1),-o $$@ $$^ $$(INSPECTOR_LIBS))
CROSS_OUTPUTS += $(call BENCH_SCRAPE_EXE,$(1))
endef
$(foreach a,$(ARCHS),$(eval $(call bench_scrape_rules,$(a))))

# The function profilers' benchmark: one DLL source (bench/functions_dll.c)
# built plain, with gcc -pg (gprof), with gcc --coverage (gcov), with
# --wst-functions=calls and with --wst-functions, and the two-rdtsc floor,
# timed side by side by bench_functions.exe (not instrumented); its JSON
# joins build/bench.json as "functions". It runs in its own directory, where
# the gprof build leaves its gmon.out at exit.
#
#   make bench [BENCH_FN_ARGS="--iterations N --repeat R"]
BENCH_FN_EXE = $(BUILD)/$(1)/bin/bench_functions.exe
BENCH_FN_DLLS = $(addprefix $(BUILD)/$(1)/bin/bench_fn_,plain.dll gprof.dll gcov.dll calls.dll \
	time.dll rdtsc.dll)
BENCH_FN_JSON := $(BUILD)/bench-functions.json
BENCH_FN_ARGS ?=
BENCH_FN_WST = toolchain/wst-cc --wst-arch=$(1) -O2 -L$(abspath $(BUILD))/$(1)/lib -shared

define bench_fn_rules
$(call BENCH_FN_EXE,$(1)): $(call objs,$(1),bench/bench_functions.c $(BENCH_COMMON_SRCS))
	$$(call link,$(1),-o $$@ $$^)
$(BUILD)/$(1)/bin/bench_fn_plain.dll: bench/functions_dll.c
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] $$@"
	$$(Q)$$(CC_$(1)) $(LDFLAGS_WIN) -O2 -shared -o $$@ $$<
$(BUILD)/$(1)/bin/bench_fn_gprof.dll: bench/functions_dll.c
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] $$@"
	$$(Q)$$(CC_$(1)) $(LDFLAGS_WIN) -O2 -pg -shared -o $$@ $$<
# --coverage writes its counts (.gcda) at unload, beside the object: under
# $(BUILD), with -fprofile-dir keeping them out of the source tree.
$(BUILD)/$(1)/bin/bench_fn_gcov.dll: bench/functions_dll.c
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] $$@"
	$$(Q)$$(CC_$(1)) $(LDFLAGS_WIN) -O2 --coverage -fprofile-dir=$(abspath $(BUILD))/$(1)/gcov \
		-shared -o $$@ $$<
$(BUILD)/$(1)/bin/bench_fn_rdtsc.dll: bench/functions_dll.c
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] $$@"
	$$(Q)$$(CC_$(1)) $(LDFLAGS_WIN) -O2 -DBENCH_FN_RDTSC_FLOOR -shared -o $$@ $$<
$(BUILD)/$(1)/bin/bench_fn_calls.dll: bench/functions_dll.c $(FN_HOOKS)
	@mkdir -p $$(@D)
	@echo "  WST-CC [$(1)] $$@"
	$$(Q)$(call BENCH_FN_WST,$(1)) --wst-functions=calls -o $$@ $$<
$(BUILD)/$(1)/bin/bench_fn_time.dll: bench/functions_dll.c $(FN_HOOKS)
	@mkdir -p $$(@D)
	@echo "  WST-CC [$(1)] $$@"
	$$(Q)$(call BENCH_FN_WST,$(1)) --wst-functions -o $$@ $$<
CROSS_OUTPUTS += $(call BENCH_FN_EXE,$(1)) $(call BENCH_FN_DLLS,$(1))
endef
$(foreach a,$(ARCHS),$(eval $(call bench_fn_rules,$(a))))

# The JSON paths are absolute so that Wine resolves them on its Z: drive (/).
# The lifecycle figures join build/bench.json as its "lifecycle" section; the
# counter benchmark's own keys stay as they are.
bench: $(call BENCH_EXE,x86_64) $(call BENCH_LC_EXE,x86_64) $(call BENCH_LC_DLLS,x86_64) \
		$(call BENCH_SCRAPE_EXE,x86_64) $(BUILD)/x86_64/scenarios/wst_thousand.exe \
		$(call BENCH_DIST_EXE,x86_64) $(call BENCH_FN_EXE,x86_64) $(call BENCH_FN_DLLS,x86_64)
	$(Q)BUILD=$(BUILD) . scripts/wine-env.sh && \
		$$WINE $(call BENCH_EXE,x86_64) $(BENCH_ARGS) --json $(abspath $(BENCH_JSON)) && \
		echo && \
		$$WINE $(call BENCH_LC_EXE,x86_64) $(BENCH_LC_ARGS) --json $(abspath $(BENCH_LC_JSON)) && \
		$(PYTHON) bench/merge_json.py $(BENCH_JSON) $(BENCH_LC_JSON) lifecycle && \
		echo && \
		$$WINE $(call BENCH_SCRAPE_EXE,x86_64) $(BENCH_SCRAPE_ARGS) \
			--child $(abspath $(BUILD)/x86_64/scenarios/wst_thousand.exe) \
			--json $(abspath $(BENCH_SCRAPE_JSON)) && \
		$(PYTHON) bench/merge_json.py $(BENCH_JSON) $(BENCH_SCRAPE_JSON) scrape && \
		echo && \
		$$WINE $(call BENCH_DIST_EXE,x86_64) $(BENCH_DIST_ARGS) --json $(abspath $(BENCH_DIST_JSON)) && \
		$(PYTHON) bench/merge_json.py $(BENCH_JSON) $(BENCH_DIST_JSON) dist && \
		echo && \
		(cd $(BUILD)/x86_64/bin && $$WINE ./bench_functions.exe $(BENCH_FN_ARGS) \
			--json $(abspath $(BENCH_FN_JSON))) && \
		$(PYTHON) bench/merge_json.py $(BENCH_JSON) $(BENCH_FN_JSON) functions && \
		echo && \
		$(MAKE) --no-print-directory bench-zlib && \
		echo && \
		$(MAKE) --no-print-directory bench-sqlite

# The whole-library benchmark (bench/bench_zlib.c): zlib, built unmodified by
# examples/zlib/build.sh five ways (plain, gcc -pg, gcc --coverage,
# --wst-functions=calls, --wst-functions), compressing 64 MiB in the bench's
# own directory (gprof's gmon.out lands there); its JSON joins
# build/bench.json as "zlib". Only `make bench` builds the plain, gprof, gcov
# and calls variants. When zlib's
# source cannot be fetched it says SKIPPED and why, and succeeds.
#
#   make bench-zlib [BENCH_ZLIB_ARGS="--mib N --repeat R"]
BENCH_ZLIB_EXE := $(BUILD)/x86_64/bin/bench_zlib.exe
BENCH_ZLIB_JSON := $(BUILD)/bench-zlib.json
BENCH_ZLIB_ARGS ?= --mib 64 --repeat 3
BENCH_ZLIB_VARIANTS := plain gprof gcov calls functions
$(BENCH_ZLIB_EXE): $(call objs,x86_64,bench/bench_zlib.c $(BENCH_COMMON_SRCS))
	$(call link,x86_64,-o $@ $^)
CROSS_OUTPUTS += $(BENCH_ZLIB_EXE)

.PHONY: bench-zlib
bench-zlib: $(BENCH_ZLIB_EXE)
	$(Q)$(MAKE) --no-print-directory $(foreach v,$(BENCH_ZLIB_VARIANTS),$(BUILD)/zlib/$(v)/zlib1.dll)
	$(Q)if [ -f $(BUILD)/zlib/SKIPPED ]; then \
		echo "bench-zlib: SKIPPED: $$(head -n 1 $(BUILD)/zlib/SKIPPED)"; exit 0; fi; \
	for v in $(BENCH_ZLIB_VARIANTS); do \
		cp $(BUILD)/zlib/$$v/zlib1.dll $(BUILD)/x86_64/bin/bench_zlib_$$v.dll || exit 1; \
	done; \
	BUILD=$(BUILD) . scripts/wine-env.sh && \
		(cd $(BUILD)/x86_64/bin && $$WINE ./bench_zlib.exe $(BENCH_ZLIB_ARGS) \
			--json $(abspath $(BENCH_ZLIB_JSON))) && \
		if [ -f $(BENCH_JSON) ]; then \
			$(PYTHON) bench/merge_json.py $(BENCH_JSON) $(BENCH_ZLIB_JSON) zlib; fi

# The call-dense whole-library benchmark (bench/bench_sqlite.c): SQLite's
# DLL built unmodified by examples/sqlite/build.sh five ways (plain, gcc -pg,
# gcc --coverage, --wst-functions=calls, --wst-functions), loaded side by
# side; its JSON joins build/bench.json as "sqlite". The functions variant
# (make cross builds it for sqlite-live) fetches the source first. When
# SQLite's source cannot be fetched it says SKIPPED and why, and succeeds.
#
#   make bench-sqlite [BENCH_SQLITE_ARGS="--rows N --repeat R"]
BENCH_SQLITE_EXE := $(BUILD)/x86_64/bin/bench_sqlite.exe
BENCH_SQLITE_JSON := $(BUILD)/bench-sqlite.json
BENCH_SQLITE_ARGS ?= --rows 200000 --repeat 3
BENCH_SQLITE_VARIANTS := plain gprof gcov calls functions
$(BENCH_SQLITE_EXE): $(call objs,x86_64,bench/bench_sqlite.c $(BENCH_COMMON_SRCS))
	$(call link,x86_64,-o $@ $^)
CROSS_OUTPUTS += $(BENCH_SQLITE_EXE)

.PHONY: bench-sqlite
bench-sqlite: $(BENCH_SQLITE_EXE)
	$(Q)$(MAKE) --no-print-directory $(BUILD)/sqlite/functions/libsqlite3-0.dll
	$(Q)$(MAKE) --no-print-directory \
		$(foreach v,$(BENCH_SQLITE_VARIANTS),$(BUILD)/sqlite/$(v)/libsqlite3-0.dll)
	$(Q)if [ -f $(BUILD)/sqlite/SKIPPED ]; then \
		echo "bench-sqlite: SKIPPED: $$(head -n 1 $(BUILD)/sqlite/SKIPPED)"; exit 0; fi; \
	for v in $(BENCH_SQLITE_VARIANTS); do \
		cp $(BUILD)/sqlite/$$v/libsqlite3-0.dll $(BUILD)/x86_64/bin/bench_sqlite_$$v.dll || exit 1; \
	done; \
	BUILD=$(BUILD) . scripts/wine-env.sh && \
		(cd $(BUILD)/x86_64/bin && $$WINE ./bench_sqlite.exe $(BENCH_SQLITE_ARGS) \
			--json $(abspath $(BENCH_SQLITE_JSON))) && \
		if [ -f $(BENCH_JSON) ]; then \
			$(PYTHON) bench/merge_json.py $(BENCH_JSON) $(BENCH_SQLITE_JSON) sqlite; fi
