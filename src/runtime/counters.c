/*
 * See counters.h. The walk follows winstrument/region.h: records start on
 * WST_LINE boundaries, a counter spans sizeof(struct wst_counter) bytes, and
 * the linker may leave zeroed lines between the counters of two objects.
 */
#include "counters.h"

#include <string.h>

/* The record at or after `p`, skipping padding lines: a counter or gauge
 * (WST_COUNTER_MAGIC) or a distribution (WST_DIST_MAGIC, whose walk skips it
 * by its size); NULL at the trailer, at the end of the span, or at a line that
 * is none of these. */
static const char *next_record(const char *p, const char *end)
{
    static const char zero_line[WST_LINE];
    while ((size_t)(end - p) >= WST_LINE) {
        uint32_t magic;
        memcpy(&magic, p, sizeof magic);
        if (magic == WST_COUNTER_MAGIC && (size_t)(end - p) >= sizeof(struct wst_counter))
            return p;
        if (magic == WST_DIST_MAGIC && (size_t)(end - p) >= sizeof(struct wst_distribution))
            return p;
        if (memcmp(p, zero_line, WST_LINE) != 0)
            return NULL; /* the trailer, or something we did not write */
        p += WST_LINE;
    }
    return NULL;
}

static int is_distribution(const char *record)
{
    uint32_t magic;
    memcpy(&magic, record, sizeof magic);
    return magic == WST_DIST_MAGIC;
}

static const char *after(const char *record)
{
    return record + (is_distribution(record) ? sizeof(struct wst_distribution)
                                             : sizeof(struct wst_counter));
}

/* Every record; `site` is a counter or gauge unless is_distribution(rec). */
#define FOR_EACH_RECORD(rec, begin, end)                                                           \
    for (const char *rec = next_record((const char *)(begin), (const char *)(end)); rec != NULL;  \
         rec = next_record(after(rec), (const char *)(end)))

/* Counters and gauges only. */
static const struct wst_counter *next_site(const char *p, const char *end)
{
    for (p = next_record(p, end); p != NULL && is_distribution(p); p = next_record(after(p), end))
        ;
    return (const struct wst_counter *)p;
}

#define FOR_EACH_SITE(site, begin, end)                                                            \
    for (const struct wst_counter *site = next_site((const char *)(begin), (const char *)(end));   \
         site != NULL; site = next_site((const char *)(site + 1), (const char *)(end)))

size_t wst_counters_site_count(const struct wst_counter *begin, const struct wst_counter *end)
{
    size_t n = 0;
    FOR_EACH_SITE(site, begin, end)
    {
        (void)site;
        n++;
    }
    return n;
}

static uint64_t site_sum(const struct wst_counter *site)
{
    uint64_t sum = 0;
    /* A gauge's value is stripes[0]; stripes[1] is the runtime's link. */
    if ((site->flags & WST_KIND_MASK) == WST_KIND_GAUGE)
        return __atomic_load_n(&site->stripes[0].value, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < WST_STRIPES; i++)
        sum += __atomic_load_n(&site->stripes[i].value, __ATOMIC_RELAXED);
    return sum;
}

/* FNV-1a over the NUL-terminated name, bounded by WST_NAME_MAX. */
static uint32_t name_hash(const char *name)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < WST_NAME_MAX && name[i] != '\0'; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h;
}

static int is_gauge(const struct wst_counter *c)
{
    return (c->flags & WST_KIND_MASK) == WST_KIND_GAUGE;
}

struct wst_counter *wst_counters_home(struct wst_counter *begin, struct wst_counter *end,
                                      struct wst_counter *g)
{
    FOR_EACH_SITE(site, begin, end)
    {
        if (site == g)
            break;
        if (is_gauge(site) && strncmp(site->name, g->name, WST_NAME_MAX) == 0)
            return (struct wst_counter *)(uintptr_t)site;
    }
    return g;
}

size_t wst_counters_index_size(size_t cap)
{
    size_t n = 2;
    while (n < 2 * cap)
        n *= 2;
    return n;
}

/* The slot of `name` in the index: either the one holding it (entry + 1) or
 * the empty one where it belongs. The index is never full (index_cap >= 2 *
 * cap), so the probe ends. */
static uint32_t *index_slot(uint32_t *index, size_t index_cap, const struct wst_msg_counter *out,
                            const char *name)
{
    size_t mask = index_cap - 1;
    for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask) {
        if (index[i] == 0 || strncmp(out[index[i] - 1].name, name, WST_NAME_MAX) == 0)
            return &index[i];
    }
}

size_t wst_counters_snapshot(const struct wst_counter *begin, const struct wst_counter *end,
                             struct wst_msg_counter *out, uint8_t *kinds, size_t cap,
                             uint32_t *index, size_t index_cap, int *truncated)
{
    size_t count = 0;
    *truncated = 0;
    memset(index, 0, index_cap * sizeof *index);
    FOR_EACH_SITE(site, begin, end)
    {
        char name[WST_NAME_MAX];
        memcpy(name, site->name, WST_NAME_MAX);
        name[WST_NAME_MAX - 1] = '\0'; /* the compiler checked it; the reader re-checks */
        uint32_t *slot = index_slot(index, index_cap, out, name);
        uint8_t kind = (uint8_t)(site->flags & WST_KIND_MASK);
        if (*slot != 0) {
            if (kinds != NULL && (kinds[*slot - 1] & WST_SNAPSHOT_KIND_MASK) != kind)
                kinds[*slot - 1] |= WST_SNAPSHOT_KIND_CONFLICT; /* one name, two kinds */
            else
                out[*slot - 1].value += site_sum(site);
            continue;
        }
        if (count == cap) {
            *truncated = 1;
            continue;
        }
        memset(&out[count], 0, sizeof out[count]);
        memcpy(out[count].name, name, WST_NAME_MAX);
        out[count].value = site_sum(site);
        if (kinds != NULL)
            kinds[count] = kind;
        *slot = (uint32_t)++count;
    }
    return count;
}

