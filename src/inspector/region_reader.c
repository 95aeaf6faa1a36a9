/*
 * See region_reader.h. The section's size comes from the target's PE
 * headers, so it is bounded (WST_REGION_MAX_SIZE) before anything is
 * allocated. When a parse fails, the process is asked whether it still
 * runs, and its module list whether the module is still loaded: a region
 * that reads as garbage because the module was unloaded and its pages
 * reused is "target gone", not "corrupt".
 *
 * A copy is a plain ReadProcessMemory, which promises nothing about
 * concurrent stores: under Wine it is process_vm_readv (or a read of
 * /proc/PID/mem), on Windows MmCopyVirtualMemory, both a memcpy with no
 * 8-byte atomicity. Two things can therefore go wrong while the target runs,
 * and each is detected here rather than assumed away:
 *
 *   - a reset runs during the copy. The worker makes `generation` odd for
 *     the length of a reset (counters.c), so a copy is kept only if the
 *     generation read before it, the one inside it and the one read after
 *     it are equal and even (a seqlock's reader side);
 *   - a stripe value is torn: some of its bytes from before a store, some
 *     from after. Within one generation every stripe only grows (modulo
 *     2^64: the owners and the slow path add; only a reset subtracts), so
 *     three copies in a row are taken and the middle one is kept only if,
 *     stripe by stripe, first <= middle <= last. A torn value is off by at
 *     least the carry it straddled, so it falls outside that bracket unless
 *     the counter moved by as much between the copies, in which case the
 *     value is still one the counter passed through.
 *
 * Either check failing means another copy, up to READ_MAX_COPIES; then the
 * last copy is used and reported as not settled.
 */
#include "region_reader.h"

#include <stdlib.h>
#include <string.h>

#include "bytes_le.h"

/* Enough for a reset or two to finish (a reset of the largest region takes
 * well under a millisecond) and for a torn copy to be replaced, few enough
 * that a target stuck mid-reset (a suspended worker) costs a bounded wait. */
#define READ_MAX_COPIES 16u
/* How many consecutive steady copies a settled read needs. */
#define READ_WINDOW 3u

/* 1 if a module is still loaded at m->base (0 also when the list fails). */
static int module_loaded(const struct wst_remote *r, const struct wst_module *m)
{
    uint64_t *bases;
    size_t n;
    int found = 0;
    if (wst_remote_modules(r, &bases, &n, NULL) != WST_OK)
        return 0;
    for (size_t i = 0; i < n && !found; i++)
        found = bases[i] == m->base;
    free(bases);
    return found;
}

static enum wst_status parse_failed(const struct wst_remote *r, const struct wst_module *m,
                                    enum wst_status st, const struct wst_region_info *info,
                                    struct wst_error *err)
{
    if (!wst_remote_alive(r))
        return wst_error_set(err, WST_E_TARGET_GONE, 0, "pid %lu exited during the read",
                             (unsigned long)r->pid);
    if (!module_loaded(r, m))
        return wst_error_set(err, WST_E_TARGET_GONE, 0,
                             "pid %lu, module %s was unloaded during the read",
                             (unsigned long)r->pid, m->name);
    if (st == WST_E_CORRUPT && info->error_offset != 0)
        return wst_error_set(err, st, 0, "pid %lu, module %s: bad line at offset %zu of %lu",
                             (unsigned long)r->pid, m->name, info->error_offset,
                             (unsigned long)m->section.virtual_size);
    return wst_error_set(err, st, 0, "pid %lu, module %s: region of %lu bytes",
                         (unsigned long)r->pid, m->name, (unsigned long)m->section.virtual_size);
}

/* The region header alone: for `list`, and the generation around a copy. */
static enum wst_status read_header(const struct wst_remote *r, const struct wst_module *m,
                                   struct wst_region_header *h, struct wst_error *err)
{
    if (m->section.virtual_size < sizeof *h)
        return wst_error_set(err, WST_E_TRUNCATED, 0, "pid %lu, module %s: region of %lu bytes",
                             (unsigned long)r->pid, m->name,
                             (unsigned long)m->section.virtual_size);
    return wst_remote_read(r, m->base + m->section.rva, h, sizeof *h, "region header", err);
}

