# tests/: CMocka unit tests, cross-built for x86_64 and run under Wine by
# `make unit-check`. Each test_<name>.c mirrors the source file it tests.
#
#   make unit-check [UNIT_TIMEOUT=seconds]
#
# The programs share one persistent wineserver of the build's prefix, started
# here and stopped (wineserver -k, this prefix only) at the end: with the
# default one that leaves a few seconds after its last client, a program
# could start as the previous one's server was leaving, and fail with "wine
# client error: recvmsg: Connection reset by peer" (seen once in four runs on
# Debian 13).
#
# A fixture DLL (tests/fixture_dll.c with the runtime) is built for both
# architectures so that the PE tests read real PE32 and PE32+ images. The
# platform-free parsers are also compiled natively here, to keep them free of
# Windows headers (they are later fuzzed on Linux).
UNIT_TESTS := test_region_parse test_pe_image test_protocol_codec test_inspector_remote \
	test_counters test_pipe_server_faults test_stripes test_mode_threadpool test_mode_helper \
	test_instance_id test_write_report test_pipe_name test_pipe_requests test_http_request \
	test_openmetrics test_dist_math \
	test_clock_math test_pe_symbols test_function_table test_dwarf_lines \
	test_coverage_writers test_builtin_hint test_pipe_security test_demangle test_control \
	test_saved_parse
UNIT_TIMEOUT ?= 120
# Arguments a test program needs, by name.
UNIT_ARGS_test_pe_image = $(BUILD)
UNIT_ARGS_test_pe_symbols = $(BUILD)
UNIT_ARGS_test_dwarf_lines = $(BUILD)
UNIT_EXE = $(BUILD)/x86_64/tests/$(1).exe
FIXTURE_DLL = $(BUILD)/$(1)/tests/wst_fixture.dll

# What each test links besides its own file.
UNIT_SRCS_test_region_parse := src/common/region_parse.c src/common/status.c
UNIT_SRCS_test_dist_math := src/common/dist_math.c src/common/region_parse.c src/common/status.c
UNIT_SRCS_test_clock_math := src/common/clock_math.c
UNIT_SRCS_test_saved_parse := src/common/saved_parse.c src/common/status.c
# The three readers of the build's images share tests/test_files.c (loading them).
UNIT_SRCS_test_pe_image := src/common/pe_image.c src/common/region_parse.c src/common/status.c \
	tests/test_files.c
UNIT_SRCS_test_dwarf_lines := src/common/dwarf_lines.c src/common/dwarf_line_tables.c src/common/dwarf_units.c src/common/pe_file.c \
	src/common/pe_image.c src/common/status.c tests/test_files.c
# The hint's decisions (path in a system directory, Wine's builtin mark).
UNIT_SRCS_test_builtin_hint := $(INSPECTOR_LIB_SRCS)
UNIT_LIBS_test_builtin_hint := $(INSPECTOR_LIBS)
# The bounded wrapper, and __cxa_demangle as the unbounded reference.
UNIT_SRCS_test_demangle := src/inspector/demangle.c
UNIT_LIBS_test_demangle := $(INSPECTOR_LIBS)
UNIT_SRCS_test_coverage_writers := src/common/drcov.c src/common/lcov.c src/common/strbuf.c \
	src/common/escape.c
UNIT_SRCS_test_protocol_codec := src/common/protocol_codec.c src/common/status.c
UNIT_SRCS_test_inspector_remote := $(INSPECTOR_LIB_SRCS)
# The inspector test is instrumented itself: it inspects its own process.
UNIT_LIBS_test_inspector_remote := $(call RUNTIME_LIB,x86_64) $(INSPECTOR_LIBS) $(RUNTIME_SYSLIBS)
# reset's answer without a reply: instrumented too, it resets its own module.
UNIT_SRCS_test_control := $(INSPECTOR_LIB_SRCS)
UNIT_LIBS_test_control := $(call RUNTIME_LIB,x86_64) $(INSPECTOR_LIBS) $(RUNTIME_SYSLIBS)
UNIT_SRCS_test_counters := src/runtime/counters.c
UNIT_SRCS_test_pe_symbols := src/common/pe_symbols.c src/common/pe_build_id.c src/common/pe_image.c src/common/status.c \
	tests/test_files.c
# Its own module's function table (the timed hooks linked, called by hand on a
# thread of the test to check their clock) and the reader's parser.
UNIT_SRCS_test_function_table := src/common/function_table_parse.c src/common/status.c
UNIT_LIBS_test_function_table := $(call RUNTIME_LIB,x86_64) \
	$(call FUNCTIONS_LIB,x86_64,functions) $(RUNTIME_SYSLIBS)
