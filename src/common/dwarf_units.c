/*
 * See dwarf_units.h. Layouts from the DWARF 4 and 5 standards, sections 7.5
 * (unit headers, abbreviations, attribute forms): a unit header (unit_length;
 * version; up to version 4 debug_abbrev_offset and address_size, from
 * version 5 unit_type, address_size and debug_abbrev_offset), then the first
 * DIE: its abbreviation code, whose declaration in .debug_abbrev (code, tag,
 * children flag, then attribute and form pairs up to 0, 0) says how to read
 * its attributes. Only the first DIE is read, the compile unit's own, and
 * only its producer and stmt_list are kept; every other attribute is skipped
 * by its form's size.
 */
#include "dwarf_units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_cursor.h"
#include "dwarf_forms.h"
#include "grow.h"

enum {
    AT_STMT_LIST = 0x10,
    AT_PRODUCER = 0x25,
    UT_COMPILE = 0x01,
    UT_PARTIAL = 0x03,
};

/* An indirect form names another form; a chain longer than this is a loop. */
#define MAX_INDIRECT 4

struct sections {
    const unsigned char *info, *abbrev, *str, *line_str;
    size_t info_len, abbrev_len, str_len, line_str_len;
};

struct unit_header {
    unsigned version;
    unsigned offset_size; /* 4, or 8 in 64-bit DWARF */
    unsigned address_size;
    uint64_t abbrev_offset;
};

/* What one attribute's value is, as far as this reader cares. */
struct value {
    const char *str; /* for string forms whose section is at hand */
    uint64_t num;    /* for constant and offset forms */
};

static int fail(struct wst_dwarf_units *u, size_t at, const char *what)
{
    snprintf(u->error, sizeof u->error, ".debug_info at 0x%lx: %s", (unsigned long)at, what);
    return 0;
}

static size_t fixed_size(uint64_t form, const struct unit_header *h)
{
    switch (form) {
    case WST_DW_FORM_FLAG_PRESENT:
    case WST_DW_FORM_IMPLICIT_CONST: return 0;
    case WST_DW_FORM_DATA1:
    case WST_DW_FORM_REF1:
    case WST_DW_FORM_FLAG:
    case WST_DW_FORM_STRX1:
    case WST_DW_FORM_ADDRX1: return 1;
    case WST_DW_FORM_DATA2:
    case WST_DW_FORM_REF2:
    case WST_DW_FORM_STRX1 + 1:
    case WST_DW_FORM_ADDRX1 + 1: return 2;
    case WST_DW_FORM_STRX1 + 2:
    case WST_DW_FORM_ADDRX1 + 2: return 3;
    case WST_DW_FORM_DATA4:
    case WST_DW_FORM_REF4:
    case WST_DW_FORM_REF_SUP4:
    case WST_DW_FORM_STRX4:
    case WST_DW_FORM_ADDRX4: return 4;
    case WST_DW_FORM_DATA8:
    case WST_DW_FORM_REF8:
    case WST_DW_FORM_REF_SIG8:
    case WST_DW_FORM_REF_SUP8: return 8;
    case WST_DW_FORM_DATA16: return 16;
    case WST_DW_FORM_ADDR: return h->address_size;
    case WST_DW_FORM_REF_ADDR: return h->version <= 2 ? h->address_size : h->offset_size;
    case WST_DW_FORM_STRP:
    case WST_DW_FORM_SEC_OFFSET:
    case WST_DW_FORM_STRP_SUP:
    case WST_DW_FORM_LINE_STRP: return h->offset_size;
    default: return (size_t)-1;
    }
}

/* Reads one value of `form` at the cursor; 0 on a form this reader cannot
 * size (the unit is then given up) or a read past the unit. */
