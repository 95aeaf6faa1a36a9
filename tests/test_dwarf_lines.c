/*
 * Unit tests of src/common/pe_file.c, dwarf_lines.c and dwarf_units.c against real images
 * that the build produces: tests/lines_dll.c built with -g -O0 for x86_64
 * (DWARF 5, gcc's default, and DWARF 4) and i686 (DWARF 4). The expected
 * answers are binutils': scripts/dwarf-expect.py wrote, next to each DLL,
 * what objdump's decoded line table says at each function's address (nm).
 * Then the same images with a lying length, every byte of the first line
 * table flipped, and cut short: each gives WST_OK or WST_E_BAD_IMAGE with a
 * reason, never a crash. Single-threaded.
 *
 * Usage: test_dwarf_lines.exe DIR, where DIR holds x86_64/ and i686/ (default: build/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dwarf_lines.h"
#include "dwarf_units.h"
#include "pe_file.h"
#include "test_files.h"

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

/* Every function of the expectation file: the reader's line is objdump's. */
static void check_against_objdump(const char *arch, const char *dll, unsigned want_version)
{
    char path[1024];
    struct test_file im = test_file_load(arch, dll);
    struct wst_pe_file pe;
    struct wst_dwarf_lines lines;
    assert_int_equal(wst_pe_file_open(im.bytes, im.size, &pe), WST_OK);
    assert_int_equal(wst_dwarf_lines_load(&pe, &lines), WST_OK);
    assert_true(lines.row_count > 0);
    assert_int_equal(lines.max_version, want_version);

    snprintf(path, sizeof path, "%s/%s/tests/%.*s.expected", test_build_dir, arch,
             (int)(strlen(dll) - 4), dll);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    unsigned long long va;
    unsigned want_line;
    char name[128];
    int n = 0;
    while (fscanf(f, "%llx %u %127s", &va, &want_line, name) == 3) {
        const char *file = NULL;
        uint32_t line = 0;
        uint32_t rva = (uint32_t)(va - pe.info.image_base);
        if (!wst_dwarf_lines_find(&lines, rva, &file, &line, NULL))
            fail_msg("%s %s: no line for %s at rva 0x%x", arch, dll, name, (unsigned)rva);
        if (line != want_line || !ends_with(file, "tests/lines_dll.c"))
            fail_msg("%s %s: %s: %s:%u, objdump says lines_dll.c:%u", arch, dll, name, file,
                     (unsigned)line, want_line);
        n++;
    }
    fclose(f);
    assert_int_equal(n, 4);
    /* Before the first row and far past the last: nothing covers them. */
    const char *file;
    uint32_t line;
    assert_false(wst_dwarf_lines_find(&lines, 0, &file, &line, NULL));
    assert_false(wst_dwarf_lines_find(&lines, 0xfffffff0u, &file, &line, NULL));
    wst_dwarf_lines_free(&lines);
    free(im.bytes);
}

static void dwarf5_x86_64(void **state)
{
    (void)state;
    check_against_objdump("x86_64", "wst_lines.dll", 5);
}

/* The unit of lines_dll.c is version 4; mingw's CRT objects stay version 5. */
static void dwarf4_x86_64(void **state)
{
    (void)state;
    check_against_objdump("x86_64", "wst_lines_dw4.dll", 5);
}

static void dwarf4_i686(void **state)
{
    (void)state;
    check_against_objdump("i686", "wst_lines_dw4.dll", 5);
}

/* The compile units built with a switch, found by their producer strings:
 * lines_dll.c's unit alone was built with -gdwarf-4 (mingw's CRT units were
 * not), none with -finstrument-functions, and a prefix of a switch is not it. */
