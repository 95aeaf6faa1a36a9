/*
 * C++ names for people: the Itanium ABI's mangled names that mingw's g++
 * writes into the COFF symbol table ("_ZL11cxx_throweri") demangled with
 * libsupc++'s demangler ("cxx_thrower(int)"), linked statically. The mangled
 * name stays the function's name in JSON (one token, no commas, as lcov's FN
 * records need); the demangled one is shown beside it. Main thread only (the
 * verbs' writers).
 *
 * The names come from the target's image, so the demangler's work is
 * bounded here. Its output can grow exponentially with the input (each back
 * reference, S_ or S0_, repeats a component that may itself hold back
 * references), and __cxa_demangle takes no bound: it builds the whole string
 * in a heap buffer that doubles, which took 10 s and 1 GB for a 262-byte name
 * and never finishes for a 300-byte one. So the wrapper uses the entry point
 * that libsupc++'s own terminate handler uses, __gcclibcxx_demangle_callback:
 * the same parser and printer with the same options as __cxa_demangle, which
 * allocate nothing on the heap and hand the output over in chunks of at most
 * 255 bytes. The callback keeps what fits in the caller's buffer and, once
 * the output passes WST_DEMANGLE_OUT_MAX, leaves the printer with longjmp.
 * That is safe because nothing between the callback and setjmp owns anything
 * to release: the demangler is C, keeps its state in VLAs on the stack, and
 * takes no lock. Its own guards keep most of the rest linear: it refuses a
 * parse nested over 2048 levels and a print recursing over 1024 or
 * re-entering a component being printed, and counts templates visiting each
 * component at most twice (cp-demangle.c, GCC 12). The one search found to
 * escape them, for a parameter pack before a pack expansion is printed, is
 * bounded by a count of back references before the demangler runs
 * (WST_DEMANGLE_PACK_REFS_MAX).
 *
 * Never: calls __cxa_demangle, allocates, or lets the demangler see a name
 * over WST_DEMANGLE_NAME_MAX, or one with a pack expansion and over
 * WST_DEMANGLE_PACK_REFS_MAX back references.
 */
#include "demangle.h"

#include <setjmp.h>
#include <string.h>

/* libsupc++ (cp-demangle.c, built with IN_GLIBCPP_V3): 0 when the name was
 * demangled and printed through callback, -2 when it is not a valid name. */
int __gcclibcxx_demangle_callback(const char *mangled,
                                  void (*callback)(const char *, size_t, void *), void *opaque);

struct sink {
    char *out;
    size_t size;    /* > 0 */
    size_t kept;    /* bytes in out, < size */
    size_t printed; /* bytes the demangler has handed over */
    jmp_buf stop;
};

static void collect(const char *s, size_t n, void *opaque)
{
    struct sink *k = opaque;
    /* Cannot wrap: printed stays under the bound plus one chunk. */
    k->printed += n;
    if (k->printed > WST_DEMANGLE_OUT_MAX)
        longjmp(k->stop, 1);
    size_t room = k->size - 1 - k->kept;
    if (n > room)
        n = room;
    memcpy(k->out + k->kept, s, n);
    k->kept += n;
}

enum run_result { RUN_DONE, RUN_INVALID, RUN_STOPPED };

/* setjmp alone in its own function: C11 7.13.2.1 leaves a local of setjmp's
 * caller indeterminate if it changed before the longjmp, and this function has
 * none; the sink lives in the caller's frame. */
static enum run_result run(const char *name, struct sink *k)
{
    if (setjmp(k->stop) != 0)
        return RUN_STOPPED;
    return __gcclibcxx_demangle_callback(name, collect, k) == 0 ? RUN_DONE : RUN_INVALID;
}

/* The mangled name, cut so that the mark always fits whole: a cut name must
 * never pass for a complete one. */
static enum wst_demangle_result refuse(const char *name, size_t name_len, const char *mark,
                                       char *out, size_t size)
{
    size_t m = strlen(mark);
    if (size <= m) {
        out[0] = '\0';
        return WST_DEMANGLE_NONE;
    }
    size_t n = name_len < size - 1 - m ? name_len : size - 1 - m;
    memcpy(out, name, n);
    memcpy(out + n, mark, m + 1);
    return WST_DEMANGLE_REFUSED;
}

/* strlen, stopping one past max: strnlen is POSIX, not C11. */
static size_t length_to(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n] != '\0')
        n++;
    return n;
}

/* Back references (S_, S0_, S1A_, ...) anywhere in the name, identifiers
 * included: counting too many only refuses sooner. */
static size_t count_back_refs(const char *name, size_t len)
{
    size_t refs = 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] != 'S')
            continue;
        size_t j = i + 1;
        while (j < len && ((name[j] >= '0' && name[j] <= '9') ||
                           (name[j] >= 'A' && name[j] <= 'Z')))
            j++;
        if (j < len && name[j] == '_')
            refs++;
    }
    return refs;
}

/* Whether the name may hold a construct whose printing first searches its
 * whole pattern for a pack (see WST_DEMANGLE_PACK_REFS_MAX). Matched
 * anywhere, identifiers and parameter lists included ("fl" is also float,
 * long): a false match only applies the reference bound. */
static int has_pack_search(const char *name, size_t len)
{
    static const char tokens[][3] = {"Dp", "sp", "sZ", "sP", "fl", "fr", "fL", "fR"};
    for (size_t i = 0; i + 1 < len; i++) {
        for (size_t t = 0; t < sizeof tokens / sizeof tokens[0]; t++) {
            if (name[i] == tokens[t][0] && name[i + 1] == tokens[t][1])
                return 1;
        }
    }
    return 0;
}

enum wst_demangle_result wst_demangle_measured(const char *name, char *out, size_t size,
                                               size_t *printed)
{
    if (printed != NULL)
        *printed = 0;
    if (size == 0)
        return WST_DEMANGLE_NONE;
    out[0] = '\0';
    if (strncmp(name, "_Z", 2) != 0)
        return WST_DEMANGLE_NONE;
    size_t len = length_to(name, WST_DEMANGLE_NAME_MAX);
    if (len > WST_DEMANGLE_NAME_MAX)
        return refuse(name, len, WST_DEMANGLE_MARK_NAME, out, size);
    if (has_pack_search(name, len) && count_back_refs(name, len) > WST_DEMANGLE_PACK_REFS_MAX)
        return refuse(name, len, WST_DEMANGLE_MARK_REFS, out, size);

    struct sink k = {.out = out, .size = size};
    enum run_result r = run(name, &k);
    if (printed != NULL)
        *printed = k.printed;
    switch (r) {
    case RUN_DONE:
        out[k.kept] = '\0';
        return WST_DEMANGLE_OK;
    case RUN_STOPPED:
        return refuse(name, len, WST_DEMANGLE_MARK_OUT, out, size);
    case RUN_INVALID:
        break;
    }
    /* The printer may have handed over a part before it found the error. */
    out[0] = '\0';
    return WST_DEMANGLE_NONE;
}

enum wst_demangle_result wst_demangle(const char *name, char *out, size_t size)
{
    return wst_demangle_measured(name, out, size, NULL);
}
