/*
 * libFuzzer target for src/common/region_parse.c: a copy of a module's ".wst"
 * section, which comes from another process and may be anything.
 *
 * The first input byte chooses how the rest is used, so that one corpus
 * covers both the header checks and the line walk behind them:
 *   0  the rest is the whole section, as copied;
 *   1  a valid header, then the rest (the walk starts at once, without the
 *      fuzzer having to discover the magic and every size field first);
 *   2  a valid header, the rest, then a trailer line (the walk can end well);
 *   3  the rest is an array of struct wst_region_counter for sort_merge, the
 *      routine that the pipe client also runs on snapshot entries (as
 *      counters: their bucket pointers are cleared).
 * Every section is parsed with and without a bucket pool for the
 * distributions; the two must agree, and each distribution's percentiles
 * (src/common/dist_math.c) must lie between its min and max.
 * Besides "no crash", it checks what callers rely on: counts within capacity,
 * names terminated, sorted and unique, the trailer where the info says, and
 * WST_E_INTERNAL only when the caller really passed too small an array.
 *
 * Never: writes to the input, keeps state between inputs, or rejects an input
 * itself.
 */
#include <string.h>

#include "dist_math.h"
#include "fuzz_check.h"
#include "region_parse.h"

enum variant { RAW, WITH_HEADER, WITH_HEADER_AND_TRAILER, SORT_MERGE, VARIANT_COUNT };

static void check_counters(const struct wst_region_counter *c, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        FUZZ_CHECK(memchr(c[i].name, '\0', WST_NAME_MAX) != NULL);
        if (i > 0)
            FUZZ_CHECK(strncmp(c[i - 1].name, c[i].name, WST_NAME_MAX) < 0);
    }
}

static void check_ok(const uint8_t *b, size_t size, const struct wst_region_info *info,
                     const struct wst_region_counter *c, size_t count, size_t capacity)
{
    const size_t head = sizeof(struct wst_region_header);
    uint32_t magic;
    FUZZ_CHECK(count <= capacity && count <= info->sites);
    FUZZ_CHECK(info->trailer_offset >= head);
    FUZZ_CHECK(info->trailer_offset <= size - sizeof(struct wst_region_trailer));
    memcpy(&magic, b + info->trailer_offset, sizeof magic);
    FUZZ_CHECK(magic == WST_TRAILER_MAGIC);
    /* Every line between header and trailer was a record or padding. */
    FUZZ_CHECK(info->distributions <= info->sites);
    FUZZ_CHECK(info->trailer_offset - head ==
               (info->sites - info->distributions) * sizeof(struct wst_counter) +
                   info->distributions * wst_region_dist_size(info->header.layout_version) +
                   info->padding_lines * WST_LINE);
    FUZZ_CHECK(info->header.mode <= WST_MODE_HELPER &&
               info->header.worker_state <= WST_WORKER_PIPE_FAILED);
    FUZZ_CHECK(memchr(info->header.pipe_name, '\0', sizeof info->header.pipe_name) != NULL);
    check_counters(c, count);
}

/* The same section with a bucket pool: the same answer and entries, and
 * every distribution's buckets and percentiles in range. */
static void parse_with_pool(const uint8_t *b, size_t size, enum wst_status want,
                            const struct wst_region_counter *plain, size_t plain_count)
{
    struct wst_region_info info;
    size_t capacity = wst_region_max_counters(size), dists = wst_region_max_dists(size), count;
    struct wst_region_counter *c = malloc(capacity * sizeof *c);
    uint64_t *pool = malloc(dists * WST_DIST_BUCKETS * sizeof *pool);
    FUZZ_CHECK(c != NULL && pool != NULL);
    enum wst_status st = wst_region_parse_pool(b, size, &info, c, capacity, pool, dists, &count);
    FUZZ_CHECK(st == want);
    if (st == WST_OK) {
        FUZZ_CHECK(count == plain_count);
        for (size_t i = 0; i < count; i++) {
            FUZZ_CHECK(c[i].kind == plain[i].kind && c[i].value == plain[i].value);
            FUZZ_CHECK(c[i].kind <= WST_KIND_DISTRIBUTION);
            if (c[i].kind != WST_KIND_DISTRIBUTION || (c[i].flags & WST_REGION_KIND_CONFLICT))
                continue;
            FUZZ_CHECK(c[i].buckets != NULL && plain[i].buckets == NULL);
            FUZZ_CHECK(c[i].min <= c[i].max);
            for (unsigned q = 0; q <= 1000; q += 250) {
                uint64_t p = wst_dist_percentile(c[i].buckets, q, c[i].min, c[i].max);
                FUZZ_CHECK(p == 0 || (p >= c[i].min && p <= c[i].max));
            }
        }
    }
    free(pool);
    free(c);
}

/* Parses `b` as a section with the capacity the header file asks for, then
 * with one entry less, and checks both answers. */
