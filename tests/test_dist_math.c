/*
 * Unit tests of distributions: the bucket index of winstrument/region.h and
 * the bounds and percentiles of src/common/dist_math.c, checked against an
 * exact computation (sorting) on generated data that includes 0, 1,
 * UINT64_MAX and a bimodal set; and region_parse.c on distribution and gauge
 * records (kinds, merging, a name with two kinds, layouts 1, 2 and 3: one
 * bucket array or two shards, records of each size, a truncated layout-3
 * record, a newer layout refused). Single-threaded; runs under Wine and natively.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dist_math.h"
#include "region_parse.h"
#include "test_random.h"

/* ---- bucketing --------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;


static void buckets_tile_the_range(void **state)
{
    (void)state;
    assert_int_equal(WST_DIST_BUCKETS, 976);
    assert_int_equal(wst_dist_bucket_lower(0), 0);
    assert_true(wst_dist_bucket_upper(WST_DIST_BUCKETS - 1) == UINT64_MAX);
    for (unsigned i = 0; i < WST_DIST_BUCKETS; i++) {
        uint64_t lo = wst_dist_bucket_lower(i), hi = wst_dist_bucket_upper(i);
        assert_true(lo <= hi);
        assert_int_equal(wst_dist_bucket_(lo), i);
        assert_int_equal(wst_dist_bucket_(hi), i);
        if (i + 1 < WST_DIST_BUCKETS)
            assert_true(hi + 1 == wst_dist_bucket_lower(i + 1));
        /* Half a bucket is at most 1/32 of its smallest value (exact below 32). */
        if (lo < 32)
            assert_true(lo == hi);
        else
            assert_true((hi - lo + 1) / 2 <= lo / 32);
    }
    assert_int_equal(wst_dist_bucket_(0), 0);
    assert_int_equal(wst_dist_bucket_(1), 1);
    assert_int_equal(wst_dist_bucket_(UINT64_MAX), WST_DIST_BUCKETS - 1);
}

static void random_values_land_in_their_bucket(void **state)
{
    (void)state;
    for (unsigned n = 0; n < 200000; n++) {
        /* Every magnitude: shift a random value by a random amount. */
        uint64_t v = wst_test_random(&rng_state) >> (wst_test_random(&rng_state) % 64);
        unsigned i = wst_dist_bucket_(v);
        assert_true(i < WST_DIST_BUCKETS);
        assert_true(wst_dist_bucket_lower(i) <= v && v <= wst_dist_bucket_upper(i));
    }
    /* The branch-free index around its seams: every small value (the
     * one-value buckets end at 31), and each power of two and its
     * neighbours. */
    for (uint64_t v = 0; v < 65536; v++) {
        unsigned i = wst_dist_bucket_(v);
        assert_true(wst_dist_bucket_lower(i) <= v && v <= wst_dist_bucket_upper(i));
    }
    for (unsigned k = 0; k < 64; k++) {
        uint64_t p = (uint64_t)1 << k, near[3] = {p - 1, p, p + 1};
        for (unsigned j = 0; j < 3; j++) {
            unsigned i = wst_dist_bucket_(near[j]);
            assert_true(i < WST_DIST_BUCKETS);
            assert_true(wst_dist_bucket_lower(i) <= near[j] && near[j] <= wst_dist_bucket_upper(i));
        }
    }
}

/* ---- percentiles against the exact ones --------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The exact nearest-rank percentile of v[0 .. n) (sorted). */
static uint64_t exact(const uint64_t *sorted, size_t n, unsigned q)
{
    return sorted[wst_dist_rank(n, q) - 1];
}

