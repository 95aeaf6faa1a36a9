/*
 * libFuzzer target for src/inspector/demangle.c, the bounded wrapper around
 * libsupc++'s demangler (built natively: Linux's libsupc++.a holds the same
 * cp-demangle.c as mingw's). The input up to its first NUL is a symbol name
 * from a target's image; the byte after that NUL, if any, picks a second,
 * small output buffer.
 *
 * Checks what the inspector relies on: the demangler never prints more than
 * WST_DEMANGLE_OUT_MAX plus one chunk; it ends promptly, which only
 * libFuzzer's -timeout (and -rss_limit_mb) can see: its first run found a
 * name that searched for hours printing nothing (regressions/); the output always fits and is
 * terminated; a refused name comes back as itself, cut, with the whole mark;
 * and whatever is not refused is exactly what __cxa_demangle says, which is
 * called only then, when its own work is known to be under the bound.
 *
 * Never: writes to the input, keeps state between inputs, or rejects an input
 * itself.
 */
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "fuzz_check.h"

char *__cxa_demangle(const char *mangled, char *buf, size_t *length, int *status);

#define CHUNK 256 /* the demangler's own print buffer */

static const char *const marks[] = {WST_DEMANGLE_MARK_NAME, WST_DEMANGLE_MARK_REFS,
                                    WST_DEMANGLE_MARK_OUT};

/* A buffer this small cannot hold some mark whole. */
static int too_small_for_a_mark(size_t size)
{
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        if (size <= strlen(marks[i]))
            return 1;
    }
    return 0;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && memcmp(s + n - m, tail, m) == 0;
}

/* The demangler is the system's library, not coverage-instrumented, so
 * libFuzzer sees no new edge when an input makes it print more. One branch
 * per power of two of the output gives it that signal, which steers the
 * search towards the bound. Volatile, so that no branch is folded away. */
static volatile unsigned size_seen[18];
#define SIZE_EDGE(b)                                                                           \
    if (printed >= (1u << (b)))                                                                \
    size_seen[b]++
static void feed_size(size_t printed)
{
    SIZE_EDGE(0); SIZE_EDGE(1); SIZE_EDGE(2); SIZE_EDGE(3); SIZE_EDGE(4); SIZE_EDGE(5);
    SIZE_EDGE(6); SIZE_EDGE(7); SIZE_EDGE(8); SIZE_EDGE(9); SIZE_EDGE(10); SIZE_EDGE(11);
    SIZE_EDGE(12); SIZE_EDGE(13); SIZE_EDGE(14); SIZE_EDGE(15); SIZE_EDGE(16); SIZE_EDGE(17);
}

/* One call, its own promises; returns the result for the caller's cross-checks. */
static enum wst_demangle_result check_one(const char *name, char *out, size_t size)
{
    size_t printed = 0;
    memset(out, 'x', size);
    enum wst_demangle_result r = wst_demangle_measured(name, out, size, &printed);
    FUZZ_CHECK(memchr(out, '\0', size) != NULL);
    FUZZ_CHECK(printed <= WST_DEMANGLE_OUT_MAX + CHUNK);
    feed_size(printed);
    size_t len = strlen(name), n = strlen(out);
    switch (r) {
    case WST_DEMANGLE_NONE:
        FUZZ_CHECK(n == 0);
        /* Unless it was a refusal whose mark did not fit. */
        FUZZ_CHECK(printed <= WST_DEMANGLE_OUT_MAX || too_small_for_a_mark(size));
        break;
    case WST_DEMANGLE_OK:
        FUZZ_CHECK(strncmp(name, "_Z", 2) == 0 && len <= WST_DEMANGLE_NAME_MAX);
        FUZZ_CHECK(printed <= WST_DEMANGLE_OUT_MAX);
        FUZZ_CHECK(n == (printed < size - 1 ? printed : size - 1));
        break;
    case WST_DEMANGLE_REFUSED: {
        size_t which = 0;
        while (which < sizeof marks / sizeof marks[0] && !ends_with(out, marks[which]))
            which++;
        FUZZ_CHECK(which < sizeof marks / sizeof marks[0]);
        size_t m = strlen(marks[which]);
        FUZZ_CHECK(memcmp(out, name, n - m) == 0);
        FUZZ_CHECK(n - m == (len < size - 1 - m ? len : size - 1 - m));
        if (which == 0)
            FUZZ_CHECK(len > WST_DEMANGLE_NAME_MAX && printed == 0);
        else if (which == 1)
            FUZZ_CHECK(printed == 0);
        else
            FUZZ_CHECK(printed > WST_DEMANGLE_OUT_MAX);
        break;
    }
    default:
        FUZZ_CHECK(!"unknown result");
    }
    return r;
}

/* Not refused: exactly the unbounded demangler's answer, cut to fit. */
static void check_reference(const char *name, enum wst_demangle_result r, const char *out,
                            size_t size)
{
    if (r == WST_DEMANGLE_REFUSED || strncmp(name, "_Z", 2) != 0)
        return;
    int status = 0;
    char *ref = __cxa_demangle(name, NULL, NULL, &status);
    if (r == WST_DEMANGLE_NONE) {
        FUZZ_CHECK(ref == NULL && status == -2);
        return;
    }
    FUZZ_CHECK(ref != NULL && status == 0);
    size_t n = strlen(ref) < size - 1 ? strlen(ref) : size - 1;
    FUZZ_CHECK(strlen(out) == n && memcmp(out, ref, n) == 0);
    free(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *name = malloc(size + 1);
    FUZZ_CHECK(name != NULL);
    memcpy(name, data, size);
    name[size] = '\0';
    size_t len = strlen(name);
    size_t small = len + 1 < size ? 1 + data[len + 1] % 80 : 40;

    char out[1024], cut[80];
    enum wst_demangle_result r = check_one(name, out, sizeof out);
    check_reference(name, r, out, sizeof out);
    /* A small buffer changes only how much is kept: the same answer cut, or
     * nothing when the mark would not fit whole. */
    enum wst_demangle_result s = check_one(name, cut, small);
    if (s != r) {
        FUZZ_CHECK(r == WST_DEMANGLE_REFUSED && s == WST_DEMANGLE_NONE);
        FUZZ_CHECK(too_small_for_a_mark(small));
    } else if (r == WST_DEMANGLE_OK) {
        FUZZ_CHECK(strncmp(cut, out, strlen(cut)) == 0);
    }
    free(name);
    return 0;
}