/* One distribution site as a struct wst_msg_dist and its non-empty buckets,
 * at `at` with `room` bytes left; 0 if it does not fit. */
static size_t put_distribution(const struct wst_distribution *d, uint8_t *at, size_t room)
{
    struct wst_msg_dist m;
    uint64_t buckets[WST_DIST_BUCKETS];
    memset(&m, 0, sizeof m);
    memcpy(m.name, d->name, WST_NAME_MAX);
    m.name[WST_NAME_MAX - 1] = '\0';
    m.flags = d->flags;
    for (unsigned i = 0; i < WST_STRIPES; i++)
        m.sum += __atomic_load_n(&d->stripes[i].sum, __ATOMIC_RELAXED);
    m.min = ~__atomic_load_n(&d->extrema.min_inverted, __ATOMIC_RELAXED);
    m.max = __atomic_load_n(&d->extrema.max, __ATOMIC_RELAXED);
    /* The count is the buckets' total (layout 3 writes no count words).
     * Bucket i is the sum of its shards (region.h, WST_DIST_SHARDS). */
    for (unsigned i = 0; i < WST_DIST_BUCKETS; i++) {
        buckets[i] = 0;
        for (unsigned k = 0; k < WST_DIST_SHARDS; k++)
            buckets[i] += __atomic_load_n(&d->shards[k][i], __ATOMIC_RELAXED);
        m.bucket_count += buckets[i] != 0;
        m.count += buckets[i];
    }
    size_t size = sizeof m + m.bucket_count * sizeof(struct wst_msg_bucket);
    if (size > room)
        return 0;
    memcpy(at, &m, sizeof m);
    at += sizeof m;
    for (unsigned i = 0; i < WST_DIST_BUCKETS; i++) {
        if (buckets[i] == 0)
            continue;
        struct wst_msg_bucket b = {i, 0, buckets[i]};
        memcpy(at, &b, sizeof b);
        at += sizeof b;
    }
    return size;
}

size_t wst_counters_snapshot_dists(const struct wst_counter *begin, const struct wst_counter *end,
                                   uint8_t *out, size_t room, uint32_t *count, int *truncated)
{
    size_t used = 0;
    *count = 0;
    FOR_EACH_RECORD(rec, begin, end)
    {
        if (!is_distribution(rec))
            continue;
        size_t n = put_distribution((const struct wst_distribution *)(const void *)rec,
                                    out + used, room - used);
        if (n == 0) {
            *truncated = 1;
            continue;
        }
        used += n;
        ++*count;
    }
    return used;
}

/* A distribution to zero, exactly as a counter: minus each sum into the
 * shared stripe 0, and minus each shard's bucket count, as read, into that
 * same bucket of that same shard. Every record adds 1 to one bucket of one
 * shard (atomically), so a record that lands between the read and the
 * subtraction stays counted, wherever it lands: the total stays exact. There
 * are no count words to zero (layout 3). The extremes are set back to
 * "none"; a record racing with the reset may leave its value there, which is
 * as if it came after. */
static void reset_distribution(struct wst_distribution *d)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < WST_STRIPES; i++)
        sum += __atomic_load_n(&d->stripes[i].sum, __ATOMIC_RELAXED);
    __atomic_fetch_sub(&d->stripes[0].sum, sum, __ATOMIC_RELAXED);
    for (unsigned k = 0; k < WST_DIST_SHARDS; k++) {
        for (unsigned b = 0; b < WST_DIST_BUCKETS; b++) {
            uint64_t n = __atomic_load_n(&d->shards[k][b], __ATOMIC_RELAXED);
            if (n != 0)
                __atomic_fetch_sub(&d->shards[k][b], n, __ATOMIC_RELAXED);
        }
    }
    __atomic_store_n(&d->extrema.max, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&d->extrema.min_inverted, 0, __ATOMIC_RELAXED);
}

uint64_t wst_counters_reset(struct wst_counter *begin, struct wst_counter *end,
                            uint64_t *generation)
{
    /* A seqlock's writer side: odd while the sites are half reset, so that
     * a reader copying the region from outside (ReadProcessMemory, no lock
     * it could share with us) knows to read again. The acquire half keeps
     * the stripe writes below from being ordered before the odd value; the
     * release at the end keeps them before the even one. */
    __atomic_add_fetch(generation, 1, __ATOMIC_ACQ_REL);
    FOR_EACH_RECORD(rec, begin, end)
    {
        /* The walk hands out const pointers; the span itself is ours to write. */
        if (is_distribution(rec)) {
            reset_distribution((struct wst_distribution *)(uintptr_t)rec);
            continue;
        }
        struct wst_counter *c = (struct wst_counter *)(uintptr_t)rec;
        /* A gauge is a level (bytes in use, queue depth), not an amount
         * since the last reset: zeroing it would make every later add
         * wrong, so a reset leaves it alone. */
        if (is_gauge(c))
            continue;
        /* Owners add to their stripes without atomics (stripes.c), so a reset
         * must not write them: it adds minus the sum to the shared stripe 0
         * instead. Every hit is then either in that sum or after it, and the
         * total (modulo 2^64) is exact. */
        __atomic_fetch_sub(&c->stripes[0].value, site_sum(c), __ATOMIC_RELAXED);
    }
    return __atomic_add_fetch(generation, 1, __ATOMIC_RELEASE);
}
