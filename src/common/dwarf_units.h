/*
 * Which compile units of an image were built with a given compiler switch,
 * from the DW_AT_producer string of each unit's first DIE in .debug_info
 * (gcc records its switches there by default: -grecord-gcc-switches), tied
 * to the unit's line-number program by DW_AT_stmt_list. The coverage export
 * asks for "-finstrument-functions": a function of a unit built without it
 * (mingw's CRT, winstrument's runtime) has no hooks, so "never called" would
 * be a false statement about it.
 *
 * Platform-free and fuzzed (fuzz/fuzz_dwarf_lines.c). The image is
 * untrusted: reads are bounded by their sections, abbreviation lists by the
 * section's end, and a malformed unit gives WST_E_BAD_IMAGE with a reason.
 * Allocates the result; not shared between threads.
 */
#ifndef WST_DWARF_UNITS_H
#define WST_DWARF_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "pe_file.h"
#include "status.h"

#define WST_DWARF_MAX_UNITS (1u << 20)

struct wst_dwarf_units {
    uint64_t *line_offsets; /* .debug_line offsets of the units built with the switch, sorted */
    size_t count;
    size_t units_seen;     /* compile units read */
    size_t with_producer;  /* of those, units whose producer string could be read */
    char error[128];
};

/* Reads every compile unit's header and first DIE. WST_OK with nothing seen
 * when the image has no .debug_info. */
enum wst_status wst_dwarf_units_with_switch(const struct wst_pe_file *image, const char *sw,
                                            struct wst_dwarf_units *out);

/* Whether the line program at `line_offset` belongs to such a unit. */
int wst_dwarf_units_has(const struct wst_dwarf_units *u, uint64_t line_offset);

void wst_dwarf_units_free(struct wst_dwarf_units *u);

#endif
