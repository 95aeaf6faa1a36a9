/*
 * See dwarf_lines.h. The layout of a line-number program follows the DWARF 4
 * and 5 standards, section 6.2: a unit header (unit_length, version, in
 * version 5 address_size and segment_selector_size, header_length,
 * minimum_instruction_length, maximum_operations_per_instruction from
 * version 4, default_is_stmt, line_base, line_range, opcode_base, the
 * standard opcodes' argument counts), the directory and file tables (NUL-
 * terminated lists up to version 4; entry formats of DW_LNCT_* / DW_FORM_*
 * pairs in version 5), then the opcodes, which drive a state machine of
 * address, file and line registers and append a row at each copy, special
 * opcode and end of sequence.
 *
 * Every read goes through a cursor bounded by the unit's end, so a lying
 * length or a truncated opcode stops the unit with an error instead of
 * reading past it. Rows are then sorted by address once, so each lookup is a
 * binary search.
 */
#include "dwarf_lines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_cursor.h"
#include "grow.h"

/* Standard opcodes (DW_LNS_*), extended opcodes (DW_LNE_*) and line-table
 * (the line-table content types are dwarf_line_tables.c's). */
enum {
    LNS_COPY = 1,
    LNS_ADVANCE_PC = 2,
    LNS_ADVANCE_LINE = 3,
    LNS_SET_FILE = 4,
    LNS_CONST_ADD_PC = 8,
    LNS_FIXED_ADVANCE_PC = 9,
    LNE_END_SEQUENCE = 1,
    LNE_SET_ADDRESS = 2,
};

struct wst_dwarf_row {
    uint64_t addr;
    uint32_t file; /* index into lines->files, or NO_FILE */
    uint32_t line;
    uint32_t order; /* position in the program, to keep sorting stable */
    uint32_t end;   /* 1: the end_sequence row, which covers nothing */
    uint32_t unit;  /* index into lines->unit_offsets */
};
#define NO_FILE UINT32_MAX

static int fail(struct wst_dwarf_lines *l, size_t at, const char *what)
{
    snprintf(l->error, sizeof l->error, ".debug_line at 0x%lx: %s", (unsigned long)at, what);
    return 0;
}

/* ---- the state machine ------------------------------------------------ */

struct machine {
    uint64_t addr;
    uint64_t file;
    uint64_t line; /* wraps on hostile input instead of overflowing; rows check the range */
};

static void machine_reset(struct machine *m)
{
    m->addr = 0;
    m->file = 1;
    m->line = 1;
}

static int emit(struct wst_dwarf_lines *l, const struct wst_line_unit *u, const struct machine *m,
                int end)
{
    if (l->row_count >= WST_DWARF_MAX_ROWS)
        return 0;
    struct wst_dwarf_row *rows = wst_grow_for(l->rows, l->row_count, 1024, sizeof *rows);
    if (rows == NULL)
        return 0;
    l->rows = rows;
    /* Version 5 numbers files from 0; earlier versions from 1. */
    int valid = u->version >= 5 || m->file != 0;
    uint64_t index = u->version >= 5 ? m->file : m->file - 1;
    struct wst_dwarf_row *r = &l->rows[l->row_count];
    r->addr = m->addr;
    r->file = valid && index < u->file_count ? (uint32_t)(u->file_base + index) : NO_FILE;
    r->line = m->line > 0 && m->line <= UINT32_MAX ? (uint32_t)m->line : 0;
    r->order = (uint32_t)l->row_count;
    r->unit = (uint32_t)(l->unit_count - 1);
    r->end = (uint32_t)end;
    l->row_count++;
    return 1;
}

static int run_extended(struct wst_dwarf_lines *l, const struct wst_line_unit *u,
                        struct wst_cursor *c, struct machine *m)
{
    uint64_t len = wst_cursor_uleb(c);
    const unsigned char *body;
    if (len == 0 || len > (uint64_t)(c->end - c->p) || !wst_cursor_take(c, (size_t)len, &body))
        return 0;
    struct wst_cursor e = {body, body + len, 0};
    unsigned op = (unsigned)wst_cursor_le(&e, 1);
    if (op == LNE_END_SEQUENCE) {
        if (!emit(l, u, m, 1))
            return 0;
        machine_reset(m);
    } else if (op == LNE_SET_ADDRESS) {
        size_t n = (size_t)len - 1;
        if (n != 4 && n != 8)
            return 0;
        m->addr = wst_cursor_le(&e, n);
    }
    /* Others (define_file, set_discriminator, vendor ones) carry nothing
     * this reader needs; their length was skipped above. */
    return 1;
}

