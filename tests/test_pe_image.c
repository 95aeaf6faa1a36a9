/*
 * Unit tests of src/common/pe_image.c against real PE images that the build
 * produces (tests/fixture_dll.c, linked with the runtime, for x86_64 and
 * i686), then against mutations of their headers. A file's section RVAs are
 * not file offsets, so the finder is checked on the header bytes and the
 * section's bytes are taken from PointerToRawData. Single-threaded.
 *
 * Usage: test_pe_image.exe DIR, where DIR holds x86_64/ and i686/ fixtures
 * (default: build/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pe_image.h"
#include "region_parse.h"
#include "test_files.h"

/* The fixture, all of it; the inspector reads only its first 4 KiB. */
static struct test_file load(const char *arch)
{
    return test_file_load(arch, "wst_fixture.dll");
}

/* What pe_file.c and pe_symbols.c take from the headers that the finder
 * does not use: the image base, the COFF symbol table, the exception
 * directory (x64 only) and each section header by index, of which exactly
 * one is the section found. */
static void check_header_fields(const struct test_file *im, const struct wst_pe_info *info,
                                const struct wst_pe_section *found_section)
{
    assert_true(info->image_base != 0 && info->image_base % 0x10000 == 0);
    assert_true(info->symbol_table != 0 && info->symbol_count != 0); /* not stripped */
    uint32_t pdata_rva = info->dir_rva[WST_PE_DIR_EXCEPTION];
    uint32_t pdata_size = info->dir_size[WST_PE_DIR_EXCEPTION];
    if (info->bits == 64) {
        struct wst_pe_section pdata;
        assert_int_equal(
            wst_pe_find_section(im->bytes, WST_PE_HEADERS_READ, ".pdata", NULL, &pdata), WST_OK);
        assert_true(pdata_size != 0 && pdata_size % 12 == 0);
        assert_true(pdata_rva >= pdata.rva &&
                    (uint64_t)pdata_rva + pdata_size <= (uint64_t)pdata.rva + pdata.virtual_size);
    } else {
        assert_true(pdata_rva == 0 && pdata_size == 0);
    }
    int found = 0;
    for (uint16_t i = 0; i < info->section_count; i++) {
        struct wst_pe_section s;
        wst_pe_section_at(im->bytes, info, i, &s);
        found += memcmp(&s, found_section, sizeof s) == 0;
    }
    assert_int_equal(found, 1);
}

static void check_real(const char *arch, uint16_t machine, unsigned bits)
{
    struct test_file im = load(arch);
    struct wst_pe_info info;
    struct wst_pe_section wst, text;
    /* The inspector sees only the first 4 KiB. */
    assert_int_equal(wst_pe_parse(im.bytes, WST_PE_HEADERS_READ, &info), WST_OK);
    assert_int_equal(info.machine, machine);
    assert_int_equal(info.bits, bits);
    assert_int_equal(
        wst_pe_find_section(im.bytes, WST_PE_HEADERS_READ, WST_SECTION_NAME, &info, &wst), WST_OK);
    assert_int_equal(wst_pe_find_section(im.bytes, WST_PE_HEADERS_READ, ".text", NULL, &text),
                     WST_OK);
    assert_true(wst.rva != 0 && wst.rva != text.rva);
    assert_true(wst.rva % 0x1000 == 0);
    /* Header, three sites and the trailer, with possible padding lines. */
    assert_true(wst.virtual_size >= 256 + 3 * 576 + 64);
    assert_int_equal(wst.virtual_size % 64, 0);
    assert_int_equal(wst_pe_find_section(im.bytes, WST_PE_HEADERS_READ, ".nope", NULL, &text),
                     WST_E_NOT_INSTRUMENTED);
    assert_int_equal(
        wst_pe_find_section(im.bytes, WST_PE_HEADERS_READ, ".wst$toolong", NULL, &text),
        WST_E_NOT_INSTRUMENTED);
    check_header_fields(&im, &info, &wst);

    /* The section's file bytes are a valid region with the fixture's sites. */
    assert_true((uint64_t)wst.raw_offset + wst.virtual_size <= im.size);
    static struct wst_region_counter counters[64];
    struct wst_region_info region;
    size_t count;
    size_t size = wst.virtual_size < wst.raw_size ? wst.virtual_size : wst.raw_size;
    assert_int_equal(
        wst_region_parse(im.bytes + wst.raw_offset, size, &region, counters, 64, &count), WST_OK);
    assert_int_equal(region.sites, 3);
    assert_int_equal(count, 2);
    assert_string_equal(counters[0].name, "fixture.calls");
    assert_string_equal(counters[1].name, "fixture.total");
    assert_int_equal(region.header.mode, WST_MODE_UNSET); /* never attached: a file */
    free(im.bytes);
}

static void real_x86_64(void **state)
{
    (void)state;
    check_real("x86_64", WST_PE_MACHINE_AMD64, 64);
}

static void real_i686(void **state)
{
    (void)state;
    check_real("i686", WST_PE_MACHINE_I386, 32);
}

/* Offsets into the fixture's headers, for the mutations. */
struct layout {
    size_t nt, file_header, optional, sections;
    uint16_t section_count;
    size_t wst; /* its section header */
};

