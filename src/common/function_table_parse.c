/*
 * See function_table_parse.h. Copies the header into its struct with memcpy
 * and reads the arrays' fields with bytes_le.h (the copy has no alignment
 * guarantee), and trusts none of the header's numbers until each
 * array it describes is known to lie inside the copy.
 */
#include "function_table_parse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes_le.h"
#include "winstrument/function_table.h"

/* 1 if an array of n items of `item` bytes at `offset` lies in size bytes. */
static int array_fits(size_t size, uint64_t offset, uint64_t n, uint64_t item)
{
    uint64_t bytes = n * item; /* n <= 2^26 and item <= 8: no overflow */
    return offset <= size && bytes <= size - offset;
}

static int ranges_overlap(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len)
{
    return a < b + b_len && b < a + a_len;
}

/* 1 if two of the four arrays share a byte: a runtime lays them out one
 * after the other, and a reader of overlapping ones would sum keys as
 * calls. (Each already lies in the copy, after the header.) */
static int arrays_overlap(const struct wst_fn_table_header *h, uint64_t cells)
{
    const uint64_t at[4] = {h->keys_offset, h->calls_offset, h->time_offset, h->self_offset};
    const uint64_t len[4] = {(uint64_t)h->capacity * 4u, cells * 8u, cells * 8u, cells * 8u};
    for (unsigned i = 0; i < 4; i++) {
        for (unsigned j = i + 1; j < 4; j++) {
            if (ranges_overlap(at[i], len[i], at[j], len[j]))
                return 1;
        }
    }
    return 0;
}

enum wst_status wst_fn_table_parse_header(const void *bytes, size_t size,
                                          struct wst_fn_table_info *info)
{
    struct wst_fn_table_header h;
    memset(info, 0, sizeof *info);
    if (bytes == NULL || size < sizeof h)
        return WST_E_TRUNCATED;
    memcpy(&h, bytes, sizeof h);
    if (h.magic != WST_FN_TABLE_MAGIC)
        return WST_E_CORRUPT;
    if (h.version != WST_FN_TABLE_VERSION)
        return WST_E_VERSION;
    if (h.header_size != sizeof h || h.table_size != size || size > WST_FN_TABLE_MAX_SIZE)
        return WST_E_CORRUPT;
    if (h.capacity == 0 || h.capacity > WST_FN_TABLE_MAX_CAPACITY ||
        (h.capacity & (h.capacity - 1u)) != 0 || h.stripes == 0 ||
        h.stripes > WST_FN_TABLE_MAX_STRIPES)
        return WST_E_CORRUPT;
    uint64_t cells = (uint64_t)h.stripes * h.capacity;
    if (h.keys_offset < sizeof h || !array_fits(size, h.keys_offset, h.capacity, 4) ||
        h.keys_offset % 4 != 0)
        return WST_E_CORRUPT;
    const uint32_t offsets[3] = {h.calls_offset, h.time_offset, h.self_offset};
    for (unsigned i = 0; i < 3; i++) {
        if (offsets[i] < sizeof h || offsets[i] % 8 != 0 || !array_fits(size, offsets[i], cells, 8))
            return WST_E_CORRUPT;
    }
    if (arrays_overlap(&h, cells))
        return WST_E_CORRUPT;
    info->capacity = h.capacity;
    info->stripes = h.stripes;
    info->flags = h.flags;
    info->used = h.used;
    info->stack_depth = h.stack_depth;
    info->overflow_calls = h.overflow_calls;
    info->unwound_frames = h.unwound_frames;
    info->untimed_calls = h.untimed_calls;
    info->unmatched_exits = h.unmatched_exits;
    info->threads = h.threads;
    info->threads_live = h.threads_live;
    return WST_OK;
}

/* A total no run can reach: 2^63 calls, or 292 years of ns. */
#define IMPLAUSIBLE (UINT64_C(1) << 63)

/* The stripes' sum, modulo 2^64, as the runtime means it: a reset
 * subtracts a function's totals from stripe 0 (function_reset.c), whose
 * cell then wraps below 0 and the sum carries past 2^64, legitimately.
 * *wrapped is set when the total itself is implausible. */
