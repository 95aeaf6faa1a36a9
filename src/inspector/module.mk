# wst-inspect.exe, for each architecture. The platform-free parsers live in
# src/common so the runtime, the tests and native fuzz targets can share them.
INSPECTOR_COMMON_SRCS := src/common/pe_image.c src/common/region_parse.c src/common/dist_math.c \
	src/common/protocol_codec.c src/common/status.c src/common/escape.c src/common/pipe_name.c \
	src/common/strbuf.c src/common/http_request.c src/common/openmetrics.c \
	src/common/pe_symbols.c src/common/pe_build_id.c src/common/function_table_parse.c \
	src/common/pe_file.c src/common/dwarf_lines.c src/common/dwarf_line_tables.c src/common/dwarf_units.c src/common/drcov.c \
	src/common/lcov.c src/common/saved_parse.c src/common/csv_field.c
# Everything but main.c, so the unit tests can link the inspector's layers.
INSPECTOR_LIB_SRCS := $(filter-out src/inspector/main.c,$(wildcard src/inspector/*.c)) \
	$(INSPECTOR_COMMON_SRCS)
INSPECTOR_SRCS := src/inspector/main.c $(INSPECTOR_LIB_SRCS)
# libsupc++ for __cxa_demangle only (demangle.c), linked statically.
INSPECTOR_LIBS := -lpsapi -lws2_32 -Wl,-Bstatic -lsupc++ -Wl,-Bdynamic
INSPECTOR_EXE = $(BUILD)/$(1)/bin/wst-inspect.exe

define inspector_rules
# mingw's own stdio, so that %zu, %llu and PRIu64 mean what C11 says on
# every msvcrt; only the inspector's files, never the runtime's objects.
$(call objs,$(1),$(wildcard src/inspector/*.c)): CFLAGS_EXTRA += -D__USE_MINGW_ANSI_STDIO=1

$(call INSPECTOR_EXE,$(1)): $(call objs,$(1),$(INSPECTOR_SRCS))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC_$(1)) $(LDFLAGS_WIN) -o $$@ $$^ $(INSPECTOR_LIBS)
CROSS_OUTPUTS += $(call INSPECTOR_EXE,$(1))
endef
$(foreach a,$(ARCHS),$(eval $(call inspector_rules,$(a))))
