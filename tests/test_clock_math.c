/*
 * Unit tests of the time scopes' clock arithmetic: src/common/clock_math.c
 * (the 128-bit multiply-divide, the factor of a clock rate, the TSC's rate
 * from two readings) and the inline conversion of ticks to nanoseconds in
 * winstrument/probe_abi.h, both its x86_64 form (a 128-bit product) and the
 * 32-bit-halves form i686 uses. Every result is checked against GCC's
 * unsigned __int128, over clock rates from 1 Hz to 100 GHz and tick counts
 * from 0 to UINT64_MAX. Single-threaded; reads no clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clock_math.h"
#include "winstrument/probe_abi.h"
#include "test_random.h"

typedef unsigned __int128 u128;

static uint64_t rng_state = 0x2545f4914f6cdd1du;

/* A random value of random magnitude: every bit length is as likely. */
static uint64_t random_magnitude(void)
{
    unsigned bits = (unsigned)(wst_test_random(&rng_state) % 65u);
    return bits == 0 ? 0 : wst_test_random(&rng_state) >> (64u - bits);
}

static uint64_t ref_mul_div(uint64_t a, uint64_t b, uint64_t c)
{
    if (c == 0)
        return UINT64_MAX;
    u128 q = (u128)a * b / c;
    return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

static uint64_t ref_ns(uint64_t ticks, uint64_t mult)
{
    u128 r = ((u128)ticks * mult) >> 32;
    return r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
}

static const uint64_t rates[] = {
    1u,          2u,          1000u,       32768u,      1193182u,    3579545u,
    10000000u,   14318180u,   24000000u,   1000000000u, 2596144000u, 2999999999u,
    3000000000u, 4294967296u, 5000000000u, 100000000000u,
};

static const uint64_t edge_ticks[] = {
    0u, 1u, 2u, 99u, 0xffffffffu, 0x100000000u, 0x100000001u, 0x7fffffffffffffffu,
    0x8000000000000000u, 0xfffffffffffffffeu, UINT64_MAX,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void mul_div_matches_128_bit_math(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(edge_ticks); i++)
        for (size_t j = 0; j < COUNT(edge_ticks); j++)
            for (size_t k = 0; k < COUNT(edge_ticks); k++) {
                uint64_t a = edge_ticks[i], b = edge_ticks[j], c = edge_ticks[k];
                assert_true(wst_clock_mul_div(a, b, c) == ref_mul_div(a, b, c));
            }
    for (int n = 0; n < 200000; n++) {
        uint64_t a = random_magnitude(), b = random_magnitude(), c = random_magnitude();
        assert_true(wst_clock_mul_div(a, b, c) == ref_mul_div(a, b, c));
    }
}

static void mult_is_the_floor_of_ns_per_tick(void **state)
{
    (void)state;
    assert_true(wst_clock_mult(0) == 0);
    assert_true(wst_clock_mult(1) == (uint64_t)1000000000u << 32);
    /* Windows 10+ and Wine: 10 MHz, exactly 100 ns a tick. */
    assert_true(wst_clock_mult(10000000u) == (uint64_t)100u << 32);
    assert_true(wst_clock_mult(1000000000u) == (uint64_t)1u << 32);
    for (size_t i = 0; i < COUNT(rates); i++) {
        u128 exact = ((u128)1000000000u << 32) / rates[i];
        assert_true(wst_clock_mult(rates[i]) == (uint64_t)exact);
    }
}

/* Both forms of the conversion against the 128-bit reference, and against
 * the true ticks * 10^9 / hz: never above it, and below it by at most
 * ticks / 2^32 + 1 ns (mult is a floor). */
static void check_conversion(uint64_t ticks, uint64_t hz)
{
    uint64_t mult = wst_clock_mult(hz), want = ref_ns(ticks, mult);
    assert_true(wst_clock_ns_(ticks, mult) == want);
    assert_true(wst_clock_ns_portable_(ticks, mult) == want);
    u128 truth = (u128)ticks * 1000000000u / hz;
    if (truth <= UINT64_MAX) {
        assert_true(want <= truth);
        assert_true(truth - want <= (ticks >> 32) + 1u);
    } else {
        assert_true(want == UINT64_MAX); /* saturates, never wraps */
    }
}

static void ticks_to_ns_is_exact_fixed_point(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(rates); i++) {
        for (size_t t = 0; t < COUNT(edge_ticks); t++)
            check_conversion(edge_ticks[t], rates[i]);
        for (int n = 0; n < 20000; n++)
            check_conversion(random_magnitude(), rates[i]);
    }
    /* 0 ticks is 0 ns whatever the factor; a factor of 0 (no clock) too. */
    assert_true(wst_clock_ns_(0, UINT64_MAX) == 0);
    assert_true(wst_clock_ns_portable_(0, UINT64_MAX) == 0);
    assert_true(wst_clock_ns_(UINT64_MAX, 0) == 0);
    /* At 10 MHz a tick is exactly 100 ns, to the end of the range. */
    assert_true(wst_clock_ns_(184467440737095516u, (uint64_t)100u << 32) ==
                18446744073709551600u);
    /* Random factors too, including ones no rate gives. */
    for (int n = 0; n < 200000; n++) {
        uint64_t ticks = random_magnitude(), mult = random_magnitude();
        assert_true(wst_clock_ns_(ticks, mult) == ref_ns(ticks, mult));
        assert_true(wst_clock_ns_portable_(ticks, mult) == ref_ns(ticks, mult));
    }
}

static void tsc_rate_from_two_readings(void **state)
{
    (void)state;
    /* 10 ms of a 10 MHz QPC, 25,961,440 TSC ticks: 2.596144 GHz. */
    assert_true(wst_clock_tsc_hz(25961440u, 100000u, 10000000u) == 2596144000u);
    /* An hour of a 5 GHz TSC: the product (1.8e13 * 1e7) needs 128 bits. */
    assert_true(wst_clock_tsc_hz(18000000000000u, 36000000000u, 10000000u) == 5000000000u);
    assert_true(wst_clock_tsc_hz(1u, 0u, 10000000u) == UINT64_MAX); /* no interval */
    /* Calibrated and converted back: a second of TSC ticks is 10^9 ns to
     * within the floor's one part in 2^32. */
    uint64_t hz = wst_clock_tsc_hz(25961440u, 100000u, 10000000u);
    uint64_t ns = wst_clock_ns_(hz, wst_clock_mult(hz));
    assert_true(ns <= 1000000000u && ns >= 999999999u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mul_div_matches_128_bit_math),
        cmocka_unit_test(mult_is_the_floor_of_ns_per_tick),
        cmocka_unit_test(ticks_to_ns_is_exact_fixed_point),
        cmocka_unit_test(tsc_rate_from_two_readings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
