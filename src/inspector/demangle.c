/*
 * C++ names for people: the Itanium ABI's mangled names that mingw's g++
 * writes into the COFF symbol table ("_ZL11cxx_throweri") demangled with
 * libsupc++'s __cxa_demangle ("cxx_thrower(int)"), linked statically. The
 * mangled name stays the function's name in JSON (one token, no commas, as
 * lcov's FN records need); the demangled one is shown beside it. Main thread
 * only (the verbs' writers).
 */
#include "demangle.h"

#include <stdlib.h>
#include <string.h>

/* libsupc++ (cxxabi.h is C++ only): a malloc'ed string, or NULL. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *length, int *status);

int wst_demangle(const char *name, char *out, size_t size)
{
    if (size == 0 || strncmp(name, "_Z", 2) != 0)
        return 0;
    int status = -1;
    char *d = __cxa_demangle(name, NULL, NULL, &status);
    if (d == NULL || status != 0) {
        free(d);
        return 0;
    }
    size_t n = strlen(d);
    if (n >= size)
        n = size - 1;
    memcpy(out, d, n);
    out[n] = '\0';
    free(d);
    return 1;
}