static void parse_section(const uint8_t *b, size_t size)
{
    struct wst_region_info info, header_info;
    size_t capacity = wst_region_max_counters(size), count = 1;
    FUZZ_CHECK(capacity >= 1);
    struct wst_region_counter *c = malloc(capacity * sizeof *c);
    FUZZ_CHECK(c != NULL);

    enum wst_status hst = wst_region_parse_header(b, size, &header_info);
    enum wst_status st = wst_region_parse(b, size, &info, c, capacity, &count);
    FUZZ_CHECK(st != WST_E_INTERNAL); /* the capacity was enough by definition */
    if (hst != WST_OK)
        FUZZ_CHECK(st == hst);
    if (st == WST_OK)
        check_ok(b, size, &info, c, count, capacity);
    else
        FUZZ_CHECK(count == 0);
    if (hst == WST_OK) {
        FUZZ_CHECK(memcmp(header_info.header.pipe_name, info.header.pipe_name,
                          sizeof info.header.pipe_name) == 0);
        FUZZ_CHECK(header_info.header.generation == info.header.generation);
    }
    parse_with_pool(b, size, st, c, count);

    /* One entry short: refused before any walk, whenever the header and the
     * size would otherwise have let the walk start. */
    enum wst_status small = wst_region_parse(b, size, &info, c, capacity - 1, &count);
    if (hst == WST_OK && size <= WST_REGION_MAX_SIZE &&
        size >= sizeof(struct wst_region_header) + sizeof(struct wst_region_trailer))
        FUZZ_CHECK(small == WST_E_INTERNAL);
    else
        FUZZ_CHECK(small == st);
    FUZZ_CHECK(small == WST_OK || count == 0);
    free(c);
}

static struct wst_region_header valid_header(void)
{
    struct wst_region_header h;
    memset(&h, 0, sizeof h);
    h.magic = WST_REGION_MAGIC;
    h.layout_version = WST_LAYOUT_VERSION;
    h.header_size = sizeof h;
    h.counter_size = sizeof(struct wst_counter);
    h.line_size = WST_LINE;
    h.stripes = WST_STRIPES;
    h.name_max = WST_NAME_MAX;
    h.mode = WST_MODE_THREADPOOL;
    h.worker_state = WST_WORKER_SERVING;
    memcpy(h.pipe_name, "fuzz", 5);
    return h;
}

/* header + rest [+ trailer], in a block of exactly that size so that a read
 * past the end is still caught. */
static void parse_framed(const uint8_t *rest, size_t n, int with_trailer)
{
    struct wst_region_header h = valid_header();
    struct wst_region_trailer t;
    memset(&t, 0, sizeof t);
    t.magic = WST_TRAILER_MAGIC;
    size_t size = sizeof h + n + (with_trailer ? sizeof t : 0);
    uint8_t *b = malloc(size);
    FUZZ_CHECK(b != NULL);
    memcpy(b, &h, sizeof h);
    if (n > 0)
        memcpy(b + sizeof h, rest, n);
    if (with_trailer)
        memcpy(b + sizeof h + n, &t, sizeof t);
    parse_section(b, size);
    free(b);
}

static void sort_merge(const uint8_t *rest, size_t n)
{
    size_t count = n / sizeof(struct wst_region_counter);
    struct wst_region_counter *c = malloc(count * sizeof *c + 1);
    FUZZ_CHECK(c != NULL);
    if (count > 0)
        memcpy(c, rest, count * sizeof *c);
    /* Only counters here: their sums must survive the merge. */
    for (size_t i = 0; i < count; i++) {
        c[i].kind = WST_KIND_COUNTER;
        c[i].flags = 0;
        c[i].buckets = NULL;
    }
    uint64_t before = 0, after = 0;
    for (size_t i = 0; i < count; i++)
        before += c[i].value;
    size_t merged = wst_region_sort_merge(c, count);
    FUZZ_CHECK(merged <= count && (merged > 0) == (count > 0));
    for (size_t i = 0; i < merged; i++) {
        after += c[i].value;
        /* Names need not be terminated here (strncmp is bounded): only order. */
        if (i > 0)
            FUZZ_CHECK(strncmp(c[i - 1].name, c[i].name, WST_NAME_MAX) < 0);
    }
    FUZZ_CHECK(before == after); /* merging only sums, wrapping like the counters */
    free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *rest = data + 1;
    size_t n = size - 1;
    /* The names of any 32-bit value, for the inspector's output. */
    if (n >= 8) {
        uint32_t mode, state;
        memcpy(&mode, rest, 4);
        memcpy(&state, rest + 4, 4);
        FUZZ_CHECK(wst_mode_name(mode) != NULL && wst_worker_state_name(state) != NULL);
    }
    switch (data[0] % VARIANT_COUNT) {
    case RAW:
        parse_section(rest, n);
        break;
    case WITH_HEADER:
        parse_framed(rest, n, 0);
        break;
    case WITH_HEADER_AND_TRAILER:
        parse_framed(rest, n, 1);
        break;
    default:
        sort_merge(rest, n);
        break;
    }
    return 0;
}
