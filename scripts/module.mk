# Release zips: `make dist` packs $(DIST)/winstrument-<version>-<arch>.zip for
# each architecture with scripts/make-dist.py (docs/release.md says what they
# hold and why two runs give the same bytes). Included last, so CROSS_OUTPUTS
# already names everything the other fragments build.
DIST ?= dist

DIST_ZIP = $(DIST)/winstrument-$(VERSION)-$(1).zip
DIST_ZIPS := $(foreach a,$(ARCHS),$(call DIST_ZIP,$(a)))

# What goes into a zip from the source tree (anything tracked under these).
DIST_SOURCES := $(wildcard include/*.h include/*/*.h) $(shell find examples -type f 2>/dev/null) \
	toolchain/wst-cc toolchain/wst-c++ LICENSE CHANGELOG.md scripts/make-dist.py \
	$(wildcard docs/*.md)

define dist_rules
$(call DIST_ZIP,$(1)): $(call RUNTIME_LIB,$(1)) $(BUILD)/$(1)/bin/wst-inspect.exe \
		$(call FUNCTIONS_LIB,$(1),functions) $(call FUNCTIONS_LIB,$(1),calls) \
		$(call HELPER_DLL,$(1)) \
		$(wildcard $(DIST_SOURCES)) include/winstrument/version.h
	$$(Q)$(PYTHON) scripts/make-dist.py --arch $(1) --build $(BUILD) --version $(VERSION) --out $$@
endef
$(foreach a,$(ARCHS),$(eval $(call dist_rules,$(a))))

.PHONY: dist
dist: $(DIST_ZIPS)

# The scenario dist_zip unpacks the x86_64 zip: build it before the scenarios
# run, and tell the driver where it is.
wine-check stress-check: $(call DIST_ZIP,x86_64)
wine-check stress-check: export WST_DIST_DIR := $(abspath $(DIST))
