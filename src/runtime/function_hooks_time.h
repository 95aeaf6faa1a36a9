/*
 * A timed frame's time, for the timed hooks (function_hooks.c, built with
 * WST_FN_TIMED 1): the frames' clocks (the TSC, or QueryPerformanceCounter
 * until the module calibrated it), and recording a popped frame's inclusive
 * and self time into the thread's own cells. Inline in the hooks' hot path,
 * with its slow paths beside it. Included by function_hooks.c only, after
 * function_hooks_count.h. Same threads and rules as the hooks: any thread,
 * no lock, no allocation, the last-error value kept.
 */
#ifndef WST_FUNCTION_HOOKS_TIME_H
#define WST_FUNCTION_HOOKS_TIME_H

#include <stdint.h>

#include "clock.h"
#include "function_hooks_count.h"
#include "function_table.h"
#include "winstrument/probe_abi.h"

/* ------------------------------------------------------------------------ */
/* Time                                                                     */
/* ------------------------------------------------------------------------ */

static void SLOW add_time_slow(uint32_t slot, uint64_t incl_ns, uint64_t self_ns)
{
#if defined(__x86_64__)
    wst_fn_add_slow_(slot, 1, incl_ns, self_ns);
#else
    unsigned s = wst_stripe_index_();
    __atomic_fetch_add(&wst_fn_table_.time_ns[s][slot], incl_ns, __ATOMIC_RELAXED);
    __atomic_fetch_add(&wst_fn_table_.self_ns[s][slot], self_ns, __ATOMIC_RELAXED);
#endif
}

#if defined(__x86_64__)
/* The thread's own cell of slot in a cell array (calls, time_ns or
 * self_ns), from its cached stripe offset (t->cells, not 0). */
#define OWN_CELL(array, cells, slot)                                                       \
    ((uint64_t *)((char *)&wst_fn_table_.array[0][0] + (cells)) + (slot))

/* t->cells for the calling thread: its stripe's offset once it owns one,
 * else 0 (the counters' slot says so: src/runtime/stripes.c). */
static uint32_t SLOW own_cells(void)
{
    uint64_t at = wst_stripe_slot_read_();
    if (at - 2u * WST_LINE <= (WST_STRIPES - 2u) * WST_LINE)
        return (uint32_t)((at / WST_LINE) - 1u) * WST_FN_CAPACITY * (uint32_t)sizeof(uint64_t);
    return 0;
}
#endif

static __inline__ __attribute__((always_inline)) void add_time(const struct wst_fn_thread *t,
                                                              uint32_t slot, uint64_t incl_ns,
                                                              uint64_t self_ns)
{
#if defined(__x86_64__)
    uint32_t cells = t->cells;
    if (__builtin_expect(cells != 0, 1)) {
        /* Only this thread writes its own stripe: plain adds are exact. */
        __asm__ volatile("addq %1, %0" : "+m"(*OWN_CELL(time_ns, cells, slot)) : "r"(incl_ns));
        __asm__ volatile("addq %1, %0" : "+m"(*OWN_CELL(self_ns, cells, slot)) : "r"(self_ns));
        return;
    }
#else
    (void)t;
#endif
    add_time_slow(slot, incl_ns, self_ns);
}

/* ------------------------------------------------------------------------ */
/* The frames' clocks                                                       */

/* Frame i of a thread is timed with the TSC when i >= t->tsc_from, with
 * QueryPerformanceCounter below (function_table.h): each frame subtracts two
 * readings of one clock, and a thread moves to the TSC at its first entry
 * after the calibration, whatever frames are open (their callers, timed
 * with QPC, stay on it until they return). The fallback also moves the
 * calibration on. */
static __inline__ __attribute__((always_inline)) int on_tsc(const struct wst_fn_thread *t,
                                                            uint32_t i)
{
    return i >= t->tsc_from;
}

static uint64_t SLOW read_qpc(void)
{
    uint64_t qpc_mult;
    return wst_clock_fallback_(&qpc_mult);
}

static __inline__ __attribute__((always_inline)) uint64_t read_clock(const struct wst_fn_thread *t,
                                                                    uint32_t i)
{
    if (__builtin_expect(on_tsc(t, i), 1))
        return wst_clock_tsc_();
    return read_qpc();
}

/* An entry at depth d of a thread still timing with QPC there: from here
 * on the TSC, once the module calibrated it (no frame at or above d is open,
 * so lowering tsc_from to d changes no open frame's clock). */
static __inline__ __attribute__((always_inline)) void maybe_tsc(struct wst_fn_thread *t,
                                                                uint32_t d)
{
    if (d < t->tsc_from) {
        uint64_t mult = __atomic_load_n(&wst_clock_tsc_mult_, __ATOMIC_RELAXED);
        if (mult != 0) {
            t->mult = mult;
            t->tsc_from = d;
        }
    }
}

/* Records and pops the frame at depth d (index d - 1), the exiting
 * function's, given a reading `now` of that frame's clock. */
static __inline__ __attribute__((always_inline)) void record(struct wst_fn_thread *t, uint32_t d,
                                                            uint64_t now, uint64_t mult)
{
    struct wst_fn_frame *f = &t->frames[d - 1u];
    /* The clock only goes forward; the guards keep a bad reading from
     * becoming a huge duration. */
    uint64_t incl = now >= f->start ? now - f->start : 0;
    /* In ns before the subtraction, and a caller's children in ns too: the
     * conversion rounds down, so converting ticks of self time separately
     * could make a caller's time differ from its self time plus its
     * callees' by a nanosecond; this way the sum is exact. */
    uint64_t incl_ns = wst_clock_ns_(incl, mult);
    /* Never less than its callees' sum, which only rounding can cause (a
     * caller on QPC's 100 ns ticks whose callees ran on the TSC): then
     * raised to it, its self time 0, and the sum stays exact. */
    if (incl_ns < f->child)
        incl_ns = f->child;
    uint64_t self_ns = incl_ns - f->child;
    t->depth = d - 1u;
    if (d > 1u)
        f[-1].child += incl_ns;
    if (f->slot != WST_FN_NO_SLOT)
        add_time(t, f->slot, incl_ns, self_ns);
}

/* record() off the fast path: `now` was read with the clock of the frame
 * that was on top (now_tsc), which may not be this frame's. */
static void SLOW pop_and_record(struct wst_fn_thread *t, uint32_t d, uint64_t now, int now_tsc)
{
    int tsc = on_tsc(t, d - 1u);
    if (tsc != now_tsc)
        now = read_clock(t, d - 1u);
    record(t, d, now, tsc ? t->mult : wst_clock_qpc_mult());
}

#endif
