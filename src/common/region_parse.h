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

/* One counter: all stripes of all same-named sites, summed. */
struct wst_region_counter {
    char name[WST_NAME_MAX]; /* NUL-terminated */
    uint64_t value;
};

/* The header's fields, validated, and what the walk found. */
struct wst_region_info {
    uint16_t layout_version;
    uint32_t runtime_version;
    uint32_t mode;         /* enum wst_mode, checked in range */
    uint32_t worker_state; /* enum wst_worker_state, checked in range */
    uint32_t pid;
    uint64_t generation;
    uint64_t instance;
    uint64_t started_at;
    char pipe_name[WST_PIPE_NAME_MAX]; /* NUL-terminated, possibly empty */
    /* Stripe use (header.stripe_*), as read: unchecked counts. */
    uint16_t stripes_owned;
    uint16_t stripe_flags;
    uint32_t stripe_claims;
    uint32_t stripe_reclaims;
    uint32_t stripe_shared;
    uint32_t worker_error;             /* Win32 error of the worker's failure, 0 if none */
    uint32_t runtime_flags;            /* WST_RUNTIME_* */
    size_t sites;                      /* counter records found (before merging by name) */
    size_t padding_lines;              /* zero lines skipped */
    size_t trailer_offset;
    size_t error_offset; /* on WST_E_CORRUPT from the walk: the offending line */
};

/* Enough entries for any section of `section_size` bytes. */
size_t wst_region_max_counters(size_t section_size);

/* Checks only the header (the first sizeof(struct wst_region_header) bytes)
 * and fills *info's header fields. For callers that read just the header,
 * such as `list`. */
enum wst_status wst_region_parse_header(const void *bytes, size_t size,
                                        struct wst_region_info *info);

/* Checks the header, walks the lines up to the trailer, and stores the
 * merged counters, sorted by name, in counters[0 .. *count). `capacity` must
 * be at least wst_region_max_counters(size), else WST_E_INTERNAL. */
enum wst_status wst_region_parse(const void *bytes, size_t size, struct wst_region_info *info,
                                 struct wst_region_counter *counters, size_t capacity,
                                 size_t *count);

/* Sorts counters by name and merges equal names by summing (wrapping, like
 * the counters themselves). Returns the new count. Shared with the pipe
 * client, whose snapshot entries get the same treatment. */
size_t wst_region_sort_merge(struct wst_region_counter *counters, size_t count);

const char *wst_mode_name(uint32_t mode);
const char *wst_worker_state_name(uint32_t state);

#endif
