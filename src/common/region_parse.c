/*
 * See region_parse.h. The walk follows region.h: records start on line
 * boundaries after the header; a counter line, a zero (padding) line or the
 * trailer line, nothing else. Fields are read with memcpy at checked offsets
 * because the copy may be unaligned and comes from an untrusted process.
 */
#include "region_parse.h"

#include "bytes_le.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(WST_REGION_MAX_SIZE / sizeof(struct wst_counter) < SIZE_MAX / 64,
               "counter capacity arithmetic cannot overflow");

size_t wst_region_max_counters(size_t section_size)
{
    if (section_size > WST_REGION_MAX_SIZE)
        section_size = WST_REGION_MAX_SIZE;
    return section_size / sizeof(struct wst_counter) + 1;
}

size_t wst_region_max_dists(size_t section_size)
{
    if (section_size > WST_REGION_MAX_SIZE)
        section_size = WST_REGION_MAX_SIZE;
    /* The smallest distribution record of any layout: layout 2's. */
    return section_size / WST_DIST_SIZE_V2 + 1;
}

size_t wst_region_dist_size(uint16_t layout)
{
    return layout >= 3 ? sizeof(struct wst_distribution) : WST_DIST_SIZE_V2;
}

unsigned wst_region_dist_shards(uint16_t layout)
{
    return layout >= 3 ? WST_DIST_SHARDS : 1u;
}

uint64_t wst_region_dist_bucket(const unsigned char *record, uint16_t layout, unsigned i)
{
    const unsigned char *shard0 = record + offsetof(struct wst_distribution, shards);
    uint64_t n = 0;
    /* Modulo 2^64, like every count. */
    for (unsigned k = 0; k < wst_region_dist_shards(layout); k++)
        n += wst_le64(shard0 + ((size_t)k * WST_DIST_BUCKETS + i) * sizeof(uint64_t));
    return n;
}

/* 1 if a NUL occurs in the first `max` bytes of s. */
static int terminated(const char *s, size_t max)
{
    return memchr(s, '\0', max) != NULL;
}

enum wst_status wst_region_parse_header(const void *bytes, size_t size,
                                        struct wst_region_info *info)
{
    struct wst_region_header h;
    memset(info, 0, sizeof *info);
    if (bytes == NULL || size < sizeof h)
        return WST_E_TRUNCATED;
    memcpy(&h, bytes, sizeof h);
    if (h.magic != WST_REGION_MAGIC)
        return WST_E_CORRUPT;
    /* The version decides the meaning of everything else, so it is checked
     * before the sizes: a newer layout may legitimately change them. */
    if (h.layout_version < 1 || h.layout_version > WST_LAYOUT_VERSION)
        return WST_E_VERSION;
    if (h.header_size != sizeof h || h.counter_size != sizeof(struct wst_counter) ||
        h.line_size != WST_LINE || h.stripes != WST_STRIPES || h.name_max != WST_NAME_MAX)
        return WST_E_CORRUPT;
    if (h.mode > WST_MODE_HELPER || h.worker_state > WST_WORKER_PIPE_FAILED ||
        h.helper_state > WST_HELPER_LOAD_FAILED ||
        h.trigger_state > WST_TRIGGER_FAILED)
        return WST_E_CORRUPT;
    if (!terminated(h.pipe_name, sizeof h.pipe_name))
        return WST_E_CORRUPT;
    info->header = h;
    return WST_OK;
}

static int is_zero_line(const unsigned char *line)
{
    for (size_t i = 0; i < WST_LINE; i++) {
        if (line[i] != 0)
            return 0;
    }
    return 1;
}

/* Decodes the counter or gauge at `line`; the caller checked that all of it
 * lies inside the section and before a possible trailer. */
