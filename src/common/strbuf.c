/*
 * See strbuf.h. Capacity doubles, checked for overflow before each add.
 */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

static int reserve(struct wst_strbuf *b, size_t extra)
{
    size_t limit = b->limit ? b->limit : WST_STRBUF_DEFAULT_LIMIT;
    if (b->failed || extra > limit || b->len > limit - extra) {
        b->failed = 1;
        return 0;
    }
    size_t need = b->len + extra;
    if (need <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > limit / 2 ? limit : cap * 2;
    char *grown = realloc(b->data, cap);
    if (grown == NULL) {
        b->failed = 1;
        return 0;
    }
    b->data = grown;
    b->cap = cap;
    return 1;
}

void wst_strbuf_append(struct wst_strbuf *b, const void *bytes, size_t n)
{
    if (n == 0 || !reserve(b, n))
        return;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

void wst_strbuf_puts(struct wst_strbuf *b, const char *s)
{
    wst_strbuf_append(b, s, strlen(s));
}

void wst_strbuf_putc(struct wst_strbuf *b, char c)
{
    wst_strbuf_append(b, &c, 1);
}

void wst_strbuf_printf(struct wst_strbuf *b, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        wst_strbuf_append(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n + 1))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void wst_strbuf_u64(struct wst_strbuf *b, unsigned long long v)
{
    char digits[24];
    size_t i = sizeof digits;
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    wst_strbuf_append(b, digits + i, sizeof digits - i);
}

void wst_strbuf_free(struct wst_strbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void wst_strbuf_text(struct wst_strbuf *b, const char *s)
{
    if (s == NULL)
        return;
    size_t n = wst_escape(NULL, 0, s, WST_ESCAPE_TEXT);
    char *shown = malloc(n + 1);
    if (shown == NULL) {
        b->failed = 1;
        return;
    }
    wst_escape(shown, n + 1, s, WST_ESCAPE_TEXT);
    wst_strbuf_append(b, shown, n);
    free(shown);
}
