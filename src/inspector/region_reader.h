/*
 * Reading one module's region through memory: the whole section in one
 * ReadProcessMemory call, then region_parse.c on the copy. Main thread only.
 */
#ifndef WST_INSPECTOR_REGION_READER_H
#define WST_INSPECTOR_REGION_READER_H

#include "discovery.h"
#include "region_parse.h"
#include "remote.h"

/* Just the header (one small read), for `list`. */
enum wst_status wst_read_region_header(const struct wst_remote *r, const struct wst_module *m,
                                       struct wst_region_info *info, struct wst_error *err);

/* The whole region; counters in a malloc'ed array, sorted and merged. */
enum wst_status wst_read_region(const struct wst_remote *r, const struct wst_module *m,
                                struct wst_region_info *info, struct wst_region_counter **counters,
                                size_t *count, struct wst_error *err);

#endif