static enum wst_status read_counter(const unsigned char *line, uint16_t layout,
                                    struct wst_region_counter *out)
{
    const unsigned char *name = line + offsetof(struct wst_counter, name);
    uint32_t flags = wst_le32(line + offsetof(struct wst_counter, flags));
    if (!terminated((const char *)name, WST_NAME_MAX))
        return WST_E_CORRUPT;
    memset(out, 0, sizeof *out);
    /* Layout 1 reserved the flags word: whatever it holds, a counter. */
    out->kind = layout == 1 ? WST_KIND_COUNTER : flags;
    if (out->kind != WST_KIND_COUNTER && out->kind != WST_KIND_GAUGE)
        return WST_E_CORRUPT;
    out->conflict_kinds = 1u << out->kind;
    memcpy(out->name, name, WST_NAME_MAX);
    uint64_t sum = 0;
    /* A gauge's value is stripes[0] (its other sites hold 0 there); its
     * stripes[WST_GAUGE_HOME] is an address of the runtime's, not a value. */
    size_t stripes = out->kind == WST_KIND_GAUGE ? 1 : WST_STRIPES;
    for (size_t s = 0; s < stripes; s++)
        sum += wst_le64(line + offsetof(struct wst_counter, stripes) + s * sizeof(struct wst_stripe));
    out->value = sum;
    return WST_OK;
}

/* Decodes the distribution at `line` (checked to lie inside the section:
 * wst_region_dist_size(layout) bytes); its buckets go to `buckets` when the
 * caller has a pool. */
static enum wst_status read_distribution(const unsigned char *line, uint16_t layout,
                                         struct wst_region_counter *out, uint64_t *buckets)
{
    const unsigned char *name = line + offsetof(struct wst_distribution, name);
    uint32_t flags = wst_le32(line + offsetof(struct wst_distribution, flags));
    if (!terminated((const char *)name, WST_NAME_MAX))
        return WST_E_CORRUPT;
    if ((flags & WST_KIND_MASK) != WST_KIND_DISTRIBUTION ||
        (flags & ~(WST_KIND_MASK | WST_DIST_UNIT_NS)) != 0)
        return WST_E_CORRUPT;
    memset(out, 0, sizeof *out);
    memcpy(out->name, name, WST_NAME_MAX);
    out->kind = WST_KIND_DISTRIBUTION;
    out->conflict_kinds = 1u << WST_KIND_DISTRIBUTION;
    out->flags = flags & WST_DIST_UNIT_NS;
    for (size_t s = 0; s < WST_STRIPES; s++) {
        const unsigned char *stripe =
            line + offsetof(struct wst_distribution, stripes) + s * sizeof(struct wst_dist_stripe);
        out->sum += wst_le64(stripe + offsetof(struct wst_dist_stripe, sum));
    }
    /* The count is the buckets' total (every shard's, layout 3), never the
     * stripes' count words: layout 3 writes none, and in layout 2 a reset
     * racing with a record could leave them out of step with the buckets
     * for good (src/runtime/counters.c, reset_distribution). */
    for (unsigned i = 0; i < WST_DIST_BUCKETS; i++) {
        uint64_t n = wst_region_dist_bucket(line, layout, i);
        out->value += n;
        if (buckets != NULL)
            buckets[i] = n;
    }
    out->buckets = buckets;
    const unsigned char *extrema = line + offsetof(struct wst_distribution, extrema);
    uint64_t max = wst_le64(extrema + offsetof(struct wst_dist_extrema, max));
    uint64_t min = ~wst_le64(extrema + offsetof(struct wst_dist_extrema, min_inverted));
    /* Nothing recorded (or just reset): the extremes mean nothing. */
    out->min = out->value == 0 || min > max ? 0 : min;
    out->max = out->value == 0 || min > max ? 0 : max;
    return WST_OK;
}

static enum wst_status corrupt_at(struct wst_region_info *info, size_t offset)
{
    info->error_offset = offset;
    return WST_E_CORRUPT;
}