enum wst_status wst_read_region_header(const struct wst_remote *r, const struct wst_module *m,
                                       struct wst_region_info *info, struct wst_error *err)
{
    struct wst_region_header h;
    enum wst_status st = read_header(r, m, &h, err);
    if (st != WST_OK)
        return st;
    st = wst_region_parse_header(&h, sizeof h, info);
    return st == WST_OK ? st : parse_failed(r, m, st, info, err);
}

/* 1 if vb lies between va and vc modulo 2^64. Signed differences: a stripe
 * 0 that a reset took below zero may wrap past 2^64 as it grows again, which
 * is not a drop. */
static int between(const unsigned char *a, const unsigned char *b, const unsigned char *c,
                   size_t at)
{
    uint64_t va = wst_le64(a + at), vb = wst_le64(b + at), vc = wst_le64(c + at);
    return (int64_t)(vb - va) >= 0 && (int64_t)(vc - vb) >= 0;
}

/* A distribution's counts, sums and buckets only grow, like a counter's.
 * Each shard's bucket grows on its own (a record adds 1 to one shard), so
 * every word of every shard of the layout is checked; layout 3's count
 * words stay 0, which passes. */
static int dist_bracketed(const unsigned char *a, const unsigned char *b, const unsigned char *c,
                          size_t o, uint16_t layout)
{
    for (unsigned s = 0; s < WST_STRIPES; s++) {
        size_t at = o + offsetof(struct wst_distribution, stripes) +
                    s * sizeof(struct wst_dist_stripe);
        if (!between(a, b, c, at + offsetof(struct wst_dist_stripe, count)) ||
            !between(a, b, c, at + offsetof(struct wst_dist_stripe, sum)))
            return 0;
    }
    size_t words = (size_t)wst_region_dist_shards(layout) * WST_DIST_BUCKETS;
    for (size_t i = 0; i < words; i++) {
        if (!between(a, b, c, o + offsetof(struct wst_distribution, shards) + i * 8u))
            return 0;
    }
    return 1;
}

/* 1 if every stripe of every counter site of `b` (and every count, sum and
 * bucket of every distribution) lies between its values in `a` (the copy
 * before) and `c` (the copy after), modulo 2^64, and the three agree on
 * where the sites are. Gauges go down as well as up: only their place is
 * checked. Only the layout of `b` is followed; it is validated by the parse
 * that comes after, so this only has to stay in bounds. */
static int bracketed(const unsigned char *a, const unsigned char *b, const unsigned char *c,
                     size_t size)
{
    size_t o = sizeof(struct wst_region_header);
    /* The copies' header parsed (copy_settled), so the layout is 1 to ours;
     * its distributions have that layout's size and shards. */
    uint16_t layout = wst_le16(b + offsetof(struct wst_region_header, layout_version));
    size_t dist_size = wst_region_dist_size(layout);
    while (o + WST_LINE <= size) {
        uint32_t magic = wst_le32(b + o);
        if (magic == WST_TRAILER_MAGIC)
            break;
        if (magic == WST_DIST_MAGIC && o + dist_size <= size) {
            if (wst_le32(a + o) != magic || wst_le32(c + o) != magic ||
                !dist_bracketed(a, b, c, o, layout))
                return 0;
            o += dist_size;
            continue;
        }
        if (magic != WST_COUNTER_MAGIC || o + sizeof(struct wst_counter) > size) {
            o += WST_LINE;
            continue;
        }
        if (wst_le32(a + o) != magic || wst_le32(c + o) != magic)
            return 0;
        int gauge = (wst_le32(b + o + offsetof(struct wst_counter, flags)) & WST_KIND_MASK) ==
                    WST_KIND_GAUGE;
        for (unsigned s = 0; s < WST_STRIPES && !gauge; s++) {
            size_t at = o + offsetof(struct wst_counter, stripes) + s * sizeof(struct wst_stripe);
            if (!between(a, b, c, at))
                return 0;
        }
        o += sizeof(struct wst_counter);
    }
    return 1;
}