static uint64_t abs_diff(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

/* Buckets v into a histogram, then checks p0.1 .. p100 against sorting. */
static void check_percentiles(uint64_t *v, size_t n)
{
    static uint64_t buckets[WST_DIST_BUCKETS];
    memset(buckets, 0, sizeof buckets);
    uint64_t min = UINT64_MAX, max = 0;
    for (size_t i = 0; i < n; i++) {
        buckets[wst_dist_bucket_(v[i])]++;
        min = v[i] < min ? v[i] : min;
        max = v[i] > max ? v[i] : max;
    }
    qsort(v, n, sizeof *v, cmp_u64);
    static const unsigned qs[] = {1, 10, 100, 250, 500, 750, 900, 990, 999, 1000};
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        uint64_t want = exact(v, n, qs[k]);
        uint64_t got = wst_dist_percentile(buckets, qs[k], min, max);
        /* Within 1/32 of the exact value: the documented bound (3.125%),
         * which is inside the contract's 6.25%. */
        if (abs_diff(got, want) > want / 32) {
            print_error("p%u.%u: got %llu, exact %llu\n", qs[k] / 10, qs[k] % 10,
                        (unsigned long long)got, (unsigned long long)want);
            fail();
        }
    }
    assert_true(wst_dist_percentile(buckets, 1000, min, max) == max);
    assert_true(wst_dist_percentile(buckets, 0, min, max) == min);
}

#define N 100000

static void percentiles_of_extremes(void **state)
{
    (void)state;
    static uint64_t v[N];
    size_t n = 0;
    for (; n < 1000; n++)
        v[n] = n % 3 == 0 ? 0 : n % 3 == 1 ? 1 : UINT64_MAX;
    check_percentiles(v, n);
    uint64_t one[1] = {UINT64_MAX};
    check_percentiles(one, 1);
    uint64_t zero[1] = {0};
    check_percentiles(zero, 1);
    uint64_t three[3] = {0, 1, UINT64_MAX};
    check_percentiles(three, 3);
}

static void percentiles_of_bimodal_durations(void **state)
{
    (void)state;
    static uint64_t v[N];
    for (size_t i = 0; i < N; i++) {
        /* 50 us and 2 ms, in ns, with jitter; 30% of the slow kind. */
        uint64_t jitter = wst_test_random(&rng_state) % 5000;
        v[i] = wst_test_random(&rng_state) % 10 < 3 ? 2000000 + jitter * 40 : 50000 + jitter;
    }
    check_percentiles(v, N);
}

static void percentiles_of_every_magnitude(void **state)
{
    (void)state;
    static uint64_t v[N];
    for (size_t i = 0; i < N; i++)
        v[i] = wst_test_random(&rng_state) >> (wst_test_random(&rng_state) % 64);
    check_percentiles(v, N);
    for (size_t i = 0; i < N; i++)
        v[i] = wst_test_random(&rng_state) % 100; /* small values: exact buckets below 32 */
    check_percentiles(v, N);
}

static void empty_and_rank(void **state)
{
    (void)state;
    static uint64_t buckets[WST_DIST_BUCKETS];
    memset(buckets, 0, sizeof buckets);
    assert_int_equal(wst_dist_percentile(buckets, 500, 0, 0), 0);
    assert_int_equal(wst_dist_rank(0, 500), 0);
    assert_int_equal(wst_dist_rank(1, 1), 1);
    assert_int_equal(wst_dist_rank(100, 990), 99);
    assert_int_equal(wst_dist_rank(101, 990), 100);
    assert_true(wst_dist_rank(UINT64_MAX, 1000) == UINT64_MAX);
}

/* Issue 23 F5: a count its buckets contradict is flagged; one that a copy
 * racing the probes can show is not. */
static void count_against_buckets(void **state)
{
    (void)state;
    static uint64_t b[WST_DIST_BUCKETS];
    char why[WST_DIST_WHY_MAX];
    memset(b, 0, sizeof b);
    assert_true(wst_dist_check(0, b, why, sizeof why));
    assert_true(wst_dist_check(5, NULL, why, sizeof why));
    b[3] = 1000000;
    assert_true(wst_dist_check(1000000, b, why, sizeof why));
    assert_true(wst_dist_check(1000000 - 2000, b, why, sizeof why)); /* records in flight */
    assert_true(wst_dist_check(0, b + 4, why, sizeof why));
    b[3] = 1000;
    assert_true(wst_dist_check(1, b, why, sizeof why)); /* within 1024: a young copy */
    b[3] = (uint64_t)1 << 63;
    assert_false(wst_dist_check(1, b, why, sizeof why));
    assert_string_equal(why, "count 1, its buckets hold 9223372036854775808");
    b[7] = (uint64_t)1 << 63; /* the sum passes 2^64 */
    assert_false(wst_dist_check(2, b, why, sizeof why));
    assert_string_equal(why, "count 2, its buckets hold more than 2^64");
    memset(b, 0, sizeof b);
    b[0] = 10;
    assert_false(wst_dist_check(1000000, b, why, sizeof why));
}

