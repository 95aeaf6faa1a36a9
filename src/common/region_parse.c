/*
 * See region_parse.h. The walk follows region.h: records start on line
 * boundaries after the header; a counter line, a zero (padding) line or the
 * trailer line, nothing else. Fields are read with memcpy at checked offsets
 * because the copy may be unaligned and comes from an untrusted process.
 */
#include "region_parse.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(WST_REGION_MAX_SIZE / sizeof(struct wst_counter) < SIZE_MAX / 64,
               "counter capacity arithmetic cannot overflow");

static uint32_t get32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v); /* little-endian on both ends (x86, x86_64) */
    return v;
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

size_t wst_region_max_counters(size_t section_size)
{
    if (section_size > WST_REGION_MAX_SIZE)
        section_size = WST_REGION_MAX_SIZE;
    return section_size / sizeof(struct wst_counter) + 1;
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
    if (h.layout_version != WST_LAYOUT_VERSION)
        return WST_E_VERSION;
    if (h.header_size != sizeof h || h.counter_size != sizeof(struct wst_counter) ||
        h.line_size != WST_LINE || h.stripes != WST_STRIPES || h.name_max != WST_NAME_MAX)
        return WST_E_CORRUPT;
    if (h.mode > WST_MODE_HELPER || h.worker_state > WST_WORKER_PIPE_FAILED)
        return WST_E_CORRUPT;
    if (!terminated(h.pipe_name, sizeof h.pipe_name))
        return WST_E_CORRUPT;
    info->layout_version = h.layout_version;
    info->runtime_version = h.runtime_version;
    info->mode = h.mode;
    info->worker_state = h.worker_state;
    info->pid = h.pid;
    info->generation = h.generation;
    info->instance = h.instance;
    info->started_at = h.started_at;
    memcpy(info->pipe_name, h.pipe_name, sizeof info->pipe_name);
    /* Stripe use: counts for people to read, never used to index anything,
     * so any value is reported as it is. */
    info->stripes_owned = h.stripes_owned;
    info->stripe_flags = h.stripe_flags;
    info->stripe_claims = h.stripe_claims;
    info->stripe_reclaims = h.stripe_reclaims;
    info->stripe_shared = h.stripe_shared;
    info->worker_error = h.worker_error;
    info->runtime_flags = h.runtime_flags;
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

/* Decodes the counter at `line`; the caller checked that all of it lies
 * inside the section and before a possible trailer. */
static enum wst_status read_counter(const unsigned char *line, struct wst_region_counter *out)
{
    const unsigned char *name = line + offsetof(struct wst_counter, name);
    if (!terminated((const char *)name, WST_NAME_MAX))
        return WST_E_CORRUPT;
    memcpy(out->name, name, WST_NAME_MAX);
    uint64_t sum = 0;
    for (size_t s = 0; s < WST_STRIPES; s++)
        sum += get64(line + offsetof(struct wst_counter, stripes) + s * sizeof(struct wst_stripe));
    out->value = sum;
    return WST_OK;
}

static enum wst_status corrupt_at(struct wst_region_info *info, size_t offset)
{
    info->error_offset = offset;
    return WST_E_CORRUPT;
}

static enum wst_status walk(const unsigned char *b, size_t size, struct wst_region_info *info,
                            struct wst_region_counter *counters, size_t capacity, size_t *count)
{
    size_t off = sizeof(struct wst_region_header);
    /* Each step advances by at least one line and stops before the end. */
    while (size - off >= WST_LINE) {
        uint32_t magic = get32(b + off);
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
            if (read_counter(b + off, &counters[*count]) != WST_OK)
                return corrupt_at(info, off);
            ++*count;
            info->sites++;
            off += sizeof(struct wst_counter);
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
    st = walk(bytes, size, info, counters, capacity, count);
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

size_t wst_region_sort_merge(struct wst_region_counter *counters, size_t count)
{
    if (count == 0)
        return 0;
    qsort(counters, count, sizeof *counters, by_name);
    size_t out = 0;
    for (size_t i = 1; i < count; i++) {
        if (by_name(&counters[out], &counters[i]) == 0)
            counters[out].value += counters[i].value;
        else
            counters[++out] = counters[i];
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
