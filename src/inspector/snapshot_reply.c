/*
 * See snapshot_reply.h. Every read goes through a cursor bounded by what is
 * left of the payload, and every count is checked against the payload's
 * size before anything is allocated for it: the worker is trusted no more
 * than the memory it serves.
 */
#include "snapshot_reply.h"

#include <stdlib.h>
#include <string.h>

#include "winstrument/protocol.h"

/* A cursor over the payload: every read is checked against what is left. */
struct cursor {
    const unsigned char *at;
    size_t left;
};

static int take(struct cursor *c, void *out, size_t size)
{
    if (c->left < size)
        return 0;
    memcpy(out, c->at, size);
    c->at += size;
    c->left -= size;
    return 1;
}

/* The kinds that follow the entries (protocol 3): marks out[] entries, checks
 * and counts the distributions without storing them (first pass). */
static enum wst_status decode_kinds(struct cursor *c, struct wst_region_counter *out,
                                    uint32_t count, struct wst_msg_kinds *k)
{
    if (!take(c, k, sizeof *k) || k->entries > count)
        return WST_E_PROTOCOL;
    uint32_t last = 0;
    for (uint32_t i = 0; i < k->entries; i++) {
        struct wst_msg_kind one;
        if (!take(c, &one, sizeof one) || one.entry >= count || (i > 0 && one.entry <= last))
            return WST_E_PROTOCOL;
        uint32_t kind = one.kind & WST_SNAPSHOT_KIND_MASK;
        if (kind != WST_KIND_GAUGE ||
            (one.kind & ~(WST_SNAPSHOT_KIND_MASK | WST_SNAPSHOT_KIND_CONFLICT)) != 0)
            return WST_E_PROTOCOL;
        out[one.entry].kind = kind;
        out[one.entry].conflict_kinds = 1u << kind;
        if (one.kind & WST_SNAPSHOT_KIND_CONFLICT) {
            /* The worker saw another kind too; which, it does not say. */
            out[one.entry].flags |= WST_REGION_KIND_CONFLICT;
            out[one.entry].conflict_kinds |= 1u << WST_KIND_COUNTER;
        }
        last = one.entry;
    }
    return WST_OK;
}

/* One distribution and its buckets, into *e (buckets: WST_DIST_BUCKETS
 * zeroed counts, or NULL to only check). */
static enum wst_status decode_dist(struct cursor *c, struct wst_region_counter *e,
                                   uint64_t *buckets)
{
    struct wst_msg_dist d;
    if (!take(c, &d, sizeof d) || memchr(d.name, '\0', sizeof d.name) == NULL)
        return WST_E_PROTOCOL;
    if ((d.flags & WST_KIND_MASK) != WST_KIND_DISTRIBUTION ||
        (d.flags & ~(WST_KIND_MASK | WST_DIST_UNIT_NS)) != 0 || d.bucket_count > WST_DIST_BUCKETS)
        return WST_E_PROTOCOL;
    uint32_t last = 0;
    for (uint32_t i = 0; i < d.bucket_count; i++) {
        struct wst_msg_bucket b;
        if (!take(c, &b, sizeof b) || b.index >= WST_DIST_BUCKETS || (i > 0 && b.index <= last) ||
            b.count == 0)
            return WST_E_PROTOCOL;
        if (buckets != NULL)
            buckets[b.index] = b.count;
        last = b.index;
    }
    if (e != NULL) {
        memset(e, 0, sizeof *e);
        memcpy(e->name, d.name, sizeof e->name);
        e->kind = WST_KIND_DISTRIBUTION;
        e->conflict_kinds = 1u << WST_KIND_DISTRIBUTION;
        e->flags = d.flags & WST_DIST_UNIT_NS;
        e->value = d.count;
        e->sum = d.sum;
        int none = d.count == 0 || d.min > d.max;
        e->min = none ? 0 : d.min;
        e->max = none ? 0 : d.max;
        e->buckets = buckets;
    }
    return WST_OK;
}