/* Copies the region until READ_WINDOW consecutive copies lie in one even
 * generation and bracket each other (see the top of the file); *chosen is
 * then the middle one and *settled 1. After READ_MAX_COPIES, or at once if
 * a copy's header does not even parse, *chosen is the last copy and
 * *settled 0. `copies` is READ_WINDOW buffers of `size` bytes, used as a
 * ring. */
static enum wst_status copy_settled(const struct wst_remote *r, const struct wst_module *m,
                                    unsigned char *copies[READ_WINDOW], size_t size,
                                    const unsigned char **chosen, int *settled,
                                    struct wst_error *err)
{
    uint64_t address = m->base + m->section.rva;
    struct wst_region_header h;
    struct wst_region_info scratch;
    unsigned steady = 0, next = 0;
    *settled = 0;
    *chosen = NULL;
    enum wst_status st = read_header(r, m, &h, err);
    uint64_t before = h.generation;
    for (unsigned n = 0; st == WST_OK && n < READ_MAX_COPIES; n++) {
        unsigned char *copy = copies[next];
        next = (next + 1) % READ_WINDOW;
        st = wst_remote_read(r, address, copy, size, "region", err);
        if (st != WST_OK)
            break;
        *chosen = copy;
        if (wst_region_parse_header(copy, size, &scratch) != WST_OK)
            break; /* no copy will do better; the caller's parse says why */
        st = read_header(r, m, &h, err);
        if (st != WST_OK)
            break;
        uint64_t after = h.generation;
        int steady_copy = before % 2 == 0 && scratch.header.generation == before && after == before;
        before = after;
        if (!steady_copy) {
            /* A reset is running: let the worker finish it. */
            steady = 0;
            Sleep(n < 2 ? 0 : 1);
            continue;
        }
        if (++steady < READ_WINDOW)
            continue;
        const unsigned char *first = copies[next];
        const unsigned char *middle = copies[(next + 1) % READ_WINDOW];
        if (bracketed(first, middle, copy, size)) {
            *chosen = middle;
            *settled = 1;
            return WST_OK;
        }
        steady = READ_WINDOW - 1; /* slide: the last two copies stay */
    }
    return st;
}

enum wst_status wst_read_region(const struct wst_remote *r, const struct wst_module *m,
                                struct wst_region_info *info, struct wst_region_counter **counters,
                                size_t *count, int *settled, struct wst_error *err)
{
    size_t size = m->section.virtual_size;
    unsigned char *copies[READ_WINDOW] = {NULL};
    const unsigned char *chosen;
    struct wst_region_counter *out = NULL;
    enum wst_status st;
    *counters = NULL;
    *count = 0;
    *settled = 0;
    memset(info, 0, sizeof *info);
    if (size > WST_REGION_MAX_SIZE)
        return wst_error_set(err, WST_E_CORRUPT, 0, "pid %lu, module %s: region of %zu bytes",
                             (unsigned long)r->pid, m->name, size);
    /* One block, so that the caller's free() of the counters frees both:
     * the entries, then the distributions' buckets they point into. */
    size_t capacity = wst_region_max_counters(size);
    size_t dists = wst_region_max_dists(size);
    out = malloc(capacity * sizeof *out + dists * WST_DIST_BUCKETS * sizeof(uint64_t));
    for (unsigned i = 0; i < READ_WINDOW; i++)
        copies[i] = malloc(size ? size : 1);
    if (out == NULL || copies[0] == NULL || copies[1] == NULL || copies[2] == NULL) {
        st = wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
        goto out;
    }
    st = copy_settled(r, m, copies, size, &chosen, settled, err);
    if (st != WST_OK)
        goto out;
    st = wst_region_parse_pool(chosen, size, info, out, capacity, (uint64_t *)(out + capacity),
                               dists, count);
    if (st != WST_OK) {
        st = parse_failed(r, m, st, info, err);
        goto out;
    }
    *counters = out;
    out = NULL;
out:
    for (unsigned i = 0; i < READ_WINDOW; i++)
        free(copies[i]);
    free(out);
    return st;
}
