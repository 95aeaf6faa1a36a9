# Toolchain pieces: CMocka, fetched as Debian's source package and cross-built
# for each architecture into build/<arch>/cmocka (nothing of it is committed).
CMOCKA_SRC := $(BUILD)/src/cmocka
CMOCKA_LIB = $(BUILD)/$(1)/cmocka/libcmocka.a
CMOCKA_CFLAGS := -I$(CMOCKA_SRC)/include

$(CMOCKA_SRC)/src/cmocka.c:
	$(Q)scripts/fetch-cmocka.sh $(CMOCKA_SRC)

define cmocka_rules
$(call CMOCKA_LIB,$(1)): $(CMOCKA_SRC)/src/cmocka.c
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] cmocka"
	$$(Q)$$(CC_$(1)) -std=gnu99 -O2 -w -I$(CMOCKA_SRC)/include -DHAVE_SIGNAL_H \
		-c $$< -o $$(@D)/cmocka.o
	$$(Q)rm -f $$@ && $$(AR_$(1)) rcs $$@ $$(@D)/cmocka.o
endef
$(foreach a,$(ARCHS),$(eval $(call cmocka_rules,$(a))))
