/*
 * The directory and file tables of a line-number program's unit header
 * (DWARF 4 and 5, section 6.2.4), read for dwarf_lines.c, which runs the
 * program over them. Platform-free; no state of its own: every path is
 * appended to the caller's struct wst_line_files. Safe from any thread.
 */
#ifndef WST_DWARF_LINE_TABLES_H
#define WST_DWARF_LINE_TABLES_H

#include <stddef.h>

#include "dwarf_cursor.h"

/* Bounds on what one image may make the reader allocate (dwarf_lines.h's). */
#define WST_DWARF_MAX_ROWS (1u << 24)
#define WST_DWARF_MAX_FILES (1u << 20)
#define WST_DWARF_MAX_PATH 4096u

/* The paths every unit's tables append to: owned copies, a unit's
 * directories kept among them (struct wst_line_unit says where). */
struct wst_line_files {
    char **files;
    size_t count;
};

/* The string sections a version 5 file table points into. */
struct wst_line_strings {
    const unsigned char *str, *line_str;
    size_t str_len, line_str_len;
};

struct wst_line_unit {
    unsigned version;
    unsigned offset64; /* 1: 64-bit DWARF (8-byte section offsets) */
    unsigned address_size;
    unsigned min_inst;
    int line_base;
    unsigned line_range;
    unsigned opcode_base;
    const unsigned char *std_lengths; /* opcode_base - 1 bytes */
    size_t file_base;                 /* this unit's first entry in lines->files */
    size_t file_count;
    size_t dir_first; /* the unit's directories, kept in lines->files past its files */
    size_t dir_count;
};

/* Versions 2 to 4: NUL-terminated lists. Fills u's file and directory
 * ranges in l; 0 on a malformed table. */
int wst_dwarf_read_tables_v4(struct wst_line_files *l, struct wst_line_unit *u,
                             struct wst_cursor *c);

/* Version 5: entry formats of DW_LNCT_* / DW_FORM_* pairs, strings in s. */
int wst_dwarf_read_tables_v5(struct wst_line_files *l, struct wst_line_unit *u,
                             struct wst_cursor *c, const struct wst_line_strings *s);

#endif
