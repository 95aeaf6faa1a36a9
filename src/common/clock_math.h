/*
 * The arithmetic of the time scopes' clock (docs/region.md, "Clock"): the
 * TSC's rate from two (TSC, QueryPerformanceCounter) pairs, and the
 * fixed-point factor that turns ticks of a clock of a given rate into
 * nanoseconds (the conversion itself is inline, wst_clock_ns_ in
 * winstrument/probe_abi.h, because every time scope runs it).
 * Platform-free: the runtime's calibration, the inspector and the unit tests
 * build it. No state, no allocation, no floating point; safe from any thread.
 */
#ifndef WST_CLOCK_MATH_H
#define WST_CLOCK_MATH_H

#include <stdint.h>

/* floor(a * b / c), computed without overflow in 128 bits; UINT64_MAX when
 * the quotient does not fit in 64 bits or c is 0. */
uint64_t wst_clock_mul_div(uint64_t a, uint64_t b, uint64_t c);

/* The factor of a clock of `hz` ticks per second: floor(10^9 * 2^32 / hz),
 * nanoseconds per tick in units of 2^-32 ns. 0 when hz is 0. Fits 64 bits
 * for every hz >= 1 (10^9 * 2^32 < 2^62). */
uint64_t wst_clock_mult(uint64_t hz);

/* The TSC's rate: floor(tsc_ticks * qpc_hz / qpc_ticks), the TSC ticks that
 * passed while QueryPerformanceCounter (of qpc_hz) advanced by qpc_ticks. */
uint64_t wst_clock_tsc_hz(uint64_t tsc_ticks, uint64_t qpc_ticks, uint64_t qpc_hz);

#endif
