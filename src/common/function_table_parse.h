/*
 * Validates a copy of a module's function table
 * (include/winstrument/function_table.h) and sums its stripes into one entry
 * per function. Platform-free (no windows.h): the inspector uses it on the
 * bytes it copied out of a target, the unit tests and the fuzzer on made-up
 * bytes. The copy is untrusted: every size and offset in its header is
 * checked against the copy, with overflow checks, before anything is read;
 * a bad one is WST_E_CORRUPT (WST_E_VERSION for an unknown table version).
 *
 * No state, no allocation: safe from any thread.
 */
#ifndef WST_FUNCTION_TABLE_PARSE_H
#define WST_FUNCTION_TABLE_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Larger tables than any runtime makes are corruption. */
#define WST_FN_TABLE_MAX_SIZE (64u * 1024u * 1024u)
#define WST_FN_TABLE_MAX_CAPACITY (1u << 20)
#define WST_FN_TABLE_MAX_STRIPES 64u

struct wst_fn_table_info {
    uint32_t capacity, stripes, flags, used, stack_depth;
    uint64_t overflow_calls, unwound_frames, untimed_calls, unmatched_exits, threads;
    uint64_t threads_live;
    /* Filled by wst_fn_table_parse, for wst_fn_table_check: */
    uint32_t rows;       /* taken slots, before duplicates were merged */
    uint32_t duplicates; /* slots whose key another slot also holds */
    uint32_t wrapped;    /* entries whose calls, time or self total (modulo 2^64, as
                          * a reset makes the stripes' sum carry) is 2^63 or more */
};

struct wst_fn_entry {
    uint32_t rva;
    uint64_t calls, time_ns, self_ns; /* summed over stripes, modulo 2^64 */
};

/* The header's capacity, once the header alone is valid: the caller sizes
 * `entries` with it. */
enum wst_status wst_fn_table_parse_header(const void *bytes, size_t size,
                                          struct wst_fn_table_info *info);

/* Every taken slot, sorted by rva, duplicates (a corrupt table) merged.
 * `capacity` must be at least info->capacity, else WST_E_INTERNAL. */
enum wst_status wst_fn_table_parse(const void *bytes, size_t size, struct wst_fn_table_info *info,
                                   struct wst_fn_entry *entries, size_t capacity, size_t *count);

/* What a table that parsed cannot hold if a runtime wrote it (issue 23 F4):
 * a key twice, a function outside the image (`image_size`: SizeOfImage), a
 * sum past 2^64, self time above inclusive time, more taken slots than the
 * header's `used` or than a runtime ever takes. WST_OK, or WST_E_CORRUPT with
 * the first problem found written into `why`. Self above inclusive and rows
 * above `used` can also be a copy racing the hooks (a frame's two adds, a
 * claim's two stores): the caller reads again before it believes them. */
enum wst_status wst_fn_table_check(const struct wst_fn_table_info *info,
                                   const struct wst_fn_entry *entries, size_t count,
                                   uint32_t image_size, char *why, size_t why_size);

#endif