static struct layout layout_of(const unsigned char *b)
{
    struct layout l;
    l.nt = wst_le32(b + 0x3c);
    l.file_header = l.nt + 4;
    l.optional = l.file_header + 20;
    l.section_count = (uint16_t)(b[l.file_header + 2] | b[l.file_header + 3] << 8);
    l.sections = l.optional + (size_t)(b[l.file_header + 16] | b[l.file_header + 17] << 8);
    l.wst = 0;
    for (uint16_t i = 0; i < l.section_count; i++) {
        if (memcmp(b + l.sections + 40u * i, ".wst\0\0\0\0", 8) == 0)
            l.wst = l.sections + 40u * i;
    }
    assert_true(l.wst != 0);
    return l;
}

enum field {
    DOS_MAGIC,
    LFANEW,
    NT_SIG,
    MACHINE,
    NSECTIONS,
    OPT_SIZE,
    OPT_MAGIC,
    WST_RVA,
    WST_VSIZE
};

struct mutation {
    const char *what;
    enum field field;
    uint32_t value;
};

static const struct mutation mutations[] = {
    {"DOS magic", DOS_MAGIC, 0x5a4e},
    {"e_lfanew past the buffer", LFANEW, WST_PE_HEADERS_READ},
    {"e_lfanew near the end", LFANEW, WST_PE_HEADERS_READ - 8},
    {"e_lfanew huge", LFANEW, 0xfffffff0u},
    {"NT signature", NT_SIG, 0x00004551},
    {"machine against width", MACHINE, 0},
    {"too many sections", NSECTIONS, 97},
    {"section table past the buffer", NSECTIONS, 96},
    {"optional header too small", OPT_SIZE, 64},
    {"optional header past the buffer", OPT_SIZE, 0xffff},
    {"optional header magic", OPT_MAGIC, 0x107},
    {"section beyond SizeOfImage", WST_RVA, 0x7ffff000u},
    {"section rva + size wraps", WST_RVA, 0xfffff000u},
    {"section size beyond SizeOfImage", WST_VSIZE, 0xfffff000u},
};

static void apply(unsigned char *b, const struct layout *l, const struct mutation *m,
                  uint16_t machine)
{
    switch (m->field) {
    case DOS_MAGIC:
        test_put16(b, (uint16_t)m->value);
        break;
    case LFANEW:
        test_put32(b + 0x3c, m->value);
        break;
    case NT_SIG:
        test_put32(b + l->nt, m->value);
        break;
    /* i386 with a PE32+ header, or amd64 with a PE32 one. */
    case MACHINE:
        test_put16(b + l->file_header,
                   machine == WST_PE_MACHINE_AMD64 ? WST_PE_MACHINE_I386 : WST_PE_MACHINE_AMD64);
        break;
    case NSECTIONS:
        test_put16(b + l->file_header + 2, (uint16_t)m->value);
        break;
    case OPT_SIZE:
        test_put16(b + l->file_header + 16, (uint16_t)m->value);
        break;
    case OPT_MAGIC:
        test_put16(b + l->optional, (uint16_t)m->value);
        break;
    case WST_RVA:
        test_put32(b + l->wst + 12, m->value);
        break;
    case WST_VSIZE:
        test_put32(b + l->wst + 8, m->value);
        break;
    }
}

static void check_mutations(const char *arch, uint16_t machine)
{
    struct test_file im = load(arch);
    unsigned char copy[WST_PE_HEADERS_READ];
    struct layout l = layout_of(im.bytes);
    struct wst_pe_section s;
    for (size_t i = 0; i < sizeof mutations / sizeof mutations[0]; i++) {
        memcpy(copy, im.bytes, sizeof copy);
        apply(copy, &l, &mutations[i], machine);
        print_message("%s: %s\n", arch, mutations[i].what);
        assert_int_equal(wst_pe_find_section(copy, sizeof copy, WST_SECTION_NAME, NULL, &s),
                         WST_E_BAD_IMAGE);
    }
    free(im.bytes);
}

static void malformed_x86_64(void **state)
{
    (void)state;
    check_mutations("x86_64", WST_PE_MACHINE_AMD64);
}

static void malformed_i686(void **state)
{
    (void)state;
    check_mutations("i686", WST_PE_MACHINE_I386);
}

/* Every prefix of the headers is either enough or refused; in a heap block of
 * exactly that size, so an over-read would at least be visible to a
 * sanitizer in the native build. */
static void truncated_headers(void **state)
{
    (void)state;
    struct test_file im = load("x86_64");
    struct layout l = layout_of(im.bytes);
    size_t needed = l.sections + 40u * l.section_count;
    struct wst_pe_section s;
    for (size_t size = 0; size <= 1024 && size <= WST_PE_HEADERS_READ; size++) {
        unsigned char *copy = malloc(size ? size : 1);
        memcpy(copy, im.bytes, size);
        enum wst_status st = wst_pe_find_section(copy, size, WST_SECTION_NAME, NULL, &s);
        assert_int_equal(st, size >= needed ? WST_OK : WST_E_BAD_IMAGE);
        free(copy);
    }
    assert_int_equal(wst_pe_find_section(NULL, 0, WST_SECTION_NAME, NULL, &s), WST_E_BAD_IMAGE);
    free(im.bytes);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        test_build_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_x86_64),       cmocka_unit_test(real_i686),
        cmocka_unit_test(malformed_x86_64),  cmocka_unit_test(malformed_i686),
        cmocka_unit_test(truncated_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
