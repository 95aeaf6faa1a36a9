/*
 * Finding instrumented modules without the target's help: list the process's
 * modules, copy each one's first 4 KiB (one read), parse its PE headers
 * (pe_image.c) and look for the ".wst" section. Also lists the system's
 * processes for `list`. Main thread only.
 */
#ifndef WST_INSPECTOR_DISCOVERY_H
#define WST_INSPECTOR_DISCOVERY_H

#include <stddef.h>
#include <stdint.h>

#include "pe_build_id.h"
#include "pe_image.h"
#include "remote.h"

#define WST_MODULE_NAME_MAX 512
#define WST_MODULE_PATH_MAX 1600

struct wst_module {
    uint64_t base;
    unsigned bits; /* 32 or 64 */
    uint32_t image_size; /* SizeOfImage */
    uint32_t timestamp;  /* the file header's TimeDateStamp */
    uint32_t entry_point; /* AddressOfEntryPoint */
    uint32_t size_of_code; /* SizeOfCode */
    uint32_t debug_dir_rva, debug_dir_size; /* the debug directory: the build id's */
    struct wst_pe_section section;
    char name[WST_MODULE_NAME_MAX]; /* base name, UTF-8 */
    char path[WST_MODULE_PATH_MAX]; /* full path, UTF-8 */
};

/* Every instrumented module of the process, in load order, in a malloc'ed
 * array. With `only` (a module base name, compared without case), just that
 * one: a module of that name with broken headers is then reported
 * (WST_E_BAD_IMAGE) instead of skipped, and no match is WST_E_NO_MODULE.
 * Without `only`, no instrumented module at all is WST_E_NOT_INSTRUMENTED. */
enum wst_status wst_discover_modules(const struct wst_remote *r, const char *only,
                                     struct wst_module **modules, size_t *count,
                                     struct wst_error *err);

/* The module's build id, read from its mapped debug directory (two small
 * reads; only --symbols needs it, so discovery does not pay for it). A
 * module without one, or with a malformed directory, gives present = 0;
 * only a failed read is an error. */
enum wst_status wst_module_build_id(const struct wst_remote *r, const struct wst_module *m,
                                    struct wst_build_id *out, struct wst_error *err);

/* All process ids of the system, malloc'ed. */
enum wst_status wst_discover_processes(DWORD **pids, size_t *count, struct wst_error *err);

/* ASCII case-insensitive equality, as Windows compares module names. */
int wst_name_equals(const char *a, const char *b);

#endif