# The writers of every verb, fed hostile names (no target needed).
UNIT_SRCS_test_write_report := $(INSPECTOR_LIB_SRCS)
UNIT_LIBS_test_write_report := $(INSPECTOR_LIBS)
# The pipe-name rule and the client's checks of a region's name and a hello.
# Instrumented, with its worker kept from starting: a fake worker on a thread
# of the test answers for its region.
UNIT_SRCS_test_pipe_name := $(INSPECTOR_LIB_SRCS)
UNIT_LIBS_test_pipe_name := $(call RUNTIME_LIB,x86_64) $(INSPECTOR_LIBS) $(RUNTIME_SYSLIBS)
UNIT_SRCS_test_http_request := src/common/http_request.c
UNIT_SRCS_test_openmetrics := src/common/openmetrics.c src/common/strbuf.c src/common/escape.c \
	src/common/dist_math.c
# Instrumented too: it drives its own module's threadpool mode through the
# runtime's OS table, and reads its own region with the inspector's parser.
UNIT_SRCS_test_pipe_server_faults := src/common/region_parse.c
UNIT_LIBS_test_pipe_server_faults := $(call RUNTIME_LIB,x86_64) $(RUNTIME_SYSLIBS)
# The descriptor built from ntdll against advapi32's, and NTSTATUS failures
# injected through the OS table.
UNIT_LIBS_test_pipe_security := $(call RUNTIME_LIB,x86_64) $(RUNTIME_SYSLIBS)
# Instrumented: it drives its own module's threadpool mode through the OS table.
UNIT_LIBS_test_mode_threadpool := $(call RUNTIME_LIB,x86_64) $(RUNTIME_SYSLIBS)
# Instrumented: it drives its own module's helper mode, with the real
# wsthelper.dll (which unit-check builds) copied next to it while it runs.
UNIT_LIBS_test_mode_helper := $(call RUNTIME_LIB,x86_64) $(RUNTIME_SYSLIBS)
UNIT_SRCS_test_instance_id := src/runtime/instance_id.c
# Instrumented: the answers read and reset its own region.
UNIT_LIBS_test_pipe_requests := $(call RUNTIME_LIB,x86_64) $(RUNTIME_SYSLIBS)
# Instrumented: its own probes claim, share and hand on stripes.
UNIT_LIBS_test_stripes := $(call RUNTIME_LIB,x86_64) $(RUNTIME_SYSLIBS)
# The runtime's tests reach its internal headers (counters.h, os_win.h, mode.h).
$(call objs,x86_64,tests/test_counters.c tests/test_pipe_server_faults.c tests/test_stripes.c \
	tests/test_mode_threadpool.c tests/test_mode_helper.c tests/test_instance_id.c tests/test_pipe_name.c \
	tests/test_pipe_requests.c tests/test_function_table.c tests/test_pipe_security.c): \
	CFLAGS_EXTRA += -Isrc/runtime

UNIT_HELPERS := tests/test_files.c
$(call objs,x86_64,$(addprefix tests/,$(addsuffix .c,$(UNIT_TESTS))) $(UNIT_HELPERS)): \
	CFLAGS_EXTRA += $(CMOCKA_CFLAGS) -Isrc/inspector
$(call objs,x86_64,$(addprefix tests/,$(addsuffix .c,$(UNIT_TESTS))) $(UNIT_HELPERS)): \
	$(call CMOCKA_LIB,x86_64)

define unit_test_rules
$(call UNIT_EXE,$(1)): $(call objs,x86_64,tests/$(1).c $(UNIT_SRCS_$(1))) \
		$(call CMOCKA_LIB,x86_64) $(filter %.a,$(UNIT_LIBS_$(1)))
	@mkdir -p $$(@D)
	@echo "  LD [x86_64] $$@"
	$$(Q)$$(CC_x86_64) $(LDFLAGS_WIN) -o $$@ $(call objs,x86_64,tests/$(1).c $(UNIT_SRCS_$(1))) \
		$(call CMOCKA_LIB,x86_64) $(UNIT_LIBS_$(1))
CROSS_OUTPUTS += $(call UNIT_EXE,$(1))
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rules,$(t))))

# The DLL that test_stripes loads: its own DllMain hits a counter at thread
# detach (tests/stripes_dll.c).
STRIPES_DLL := $(BUILD)/x86_64/tests/wst_stripes_dll.dll
$(STRIPES_DLL): $(call objs,x86_64,tests/stripes_dll.c) $(call RUNTIME_LIB,x86_64)
	@mkdir -p $(@D)
	@echo "  LD [x86_64] $@"
	$(Q)$(CC_x86_64) $(LDFLAGS_WIN) -shared -o $@ $(call objs,x86_64,tests/stripes_dll.c) \
		$(call RUNTIME_LIB,x86_64) $(RUNTIME_SYSLIBS)
CROSS_OUTPUTS += $(STRIPES_DLL)

define fixture_rules
$(call FIXTURE_DLL,$(1)): $(call objs,$(1),tests/fixture_dll.c) $(call RUNTIME_LIB,$(1))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) $(LDFLAGS_WIN) -shared -o $$@ $(call objs,$(1),tests/fixture_dll.c) \
		$(call RUNTIME_LIB,$(1)) $(RUNTIME_SYSLIBS)
