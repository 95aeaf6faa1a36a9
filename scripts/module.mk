# Release zips: `make dist` packs $(DIST)/winstrument-<version>-<arch>.zip for
# each architecture with scripts/make-dist.py (docs/release.md says what they
# hold and why two runs give the same bytes). Included last, so CROSS_OUTPUTS
# already names everything the other fragments build.
DIST ?= dist

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
DIST_ZIP = $(DIST)/winstrument-$(VERSION)-$(1).zip
DIST_ZIPS := $(foreach a,$(ARCHS),$(call DIST_ZIP,$(a)))

# What goes into a zip from the source tree (anything tracked under these).
DIST_SOURCES := $(wildcard include/*.h include/*/*.h) $(shell find examples -type f 2>/dev/null) \
	toolchain/wst-cc README.md LICENSE CHANGELOG.md scripts/make-dist.py

# The helper DLL goes in once a fragment builds it.
define dist_rules
$(call DIST_ZIP,$(1)): $(call RUNTIME_LIB,$(1)) $(BUILD)/$(1)/bin/wst-inspect.exe \
		$(filter $(BUILD)/$(1)/bin/wsthelper.dll,$(CROSS_OUTPUTS)) \
		$(wildcard $(DIST_SOURCES)) include/winstrument/version.h
	$$(Q)$(PYTHON) scripts/make-dist.py --arch $(1) --build $(BUILD) --version $(VERSION) --out $$@
endef
$(foreach a,$(ARCHS),$(eval $(call dist_rules,$(a))))

.PHONY: dist
dist: $(DIST_ZIPS)

# The scenario dist_zip unpacks the x86_64 zip: build it before the scenarios
# run, and tell the driver where it is.
wine-check: $(call DIST_ZIP,x86_64)
wine-check: export WST_DIST_DIR := $(abspath $(DIST))

# The dist_zip and i686 scenarios' target: counters_host.exe, which loads
# counters_dll.dll, both instrumented, in $(BUILD)/<arch>/scenarios for both
# architectures (the i686 scenario reads the 32-bit pair with the 64-bit
# inspector; the dist_zip scenario builds its own pair with the zip's wst-cc).
COUNTERS_DIR = $(BUILD)/$(1)/scenarios

define counters_rules
$(call COUNTERS_DIR,$(1))/counters_dll.dll: $(call objs,$(1),wine-tests/hosts/counters_dll.c) $(call RUNTIME_LIB,$(1))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -shared -o $$@ $$< -L$(BUILD)/$(1)/lib -lwinstrument $(RUNTIME_SYSLIBS)
$(call COUNTERS_DIR,$(1))/counters_host.exe: $(call objs,$(1),wine-tests/hosts/counters_host.c) $(call RUNTIME_LIB,$(1))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) -o $$@ $$< -L$(BUILD)/$(1)/lib -lwinstrument $(RUNTIME_SYSLIBS)
CROSS_OUTPUTS += $(call COUNTERS_DIR,$(1))/counters_dll.dll $(call COUNTERS_DIR,$(1))/counters_host.exe
endef
$(foreach a,$(ARCHS),$(eval $(call counters_rules,$(a))))
