/*
 * Reads a counter of the module that contains this code straight from its own
 * ".wst" section, through the public region ABI only (winstrument/region.h):
 * no inspector, no runtime internals. The benchmark uses it to check that
 * WST_COUNT was exact and to see which stripes the threads landed on.
 *
 * Any thread may call it; it only reads. It must never write the region: the
 * region belongs to the runtime and to the inspector that reads it.
 */
#ifndef BENCH_SELF_REGION_H
#define BENCH_SELF_REGION_H

#include <stdint.h>

#include "region_parse.h"
#include "winstrument/region.h"

struct bench_counter_read {
    uint64_t stripes[WST_STRIPES]; /* summed over every site with the name (counters) */
    uint64_t total;                /* counters: sum of the stripes; distributions: the
                                    * buckets' total (the count) */
    uint32_t sites;                /* how many probe sites carry the name */
    uint32_t mode;                 /* header.mode: enum wst_mode */
    struct wst_region_info info;   /* the header's fields (region_parse.h) */
};

/* 0 on success; -1 with a message on stderr when this module has no valid
 * region or the name is not in it. out->mode's name is wst_mode_name()'s
 * (region_parse.h). */
int bench_read_own_counter(const char *name, struct bench_counter_read *out);

#endif