/* ---- parsing the new records ------------------------------------------ */

#define REGION_MAX (256 + 4 * sizeof(struct wst_distribution) + 4 * 576 + 64)

static unsigned char region[REGION_MAX];
static size_t region_size;
static uint16_t region_layout;

static void region_begin(uint16_t layout)
{
    memset(region, 0, sizeof region);
    region_layout = layout;
    struct wst_region_header *h = (struct wst_region_header *)region;
    h->magic = WST_REGION_MAGIC;
    h->layout_version = layout;
    h->header_size = sizeof *h;
    h->counter_size = sizeof(struct wst_counter);
    h->line_size = WST_LINE;
    h->stripes = WST_STRIPES;
    h->name_max = WST_NAME_MAX;
    region_size = sizeof *h;
}

static struct wst_counter *add_counter(const char *name, uint32_t flags, uint64_t v)
{
    struct wst_counter *c = (struct wst_counter *)(region + region_size);
    c->magic = WST_COUNTER_MAGIC;
    c->flags = flags;
    strcpy(c->name, name);
    c->stripes[0].value = v;
    region_size += sizeof *c;
    return c;
}

static struct wst_distribution *add_dist(const char *name, uint32_t flags)
{
    struct wst_distribution *d = (struct wst_distribution *)(region + region_size);
    d->magic = WST_DIST_MAGIC;
    d->flags = WST_KIND_DISTRIBUTION | flags;
    strcpy(d->name, name);
    /* Layout 2's record ends where layout 3's second shard begins. */
    region_size += wst_region_dist_size(region_layout);
    return d;
}

/* As the runtime of the region's layout records v from `stripe`: layout 3
 * into the shard the stripe picks, no count word; layout 2 into its one
 * bucket array (shard 0's place), with a count word. */
static void record(struct wst_distribution *d, unsigned stripe, uint64_t v)
{
    if (region_layout >= 3) {
        d->shards[WST_DIST_SHARD_OF_STRIPE(stripe)][wst_dist_bucket_(v)]++;
    } else {
        d->stripes[stripe].count++;
        d->shards[0][wst_dist_bucket_(v)]++;
    }
    d->stripes[stripe].sum += v;
    if (v > d->extrema.max)
        d->extrema.max = v;
    if (~v > d->extrema.min_inverted)
        d->extrema.min_inverted = ~v;
}

static void region_end(void)
{
    ((struct wst_region_trailer *)(region + region_size))->magic = WST_TRAILER_MAGIC;
    region_size += sizeof(struct wst_region_trailer);
}

static enum wst_status parse(struct wst_region_counter *out, uint64_t *pool, size_t *count)
{
    struct wst_region_info info;
    return wst_region_parse_pool(region, region_size, &info, out,
                                 wst_region_max_counters(region_size), pool,
                                 wst_region_max_dists(region_size), count);
}

static struct wst_region_counter out[REGION_MAX / 576 + 1];
static uint64_t pool[(REGION_MAX / WST_DIST_SIZE_V2 + 1) * WST_DIST_BUCKETS];

