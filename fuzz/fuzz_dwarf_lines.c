/*
 * libFuzzer target for src/common/pe_file.c, dwarf_lines.c and dwarf_units.c: a whole image
 * file, as `wst-inspect coverage` reads it from disk to find each function's
 * source line. Beyond "no crash", it checks what a caller relies on: a
 * section found lies inside the input; after WST_OK every lookup that finds
 * a row gives a NUL-terminated path and a line above 0; after a failure
 * there is nothing left to free and a reason is given.
 *
 * Never: writes to the input, keeps state between inputs, or rejects an
 * input itself.
 */
#include <string.h>

#include "dwarf_lines.h"
#include "dwarf_units.h"
#include "fuzz_check.h"
#include "pe_file.h"

static void check_sections(const uint8_t *data, size_t size, const struct wst_pe_file *pe)
{
    static const char *const names[] = {".debug_line", ".debug_line_str", ".debug_str", ".text"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const unsigned char *p;
        size_t len;
        if (wst_pe_file_section(pe, names[i], &p, &len) != WST_OK || p == NULL)
            continue;
        FUZZ_CHECK(p >= data && len <= size && (size_t)(p - data) <= size - len);
    }
}

static void check_units(const struct wst_pe_file *pe)
{
    struct wst_dwarf_units units;
    enum wst_status st = wst_dwarf_units_with_switch(pe, "-g", &units);
    FUZZ_CHECK(st == WST_OK || st == WST_E_BAD_IMAGE);
    if (st != WST_OK) {
        FUZZ_CHECK(units.line_offsets == NULL && units.error[0] != 0);
        return;
    }
    FUZZ_CHECK(units.count <= units.with_producer && units.with_producer <= units.units_seen);
    for (size_t i = 0; i < units.count; i++)
        FUZZ_CHECK(wst_dwarf_units_has(&units, units.line_offsets[i]));
    wst_dwarf_units_free(&units);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wst_pe_file pe;
    struct wst_dwarf_lines lines;
    if (wst_pe_file_open(data, size, &pe) != WST_OK)
        return 0;
    check_sections(data, size, &pe);
    check_units(&pe);
    enum wst_status st = wst_dwarf_lines_load(&pe, &lines);
    FUZZ_CHECK(st == WST_OK || st == WST_E_BAD_IMAGE);
    if (st != WST_OK) {
        FUZZ_CHECK(lines.rows == NULL && lines.files == NULL && lines.error[0] != 0);
        return 0;
    }
    /* Lookups at the start of every page of a small image, and at the ends. */
    for (uint32_t rva = 0; rva < 0x10000; rva += 0x100) {
        const char *file;
        uint32_t line;
        if (wst_dwarf_lines_find(&lines, rva, &file, &line, NULL))
            FUZZ_CHECK(file != NULL && line > 0 && strlen(file) < WST_DWARF_MAX_PATH);
    }
    const char *file;
    uint32_t line;
    if (wst_dwarf_lines_find(&lines, 0xffffffffu, &file, &line, NULL))
        FUZZ_CHECK(file != NULL && line > 0);
    wst_dwarf_lines_free(&lines);
    return 0;
}