static uint64_t sum(const unsigned char *b, uint32_t offset, const struct wst_fn_table_info *info,
                    uint32_t slot, int *wrapped)
{
    uint64_t total = 0;
    for (uint32_t s = 0; s < info->stripes; s++)
        total += wst_le64(b + offset + ((uint64_t)s * info->capacity + slot) * 8u);
    *wrapped |= total >= IMPLAUSIBLE;
    return total;
}

/* Adds b's sums into a (a key found twice), noting a wrap. */
static void merge(struct wst_fn_entry *a, const struct wst_fn_entry *b, uint32_t *wrapped)
{
    int w = a->calls + b->calls < a->calls || a->time_ns + b->time_ns < a->time_ns ||
            a->self_ns + b->self_ns < a->self_ns;
    *wrapped += w;
    a->calls += b->calls;
    a->time_ns += b->time_ns;
    a->self_ns += b->self_ns;
}

static int by_rva(const void *a, const void *b)
{
    const struct wst_fn_entry *x = a, *y = b;
    return x->rva < y->rva ? -1 : x->rva > y->rva;
}

enum wst_status wst_fn_table_parse(const void *bytes, size_t size, struct wst_fn_table_info *info,
                                   struct wst_fn_entry *entries, size_t capacity, size_t *count)
{
    *count = 0;
    enum wst_status st = wst_fn_table_parse_header(bytes, size, info);
    if (st != WST_OK)
        return st;
    if (capacity < info->capacity)
        return WST_E_INTERNAL;
    const unsigned char *b = bytes;
    struct wst_fn_table_header h;
    memcpy(&h, b, sizeof h);
    size_t n = 0;
    for (uint32_t i = 0; i < info->capacity; i++) {
        uint32_t rva = wst_le32(b + h.keys_offset + 4u * i);
        if (rva == 0)
            continue;
        int wrapped = 0;
        entries[n].rva = rva;
        entries[n].calls = sum(b, h.calls_offset, info, i, &wrapped);
        entries[n].time_ns = sum(b, h.time_offset, info, i, &wrapped);
        entries[n].self_ns = sum(b, h.self_offset, info, i, &wrapped);
        info->wrapped += wrapped;
        n++;
    }
    info->rows = (uint32_t)n;
    qsort(entries, n, sizeof *entries, by_rva);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept > 0 && entries[kept - 1].rva == entries[i].rva) {
            merge(&entries[kept - 1], &entries[i], &info->wrapped);
            info->duplicates++;
            continue;
        }
        entries[kept++] = entries[i];
    }
    *count = kept;
    return WST_OK;
}

enum wst_status wst_fn_table_check(const struct wst_fn_table_info *info,
                                   const struct wst_fn_entry *entries, size_t count,
                                   uint32_t image_size, char *why, size_t why_size)
{
    uint32_t most = info->capacity - info->capacity / 8u; /* WST_FN_MAX_FUNCTIONS's rule */
    if (info->duplicates > 0) {
        snprintf(why, why_size, "%" PRIu32 " functions hold a slot twice", info->duplicates);
        return WST_E_CORRUPT;
    }
    if (info->rows > info->used || info->used > most) {
        snprintf(why, why_size,
                 "the header says %" PRIu32 " functions of at most %" PRIu32
                 ", the table holds %" PRIu32,
                 info->used, most, info->rows);
        return WST_E_CORRUPT;
    }
    for (size_t i = 0; i < count; i++) {
        const struct wst_fn_entry *e = &entries[i];
        if (e->rva >= image_size) {
            snprintf(why, why_size,
                     "function at RVA 0x%" PRIx32 ", outside the image of 0x%" PRIx32 " bytes",
                     e->rva, image_size);
            return WST_E_CORRUPT;
        }
        if (e->self_ns > e->time_ns) {
            snprintf(why, why_size,
                     "function at RVA 0x%" PRIx32 ": self time %" PRIu64
                     " ns above its inclusive time %" PRIu64 " ns",
                     e->rva, e->self_ns, e->time_ns);
            return WST_E_CORRUPT;
        }
    }
    if (info->wrapped > 0) {
        snprintf(why, why_size, "the sums of %" PRIu32 " functions reach 2^63 or pass 2^64",
                 info->wrapped);
        return WST_E_CORRUPT;
    }
    return WST_OK;
}
