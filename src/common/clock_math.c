/*
 * See clock_math.h. The 128-bit steps are written with 64-bit halves, not
 * unsigned __int128, so that the same code runs on i686, where GCC has no
 * 128-bit integer; only the calibration (once per module) and the inspector
 * call it, so its speed does not matter.
 */
#include "clock_math.h"

#define NS_PER_S 1000000000u

uint64_t wst_clock_mul_div(uint64_t a, uint64_t b, uint64_t c)
{
    if (c == 0)
        return UINT64_MAX;
    /* The product in two 64-bit halves, from four 32 x 32 products. */
    uint64_t al = a & 0xffffffffu, ah = a >> 32, bl = b & 0xffffffffu, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu); /* < 3 * 2^32 */
    uint64_t lo = (mid << 32) | (ll & 0xffffffffu);
    uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    if (hi >= c)
        return UINT64_MAX; /* the quotient needs more than 64 bits */
    /* Long division of hi:lo by c, one bit at a time; hi < c throughout,
     * so the remainder always fits (the shifted-out bit is kept apart). */
    uint64_t q = 0;
    for (int i = 0; i < 64; i++) {
        uint64_t carry = hi >> 63;
        hi = (hi << 1) | (lo >> 63);
        lo <<= 1;
        q <<= 1;
        if (carry || hi >= c) {
            hi -= c;
            q |= 1;
        }
    }
    return q;
}

uint64_t wst_clock_mult(uint64_t hz)
{
    if (hz == 0)
        return 0;
    return ((uint64_t)NS_PER_S << 32) / hz;
}

uint64_t wst_clock_tsc_hz(uint64_t tsc_ticks, uint64_t qpc_ticks, uint64_t qpc_hz)
{
    return wst_clock_mul_div(tsc_ticks, qpc_hz, qpc_ticks);
}