enum wst_status wst_pipe_decode_snapshot(const void *payload, size_t length, uint64_t *generation,
                                         struct wst_region_counter **counters, size_t *count,
                                         int *complete)
{
    struct wst_msg_snapshot s;
    *counters = NULL;
    *count = 0;
    *complete = 0;
    if (length < sizeof s)
        return WST_E_PROTOCOL;
    memcpy(&s, payload, sizeof s);
    if ((s.flags & ~WST_SNAPSHOT_FLAGS_KNOWN) != 0)
        return WST_E_PROTOCOL;
    /* Compare counts, not products, so that a huge count cannot overflow. */
    size_t rest = length - sizeof s;
    if (s.count > rest / sizeof(struct wst_msg_counter))
        return WST_E_PROTOCOL;
    if (!(s.flags & WST_SNAPSHOT_KINDS) && rest % sizeof(struct wst_msg_counter) != 0)
        return WST_E_PROTOCOL;
    if (!(s.flags & WST_SNAPSHOT_KINDS) && s.count != rest / sizeof(struct wst_msg_counter))
        return WST_E_PROTOCOL;
    struct cursor c = {(const unsigned char *)payload + sizeof s +
                           (size_t)s.count * sizeof(struct wst_msg_counter),
                       rest - (size_t)s.count * sizeof(struct wst_msg_counter)};
    /* First pass over what follows the entries: its shape, and how many
     * distributions need room. The second pass stores them. */
    struct wst_msg_kinds k = {0, 0};
    if (s.flags & WST_SNAPSHOT_KINDS) {
        struct cursor first = c;
        if (!take(&first, &k, sizeof k) || k.entries > s.count)
            return WST_E_PROTOCOL;
        if (first.left / sizeof(struct wst_msg_kind) < k.entries)
            return WST_E_PROTOCOL;
        first.at += (size_t)k.entries * sizeof(struct wst_msg_kind);
        first.left -= (size_t)k.entries * sizeof(struct wst_msg_kind);
        if (k.distributions > first.left / sizeof(struct wst_msg_dist))
            return WST_E_PROTOCOL;
        for (uint32_t i = 0; i < k.distributions; i++) {
            if (decode_dist(&first, NULL, NULL) != WST_OK)
                return WST_E_PROTOCOL;
        }
        if (first.left != 0)
            return WST_E_PROTOCOL;
    }
    size_t entries = (size_t)s.count + k.distributions;
    /* One block, so that the caller's free() of the counters frees all. */
    struct wst_region_counter *out =
        calloc(1, (entries ? entries : 1) * sizeof *out +
                      (size_t)k.distributions * WST_DIST_BUCKETS * sizeof(uint64_t));
    if (out == NULL)
        return WST_E_INTERNAL;
    const unsigned char *entry = (const unsigned char *)payload + sizeof s;
    for (uint32_t i = 0; i < s.count; i++, entry += sizeof(struct wst_msg_counter)) {
        struct wst_msg_counter m;
        memcpy(&m, entry, sizeof m);
        if (memchr(m.name, '\0', sizeof m.name) == NULL) {
            free(out);
            return WST_E_PROTOCOL;
        }
        memcpy(out[i].name, m.name, sizeof out[i].name);
        out[i].value = m.value;
        out[i].kind = WST_KIND_COUNTER;
        out[i].conflict_kinds = 1u << WST_KIND_COUNTER;
    }
    if (s.flags & WST_SNAPSHOT_KINDS) {
        uint64_t *pool = (uint64_t *)(out + entries);
        enum wst_status st = decode_kinds(&c, out, s.count, &k);
        for (uint32_t i = 0; st == WST_OK && i < k.distributions; i++)
            st = decode_dist(&c, &out[s.count + i], pool + (size_t)i * WST_DIST_BUCKETS);
        if (st != WST_OK) {
            free(out);
            return st;
        }
    }
    *generation = s.generation;
    *counters = out;
    *count = wst_region_sort_merge(out, entries);
    *complete = (s.flags & WST_SNAPSHOT_TRUNCATED) == 0;
    return WST_OK;
}
