# wsthelper.dll, for each architecture: the worker of helper mode
# (docs/modes.md, "Helper mode"). Its own entry points and thread, plus the
# runtime's pipe server, request answers (with the function table's reset)
# and host-thread check, built from the same sources as libwinstrument.a. It
# links no region.c: the helper has no .wst section of its own, so the
# inspector never lists it, and it serves only the regions that sessions
# hand it.
HELPER_SRCS := $(wildcard src/helper/*.c) src/runtime/pipe_server.c src/runtime/pipe_requests.c \
	src/runtime/function_reset.c src/runtime/pipe_security.c src/runtime/counters.c \
	src/runtime/os_win.c src/runtime/host_threads.c src/common/protocol_codec.c \
	src/common/pipe_name.c
HELPER_DLL = $(BUILD)/$(1)/bin/wsthelper.dll
# --kill-at: i686 exports the stdcall entry points undecorated, as GetProcAddress
# asks for them (wsthelper_start, not wsthelper_start@4).
HELPER_LINK := -lntdll -Wl,--kill-at

# $(call helper_dll_rule,OUTPUT,ARCH,HELPER OBJECTS): links one wsthelper.dll
# (the real one, or a test-only variant built from other objects).
define helper_dll_rule
$(1): $(3) $(call objs,$(2),$(filter-out src/helper/%,$(HELPER_SRCS)))
	@mkdir -p $$(@D)
	@echo "  LD [$(2)] $$@"
	$$(Q)$$(CC_$(2)) $(LDFLAGS_WIN) -shared -o $$@ $$^ $(HELPER_LINK)
endef

define helper_rules
$(call objs,$(1),$(wildcard src/helper/*.c)): CFLAGS_EXTRA += -Isrc/runtime
$(call helper_dll_rule,$(call HELPER_DLL,$(1)),$(1),$(call objs,$(1),$(wildcard src/helper/*.c)))
CROSS_OUTPUTS += $(call HELPER_DLL,$(1))
endef
$(foreach a,$(ARCHS),$(eval $(call helper_rules,$(a))))
