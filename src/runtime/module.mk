# libwinstrument.a, for each architecture. The runtime is never built with the
# instrumentation flags that it serves.
RUNTIME_SRCS := $(wildcard src/runtime/*.c) src/common/protocol_codec.c src/common/clock_math.c \
	src/common/pipe_name.c
RUNTIME_LIB = $(BUILD)/$(1)/lib/libwinstrument.a
# What an instrumented module links after libwinstrument.a.
RUNTIME_SYSLIBS := -ladvapi32

define runtime_rules
$(call RUNTIME_LIB,$(1)): $(call objs,$(1),$(RUNTIME_SRCS))
	@mkdir -p $$(@D)
	@echo "  AR [$(1)] $$@"
	$$(Q)rm -f $$@ && $$(AR_$(1)) rcs $$@ $$^
CROSS_OUTPUTS += $(call RUNTIME_LIB,$(1))
endef
$(foreach a,$(ARCHS),$(eval $(call runtime_rules,$(a))))
