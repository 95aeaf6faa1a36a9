/*
 * What a coverage export says, whatever its format: the instrumented modules
 * of one process and, for each function the runtime's table knows, its
 * extent, its name, its call count and (when the image has DWARF) the source
 * line where it starts. The inspector fills it from a functions read and the
 * image files (src/inspector/verb_coverage.c); drcov.c and lcov.c write it.
 * Platform-free plain data; the strings are borrowed from whoever filled it.
 */
#ifndef WST_COVERAGE_MODEL_H
#define WST_COVERAGE_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct wst_cov_module {
    const char *path; /* the image's path as the target's loader names it */
    uint64_t base;    /* where it is mapped in the target */
    uint64_t end;     /* base + SizeOfImage */
    uint64_t entry;   /* base + AddressOfEntryPoint, or 0 */
    uint32_t checksum;
    uint32_t timestamp;
};

struct wst_cov_function {
    uint32_t module; /* index into wst_coverage.modules */
    uint32_t rva;    /* start, relative to the module's base */
    uint32_t size;   /* bytes; 0 when unknown */
    const char *name;
    uint64_t calls;
    const char *source; /* NULL when the image has no line for it */
    uint32_t line;
};

struct wst_coverage {
    const struct wst_cov_module *modules;
    size_t module_count;
    const struct wst_cov_function *functions;
    size_t function_count;
};

#endif
