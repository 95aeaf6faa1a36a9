# libwinstrument.a, for each architecture. The runtime is never built with the
# instrumentation flags that it serves.
#
# The function hooks (function_hooks.c) are not in it: wst-cc --wst-functions
# links one of two small libraries before it, built from that one file:
#   libwinstrument-functions.a  calls, inclusive and self time
#   libwinstrument-calls.a      calls only (--wst-functions=calls)
# The table they fill (function_table.c) is in libwinstrument.a, pulled out
# of it only by the hooks' references.
RUNTIME_SRCS := $(filter-out src/runtime/function_hooks.c,$(wildcard src/runtime/*.c)) \
	src/common/protocol_codec.c src/common/clock_math.c \
	src/common/pipe_name.c
RUNTIME_LIB = $(BUILD)/$(1)/lib/libwinstrument.a
FUNCTIONS_LIB = $(BUILD)/$(1)/lib/libwinstrument-$(2).a
# What an instrumented module links after libwinstrument.a: ntdll, which
# every process has mapped already, never advapi32 (docs/modes.md, "What an
# instrumented module imports").
RUNTIME_SYSLIBS := -lntdll

define runtime_rules
$(call RUNTIME_LIB,$(1)): $(call objs,$(1),$(RUNTIME_SRCS))
	@mkdir -p $$(@D)
	@echo "  AR [$(1)] $$@"
	$$(Q)rm -f $$@ && $$(AR_$(1)) rcs $$@ $$^
CROSS_OUTPUTS += $(call RUNTIME_LIB,$(1))

# x86_64: -mcmodel=small addresses the table, __ImageBase and the TLS slot
# offsets RIP-relative, without mingw's .refptr indirection (a load each,
# on every hook call): the hooks only ever link into the image that holds
# them, which is far below 2 GiB.
$(BUILD)/$(1)/obj/src/runtime/function_hooks_%.o: src/runtime/function_hooks.c
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] $$< ($$*)"
	$$(Q)$$(CC_$(1)) $$(CFLAGS_WIN) $(if $(filter x86_64,$(1)),-mcmodel=small) \
		-DWST_FN_TIMED=$$(if $$(filter functions,$$*),1,0) -c $$< -o $$@

$(BUILD)/$(1)/lib/libwinstrument-%.a: $(BUILD)/$(1)/obj/src/runtime/function_hooks_%.o
	@mkdir -p $$(@D)
	@echo "  AR [$(1)] $$@"
	$$(Q)rm -f $$@ && $$(AR_$(1)) rcs $$@ $$^
CROSS_OUTPUTS += $(call FUNCTIONS_LIB,$(1),functions) $(call FUNCTIONS_LIB,$(1),calls)
endef
$(foreach a,$(ARCHS),$(eval $(call runtime_rules,$(a))))
