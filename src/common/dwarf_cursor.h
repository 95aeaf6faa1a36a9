/*
 * Bounded reads of DWARF data (fixed-size little-endian fields, LEB128,
 * NUL-terminated strings) shared by dwarf_lines.c and dwarf_units.c. A read
 * that would pass the cursor's end sets `bad` and returns 0 or NULL, and
 * every later read does the same, so a parser checks once per step instead
 * of after every field. Platform-free; no state beyond the cursor.
 */
#ifndef WST_DWARF_CURSOR_H
#define WST_DWARF_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bytes_le.h"

struct wst_cursor {
    const unsigned char *p, *end;
    int bad;
};

static inline int wst_cursor_take(struct wst_cursor *c, size_t n, const unsigned char **out)
{
    if (c->bad || (size_t)(c->end - c->p) < n) {
        c->bad = 1;
        return 0;
    }
    *out = c->p;
    c->p += n;
    return 1;
}

static inline uint64_t wst_cursor_le(struct wst_cursor *c, size_t n)
{
    const unsigned char *b;
    return wst_cursor_take(c, n, &b) ? wst_le_n(b, n) : 0;
}

/* Bits past 64 are dropped: no value these readers use is that large, and
 * a longer encoding is still consumed whole. */
static inline uint64_t wst_cursor_uleb(struct wst_cursor *c)
{
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        const unsigned char *b;
        if (!wst_cursor_take(c, 1, &b))
            return 0;
        if (shift < 64)
            v |= (uint64_t)(*b & 0x7f) << shift;
        if (!(*b & 0x80))
            return v;
    }
}

static inline int64_t wst_cursor_sleb(struct wst_cursor *c)
{
    uint64_t v = 0;
    unsigned shift = 0;
    const unsigned char *b;
    do {
        if (!wst_cursor_take(c, 1, &b))
            return 0;
        if (shift < 64)
            v |= (uint64_t)(*b & 0x7f) << shift;
        shift += 7;
    } while (*b & 0x80);
    if (shift < 64 && (*b & 0x40))
        v |= ~(uint64_t)0 << shift;
    return (int64_t)v;
}

static inline const char *wst_cursor_cstr(struct wst_cursor *c)
{
    if (c->bad)
        return NULL;
    const unsigned char *nul = memchr(c->p, 0, (size_t)(c->end - c->p));
    if (nul == NULL) {
        c->bad = 1;
        return NULL;
    }
    const char *s = (const char *)c->p;
    c->p = nul + 1;
    return s;
}

/* What wst_cursor_unit() found at the section cursor. */
enum wst_unit_read {
    WST_UNIT_OK,
    WST_UNIT_RESERVED, /* an initial length of 0xfffffff0..0xfffffffe */
    WST_UNIT_TOO_LONG, /* the length passes the section's end */
};

/* Takes one unit (of .debug_line or .debug_info) off the section cursor:
 * its initial length, 4 bytes, or 0xffffffff and 8 bytes in 64-bit DWARF
 * (DWARF 5 section 7.4), then that many bytes, which *body then bounds.
 * *offset_size says the format: 4, or 8 for 64-bit DWARF. */
static inline enum wst_unit_read wst_cursor_unit(struct wst_cursor *sec, struct wst_cursor *body,
                                                 unsigned *offset_size)
{
    uint64_t len = wst_cursor_le(sec, 4);
    *offset_size = 4;
    if (len == 0xffffffffu) {
        *offset_size = 8;
        len = wst_cursor_le(sec, 8);
    } else if (len >= 0xfffffff0u) {
        return WST_UNIT_RESERVED;
    }
    const unsigned char *p;
    if (sec->bad || len > (uint64_t)(sec->end - sec->p) || !wst_cursor_take(sec, (size_t)len, &p))
        return WST_UNIT_TOO_LONG;
    *body = (struct wst_cursor){p, p + len, 0};
    return WST_UNIT_OK;
}

/* A NUL-terminated string at `off` of a string section, or NULL. */
static inline const char *wst_section_string(const unsigned char *sec, size_t len, uint64_t off)
{
    if (sec == NULL || off >= len || memchr(sec + off, 0, len - (size_t)off) == NULL)
        return NULL;
    return (const char *)sec + off;
}

#endif
