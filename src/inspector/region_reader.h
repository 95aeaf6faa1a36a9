/*
 * Reading one module's region through memory: copies of the whole section,
 * each one ReadProcessMemory call, until three in a row agree (no reset
 * between them, no counter going down), then region_parse.c on the middle
 * one. docs/region.md ("Reading while the target runs") says what that
 * guarantees. Main thread only.
 */
#ifndef WST_INSPECTOR_REGION_READER_H
#define WST_INSPECTOR_REGION_READER_H

#include "discovery.h"
#include "region_parse.h"
#include "remote.h"

/* Just the header (one small read), for `list`. */
enum wst_status wst_read_region_header(const struct wst_remote *r, const struct wst_module *m,
                                       struct wst_region_info *info, struct wst_error *err);

/* The whole region; counters in a malloc'ed array, sorted and merged.
 * *settled is 1 when the copy used passed both checks (no reset during it,
 * no stripe out of order with the copies around it), 0 when the bounded
 * retries ran out and the last copy was used as it was. */
enum wst_status wst_read_region(const struct wst_remote *r, const struct wst_module *m,
                                struct wst_region_info *info, struct wst_region_counter **counters,
                                size_t *count, int *settled, struct wst_error *err);

#endif
