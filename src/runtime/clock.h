/*
 * The time scopes' clock (clock.c): QueryPerformanceCounter's factor, and
 * the calibration of the TSC against it, which time scopes move on from
 * their fallback path (wst_clock_fallback_, also in clock.c). What scopes
 * call inline is declared in winstrument/probe_abi.h; this is the rest.
 */
#ifndef WST_CLOCK_H
#define WST_CLOCK_H

#include <stdint.h>

/* QueryPerformanceCounter's factor (winstrument/probe_abi.h, wst_clock_ns_). */
uint64_t wst_clock_qpc_mult(void);

/* One step of the calibration, given a QueryPerformanceCounter reading
 * just taken: anchors it on the first call, completes it once enough time
 * has passed since. Returns at once when another thread is in a step. */
void wst_clock_calibrate_step(uint64_t qpc_now);

#endif
