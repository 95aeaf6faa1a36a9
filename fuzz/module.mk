# fuzz/: the platform-free parsers (PE image, region, protocol codec, pipe name,
# HTTP request, DWARF line tables) and the inspector's escaper, built
# natively on Linux, under libFuzzer and under the sanitizers.
#
#   make fuzz [FUZZ_SECONDS=60]  each target fuzzed for FUZZ_SECONDS with clang's libFuzzer
#                                (ASan + UBSan), starting from fuzz/corpus/<target> and the
#                                fixture DLLs' real headers, with fuzz/<target>.dict if
#                                there is one; new crashes land in
#                                $(BUILD)/fuzz/crashes/<target>/
#   make fuzz-regress            the libFuzzer binaries replay every seed and regression, no fuzzing
#   make native-check            gcc ASan + UBSan build with fuzz/replay.c as main, over the same
#                                inputs; fast, and part of `make check`
#   make fuzz-seeds              rewrites fuzz/corpus/ from fuzz/make_seeds.py
#
# Objects go to $(BUILD)/fuzz/obj (clang, coverage-instrumented) and
# $(BUILD)/native-san/obj (gcc), never to $(BUILD)/native/obj, whose objects
# tests/module.mk builds without sanitizers.
FUZZ_TARGETS := fuzz_pe_image fuzz_region_parse fuzz_protocol_codec fuzz_pipe_name fuzz_escape \
	fuzz_http_request fuzz_pe_symbols fuzz_function_table fuzz_dwarf_lines fuzz_demangle \
	fuzz_saved_parse fuzz_csv_field fuzz_lcov
FUZZ_SECONDS ?= 60
# Seconds one input may take before libFuzzer reports it as a hang (its own
# default, 1200, would hide one for the whole run).
FUZZ_TIMEOUT ?= 10
FUZZ_CC ?= clang
SAN_CC ?= $(CC_native)

FUZZ_SRCS_fuzz_pe_image := src/common/pe_image.c
FUZZ_SRCS_fuzz_region_parse := src/common/region_parse.c src/common/dist_math.c
FUZZ_SRCS_fuzz_protocol_codec := src/common/protocol_codec.c
FUZZ_SRCS_fuzz_pipe_name := src/common/pipe_name.c
FUZZ_SRCS_fuzz_escape := src/common/escape.c
FUZZ_SRCS_fuzz_csv_field := src/common/csv_field.c src/common/escape.c
FUZZ_SRCS_fuzz_lcov := src/common/lcov.c src/common/strbuf.c src/common/escape.c
FUZZ_SRCS_fuzz_http_request := src/common/http_request.c
FUZZ_SRCS_fuzz_pe_symbols := src/common/pe_symbols.c src/common/pe_build_id.c src/common/pe_image.c
FUZZ_SRCS_fuzz_function_table := src/common/function_table_parse.c
# The container, and the region parser its region record goes to.
FUZZ_SRCS_fuzz_saved_parse := src/common/saved_parse.c src/common/region_parse.c
# Seeds: tests/lines_dll.c linked without the CRT (-nostdlib, so a few KiB)
# in DWARF 5 for x86_64 and DWARF 4 for i686, committed as built.
FUZZ_SRCS_fuzz_dwarf_lines := src/common/dwarf_lines.c src/common/dwarf_line_tables.c src/common/dwarf_units.c src/common/pe_file.c \
	src/common/pe_image.c
# The inspector's demangler wrapper with the native libsupc++ (static: the
# shared libstdc++ does not export the callback entry point the wrapper uses),
# which also gives the fuzz target __cxa_demangle as its reference.
FUZZ_SRCS_fuzz_demangle := src/inspector/demangle.c
FUZZ_LIBS_fuzz_demangle := -Wl,-Bstatic -lsupc++ -Wl,-Bdynamic
$(call objs,fuzz,fuzz/fuzz_demangle.c): FUZZ_CFLAGS += -Isrc/inspector
$(call objs,native-san,fuzz/fuzz_demangle.c): SAN_CFLAGS += -Isrc/inspector
# Inputs longer than the parser ever sees in practice only slow the search:
# the inspector copies 4 KiB of PE headers, and a request is 16 bytes.
FUZZ_MAX_LEN_fuzz_pe_image := 8192
FUZZ_MAX_LEN_fuzz_region_parse := 32768
FUZZ_MAX_LEN_fuzz_protocol_codec := 256
# A region's pipe_name field is 96 bytes; names from a target are at most a
# few KiB (a path).
FUZZ_MAX_LEN_fuzz_pipe_name := 96
FUZZ_MAX_LEN_fuzz_escape := 4096
FUZZ_MAX_LEN_fuzz_csv_field := 4096
FUZZ_MAX_LEN_fuzz_lcov := 4096
# A little past the request bound, so the too-large path is reached.
FUZZ_MAX_LEN_fuzz_http_request := 9000
# Image files: the seeds are whole small DLLs.
FUZZ_MAX_LEN_fuzz_pe_symbols := 131072
# Tables of up to 64 slots and 4 stripes.
FUZZ_MAX_LEN_fuzz_function_table := 8192
# The seeds are whole images of 8 to 10 KiB.
FUZZ_MAX_LEN_fuzz_dwarf_lines := 16384
# Past the 1024-byte name bound, so the refusal of long names is reached.
FUZZ_MAX_LEN_fuzz_demangle := 1100
# A saved file: 64 + 16 + 2128 bytes of header and identity, then a region.
FUZZ_MAX_LEN_fuzz_saved_parse := 16384

