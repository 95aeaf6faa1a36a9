/*
 * See instance_id.h.
 *
 * Two images loaded at the same time never share a base, and every base is a
 * multiple of the 64 KiB allocation granularity below 2^47 (2^32 on i686).
 * So the base keeps bits 16..46 of the instance to itself, which makes the
 * instances of modules loaded together distinct whatever the clock says. The
 * clock fills the 33 bits the base leaves free (0..15 and 47..63): a module
 * reloaded at the same base gets another instance unless the clock moved by
 * a multiple of 2^33 ticks exactly (about 14 minutes at Wine's 10 MHz).
 */
#include "instance_id.h"

#define BASE_BITS 0x00007fffffff0000ull

uint64_t wst_instance_id(uint64_t base, uint64_t ticks)
{
    uint64_t low = ticks & 0xffffull;
    uint64_t high = (ticks >> 16) << 47;
    return (base & BASE_BITS) | low | high;
}
