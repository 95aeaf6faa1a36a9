# examples/: instrumenting a real library. b64.dll (a base64 codec with
# WST_COUNT/WST_ADD probes) is built with toolchain/wst-cc exactly as a user
# would build their own DLL; b64host.exe is an ordinary program that loads it
# and knows nothing of winstrument. Outputs go to $(BUILD)/<arch>/examples/.
#
#   make demo    runs b64host under Wine and reads it with wst-inspect
#                (scripts/demo.sh; WINSTRUMENT_MODE is passed through)
WST_CC := toolchain/wst-cc
EXAMPLES_DIR = $(BUILD)/$(1)/examples
EXAMPLE_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror

# wst-cc looks for the runtime in build/<arch>/lib; the -L in front makes a
# private BUILD directory link its own runtime first.
define example_rules
$(call EXAMPLES_DIR,$(1))/b64.dll: examples/base64/b64.c examples/base64/b64.h \
		$(call RUNTIME_LIB,$(1)) $(WST_CC)
	@mkdir -p $$(@D)
	@echo "  WST-CC [$(1)] $$@"
	$$(Q)$(WST_CC) --wst-arch=$(1) $(EXAMPLE_CFLAGS) -shared -o $$@ $$< \
		-L$(abspath $(BUILD))/$(1)/lib

$(call EXAMPLES_DIR,$(1))/b64host.exe: $(call objs,$(1),examples/base64/b64host.c)
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) $(LDFLAGS_WIN) -o $$@ $$^

CROSS_OUTPUTS += $(call EXAMPLES_DIR,$(1))/b64.dll $(call EXAMPLES_DIR,$(1))/b64host.exe
endef
$(foreach a,$(ARCHS),$(eval $(call example_rules,$(a))))

demo: deps
	$(Q)$(MAKE) --no-print-directory cross
	$(Q)BUILD=$(BUILD) scripts/demo.sh --no-build

# zlib, unmodified, built with its own CMakeLists.txt and CC set to
# `wst-cc --wst-functions` (examples/zlib/build.sh). Part of `make cross`, so
# the zlib scenario finds it; when Debian's source package cannot be fetched
# the script records why in $(BUILD)/zlib/SKIPPED, succeeds, and the scenario
# reports SKIPPED. The plain build (the same without hooks) is made by
# `make bench` only.
ZLIB_DEPS := examples/zlib/build.sh examples/zlib/windres.sh examples/zlib/dll-name.cmake \
	$(WST_CC) $(call RUNTIME_LIB,x86_64) $(call FUNCTIONS_LIB,x86_64,functions) \
	$(call FUNCTIONS_LIB,x86_64,calls)
$(BUILD)/zlib/%/zlib1.dll: $(ZLIB_DEPS)
	@echo "  CMAKE [x86_64] zlib ($*)"
	$(Q)examples/zlib/build.sh $(BUILD) $*
CROSS_OUTPUTS += $(BUILD)/zlib/functions/zlib1.dll

# SQLite, unmodified, built with its own configure and Makefile and CC set to
# `wst-cc --wst-functions` (examples/sqlite/build.sh): the DLL that the
# scenario sqlite-live loads into its own host (wine-tests/hosts/
# wst_sqlite_host.c). Part of `make cross`; without Debian's source package
# the script records why in $(BUILD)/sqlite/SKIPPED and succeeds, and the
# scenario reports SKIPPED (FAIL with CI=true).
SQLITE_DEPS := examples/sqlite/build.sh \
	$(WST_CC) $(call RUNTIME_LIB,x86_64) $(call FUNCTIONS_LIB,x86_64,functions)
$(BUILD)/sqlite/%/libsqlite3-0.dll: $(SQLITE_DEPS)
	@echo "  CONFIGURE+MAKE [x86_64] sqlite ($*)"
	$(Q)examples/sqlite/build.sh $(BUILD) $*
CROSS_OUTPUTS += $(BUILD)/sqlite/functions/libsqlite3-0.dll