CROSS_OUTPUTS += $(call FIXTURE_DLL,$(1))
endef
$(foreach a,$(ARCHS),$(eval $(call fixture_rules,$(a))))

# The image test_pe_symbols reads: a DLL without the runtime (with a build id,
# as wst-cc links), and a stripped copy.
SYMBOLS_DLL = $(BUILD)/$(1)/tests/wst_symbols.dll
define symbols_rules
$(call SYMBOLS_DLL,$(1)): $(call objs,$(1),tests/symbols_dll.c)
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) $(LDFLAGS_WIN) -Wl,--build-id -shared -o $$@ $$<
$(BUILD)/$(1)/tests/wst_symbols_stripped.dll: $(call SYMBOLS_DLL,$(1))
	@echo "  STRIP [$(1)] $$@"
	$$(Q)$(1)-w64-mingw32-strip -o $$@ $$<
CROSS_OUTPUTS += $(call SYMBOLS_DLL,$(1)) $(BUILD)/$(1)/tests/wst_symbols_stripped.dll
endef
$(foreach a,$(ARCHS),$(eval $(call symbols_rules,$(a))))

# tests/lines_dll.c with -g -O0 (no inlining, so each function starts with
# one row) in DWARF 5 and DWARF 4, and what binutils says about it
# (scripts/dwarf-expect.py), for test_dwarf_lines.
TRIPLET_x86_64 := x86_64-w64-mingw32
TRIPLET_i686 := i686-w64-mingw32
LINES_DLLS := $(BUILD)/x86_64/tests/wst_lines.dll $(BUILD)/x86_64/tests/wst_lines_dw4.dll \
	$(BUILD)/i686/tests/wst_lines_dw4.dll
LINES_EXPECTED := $(LINES_DLLS:.dll=.expected)
define lines_rules
$(BUILD)/$(1)/tests/wst_lines$(2).dll: tests/lines_dll.c
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) $(LDFLAGS_WIN) -std=c11 -g $(3) -O0 $(WARNINGS) -ffile-prefix-map=$(CURDIR)=. -shared \
		-o $$@ $$<
$(BUILD)/$(1)/tests/wst_lines$(2).expected: $(BUILD)/$(1)/tests/wst_lines$(2).dll \
		scripts/dwarf-expect.py
	$$(Q)$(PYTHON) scripts/dwarf-expect.py $(TRIPLET_$(1)) $$< lines_dll.c lines_ >$$@.tmp
	$$(Q)mv $$@.tmp $$@
endef
$(eval $(call lines_rules,x86_64,,))
$(eval $(call lines_rules,x86_64,_dw4,-gdwarf-4))
$(eval $(call lines_rules,i686,_dw4,-gdwarf-4))
CROSS_OUTPUTS += $(LINES_DLLS) $(LINES_EXPECTED)

UNIT_NATIVE_OBJS := $(call objs,native,src/common/pe_image.c src/common/region_parse.c src/common/dist_math.c \
	src/common/protocol_codec.c src/common/status.c src/common/escape.c src/common/pipe_name.c \
	src/common/http_request.c src/common/openmetrics.c src/common/strbuf.c \
	src/common/clock_math.c \
	src/common/pe_symbols.c src/common/pe_build_id.c src/common/function_table_parse.c \
	src/common/pe_file.c src/common/dwarf_lines.c src/common/dwarf_line_tables.c src/common/dwarf_units.c src/common/drcov.c \
	src/common/lcov.c src/common/csv_field.c)

# Runs every test, prints CMocka's output, and fails if any test failed or
# outlived UNIT_TIMEOUT; a test that hangs is killed by timeout(1).
unit-check: $(foreach t,$(UNIT_TESTS),$(call UNIT_EXE,$(t))) \
		$(foreach a,$(ARCHS),$(call FIXTURE_DLL,$(a))) $(UNIT_NATIVE_OBJS) $(STRIPES_DLL) \
		$(foreach a,$(ARCHS),$(call SYMBOLS_DLL,$(a)) $(BUILD)/$(a)/tests/wst_symbols_stripped.dll) \
		$(LINES_EXPECTED) \
		$(call HELPER_DLL,x86_64)
	$(Q)BUILD=$(BUILD) . scripts/wine-env.sh && failed=0 && \
	{ timeout 15 wineserver -w || wineserver -k; } && \
	wineserver -p && trap 'wineserver -k' EXIT && \
	run() { \
		echo "== $$1"; \
		timeout -k 5 $(UNIT_TIMEOUT) $$WINE $(BUILD)/x86_64/tests/$$1.exe $$2; \
		rc=$$?; \
		if [ $$rc -ne 0 ]; then echo "== $$1 FAILED (exit $$rc)"; failed=$$((failed + 1)); fi; \
	} && \
	$(foreach t,$(UNIT_TESTS),run $(t) "$(UNIT_ARGS_$(t))";) \
	if [ $$failed -ne 0 ]; then echo "unit-check: $$failed test program(s) failed"; exit 1; fi; \
	echo "unit-check: all $(words $(UNIT_TESTS)) test programs passed"
