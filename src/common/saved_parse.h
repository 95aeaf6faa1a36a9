/*
 * Validation of a saved file (winstrument/saved.h; the rules are in
 * docs/design/saved-file.md): the container's header and records, and the
 * identity record's fields. The region and function table records are
 * located, not decoded: their own parsers (region_parse.c,
 * function_table_parse.c) validate them.
 *
 * Platform-free: no windows.h, builds natively for fuzzing. The bytes come
 * from a file anyone may have written, and are trusted in nothing; no state,
 * no allocation, safe from any thread.
 */
#ifndef WST_SAVED_PARSE_H
#define WST_SAVED_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "winstrument/saved.h"

/* The largest function table record a reader takes: far above the runtime's
 * table (winstrument/function_table.h), small enough to refuse a lie. */
#define WST_SAVED_FUNCTIONS_MAX (64u * 1024u * 1024u)

struct wst_saved_file {
    struct wst_saved_header header;     /* copied, checked */
    struct wst_saved_identity identity; /* copied; both paths NUL-terminated */
    const unsigned char *region;        /* inside the caller's bytes */
    size_t region_size;
    const unsigned char *functions; /* NULL: the module had no function table */
    size_t functions_size;
};

/* WST_OK and *out filled, or: WST_E_TRUNCATED (the file ends before its
 * header, a record or its declared size), WST_E_VERSION (a version this
 * reader does not know), WST_E_CORRUPT (anything else out of its rules). */
enum wst_status wst_saved_parse(const void *bytes, size_t size, struct wst_saved_file *out);

/* The module's base name: module_path after its last '\' or '/'. */
const char *wst_saved_module_name(const struct wst_saved_identity *id);

#endif