static void units_by_switch(void **state)
{
    (void)state;
    struct test_file im = test_file_load("x86_64", "wst_lines_dw4.dll");
    struct wst_pe_file pe;
    struct wst_dwarf_lines lines;
    struct wst_dwarf_units units;
    const char *file;
    uint32_t line;
    uint64_t unit = 0, crt_unit = 0;
    assert_int_equal(wst_pe_file_open(im.bytes, im.size, &pe), WST_OK);
    assert_int_equal(wst_dwarf_lines_load(&pe, &lines), WST_OK);
    assert_int_equal(wst_dwarf_units_with_switch(&pe, "-gdwarf-4", &units), WST_OK);
    assert_true(units.units_seen > 1 && units.with_producer == units.units_seen);
    assert_int_equal(units.count, 1);
    assert_true(wst_dwarf_lines_find(&lines, pe.info.entry_point, &file, &line, &crt_unit));
    assert_false(wst_dwarf_units_has(&units, crt_unit));
    /* lines_add's unit: the first function of the expectation file. */
    char path[1024];
    snprintf(path, sizeof path, "%s/x86_64/tests/wst_lines_dw4.expected", test_build_dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    unsigned long long va;
    assert_int_equal(fscanf(f, "%llx", &va), 1);
    fclose(f);
    assert_true(wst_dwarf_lines_find(&lines, (uint32_t)(va - pe.info.image_base), &file, &line, &unit));
    assert_true(wst_dwarf_units_has(&units, unit));
    wst_dwarf_units_free(&units);
    assert_int_equal(wst_dwarf_units_with_switch(&pe, "-finstrument-functions", &units), WST_OK);
    assert_int_equal(units.count, 0);
    wst_dwarf_units_free(&units);
    assert_int_equal(wst_dwarf_units_with_switch(&pe, "-gdwarf", &units), WST_OK);
    assert_int_equal(units.count, 0);
    wst_dwarf_units_free(&units);
    wst_dwarf_lines_free(&lines);
    free(im.bytes);
}

/* Every byte of .debug_info's first unit and .debug_abbrev's start, set to
 * hostile values: OK or BAD_IMAGE with a reason, never a crash. */
static void units_flipped(void **state)
{
    (void)state;
    static const char *const sections[] = {".debug_info", ".debug_abbrev"};
    static const unsigned char values[] = {0x00, 0x7f, 0x80, 0xff};
    struct test_file im = test_file_load("x86_64", "wst_lines.dll");
    struct wst_pe_file pe;
    assert_int_equal(wst_pe_file_open(im.bytes, im.size, &pe), WST_OK);
    for (size_t k = 0; k < 2; k++) {
        const unsigned char *data;
        size_t len;
        assert_int_equal(wst_pe_file_section(&pe, sections[k], &data, &len), WST_OK);
        assert_non_null(data);
        unsigned char *p = (unsigned char *)data;
        for (size_t i = 0; i < (len < 128 ? len : 128); i++) {
            unsigned char saved = p[i];
            for (size_t v = 0; v < sizeof values; v++) {
                struct wst_dwarf_units units;
                p[i] = values[v];
                enum wst_status st = wst_dwarf_units_with_switch(&pe, "-g", &units);
                if (st != WST_OK && (st != WST_E_BAD_IMAGE || units.error[0] == 0))
                    fail_msg("%s byte %u = 0x%02x: status %d, no reason", sections[k],
                             (unsigned)i, values[v], st);
                wst_dwarf_units_free(&units);
            }
            p[i] = saved;
        }
    }
    free(im.bytes);
}

/* Long section names resolve through the string table. */
static void long_section_names(void **state)
{
    (void)state;
    struct test_file im = test_file_load("x86_64", "wst_lines.dll");
    struct wst_pe_file pe;
    const unsigned char *data;
    size_t len;
    assert_int_equal(wst_pe_file_open(im.bytes, im.size, &pe), WST_OK);
    assert_true(pe.strtab != 0 && pe.info.image_base != 0 && pe.info.entry_point != 0);
    assert_int_equal(wst_pe_file_section(&pe, ".debug_line_str", &data, &len), WST_OK);
    assert_non_null(data);
    assert_true(len > 0 && data + len <= im.bytes + im.size);
    assert_int_equal(wst_pe_file_section(&pe, ".text", &data, &len), WST_OK);
    assert_non_null(data);
    assert_int_equal(wst_pe_file_section(&pe, ".debug_nothing", &data, &len), WST_OK);
    assert_null(data);
    assert_int_equal(len, 0);
    free(im.bytes);
}

/* The string table's ".debug_line" renamed: no line table is no error. */
static void no_line_table(void **state)
{
    (void)state;
    struct test_file im = test_file_load("x86_64", "wst_lines.dll");
    struct wst_pe_file pe;
    struct wst_dwarf_lines lines;
    assert_int_equal(wst_pe_file_open(im.bytes, im.size, &pe), WST_OK);
    unsigned char *s = im.bytes + pe.strtab;
    int renamed = 0;
    for (size_t i = 4; i + 12 <= pe.strtab_size; i++) {
        if (memcmp(s + i, ".debug_line", 12) == 0) {
            s[i + 10] = 'X';
            renamed = 1;
        }
    }
    assert_true(renamed);
    assert_int_equal(wst_dwarf_lines_load(&pe, &lines), WST_OK);
    assert_int_equal(lines.row_count, 0);
    const char *file;
    uint32_t line;
    assert_false(wst_dwarf_lines_find(&lines, 0x1000, &file, &line, NULL));
    wst_dwarf_lines_free(&lines);
    free(im.bytes);
}

static const unsigned char *line_section(const struct wst_pe_file *pe, size_t *len)
{
    const unsigned char *data;
    assert_int_equal(wst_pe_file_section(pe, ".debug_line", &data, len), WST_OK);
    assert_non_null(data);
    return data;
}

/* A unit length past the section's end is refused with a reason. */
static void lying_length(void **state)
{
    (void)state;
    struct test_file im = test_file_load("x86_64", "wst_lines.dll");
    struct wst_pe_file pe;
    struct wst_dwarf_lines lines;
    size_t len;
    assert_int_equal(wst_pe_file_open(im.bytes, im.size, &pe), WST_OK);
    unsigned char *p = (unsigned char *)line_section(&pe, &len);
    p[0] = 0xf0;
    p[1] = p[2] = 0xff;
    p[3] = 0x7f;
    assert_int_equal(wst_dwarf_lines_load(&pe, &lines), WST_E_BAD_IMAGE);
    assert_non_null(strstr(lines.error, "longer than the section"));
    assert_null(lines.rows);
    free(im.bytes);
}

/* Every byte of the first unit's header and the start of its program, set
 * to a few hostile values in turn: OK or BAD_IMAGE, and a failure says why. */
static void flipped_bytes(void **state)
{
    (void)state;
    static const unsigned char values[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    struct test_file im = test_file_load("x86_64", "wst_lines.dll");
    struct wst_pe_file pe;
    size_t len;
    assert_int_equal(wst_pe_file_open(im.bytes, im.size, &pe), WST_OK);
    unsigned char *p = (unsigned char *)line_section(&pe, &len);
    size_t span = len < 256 ? len : 256;
    for (size_t i = 0; i < span; i++) {
        unsigned char saved = p[i];
        for (size_t v = 0; v < sizeof values; v++) {
            struct wst_dwarf_lines lines;
            p[i] = values[v];
            enum wst_status st = wst_dwarf_lines_load(&pe, &lines);
            if (st != WST_OK && st != WST_E_BAD_IMAGE)
                fail_msg("byte %u = 0x%02x: status %d", (unsigned)i, values[v], st);
            if (st != WST_OK && lines.error[0] == 0)
                fail_msg("byte %u = 0x%02x: no reason given", (unsigned)i, values[v]);
            wst_dwarf_lines_free(&lines);
        }
        p[i] = saved;
    }
    free(im.bytes);
}

/* The file cut short anywhere: the headers or the sections no longer fit. */
static void truncated_file(void **state)
{
    (void)state;
    struct test_file im = test_file_load("i686", "wst_lines_dw4.dll");
    for (size_t cut = 0; cut < im.size; cut += im.size / 97 + 1) {
        unsigned char *copy = malloc(cut + 1);
        assert_non_null(copy);
        memcpy(copy, im.bytes, cut);
        struct wst_pe_file pe;
        enum wst_status st = wst_pe_file_open(copy, cut, &pe);
        if (st == WST_OK) {
            struct wst_dwarf_lines lines;
            st = wst_dwarf_lines_load(&pe, &lines);
            assert_true(st == WST_OK || st == WST_E_BAD_IMAGE);
            wst_dwarf_lines_free(&lines);
        } else {
            assert_int_equal(st, WST_E_BAD_IMAGE);
        }
        free(copy);
    }
    free(im.bytes);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        test_build_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dwarf5_x86_64),   cmocka_unit_test(dwarf4_x86_64),
        cmocka_unit_test(dwarf4_i686),     cmocka_unit_test(long_section_names),
        cmocka_unit_test(no_line_table),   cmocka_unit_test(lying_length),
        cmocka_unit_test(flipped_bytes),   cmocka_unit_test(truncated_file),
        cmocka_unit_test(units_by_switch), cmocka_unit_test(units_flipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
