# Toolchain pieces: CMocka, fetched as Debian's source package (its upstream
# tarball, through scripts/fetch-debian-source.sh, which falls back to an
# older version or another suite when the newest one's files are missing on
# the mirror) and cross-built for each architecture into build/<arch>/cmocka
# (nothing of it is committed).
CMOCKA_SRC := $(BUILD)/src/cmocka
CMOCKA_LIB = $(BUILD)/$(1)/cmocka/libcmocka.a
CMOCKA_CFLAGS := -I$(CMOCKA_SRC)/include

$(CMOCKA_SRC)/src/cmocka.c:
	$(Q)scripts/fetch-debian-source.sh --orig cmocka $(CMOCKA_SRC) || \
		{ echo "cmocka: no source; without a deb-src entry, run scripts/install-deps.sh as root" >&2; \
		exit 1; }

define cmocka_rules
$(call CMOCKA_LIB,$(1)): $(CMOCKA_SRC)/src/cmocka.c
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] cmocka"
	$$(Q)$$(CC_$(1)) -std=gnu99 -O2 -w -I$(CMOCKA_SRC)/include -DHAVE_SIGNAL_H \
		-c $$< -o $$(@D)/cmocka.o
	$$(Q)rm -f $$@ && $$(AR_$(1)) rcs $$@ $$(@D)/cmocka.o
endef
$(foreach a,$(ARCHS),$(eval $(call cmocka_rules,$(a))))