struct pool {
    uint64_t *buckets;
    size_t capacity; /* arrays of WST_DIST_BUCKETS */
    size_t used;
};

static enum wst_status walk(const unsigned char *b, size_t size, struct wst_region_info *info,
                            struct wst_region_counter *counters, size_t capacity,
                            struct pool *pool, size_t *count)
{
    size_t off = sizeof(struct wst_region_header);
    /* Each step advances by at least one line and stops before the end. */
    while (size - off >= WST_LINE) {
        uint32_t magic = wst_le32(b + off);
        if (magic == WST_TRAILER_MAGIC) {
            info->trailer_offset = off;
            return WST_OK;
        }
        if (magic == WST_COUNTER_MAGIC) {
            /* The counter and a trailer after it must both fit. */
            if (size - off < sizeof(struct wst_counter) + sizeof(struct wst_region_trailer))
                return corrupt_at(info, off);
            if (*count >= capacity)
                return WST_E_INTERNAL;
            if (read_counter(b + off, info->header.layout_version, &counters[*count]) != WST_OK)
                return corrupt_at(info, off);
            ++*count;
            info->sites++;
            off += sizeof(struct wst_counter);
            continue;
        }
        if (magic == WST_DIST_MAGIC && info->header.layout_version >= 2) {
            /* The record of this layout (layout 3's is the bigger) and a
             * trailer must both fit. */
            size_t dist_size = wst_region_dist_size(info->header.layout_version);
            if (size - off < dist_size + sizeof(struct wst_region_trailer))
                return corrupt_at(info, off);
            if (*count >= capacity)
                return WST_E_INTERNAL;
            uint64_t *buckets = NULL;
            if (pool->buckets != NULL) {
                if (pool->used >= pool->capacity)
                    return WST_E_INTERNAL;
                buckets = pool->buckets + pool->used++ * WST_DIST_BUCKETS;
            }
            if (read_distribution(b + off, info->header.layout_version, &counters[*count],
                                  buckets) != WST_OK)
                return corrupt_at(info, off);
            ++*count;
            info->sites++;
            info->distributions++;
            off += dist_size;
            continue;
        }
        if (!is_zero_line(b + off))
            return corrupt_at(info, off);
        info->padding_lines++;
        off += WST_LINE;
    }
    /* No trailer: the copy is short, or a counter overlapped the trailer. */
    return corrupt_at(info, off);
}

enum wst_status wst_region_parse(const void *bytes, size_t size, struct wst_region_info *info,
                                 struct wst_region_counter *counters, size_t capacity,
                                 size_t *count)
{
    return wst_region_parse_pool(bytes, size, info, counters, capacity, NULL, 0, count);
}

enum wst_status wst_region_parse_pool(const void *bytes, size_t size,
                                      struct wst_region_info *info,
                                      struct wst_region_counter *counters, size_t capacity,
                                      uint64_t *pool_buckets, size_t pool_capacity, size_t *count)
{
    struct pool pool = {pool_buckets, pool_capacity, 0};
    *count = 0;
    enum wst_status st = wst_region_parse_header(bytes, size, info);
    if (st != WST_OK)
        return st;
    if (size > WST_REGION_MAX_SIZE)
        return WST_E_CORRUPT;
    if (size < sizeof(struct wst_region_header) + sizeof(struct wst_region_trailer))
        return WST_E_TRUNCATED;
    if (capacity < wst_region_max_counters(size))
        return WST_E_INTERNAL;
    if (pool_buckets != NULL && pool_capacity < wst_region_max_dists(size))
        return WST_E_INTERNAL;
    st = walk(bytes, size, info, counters, capacity, &pool, count);
    if (st != WST_OK) {
        *count = 0;
        return st;
    }
    *count = wst_region_sort_merge(counters, *count);
    return WST_OK;
}

static int by_name(const void *a, const void *b)
{
    const struct wst_region_counter *x = a, *y = b;
    return strncmp(x->name, y->name, WST_NAME_MAX);
}

