/*
 * The arithmetic of distributions (winstrument/region.h): a bucket's bounds,
 * and percentiles from bucket counts. Platform-free (the inspector, the
 * unit tests and the fuzzer build it), no state, no allocation; safe from
 * any thread.
 *
 * A percentile is the nearest-rank one: for q in per mille, the value of
 * rank ceil(q * n / 1000) (at least 1) in the sorted values. From buckets it
 * is the midpoint of the bucket holding that rank, clamped to [min, max]:
 * within 1 / (2 * WST_DIST_SUB) = 3.125% of the exact one (exact below 32).
 * The first rank is min and the last is max, both exact.
 */
#ifndef WST_DIST_MATH_H
#define WST_DIST_MATH_H

#include <stddef.h>
#include <stdint.h>

#include "winstrument/region.h"

/* The smallest and largest value of bucket i (< WST_DIST_BUCKETS). */
uint64_t wst_dist_bucket_lower(unsigned i);
uint64_t wst_dist_bucket_upper(unsigned i);

/* The rank (1-based) of the q-per-mille percentile among n values; 0 if n == 0. */
uint64_t wst_dist_rank(uint64_t n, unsigned q_permille);

/* The q-per-mille percentile of the values counted in buckets[0 ..
 * WST_DIST_BUCKETS), clamped to [min, max]; 0 when every bucket is empty. */
uint64_t wst_dist_percentile(const uint64_t *buckets, unsigned q_permille, uint64_t min,
                             uint64_t max);

/* Room for the sentence wst_dist_check writes. */
#define WST_DIST_WHY_MAX 96

/* 1 when a distribution's count can be the one its buckets hold; else 0,
 * with why in `why` ("count 1, its buckets hold 9223372036854775808"). A
 * memory copy races the probes, so the two may differ by the records made
 * while it ran: the check allows 1024 plus an eighth of the larger, and
 * flags only what no copy of a runtime's distribution shows (issue 23 F5:
 * a forged count of 1 over buckets of 2^63, or buckets whose sum passes
 * 2^64). `buckets` NULL (none given): 1. */
int wst_dist_check(uint64_t count, const uint64_t *buckets, char *why, size_t why_size);

#endif
