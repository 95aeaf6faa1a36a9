/*
 * The unit tests' random numbers: xorshift64*, so that a generated case is
 * the same on every machine and libc (no rand()), and a failure names a case
 * that can be run again. Each test keeps its own state (its seed), so one
 * test's draws never shift another's. Single-threaded, like the tests.
 */
#ifndef WST_TEST_RANDOM_H
#define WST_TEST_RANDOM_H

#include <stdint.h>

static inline uint64_t wst_test_random(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 2685821657736338717u;
}

#endif
