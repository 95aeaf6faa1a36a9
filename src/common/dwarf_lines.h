/*
 * Source file and line of an address, from the DWARF line-number programs in
 * an image's .debug_line section (DWARF versions 2 to 5; mingw-w64 gcc 12
 * emits version 5 with file and directory names in .debug_line_str). Used by
 * `wst-inspect coverage --format lcov` to give each function the line where
 * it starts.
 *
 * Platform-free and fuzzed (fuzz/fuzz_dwarf_lines.c). The image is untrusted:
 * every read is bounded by its section, counts are capped, and a malformed
 * program gives WST_E_BAD_IMAGE with a reason in `error`, never a read
 * outside the buffer. Allocates the row and file tables; not shared between
 * threads.
 */
#ifndef WST_DWARF_LINES_H
#define WST_DWARF_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "dwarf_line_tables.h" /* WST_DWARF_MAX_*: what one image may allocate */
#include "pe_file.h"
#include "status.h"

struct wst_dwarf_row; /* dwarf_lines.c */

struct wst_dwarf_lines {
    uint64_t image_base; /* DWARF addresses are VAs at the preferred base */
    struct wst_dwarf_row *rows;
    size_t row_count;
    char **files; /* every unit's file table, one after the other */
    size_t file_count;
    uint64_t *unit_offsets; /* each line program's offset in .debug_line, in section order */
    size_t unit_count;
    unsigned max_version; /* highest line-table version read, 0 if none */
    char error[128];      /* why a load failed */
};

/* Runs every line-number program of the image. WST_OK with no rows when the
 * image has no .debug_line (built without -g, or stripped). On failure the
 * struct holds nothing to free and `error` says why. */
enum wst_status wst_dwarf_lines_load(const struct wst_pe_file *image, struct wst_dwarf_lines *out);

/* The row that covers the address `rva`: its file (owned by `lines`), line
 * and, when `unit` is not NULL, its line program's offset in .debug_line
 * (what a compile unit's DW_AT_stmt_list names). Returns 0 when no sequence
 * covers it or its row has no line. */
int wst_dwarf_lines_find(const struct wst_dwarf_lines *lines, uint32_t rva, const char **file,
                         uint32_t *line, uint64_t *unit);

void wst_dwarf_lines_free(struct wst_dwarf_lines *lines);

#endif