static void parse_kinds_and_merge(void **state)
{
    (void)state;
    size_t count;
    region_begin(WST_LAYOUT_VERSION);
    add_counter("hits", WST_KIND_COUNTER, 7);
    add_counter("depth", WST_KIND_GAUGE, (uint64_t)-3);
    struct wst_distribution *a = add_dist("lat", WST_DIST_UNIT_NS);
    struct wst_distribution *b = add_dist("lat", WST_DIST_UNIT_NS);
    record(a, 0, 100);
    record(a, 3, 5000);
    record(b, 1, 7);
    region_end();
    assert_int_equal(parse(out, pool, &count), WST_OK);
    assert_int_equal(count, 3);
    /* Sorted by name: depth, hits, lat. */
    assert_string_equal(out[0].name, "depth");
    assert_int_equal(out[0].kind, WST_KIND_GAUGE);
    assert_true((int64_t)out[0].value == -3);
    assert_int_equal(out[1].kind, WST_KIND_COUNTER);
    assert_int_equal(out[1].value, 7);
    assert_int_equal(out[2].kind, WST_KIND_DISTRIBUTION);
    assert_int_equal(out[2].value, 3);
    assert_int_equal(out[2].sum, 5107);
    assert_int_equal(out[2].min, 7);
    assert_int_equal(out[2].max, 5000);
    assert_int_equal(out[2].flags & WST_DIST_UNIT_NS, WST_DIST_UNIT_NS);
    assert_non_null(out[2].buckets);
    assert_int_equal(out[2].buckets[wst_dist_bucket_(7)], 1);
    assert_int_equal(out[2].buckets[wst_dist_bucket_(100)], 1);
    uint64_t p50 = wst_dist_percentile(out[2].buckets, 500, out[2].min, out[2].max);
    assert_true(p50 >= 100 - 100 / 32 && p50 <= 100 + 100 / 32);
    /* Without a pool: the summary, no buckets. */
    struct wst_region_info info;
    assert_int_equal(wst_region_parse(region, region_size, &info, out,
                                      wst_region_max_counters(region_size), &count),
                     WST_OK);
    assert_int_equal(out[2].value, 3);
    assert_null(out[2].buckets);
}

static void parse_kind_conflict(void **state)
{
    (void)state;
    size_t count;
    region_begin(WST_LAYOUT_VERSION);
    add_dist("x", 0);
    add_counter("x", WST_KIND_GAUGE, 1);
    add_counter("x", WST_KIND_COUNTER, 2);
    region_end();
    assert_int_equal(parse(out, pool, &count), WST_OK);
    assert_int_equal(count, 1);
    assert_int_equal(out[0].kind, WST_KIND_COUNTER);
    assert_true(out[0].flags & WST_REGION_KIND_CONFLICT);
    assert_int_equal(out[0].conflict_kinds, 7);
}

static void parse_layouts(void **state)
{
    (void)state;
    size_t count;
    /* Layout 1: flags was reserved; a distribution line is corruption. */
    region_begin(1);
    add_counter("old", 0x55, 4);
    region_end();
    assert_int_equal(parse(out, pool, &count), WST_OK);
    assert_int_equal(out[0].kind, WST_KIND_COUNTER);
    region_begin(1);
    add_dist("new", 0);
    region_end();
    assert_int_equal(parse(out, pool, &count), WST_E_CORRUPT);
    /* Layout 2: unknown kinds and unit bits are corruption. */
    region_begin(2);
    add_counter("bad", 0x55, 4);
    region_end();
    assert_int_equal(parse(out, pool, &count), WST_E_CORRUPT);
    region_begin(2);
    add_dist("bad", 0x200);
    region_end();
    assert_int_equal(parse(out, pool, &count), WST_E_CORRUPT);
    /* A distribution overlapping the end. */
    region_begin(2);
    add_dist("cut", 0);
    assert_int_equal(parse(out, pool, &count), WST_E_CORRUPT);
    /* Layout 3: a distribution of layout 2's size overlaps the trailer. */
    region_begin(3);
    add_dist("cut", 0);
    region_size = 256 + WST_DIST_SIZE_V2;
    region_end();
    assert_int_equal(parse(out, pool, &count), WST_E_CORRUPT);
    /* A later layout: refused as a version mismatch, as an old inspector
     * refuses layout 3. */
    region_begin(WST_LAYOUT_VERSION + 1);
    region_end();
    assert_int_equal(parse(out, pool, &count), WST_E_VERSION);
}

/* Two sites of one name, in layout `layout`: stripes 1 and 2 (different
 * shards in layout 3), stripe 0, and a record of the second site; then what
 * the parser makes of them, with and without a pool. */
