# tests/: CMocka unit tests, cross-built for x86_64 and run under Wine by
# `make unit-check`. Each test_<name>.c mirrors the source file it tests.
#
#   make unit-check [UNIT_TIMEOUT=seconds]
#
# A fixture DLL (tests/fixture_dll.c with the runtime) is built for both
# architectures so that the PE tests read real PE32 and PE32+ images. The
# platform-free parsers are also compiled natively here, to keep them free of
# Windows headers (they are later fuzzed on Linux).
UNIT_TESTS := test_region_parse test_pe_image test_protocol_codec test_inspector_remote \
	test_counters test_pipe_server_faults test_stripes test_mode_threadpool test_mode_helper \
	test_instance_id test_output test_pipe_name test_pipe_requests test_http_request \
	test_openmetrics test_dist_math
UNIT_TIMEOUT ?= 120
# Arguments a test program needs, by name.
UNIT_ARGS_test_pe_image = $(BUILD)
UNIT_EXE = $(BUILD)/x86_64/tests/$(1).exe
FIXTURE_DLL = $(BUILD)/$(1)/tests/wst_fixture.dll

# What each test links besides its own file.
UNIT_SRCS_test_region_parse := src/common/region_parse.c src/common/status.c
UNIT_SRCS_test_dist_math := src/common/dist_math.c src/common/region_parse.c src/common/status.c
UNIT_SRCS_test_pe_image := src/common/pe_image.c src/common/region_parse.c src/common/status.c
UNIT_SRCS_test_protocol_codec := src/common/protocol_codec.c src/common/status.c
UNIT_SRCS_test_inspector_remote := $(INSPECTOR_LIB_SRCS)
# The inspector test is instrumented itself: it inspects its own process.
UNIT_LIBS_test_inspector_remote := $(call RUNTIME_LIB,x86_64) $(INSPECTOR_LIBS) $(RUNTIME_SYSLIBS)
UNIT_SRCS_test_counters := src/runtime/counters.c
# The writers of every verb, fed hostile names (no target needed).
UNIT_SRCS_test_output := $(INSPECTOR_LIB_SRCS)
UNIT_LIBS_test_output := $(INSPECTOR_LIBS)
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
	tests/test_pipe_requests.c): \
	CFLAGS_EXTRA += -Isrc/runtime

$(call objs,x86_64,$(addprefix tests/,$(addsuffix .c,$(UNIT_TESTS)))): \
	CFLAGS_EXTRA += $(CMOCKA_CFLAGS) -Isrc/inspector
$(call objs,x86_64,$(addprefix tests/,$(addsuffix .c,$(UNIT_TESTS)))): \
	$(call CMOCKA_LIB,x86_64)

define unit_test_rules
$(call UNIT_EXE,$(1)): $(call objs,x86_64,tests/$(1).c $(UNIT_SRCS_$(1))) \
		$(call CMOCKA_LIB,x86_64) $(filter %.a,$(UNIT_LIBS_$(1)))
	@mkdir -p $$(@D)
	@echo "  LD [x86_64] $$@"
	$$(Q)$$(CC_x86_64) -o $$@ $(call objs,x86_64,tests/$(1).c $(UNIT_SRCS_$(1))) \
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
	$(Q)$(CC_x86_64) -shared -o $@ $(call objs,x86_64,tests/stripes_dll.c) \
		$(call RUNTIME_LIB,x86_64) $(RUNTIME_SYSLIBS)
CROSS_OUTPUTS += $(STRIPES_DLL)

define fixture_rules
$(call FIXTURE_DLL,$(1)): $(call objs,$(1),tests/fixture_dll.c) $(call RUNTIME_LIB,$(1))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -shared -o $$@ $(call objs,$(1),tests/fixture_dll.c) \
		$(call RUNTIME_LIB,$(1)) $(RUNTIME_SYSLIBS)
CROSS_OUTPUTS += $(call FIXTURE_DLL,$(1))
endef
$(foreach a,$(ARCHS),$(eval $(call fixture_rules,$(a))))

UNIT_NATIVE_OBJS := $(call objs,native,src/common/pe_image.c src/common/region_parse.c src/common/dist_math.c \
	src/common/protocol_codec.c src/common/status.c src/common/escape.c src/common/pipe_name.c \
	src/common/http_request.c src/common/openmetrics.c src/common/strbuf.c)

# Runs every test, prints CMocka's output, and fails if any test failed or
# outlived UNIT_TIMEOUT; a test that hangs is killed by timeout(1).
unit-check: $(foreach t,$(UNIT_TESTS),$(call UNIT_EXE,$(t))) \
		$(foreach a,$(ARCHS),$(call FIXTURE_DLL,$(a))) $(UNIT_NATIVE_OBJS) $(STRIPES_DLL) \
		$(call HELPER_DLL,x86_64)
	$(Q)BUILD=$(BUILD) . scripts/wine-env.sh && failed=0 && \
	run() { \
		echo "== $$1"; \
		timeout -k 5 $(UNIT_TIMEOUT) $$WINE $(BUILD)/x86_64/tests/$$1.exe $$2; \
		rc=$$?; \
		if [ $$rc -ne 0 ]; then echo "== $$1 FAILED (exit $$rc)"; failed=$$((failed + 1)); fi; \
	} && \
	$(foreach t,$(UNIT_TESTS),run $(t) "$(UNIT_ARGS_$(t))";) \
	if [ $$failed -ne 0 ]; then echo "unit-check: $$failed test program(s) failed"; exit 1; fi; \
	echo "unit-check: all $(words $(UNIT_TESTS)) test programs passed"
