/*
 * See dist_math.h. The bucket layout is the inverse of wst_dist_bucket_() in
 * winstrument/region.h: below 2 * WST_DIST_SUB one value per bucket, above
 * it WST_DIST_SUB buckets per power of two.
 */
#include "dist_math.h"

#include <inttypes.h>
#include <stdio.h>

uint64_t wst_dist_bucket_lower(unsigned i)
{
    if (i < 2u * WST_DIST_SUB)
        return i;
    unsigned e = i / WST_DIST_SUB + WST_DIST_SUB_BITS - 1u; /* the power of two */
    uint64_t sub = i % WST_DIST_SUB;
    return (WST_DIST_SUB + sub) << (e - WST_DIST_SUB_BITS);
}

uint64_t wst_dist_bucket_upper(unsigned i)
{
    if (i < 2u * WST_DIST_SUB)
        return i;
    unsigned e = i / WST_DIST_SUB + WST_DIST_SUB_BITS - 1u;
    /* The last bucket ends at UINT64_MAX: lower + width - 1 cannot overflow. */
    return wst_dist_bucket_lower(i) + ((uint64_t)1 << (e - WST_DIST_SUB_BITS)) - 1u;
}

uint64_t wst_dist_rank(uint64_t n, unsigned q_permille)
{
    if (n == 0)
        return 0;
    /* ceil(n * q / 1000) without overflowing n * q. */
    uint64_t rank = n / 1000u * q_permille + (n % 1000u * q_permille + 999u) / 1000u;
    return rank == 0 ? 1 : rank;
}

uint64_t wst_dist_percentile(const uint64_t *buckets, unsigned q_permille, uint64_t min,
                             uint64_t max)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < WST_DIST_BUCKETS; i++)
        n += buckets[i];
    uint64_t rank = wst_dist_rank(n, q_permille), seen = 0;
    if (rank == 0)
        return 0;
    /* The extremes are known exactly: the first and last ranks are them. */
    if (rank == 1)
        return min;
    if (rank == n)
        return max;
    for (unsigned i = 0; i < WST_DIST_BUCKETS; i++) {
        seen += buckets[i];
        if (seen < rank)
            continue;
        uint64_t lo = wst_dist_bucket_lower(i), hi = wst_dist_bucket_upper(i);
        uint64_t mid = lo + (hi - lo + 1u) / 2u;
        if (mid < min)
            mid = min;
        if (mid > max)
            mid = max;
        return mid;
    }
    return max; /* unreachable: seen reaches n >= rank */
}

int wst_dist_check(uint64_t count, const uint64_t *buckets, char *why, size_t why_size)
{
    if (buckets == NULL)
        return 1;
    uint64_t held = 0;
    for (unsigned i = 0; i < WST_DIST_BUCKETS; i++) {
        if (held + buckets[i] < held) {
            snprintf(why, why_size, "count %" PRIu64 ", its buckets hold more than 2^64", count);
            return 0;
        }
        held += buckets[i];
    }
    uint64_t larger = held > count ? held : count;
    uint64_t apart = held > count ? held - count : count - held;
    if (apart <= 1024u + larger / 8u)
        return 1;
    snprintf(why, why_size, "count %" PRIu64 ", its buckets hold %" PRIu64, count, held);
    return 0;
}