# UBSan must abort rather than print and go on, or neither libFuzzer nor the
# replay would notice it.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := $(CFLAGS_BASE) -O1 -Ifuzz $(SAN_FLAGS) -fsanitize=fuzzer-no-link
SAN_CFLAGS := $(CFLAGS_BASE) -O1 -Ifuzz $(SAN_FLAGS)
# A leak in a replay is a bug of ours too; detect_leaks is on by default with
# ASan on Linux, said here so that nobody turns it off by accident.
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1

FUZZ_BIN = $(BUILD)/fuzz/bin/$(1)
SAN_BIN = $(BUILD)/native-san/bin/$(1)
FUZZ_INPUTS = fuzz/corpus/$(1) fuzz/regressions/$(1)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [fuzz] $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(BUILD)/native-san/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [native-san] $<"
	$(Q)$(SAN_CC) $(SAN_CFLAGS) -c $< -o $@

define fuzz_rules
$(call FUZZ_BIN,$(1)): $(call objs,fuzz,fuzz/$(1).c $(FUZZ_SRCS_$(1)) src/common/status.c)
	@mkdir -p $$(@D)
	@echo "  LD [fuzz] $$@"
	$$(Q)$$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $$@ $$^ $(FUZZ_LIBS_$(1))

$(call SAN_BIN,$(1)): $(call objs,native-san,fuzz/$(1).c fuzz/replay.c $(FUZZ_SRCS_$(1)) \
		src/common/status.c)
	@mkdir -p $$(@D)
	@echo "  LD [native-san] $$@"
	$$(Q)$$(SAN_CC) $(SAN_FLAGS) -o $$@ $$^ $(FUZZ_LIBS_$(1))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rules,$(t))))

# Real PE headers, as the inspector copies them (the first 4 KiB), from the
# fixture DLLs that the cross build links with the runtime: a PE32 and a
# PE32+ image with a .wst section, which no hand-written seed imitates fully.
FUZZ_PE_SEEDS := $(foreach a,$(ARCHS),$(BUILD)/fuzz/seeds/fuzz_pe_image/fixture-$(a)) \
	$(foreach a,$(ARCHS),$(BUILD)/fuzz/seeds/fuzz_pe_symbols/symbols-$(a))
# Whole small images with COFF symbols, exports and (x64) .pdata.
$(BUILD)/fuzz/seeds/fuzz_pe_symbols/symbols-%: $(BUILD)/%/tests/wst_symbols.dll
	@mkdir -p $(@D)
	$(Q)cp $< $@
$(BUILD)/fuzz/seeds/fuzz_pe_image/fixture-%: $(BUILD)/%/tests/wst_fixture.dll
	@mkdir -p $(@D)
	$(Q)head -c 4096 $< >$@

.PHONY: fuzz fuzz-build fuzz-regress fuzz-seeds native-check
fuzz-build: $(foreach t,$(FUZZ_TARGETS),$(call FUZZ_BIN,$(t)))

