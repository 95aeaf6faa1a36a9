/*
 * Unit tests of src/runtime/instance_id.c: the instance of a module load.
 * Two modules loaded at the same time never share an instance, whatever the
 * clock read when each attached; a module reloaded at the same base gets a
 * new instance when the clock has moved.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "instance_id.h"

/* Image bases are multiples of the 64 KiB allocation granularity, below
 * 2^47 on x86_64 and below 2^32 on i686. */
#define GRANULE 0x10000ull

/* The collision the old formula, (ticks << 20) ^ base, allowed: the second
 * module's clock reading cancels the bases' difference. */
static void adversarial_pair_differs(void **state)
{
    (void)state;
    const uint64_t b1 = 0x180000000ull, b2 = 0x180100000ull, t1 = 0x123456789ull;
    const uint64_t t2 = t1 ^ ((b1 ^ b2) >> 20);
    assert_int_not_equal(wst_instance_id(b1, t1), wst_instance_id(b2, t2));
}

/* Any two distinct bases, any two clock readings: distinct instances. The
 * table crosses bases spread over the address space with readings chosen to
 * hit every low and high bit pattern. */
static void loaded_together_differ(void **state)
{
    (void)state;
    static const uint64_t bases[] = {
        0x10000ull, 0x400000ull, 0x10000000ull, 0x10010000ull, 0x10100000ull, 0x7ff00000ull,
        0x7fff0000ull, 0x180000000ull, 0x180010000ull, 0x7ffe00000000ull, 0x7fffffff0000ull,
        0x6fff00000000ull,
    };
    static const uint64_t ticks[] = {
        0, 1, 0xffff, 0x10000, 0x123456789ull, 0xffffffffffffffffull, 0x8000000000000000ull,
        0x00000fffffffffffull, 0x7fffull << 47,
    };
    const size_t nb = sizeof bases / sizeof bases[0], nt = sizeof ticks / sizeof ticks[0];
    for (size_t i = 0; i < nb; i++)
        for (size_t j = 0; j < nb; j++)
            for (size_t a = 0; a < nt; a++)
                for (size_t b = 0; b < nt; b++) {
                    if (i == j)
                        continue;
                    if (wst_instance_id(bases[i], ticks[a]) == wst_instance_id(bases[j], ticks[b]))
                        fail_msg("bases %llx and %llx collide (ticks %llx, %llx)",
                                 (unsigned long long)bases[i], (unsigned long long)bases[j],
                                 (unsigned long long)ticks[a], (unsigned long long)ticks[b]);
                }
}

/* Many modules at consecutive granules, all attached at one clock reading. */
static void dense_bases_differ(void **state)
{
    (void)state;
    uint64_t prev = wst_instance_id(0x10000000ull, 42);
    for (uint64_t k = 1; k < 4096; k++) {
        uint64_t id = wst_instance_id(0x10000000ull + k * GRANULE, 42 + k);
        uint64_t first = wst_instance_id(0x10000000ull, 42);
        assert_int_not_equal(id, prev);
        assert_int_not_equal(id, first);
        prev = id;
    }
}

/* A reload at the same base, after the clock moved by up to 2^32 ticks: a
 * new instance every time. */
static void reload_at_same_base_differs(void **state)
{
    (void)state;
    const uint64_t base = 0x6fff00000000ull;
    const uint64_t t0 = 0x1234567ull;
    for (uint64_t d = 1; d < (1ull << 32); d = d * 3 + 1)
        assert_int_not_equal(wst_instance_id(base, t0), wst_instance_id(base, t0 + d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(adversarial_pair_differs),
        cmocka_unit_test(loaded_together_differ),
        cmocka_unit_test(dense_bases_differ),
        cmocka_unit_test(reload_at_same_base_differs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
