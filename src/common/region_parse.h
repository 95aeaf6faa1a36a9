/*
 * Validation and decoding of a copy of a module's ".wst" section
 * (winstrument/region.h; the rules are in docs/region.md). Platform-free: no
 * windows.h, builds natively for fuzzing. The bytes come from another
 * process and are trusted in nothing: every field is checked against the ABI
 * constants, every record against the section's size, and every string for
 * its terminator before it is copied out.
 *
 * No state and no allocation: the caller supplies the counter array, sized
 * with wst_region_max_counters(), so a hostile section cannot make the
 * parser allocate more than its own size justifies. Safe from any thread.
 */
#ifndef WST_REGION_PARSE_H
#define WST_REGION_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "winstrument/region.h"

/* The largest section the inspector accepts: far above any real module
 * (a counter is 576 bytes), small enough that a lying VirtualSize cannot make
 * it copy gigabytes. */
#define WST_REGION_MAX_SIZE (64u * 1024u * 1024u)

/* wst_region_counter.flags, besides WST_DIST_UNIT_*: the name was used with
 * more than one kind in the module (conflict_kinds has a bit 1 << kind for
 * each); the entry shows the data of the lowest kind only. */
#define WST_REGION_KIND_CONFLICT 0x1u

/* One counter, gauge or distribution: all same-named sites, merged. */
struct wst_region_counter {
    char name[WST_NAME_MAX]; /* NUL-terminated */
    /* counter: the stripes' sum; gauge: the value, an int64_t as two's
     * complement; distribution: the count */
    uint64_t value;
    uint32_t kind;           /* WST_KIND_* (layout 1: always WST_KIND_COUNTER) */
    uint32_t flags;          /* WST_DIST_UNIT_NS, WST_REGION_KIND_CONFLICT */
    uint32_t conflict_kinds; /* 1 << kind for every kind the name had */
    /* distribution only: exact sum (wrapping), min and max (0 when count is 0) */
    uint64_t sum;
    uint64_t min;
    uint64_t max;
    /* distribution only: WST_DIST_BUCKETS counts in the caller's pool, or
     * NULL when the caller gave none */
    uint64_t *buckets;
};

/* The header, validated, and what the walk found. */
struct wst_region_info {
    /* A copy of the section's header, every check of wst_region_parse_header
     * passed: the ABI sizes match, mode, worker_state, helper_state and
     * trigger_state are in range, and pipe_name is NUL-terminated (possibly
     * empty). The other fields are as read: counts for people (stripe_*,
     * clock_*), and the function table's place, which the reader checks
     * against the module before it reads there. */
    struct wst_region_header header;
    size_t sites;         /* records found (before merging by name) */
    size_t distributions; /* of which distribution records */
    size_t padding_lines; /* zero lines skipped */
    size_t trailer_offset;
    size_t error_offset; /* on WST_E_CORRUPT from the walk: the offending line */
};

/* Enough entries for any section of `section_size` bytes. */
size_t wst_region_max_counters(size_t section_size);

/* Enough distributions for any section of `section_size` bytes, of any
 * layout (counted at layout 2's smaller record): the pool of
 * wst_region_parse_pool holds this many arrays of WST_DIST_BUCKETS counts. */
size_t wst_region_max_dists(size_t section_size);

/* A distribution record's size in layout `layout`: 8448 bytes in layout 2
 * (WST_DIST_SIZE_V2), sizeof(struct wst_distribution) in layout 3. */
size_t wst_region_dist_size(uint16_t layout);

/* How many bucket shards a distribution record of `layout` has: 1 in layout
 * 2, WST_DIST_SHARDS in layout 3. */
unsigned wst_region_dist_shards(uint16_t layout);

/* Bucket i (< WST_DIST_BUCKETS) of the distribution record at `record`, all
 * wst_region_dist_size(layout) bytes of it in the buffer: the sum of that
 * bucket over the layout's shards, modulo 2^64. */
uint64_t wst_region_dist_bucket(const unsigned char *record, uint16_t layout, unsigned i);

/* Checks only the header (the first sizeof(struct wst_region_header) bytes)
 * and copies it into info->header. For callers that read just the header,
 * such as `list`. */
enum wst_status wst_region_parse_header(const void *bytes, size_t size,
                                        struct wst_region_info *info);

/* Checks the header, walks the lines up to the trailer, and stores the
 * merged counters, sorted by name, in counters[0 .. *count). `capacity` must
 * be at least wst_region_max_counters(size), else WST_E_INTERNAL. */
enum wst_status wst_region_parse(const void *bytes, size_t size, struct wst_region_info *info,
                                 struct wst_region_counter *counters, size_t capacity,
                                 size_t *count);

/* wst_region_parse, and each distribution's buckets copied to pool (room for
 * pool_capacity >= wst_region_max_dists(size) arrays of WST_DIST_BUCKETS). */
enum wst_status wst_region_parse_pool(const void *bytes, size_t size,
                                      struct wst_region_info *info,
                                      struct wst_region_counter *counters, size_t capacity,
                                      uint64_t *pool, size_t pool_capacity, size_t *count);

/* Sorts counters by name and merges equal names (sums wrap, like the
 * counters themselves; distributions add buckets and take the extremes).
 * Returns the new count. Shared with the pipe client, whose snapshot
 * entries get the same treatment. */
size_t wst_region_sort_merge(struct wst_region_counter *counters, size_t count);

const char *wst_mode_name(uint32_t mode);
/* "none", "armed", "failed" for enum wst_trigger_state; "unknown" else. */
const char *wst_trigger_state_name(uint32_t state);
const char *wst_worker_state_name(uint32_t state);
/* "off", "armed", "saved", "failed" for enum wst_save_state; "unknown" else. */
const char *wst_save_state_name(uint32_t state);
const char *wst_helper_state_name(uint32_t state);

#endif