static int run_standard(const struct wst_line_unit *u, struct wst_cursor *c, struct machine *m,
                        unsigned op)
{
    switch (op) {
    case LNS_ADVANCE_PC: m->addr += wst_cursor_uleb(c) * u->min_inst; break;
    case LNS_ADVANCE_LINE: m->line += (uint64_t)wst_cursor_sleb(c); break;
    case LNS_SET_FILE: m->file = wst_cursor_uleb(c); break;
    case LNS_CONST_ADD_PC: m->addr += (uint64_t)((255 - u->opcode_base) / u->line_range) * u->min_inst;
        break;
    case LNS_FIXED_ADVANCE_PC: m->addr += wst_cursor_le(c, 2); break;
    default:
        /* Known argument-less opcodes and unknown ones alike: skip the
         * number of LEB128 arguments the header declares. */
        for (unsigned i = 0; i < u->std_lengths[op - 1]; i++)
            wst_cursor_uleb(c);
        break;
    }
    return !c->bad;
}

static int run_program(struct wst_dwarf_lines *l, const struct wst_line_unit *u,
                       struct wst_cursor *c)
{
    struct machine m;
    machine_reset(&m);
    while (c->p < c->end) {
        unsigned op = (unsigned)wst_cursor_le(c, 1);
        if (op >= u->opcode_base) {
            unsigned adj = op - u->opcode_base;
            m.addr += (uint64_t)(adj / u->line_range) * u->min_inst;
            m.line += (uint64_t)(int64_t)(u->line_base + (int)(adj % u->line_range));
            if (!emit(l, u, &m, 0))
                return 0;
        } else if (op == 0) {
            if (!run_extended(l, u, c, &m))
                return 0;
        } else if (op == LNS_COPY) {
            if (!emit(l, u, &m, 0))
                return 0;
        } else if (!run_standard(u, c, &m, op)) {
            return 0;
        }
    }
    return !c->bad;
}

/* ---- units ------------------------------------------------------------ */

static int read_header(struct wst_cursor *c, struct wst_line_unit *u)
{
    u->version = (unsigned)wst_cursor_le(c, 2);
    if (c->bad || u->version < 2 || u->version > 5)
        return 0;
    if (u->version >= 5) {
        u->address_size = (unsigned)wst_cursor_le(c, 1);
        wst_cursor_le(c, 1); /* segment_selector_size */
    }
    return !c->bad;
}

static int read_params(struct wst_cursor *c, struct wst_line_unit *u)
{
    u->min_inst = (unsigned)wst_cursor_le(c, 1);
    if (u->version >= 4)
        wst_cursor_le(c, 1); /* maximum_operations_per_instruction: 1 on x86 */
    wst_cursor_le(c, 1);     /* default_is_stmt */
    u->line_base = (signed char)wst_cursor_le(c, 1);
    u->line_range = (unsigned)wst_cursor_le(c, 1);
    u->opcode_base = (unsigned)wst_cursor_le(c, 1);
    if (c->bad || u->line_range == 0 || u->opcode_base == 0)
        return 0;
    return wst_cursor_take(c, u->opcode_base - 1, &u->std_lengths);
}

/* One unit at the cursor: its header bounds its tables, its length bounds
 * its program. Advances the section cursor past the unit. */
