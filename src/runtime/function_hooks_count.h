/*
 * Counting one call of an instrumented function, for both hooks variants
 * (function_hooks.c, built with WST_FN_TIMED 0 or 1): inline in the hooks'
 * hot path, with its slow path beside it. Included by function_hooks.c only
 * (and by its mutant through it). Same threads and rules as the hooks: any
 * thread, no lock, no allocation, the last-error value kept.
 */
#ifndef WST_FUNCTION_HOOKS_COUNT_H
#define WST_FUNCTION_HOOKS_COUNT_H

#include <windows.h>

#include <stdint.h>

#include "function_table.h"
#include "winstrument/probe_abi.h"

#define SLOW __attribute__((no_instrument_function, noinline, cold))

extern IMAGE_DOS_HEADER __ImageBase;

static __inline__ __attribute__((always_inline)) uint32_t rva_of(void *fn)
{
    return (uint32_t)((uintptr_t)fn - (uintptr_t)&__ImageBase);
}

/* ------------------------------------------------------------------------ */
/* Counting a call                                                          */
/* ------------------------------------------------------------------------ */

/* A call of a function without a slot yet (its first call, or the table is
 * full: then the overflow is counted and the slot stays WST_FN_NO_SLOT). */
static uint32_t SLOW count_slow(uint32_t rva, uint32_t slot)
{
    if (slot == WST_FN_NO_SLOT) {
        DWORD last_error = GetLastError();
        slot = wst_fn_slot_slow_(rva);
        SetLastError(last_error);
        if (slot == WST_FN_NO_SLOT)
            return slot;
    }
#if defined(__x86_64__)
    wst_fn_add_slow_(slot, 0, 0, 0);
#else
    __atomic_fetch_add(&wst_fn_table_.calls[wst_stripe_index_()][slot], 1, __ATOMIC_RELAXED);
    if (!wst_runtime_hit_seen_)
        wst_runtime_first_hit_();
#endif
    return slot;
}

/* Counts one call; returns the function's slot (or WST_FN_NO_SLOT). */
static __inline__ __attribute__((always_inline)) uint32_t count_call(uint32_t rva)
{
    uint32_t slot = wst_fn_slot_(rva);
#if defined(__x86_64__)
    uint64_t at = wst_stripe_slot_read_();
    if (__builtin_expect(
            slot != WST_FN_NO_SLOT && at - 2u * WST_LINE <= (WST_STRIPES - 2u) * WST_LINE, 1)) {
        /* The thread's own stripe (at = WST_LINE * (1 + s)): only it writes
         * there, so a plain add is exact, and an aligned 8-byte store is
         * never seen torn. */
        uint64_t *cell = &wst_fn_table_.calls[(at / WST_LINE) - 1u][slot];
        __asm__ volatile("addq $1, %0" : "+m"(*cell));
        return slot;
    }
#else
    if (__builtin_expect(slot != WST_FN_NO_SLOT && wst_runtime_hit_seen_, 1)) {
        __atomic_fetch_add(&wst_fn_table_.calls[wst_stripe_index_()][slot], 1, __ATOMIC_RELAXED);
        return slot;
    }
#endif
    return count_slow(rva, slot);
}

#endif