# Each target: a scratch corpus under $(BUILD) first (libFuzzer writes what it
# finds to its first directory, and the checked-in seeds must stay as
# written), then the seeds, the regressions and any build-time seeds. The
# summary line of each run is collected in $(BUILD)/fuzz/summary.txt.
fuzz: fuzz-build $(FUZZ_PE_SEEDS)
	$(Q)failed=0; : >$(BUILD)/fuzz/summary.txt; \
	for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/work/$$t $(BUILD)/fuzz/crashes/$$t; \
		extra=; [ -d $(BUILD)/fuzz/seeds/$$t ] && extra=$(BUILD)/fuzz/seeds/$$t; \
		case $$t in \
		fuzz_pe_image) len=$(FUZZ_MAX_LEN_fuzz_pe_image);; \
		fuzz_region_parse) len=$(FUZZ_MAX_LEN_fuzz_region_parse);; \
		fuzz_pipe_name) len=$(FUZZ_MAX_LEN_fuzz_pipe_name);; \
		fuzz_escape) len=$(FUZZ_MAX_LEN_fuzz_escape);; \
		fuzz_http_request) len=$(FUZZ_MAX_LEN_fuzz_http_request);; \
		fuzz_pe_symbols) len=$(FUZZ_MAX_LEN_fuzz_pe_symbols);; \
		fuzz_function_table) len=$(FUZZ_MAX_LEN_fuzz_function_table);; \
		fuzz_dwarf_lines) len=$(FUZZ_MAX_LEN_fuzz_dwarf_lines);; \
		fuzz_demangle) len=$(FUZZ_MAX_LEN_fuzz_demangle);; \
		*) len=$(FUZZ_MAX_LEN_fuzz_protocol_codec);; \
		esac; \
		dict=; [ -f fuzz/$$t.dict ] && dict=-dict=fuzz/$$t.dict; \
		echo "== $$t: fuzzing for $(FUZZ_SECONDS) s"; \
		$(SAN_ENV) $(BUILD)/fuzz/bin/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=$$len \
			-timeout=$(FUZZ_TIMEOUT) $$dict -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/crashes/$$t/ \
			$(BUILD)/fuzz/work/$$t $(call FUZZ_INPUTS,$$t) $$extra \
			>$(BUILD)/fuzz/$$t.log 2>&1; \
		rc=$$?; \
		execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(BUILD)/fuzz/$$t.log); \
		last=$$(grep -E '^#[0-9]+' $(BUILD)/fuzz/$$t.log | tail -n 1); \
		cov=$$(echo "$$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p'); \
		ft=$$(echo "$$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p'); \
		corp=$$(echo "$$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p'); \
		line="$$t: $${execs:-?} executions in $(FUZZ_SECONDS) s, cov $${cov:-?} ft $${ft:-?}, corpus $${corp:-?}"; \
		if [ $$rc -ne 0 ]; then \
			line="$$line, FAILED (exit $$rc): see $(BUILD)/fuzz/$$t.log and $(BUILD)/fuzz/crashes/$$t/"; \
			failed=$$((failed + 1)); \
			grep -E 'ERROR|invariant broken|runtime error' $(BUILD)/fuzz/$$t.log | head -n 5; \
		fi; \
		echo "$$line" | tee -a $(BUILD)/fuzz/summary.txt; \
	done; \
	if [ $$failed -ne 0 ]; then \
		echo "fuzz: $$failed target(s) crashed; fix, then add the input to fuzz/regressions/<target>/"; \
		exit 1; \
	fi; \
	echo "fuzz: no crash in $(words $(FUZZ_TARGETS)) targets"

# libFuzzer runs the files it is given once each, and does not fuzz.
fuzz-regress: fuzz-build
	$(Q)failed=0; \
	for t in $(FUZZ_TARGETS); do \
		files=$$(find $(call FUZZ_INPUTS,$$t) -type f ! -name '.*' ! -name '*.md' | sort); \
		n=$$(echo "$$files" | grep -c .); \
		if $(SAN_ENV) $(BUILD)/fuzz/bin/$$t $$files >$(BUILD)/fuzz/$$t.regress.log 2>&1; then \
			echo "fuzz-regress: $$t: $$n inputs ok"; \
		else \
			echo "fuzz-regress: $$t FAILED: see $(BUILD)/fuzz/$$t.regress.log"; \
			failed=$$((failed + 1)); \
		fi; \
	done; \
	[ $$failed -eq 0 ]

native-check: $(foreach t,$(FUZZ_TARGETS),$(call SAN_BIN,$(t)))
	$(Q)failed=0; \
	for t in $(FUZZ_TARGETS); do \
		$(SAN_ENV) $(BUILD)/native-san/bin/$$t $(call FUZZ_INPUTS,$$t) || failed=$$((failed + 1)); \
	done; \
	if [ $$failed -ne 0 ]; then echo "native-check: $$failed target(s) failed"; exit 1; fi; \
	echo "native-check: every seed and regression passes under ASan and UBSan"

fuzz-seeds:
	$(Q)$(PYTHON) fuzz/make_seeds.py fuzz/corpus

# Run by `make check` without an edit of its recipe: fast, no Wine.
check: native-check