static int read_unit(struct wst_dwarf_lines *l, struct wst_cursor *sec, const unsigned char *base,
                     const struct wst_line_strings *s)
{
    size_t at = (size_t)(sec->p - base);
    struct wst_line_unit u = {0};
    struct wst_cursor c;
    unsigned offset_size;
    enum wst_unit_read r = wst_cursor_unit(sec, &c, &offset_size);
    if (r != WST_UNIT_OK)
        return fail(l, at,
                              r == WST_UNIT_RESERVED ? "reserved unit length"
                                                     : "unit longer than the section");
    u.offset64 = offset_size == 8;
    /* Rows made from now on belong to this unit. */
    if (!wst_offsets_append(&l->unit_offsets, &l->unit_count, WST_DWARF_MAX_FILES, at))
        return fail(l, at, "too many units");
    if (!read_header(&c, &u))
        return fail(l, at, "unsupported line-table version");
    uint64_t hlen = wst_cursor_le(&c, u.offset64 ? 8 : 4);
    if (c.bad || hlen > (uint64_t)(c.end - c.p))
        return fail(l, at, "header longer than the unit");
    struct wst_cursor h = {c.p, c.p + hlen, 0};
    struct wst_cursor prog = {c.p + hlen, c.end, 0};
    if (!read_params(&h, &u))
        return fail(l, at, "bad header parameters");
    struct wst_line_files files = {l->files, l->file_count};
    int ok = u.version >= 5 ? wst_dwarf_read_tables_v5(&files, &u, &h, s)
                            : wst_dwarf_read_tables_v4(&files, &u, &h);
    l->files = files.files; /* kept on failure too: the caller frees them */
    l->file_count = files.count;
    if (!ok)
        return fail(l, at, "bad directory or file table");
    if (u.version > l->max_version)
        l->max_version = u.version;
    if (!run_program(l, &u, &prog))
        return fail(l, at, "bad line-number program");
    return 1;
}

static int row_order(const void *a, const void *b)
{
    const struct wst_dwarf_row *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    /* At one address, a sequence's end sorts before the next one's start. */
    if (x->end != y->end)
        return x->end ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

void wst_dwarf_lines_free(struct wst_dwarf_lines *l)
{
    for (size_t i = 0; i < l->file_count; i++)
        free(l->files[i]);
    free(l->files);
    free(l->rows);
    free(l->unit_offsets);
    l->files = NULL;
    l->rows = NULL;
    l->unit_offsets = NULL;
    l->file_count = l->row_count = l->unit_count = 0;
}

enum wst_status wst_dwarf_lines_load(const struct wst_pe_file *image, struct wst_dwarf_lines *out)
{
    memset(out, 0, sizeof *out);
    out->image_base = image->info.image_base;
    const unsigned char *line;
    size_t line_len;
    struct wst_line_strings s = {0};
    if (wst_pe_file_section(image, ".debug_line", &line, &line_len) != WST_OK ||
        wst_pe_file_section(image, ".debug_str", &s.str, &s.str_len) != WST_OK ||
        wst_pe_file_section(image, ".debug_line_str", &s.line_str, &s.line_str_len) != WST_OK) {
        snprintf(out->error, sizeof out->error, "malformed section table");
        return WST_E_BAD_IMAGE;
    }
    if (line == NULL)
        return WST_OK;
    struct wst_cursor sec = {line, line + line_len, 0};
    while (sec.p < sec.end) {
        if (!read_unit(out, &sec, line, &s)) {
            char why[sizeof out->error];
            memcpy(why, out->error, sizeof why);
            wst_dwarf_lines_free(out);
            memcpy(out->error, why, sizeof why);
            if (why[0] == 0)
                snprintf(out->error, sizeof out->error, "out of memory or over a bound");
            return WST_E_BAD_IMAGE;
        }
    }
    if (out->row_count > 1)
        qsort(out->rows, out->row_count, sizeof *out->rows, row_order);
    return WST_OK;
}

int wst_dwarf_lines_find(const struct wst_dwarf_lines *l, uint32_t rva, const char **file,
                         uint32_t *line, uint64_t *unit)
{
    uint64_t va = l->image_base + rva;
    /* The first row past va; the rows at the greatest address <= va precede it. */
    size_t lo = 0, hi = l->row_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->rows[mid].addr <= va)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 0;
    uint64_t at = l->rows[lo - 1].addr;
    size_t first = lo - 1;
    while (first > 0 && l->rows[first - 1].addr == at)
        first--;
    for (size_t i = first; i < lo; i++) {
        const struct wst_dwarf_row *r = &l->rows[i];
        if (r->end)
            continue;
        if (r->file == NO_FILE || r->line == 0)
            return 0;
        *file = l->files[r->file];
        *line = r->line;
        if (unit != NULL)
            *unit = l->unit_offsets[r->unit];
        return 1;
    }
    return 0;
}
