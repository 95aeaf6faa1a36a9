/*
 * A growable byte buffer for bodies built in memory (the metrics endpoint's
 * responses). Platform-free, builds natively. An allocation failure is
 * sticky: every later append is ignored and `failed` stays set, so a writer
 * appends freely and checks once at the end. Bounded by `limit`, so a fleet
 * of absurd size cannot make the inspector allocate without end. Not shared
 * between threads.
 */
#ifndef WST_STRBUF_H
#define WST_STRBUF_H

#include <stddef.h>

struct wst_strbuf {
    char *data; /* not NUL-terminated; len bytes */
    size_t len;
    size_t cap;
    size_t limit; /* 0: WST_STRBUF_DEFAULT_LIMIT */
    int failed;   /* out of memory or over the limit */
};

#define WST_STRBUF_DEFAULT_LIMIT ((size_t)512 * 1024 * 1024)

void wst_strbuf_append(struct wst_strbuf *b, const void *bytes, size_t n);
void wst_strbuf_puts(struct wst_strbuf *b, const char *s);
void wst_strbuf_putc(struct wst_strbuf *b, char c);
/* For short formats of int, unsigned and strings: platform-free code is
 * built without mingw's C99 stdio, so 64-bit values go through
 * wst_strbuf_u64 instead of a format that msvcrt may not know. */
void wst_strbuf_printf(struct wst_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void wst_strbuf_u64(struct wst_strbuf *b, unsigned long long v);
/* `s` as escape.h's text form (WST_ESCAPE_TEXT): a string from a target or
 * an image, with no byte a terminal acts on and no line break. */
void wst_strbuf_text(struct wst_strbuf *b, const char *s);
void wst_strbuf_free(struct wst_strbuf *b);

#endif
