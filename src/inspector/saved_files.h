/*
 * Saved files (WINSTRUMENT_SAVE) read for `dump --from`: each file read
 * whole, its container and region validated (saved_parse.c,
 * region_parse.c), and the files grouped by module and merged: counters
 * add, distributions add bucket by bucket (count, sum, min and max exact),
 * gauges stay per file. Files of different builds of one module are
 * refused (WST_E_BUILD_MISMATCH), never mixed. Main thread only.
 */
#ifndef WST_INSPECTOR_SAVED_FILES_H
#define WST_INSPECTOR_SAVED_FILES_H

#include <stddef.h>

#include "error.h"
#include "options.h"
#include "region_parse.h"
#include "saved_parse.h"

/* One file as read. */
struct wst_saved_input {
    const char *file; /* as the command line gave it */
    unsigned char *bytes;
    struct wst_saved_file saved; /* points into bytes */
    struct wst_region_info info;
    struct wst_region_counter *counters; /* one block: entries, then buckets */
    size_t count;
};

/* One module: its files merged. */
struct wst_saved_module {
    size_t first;  /* index of its first file in the set's inputs */
    size_t *files; /* indexes of its files, in command-line order */
    size_t file_count;
    struct wst_region_counter *merged; /* counters and distributions, by name */
    size_t merged_count;
};

struct wst_saved_set {
    struct wst_saved_input *inputs;
    size_t input_count;
    struct wst_saved_module *modules; /* in order of first appearance */
    size_t module_count;
};

/* Reads o->from[0 .. o->from_count), keeps the modules o->module selects,
 * and merges. Free the set with wst_saved_free even when this fails. */
enum wst_status wst_saved_load(const struct wst_options *o, struct wst_saved_set *set,
                               struct wst_error *err);
void wst_saved_free(struct wst_saved_set *set);

#endif
