# winstrument: one non-recursive Makefile. Each directory adds its targets in
# a fragment (module.mk) included below; every output goes under build/<arch>/.
#
#   make cross       runtime, inspector, tests and scenario programs, x86_64 and i686
#   make check       install what is missing, then the include and header checks, unit
#                    tests and scenarios under Wine
#   make wine-check  scenarios only (SCENARIO_ARGS="--repeat 3 -k NAME" ...)
#   make stress-check  the scenarios under a background load on every CPU
#   make platform-check  the build, unit tests and scenarios (x86_64 and i686) on
#                    Debian 13 with Wine 10, in a root under build/platform (as root;
#                    PLATFORM_SCOPE=ci for CI's reduced set)
#   make bench       counter-hit benchmark (build/bench.json)
#   make demo        an instrumented example read by the inspector
#   make dist        release zips
#   make clean
#
# V=1 prints full command lines.

BUILD ?= build
PYTHON ?= python3

include toolchain/targets.mk

WARNINGS := -Wall -Wextra -Werror -Wno-error=unused-parameter
CFLAGS_BASE := -std=c11 -O2 -g $(WARNINGS) -Iinclude -Isrc/common -MMD -MP
CFLAGS_WIN := $(CFLAGS_BASE) -D_WIN32_WINNT=0x0601 -DWIN32_LEAN_AND_MEAN

# Reproducible build outputs, for every target and not only dist: ld writes
# SOURCE_DATE_EPOCH (the commit time) into each PE header's timestamp instead
# of the time of the link, and debug info names the source tree "." instead of
# its absolute path, so two clones of one commit build the same bytes.
ifeq ($(origin SOURCE_DATE_EPOCH),undefined)
SOURCE_DATE_EPOCH := $(shell git log -1 --format=%ct 2>/dev/null)
endif
ifneq ($(SOURCE_DATE_EPOCH),)
export SOURCE_DATE_EPOCH
endif
CFLAGS_WIN += -ffile-prefix-map=$(CURDIR)=.
VERSION := $(shell sed -n 's/^\#define WST_VERSION_STRING "\(.*\)"/\1/p' include/winstrument/version.h)

Q := @
ifeq ($(V),1)
Q :=
endif

.PHONY: all cross check include-check header-check unit-check wine-check stress-check bench demo dist clean deps \
	platform-check
all: cross

# Keep intermediate objects: pattern-built DLLs would otherwise delete them.
.SECONDARY:

# $(call objs,ARCH,SOURCES): the object files of SOURCES for ARCH.
objs = $(patsubst %.c,$(BUILD)/$(1)/obj/%.o,$(2))

define arch_rules
$(BUILD)/$(1)/obj/%.o: %.c
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] $$<"
	$$(Q)$$(CC_$(1)) $$(CFLAGS_WIN) $$(CFLAGS_EXTRA) -c $$< -o $$@
endef
$(foreach a,$(ARCHS),$(eval $(call arch_rules,$(a))))

$(BUILD)/native/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [native] $<"
	$(Q)$(CC_native) $(CFLAGS_BASE) $(NATIVE_CFLAGS) -c $< -o $@

# Fragments add their outputs to CROSS_OUTPUTS (built by `make cross`).
CROSS_OUTPUTS :=
include toolchain/cmocka.mk
include src/runtime/module.mk
include src/helper/module.mk
include src/inspector/module.mk
include tests/module.mk
include wine-tests/module.mk
include bench/module.mk
include examples/module.mk
include scripts/module.mk
include fuzz/module.mk

cross: $(CROSS_OUTPUTS)

deps:
	$(Q)scripts/install-deps.sh

# The project's own #include lines never form a cycle (scripts/check-includes.py).
include-check:
	$(Q)$(PYTHON) scripts/check-includes.py

# <winstrument.h> builds under every C and C++ standard, with -pedantic
# (scripts/check-header-standards.sh).
header-check:
	$(Q)scripts/check-header-standards.sh

check: deps
	$(Q)$(MAKE) --no-print-directory include-check
	$(Q)$(MAKE) --no-print-directory header-check
	$(Q)$(MAKE) --no-print-directory cross
	$(Q)$(MAKE) --no-print-directory unit-check
	$(Q)$(MAKE) --no-print-directory wine-check

# The suite on Debian 13 (Wine 10, wine32, mingw-w64 GCC 14): scripts/platform-check.sh
# builds or reuses the root (scripts/platform-root.sh) and runs everything inside it.
# PLATFORM_SCOPE=ci: CI's reduced set; PLATFORM_ARGS: more run.py arguments.
PLATFORM_SCOPE ?= full
platform-check:
	$(Q)PLATFORM_ROOT=$(BUILD)/platform/trixie PLATFORM_BUILD=$(BUILD)/platform/build \
		PLATFORM_SCOPE=$(PLATFORM_SCOPE) PLATFORM_ARGS="$(PLATFORM_ARGS)" \
		scripts/platform-check.sh

clean:
	rm -rf $(BUILD) dist

# Dependency files are never remade by a rule of their own. $(BUILD)/platform
# holds the second platform's root and build (make platform-check), never ours.
%.d: ;
-include $(shell find $(BUILD) -path $(BUILD)/platform -prune -o -name '*.d' -type f -print \
	2>/dev/null)