/* By name, then kind, so that a name's lowest kind comes first whatever
 * order the sites were in. */
static int by_name_kind(const void *a, const void *b)
{
    const struct wst_region_counter *x = a, *y = b;
    int c = by_name(a, b);
    if (c != 0)
        return c;
    return x->kind < y->kind ? -1 : x->kind > y->kind;
}

/* Adds site `from` into `into`, both of one name and kind. */
static void merge(struct wst_region_counter *into, const struct wst_region_counter *from)
{
    if (into->kind != WST_KIND_DISTRIBUTION) {
        into->value += from->value;
        return;
    }
    if (from->value != 0) {
        if (into->value == 0 || from->min < into->min)
            into->min = from->min;
        if (into->value == 0 || from->max > into->max)
            into->max = from->max;
    }
    into->value += from->value;
    into->sum += from->sum;
    into->flags |= from->flags & WST_DIST_UNIT_NS;
    if (into->buckets != NULL && from->buckets != NULL) {
        for (size_t i = 0; i < WST_DIST_BUCKETS; i++)
            into->buckets[i] += from->buckets[i];
    }
}

size_t wst_region_sort_merge(struct wst_region_counter *counters, size_t count)
{
    if (count == 0)
        return 0;
    qsort(counters, count, sizeof *counters, by_name_kind);
    size_t out = 0;
    for (size_t i = 1; i < count; i++) {
        struct wst_region_counter *into = &counters[out];
        if (by_name(into, &counters[i]) != 0) {
            counters[++out] = counters[i];
        } else if (into->kind == counters[i].kind) {
            merge(into, &counters[i]);
        } else {
            /* One name, two kinds: a mistake in the instrumented code that
             * no compiler caught (docs/inspector.md). Keep the first kind's
             * data and say so. */
            into->flags |= WST_REGION_KIND_CONFLICT;
            into->conflict_kinds |= 1u << (counters[i].kind & 31u);
        }
    }
    return out + 1;
}

const char *wst_mode_name(uint32_t mode)
{
    switch (mode) {
    case WST_MODE_UNSET:
        return "unset";
    case WST_MODE_THREADLESS:
        return "threadless";
    case WST_MODE_THREADPOOL:
        return "threadpool";
    case WST_MODE_HELPER:
        return "helper";
    default:
        return "unknown";
    }
}

const char *wst_trigger_state_name(uint32_t state)
{
    switch (state) {
    case WST_TRIGGER_NONE:
        return "none";
    case WST_TRIGGER_ARMED:
        return "armed";
    case WST_TRIGGER_FAILED:
        return "failed";
    default:
        return "unknown";
    }
}

const char *wst_save_state_name(uint32_t state)
{
    static const char *const names[] = {"off", "armed", "saved", "failed"};
    return state < sizeof names / sizeof names[0] ? names[state] : "unknown";
}

const char *wst_worker_state_name(uint32_t state)
{
    switch (state) {
    case WST_WORKER_NONE:
        return "none";
    case WST_WORKER_IDLE:
        return "idle";
    case WST_WORKER_STARTING:
        return "starting";
    case WST_WORKER_SERVING:
        return "serving";
    case WST_WORKER_STOPPED:
        return "stopped";
    case WST_WORKER_PIPE_FAILED:
        return "pipe-failed";
    default:
        return "unknown";
    }
}

const char *wst_helper_state_name(uint32_t state)
{
    switch (state) {
    case WST_HELPER_NONE:
        return "none";
    case WST_HELPER_LOADING:
        return "loading";
    case WST_HELPER_LOADED:
        return "loaded";
    case WST_HELPER_MISSING:
        return "missing";
    case WST_HELPER_WRONG_VERSION:
        return "wrong-version";
    case WST_HELPER_LOAD_FAILED:
        return "load-failed";
    default:
        return "unknown";
    }
}