static int read_value(struct wst_cursor *c, uint64_t form, const struct unit_header *h,
                      const struct sections *s, struct value *v)
{
    const unsigned char *skip;
    v->str = NULL;
    v->num = 0;
    for (int hops = 0; form == WST_DW_FORM_INDIRECT; hops++) {
        if (hops >= MAX_INDIRECT)
            return 0;
        form = wst_cursor_uleb(c);
    }
    size_t n = fixed_size(form, h);
    if (n != (size_t)-1) {
        if (n > 8) {
            wst_cursor_take(c, n, &skip);
            return !c->bad;
        }
        v->num = wst_cursor_le(c, n);
        if (form == WST_DW_FORM_STRP)
            v->str = wst_section_string(s->str, s->str_len, v->num);
        else if (form == WST_DW_FORM_LINE_STRP)
            v->str = wst_section_string(s->line_str, s->line_str_len, v->num);
        return !c->bad;
    }
    uint64_t len;
    switch (form) {
    case WST_DW_FORM_STRING: v->str = wst_cursor_cstr(c); return v->str != NULL;
    case WST_DW_FORM_UDATA:
    case WST_DW_FORM_REF_UDATA:
    case WST_DW_FORM_STRX:
    case WST_DW_FORM_ADDRX:
    case WST_DW_FORM_LOCLISTX:
    case WST_DW_FORM_RNGLISTX: v->num = wst_cursor_uleb(c); return !c->bad;
    case WST_DW_FORM_SDATA: wst_cursor_sleb(c); return !c->bad;
    case WST_DW_FORM_BLOCK1: len = wst_cursor_le(c, 1); break;
    case WST_DW_FORM_BLOCK2: len = wst_cursor_le(c, 2); break;
    case WST_DW_FORM_BLOCK4: len = wst_cursor_le(c, 4); break;
    case WST_DW_FORM_BLOCK:
    case WST_DW_FORM_EXPRLOC: len = wst_cursor_uleb(c); break;
    default: return 0;
    }
    if (c->bad || len > (uint64_t)(c->end - c->p))
        return 0;
    wst_cursor_take(c, (size_t)len, &skip);
    return !c->bad;
}

/* The declaration of abbreviation `code` in the table at `offset`: a cursor
 * positioned at its first attribute pair. */
static int find_abbrev(const struct sections *s, uint64_t offset, uint64_t code,
                       struct wst_cursor *out)
{
    if (s->abbrev == NULL || offset >= s->abbrev_len)
        return 0;
    struct wst_cursor c = {s->abbrev + offset, s->abbrev + s->abbrev_len, 0};
    while (!c.bad) {
        uint64_t have = wst_cursor_uleb(&c);
        if (have == 0 || c.bad)
            return 0;
        wst_cursor_uleb(&c);    /* tag */
        wst_cursor_le(&c, 1);   /* children */
        if (have == code) {
            *out = c;
            return !c.bad;
        }
        for (;;) { /* skip this declaration's pairs */
            uint64_t at = wst_cursor_uleb(&c);
            uint64_t form = wst_cursor_uleb(&c);
            if (c.bad)
                return 0;
            if (form == WST_DW_FORM_IMPLICIT_CONST)
                wst_cursor_sleb(&c);
            if (at == 0 && form == 0)
                break;
        }
    }
    return 0;
}

/* 1 when `producer` holds `sw` as a whole word (so that
 * "-finstrument-functions-exclude-file-list=..." is not taken for it). */
static int has_switch(const char *producer, const char *sw)
{
    size_t n = strlen(sw);
    for (const char *p = strstr(producer, sw); p != NULL; p = strstr(p + 1, sw)) {
        int starts = p == producer || p[-1] == ' ';
        int ends = p[n] == '\0' || p[n] == ' ';
        if (starts && ends)
            return 1;
    }
    return 0;
}

static int read_header(struct wst_cursor *c, struct unit_header *h, int *skip)
{
    h->version = (unsigned)wst_cursor_le(c, 2);
    if (c->bad || h->version < 2 || h->version > 5)
        return 0;
    if (h->version >= 5) {
        unsigned type = (unsigned)wst_cursor_le(c, 1);
        h->address_size = (unsigned)wst_cursor_le(c, 1);
        h->abbrev_offset = wst_cursor_le(c, h->offset_size);
        /* Type and split units carry no compile unit's producer. */
        *skip = type != UT_COMPILE && type != UT_PARTIAL;
    } else {
        h->abbrev_offset = wst_cursor_le(c, h->offset_size);
        h->address_size = (unsigned)wst_cursor_le(c, 1);
    }
    return !c->bad && (h->address_size == 4 || h->address_size == 8);
}