static void check_two_sites(uint16_t layout)
{
    size_t count;
    region_begin(layout);
    struct wst_distribution *a = add_dist("lat", WST_DIST_UNIT_NS);
    struct wst_distribution *b = add_dist("lat", WST_DIST_UNIT_NS);
    add_counter("after", WST_KIND_COUNTER, 9); /* found only if the size was right */
    for (unsigned i = 0; i < 3; i++)
        record(a, 1, 100);
    for (unsigned i = 0; i < 5; i++)
        record(a, 2, 100);
    record(a, 0, 7);
    record(b, 2, 1u << 20);
    region_end();
    assert_int_equal(parse(out, pool, &count), WST_OK);
    assert_int_equal(count, 2);
    assert_string_equal(out[0].name, "after");
    assert_int_equal(out[0].value, 9);
    assert_int_equal(out[1].value, 10);
    assert_int_equal(out[1].sum, 800 + 7 + (1u << 20));
    assert_int_equal(out[1].min, 7);
    assert_int_equal(out[1].max, 1u << 20);
    assert_int_equal(out[1].buckets[wst_dist_bucket_(100)], 8);
    assert_int_equal(out[1].buckets[wst_dist_bucket_(7)], 1);
    assert_int_equal(out[1].buckets[wst_dist_bucket_(1u << 20)], 1);
    struct wst_region_info info;
    assert_int_equal(wst_region_parse(region, region_size, &info, out,
                                      wst_region_max_counters(region_size), &count),
                     WST_OK);
    assert_int_equal(info.header.layout_version, layout);
    assert_int_equal(info.distributions, 2);
    assert_int_equal(info.trailer_offset, 256 + 2 * wst_region_dist_size(layout) + 576);
    assert_int_equal(out[1].value, 10);
}

static void parse_layout2_and_layout3_records(void **state)
{
    (void)state;
    check_two_sites(2);
    check_two_sites(3);
    /* Layout 3 as the runtime writes it: the first two owners' records are
     * in different shards, and the reader adds the shards. */
    region_begin(3);
    struct wst_distribution *d = add_dist("x", 0);
    record(d, 1, 5);
    record(d, 2, 5);
    region_end();
    assert_int_equal(d->shards[0][wst_dist_bucket_(5)], 1);
    assert_int_equal(d->shards[1][wst_dist_bucket_(5)], 1);
    size_t count;
    assert_int_equal(parse(out, pool, &count), WST_OK);
    assert_int_equal(out[0].value, 2);
    assert_int_equal(out[0].buckets[wst_dist_bucket_(5)], 2);
    /* A layout-2 reading of that record would miss shard 1: the shards'
     * bytes after the first 8448 are not read as a layout-2 record's. */
    ((struct wst_region_header *)region)->layout_version = 2;
    assert_int_equal(parse(out, pool, &count), WST_E_CORRUPT);
}

/* The shard rule of region.h: stripes 1 and 2 (the first two owners) apart,
 * each shard written by half of the stripes, and the offset form the hot
 * path uses agreeing with the stripe form. */
static void shards_of_stripes(void **state)
{
    (void)state;
    unsigned per_shard[WST_DIST_SHARDS] = {0};
    assert_int_not_equal(WST_DIST_SHARD_OF_STRIPE(1), WST_DIST_SHARD_OF_STRIPE(2));
    for (unsigned s = 0; s < WST_STRIPES; s++) {
        unsigned k = WST_DIST_SHARD_OF_STRIPE(s);
        assert_true(k < WST_DIST_SHARDS);
        assert_int_equal(k, WST_DIST_SHARD_OF_AT((uint64_t)WST_LINE * (1 + s)));
        per_shard[k]++;
    }
    assert_int_equal(per_shard[0], WST_STRIPES / 2);
    assert_int_equal(per_shard[1], WST_STRIPES / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buckets_tile_the_range),
        cmocka_unit_test(random_values_land_in_their_bucket),
        cmocka_unit_test(percentiles_of_extremes),
        cmocka_unit_test(percentiles_of_bimodal_durations),
        cmocka_unit_test(percentiles_of_every_magnitude),
        cmocka_unit_test(empty_and_rank),
        cmocka_unit_test(count_against_buckets),
        cmocka_unit_test(parse_kinds_and_merge),
        cmocka_unit_test(parse_kind_conflict),
        cmocka_unit_test(parse_layouts),
        cmocka_unit_test(parse_layout2_and_layout3_records),
        cmocka_unit_test(shards_of_stripes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
