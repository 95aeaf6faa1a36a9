/*
 * See escape.h. Output goes through a small sink that counts every byte and
 * stores those that fit, so one pass both sizes and writes.
 */
#include "escape.h"

#include <string.h>

static const char hex[] = "0123456789abcdef";

struct sink {
    char *out;
    size_t cap, len;
};

/* Appends one escaped unit whole or not at all, so that a cut never leaves
 * half of an escape (a lone backslash) at the end. */
static void put(struct sink *k, const char *p, size_t n)
{
    if (k->len + n < k->cap)
        memcpy(k->out + k->len, p, n);
    else if (k->len < k->cap)
        k->cap = k->len; /* nothing more fits: stop storing from here */
    k->len += n;
}

size_t wst_utf8_sequence(const unsigned char *s, unsigned long *code_point)
{
    size_t n;
    unsigned long min, cp;
    if (s[0] < 0x80) {
        n = 1;
        min = 0;
        cp = s[0];
    } else if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        min = 0x80;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        min = 0x800;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        min = 0x10000;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0; /* also stops at the NUL */
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    if (code_point != NULL)
        *code_point = cp;
    return n;
}

int wst_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0') {
        size_t n = wst_utf8_sequence(p, NULL);
        if (n == 0)
            return 0;
        p += n;
    }
    return 1;
}

/* Characters that a terminal acts on, or that reorder or break what follows
 * when displayed: C0, DEL, C1, and the bidirectional and line-separator
 * format controls. */
static int is_control(unsigned long cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static void put_byte_escape(struct sink *k, unsigned char b)
{
    char e[4] = {'\\', 'x', hex[b >> 4], hex[b & 0xf]};
    put(k, e, sizeof e);
}

/* \u{H..}: the code point's hex digits, no leading zeros. */
static void put_text_code_point(struct sink *k, unsigned long cp)
{
    char e[12] = {'\\', 'u', '{'};
    size_t n = 3;
    int shift = 20;
    while (shift > 0 && ((cp >> shift) & 0xf) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        e[n++] = hex[(cp >> shift) & 0xf];
    e[n++] = '}';
    put(k, e, n);
}

/* \uXXXX: every control in is_control() is in the BMP. */
static void put_json_code_point(struct sink *k, unsigned long cp)
{
    char e[6] = {'\\', 'u', hex[(cp >> 12) & 0xf], hex[(cp >> 8) & 0xf], hex[(cp >> 4) & 0xf],
                 hex[cp & 0xf]};
    put(k, e, sizeof e);
}

size_t wst_escape(char *out, size_t cap, const char *s, enum wst_escape_style style)
{
    struct sink k = {out, cap, 0};
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0') {
        unsigned long cp = 0;
        size_t n = wst_utf8_sequence(p, &cp);
        if (n == 0) {
            if (style == WST_ESCAPE_TEXT)
                put_byte_escape(&k, *p);
            else
                put(&k, "\\ufffd", 6);
            p++;
            continue;
        }
        if (is_control(cp)) {
            if (style == WST_ESCAPE_JSON)
                put_json_code_point(&k, cp);
            else if (cp < 0x80)
                put_byte_escape(&k, (unsigned char)cp);
            else
                put_text_code_point(&k, cp);
        } else if (style == WST_ESCAPE_JSON && (cp == '"' || cp == '\\')) {
            char e[2] = {'\\', (char)cp};
            put(&k, e, sizeof e);
        } else {
            put(&k, (const char *)p, n);
        }
        p += n;
    }
    if (out != NULL && cap > 0)
        out[k.len < k.cap ? k.len : k.cap] = '\0';
    return k.len;
}

size_t wst_hex_bytes(char *out, size_t cap, const char *s)
{
    struct sink k = {out, cap, 0};
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        char e[2] = {hex[*p >> 4], hex[*p & 0xf]};
        put(&k, e, sizeof e);
    }
    if (out != NULL && cap > 0)
        out[k.len < k.cap ? k.len : k.cap] = '\0';
    return k.len;
}