/* The first DIE of a unit: its producer and stmt_list, if it has them. */
static int read_first_die(struct wst_dwarf_units *u, struct wst_cursor *c,
                          const struct unit_header *h, const struct sections *s, const char *sw,
                          size_t at)
{
    struct wst_cursor ab;
    uint64_t code = wst_cursor_uleb(c);
    if (c->bad || code == 0 || !find_abbrev(s, h->abbrev_offset, code, &ab))
        return fail(u, at, "first entry has no abbreviation");
    const char *producer = NULL;
    uint64_t stmt = 0;
    int have_stmt = 0;
    for (;;) {
        uint64_t name = wst_cursor_uleb(&ab);
        uint64_t form = wst_cursor_uleb(&ab);
        if (ab.bad)
            return fail(u, at, "abbreviation runs past .debug_abbrev");
        if (form == WST_DW_FORM_IMPLICIT_CONST)
            wst_cursor_sleb(&ab);
        if (name == 0 && form == 0)
            break;
        struct value v;
        if (!read_value(c, form, h, s, &v))
            return fail(u, at, "an attribute of unknown form or past the unit");
        if (name == AT_PRODUCER)
            producer = v.str;
        else if (name == AT_STMT_LIST) {
            stmt = v.num;
            have_stmt = 1;
        }
    }
    if (producer != NULL)
        u->with_producer++;
    if (producer != NULL && have_stmt && has_switch(producer, sw) &&
        !wst_offsets_append(&u->line_offsets, &u->count, WST_DWARF_MAX_UNITS, stmt))
        return fail(u, at, "too many units");
    return 1;
}

static int read_unit(struct wst_dwarf_units *u, struct wst_cursor *sec, const struct sections *s,
                     const char *sw)
{
    size_t at = (size_t)(sec->p - s->info);
    struct unit_header h = {0};
    struct wst_cursor c;
    enum wst_unit_read r = wst_cursor_unit(sec, &c, &h.offset_size);
    if (r != WST_UNIT_OK)
        return fail(u, at, r == WST_UNIT_RESERVED ? "reserved unit length"
                                                  : "unit longer than the section");
    int skip = 0;
    if (!read_header(&c, &h, &skip))
        return fail(u, at, "unsupported unit header");
    u->units_seen++;
    return skip ? 1 : read_first_die(u, &c, &h, s, sw, at);
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void wst_dwarf_units_free(struct wst_dwarf_units *u)
{
    free(u->line_offsets);
    u->line_offsets = NULL;
    u->count = 0;
}

enum wst_status wst_dwarf_units_with_switch(const struct wst_pe_file *image, const char *sw,
                                            struct wst_dwarf_units *out)
{
    struct sections s;
    memset(out, 0, sizeof *out);
    memset(&s, 0, sizeof s);
    if (wst_pe_file_section(image, ".debug_info", &s.info, &s.info_len) != WST_OK ||
        wst_pe_file_section(image, ".debug_abbrev", &s.abbrev, &s.abbrev_len) != WST_OK ||
        wst_pe_file_section(image, ".debug_str", &s.str, &s.str_len) != WST_OK ||
        wst_pe_file_section(image, ".debug_line_str", &s.line_str, &s.line_str_len) != WST_OK) {
        snprintf(out->error, sizeof out->error, "malformed section table");
        return WST_E_BAD_IMAGE;
    }
    if (s.info == NULL)
        return WST_OK;
    struct wst_cursor sec = {s.info, s.info + s.info_len, 0};
    while (sec.p < sec.end) {
        if (!read_unit(out, &sec, &s, sw)) {
            wst_dwarf_units_free(out);
            if (out->error[0] == 0)
                snprintf(out->error, sizeof out->error, "out of memory");
            return WST_E_BAD_IMAGE;
        }
    }
    if (out->count > 1)
        qsort(out->line_offsets, out->count, sizeof *out->line_offsets, by_value);
    return WST_OK;
}

int wst_dwarf_units_has(const struct wst_dwarf_units *u, uint64_t line_offset)
{
    size_t lo = 0, hi = u->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u->line_offsets[mid] == line_offset)
            return 1;
        if (u->line_offsets[mid] < line_offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}
