/*
 * The runtime's function table (function_table.c) as the hooks
 * (function_hooks.c) see it: the table object, the slot lookup that the hot
 * path inlines, the per-thread shadow stack of the timed hooks, and the slow
 * paths. Not an ABI: the layout the inspector reads is
 * include/winstrument/function_table.h.
 */
#ifndef WST_FUNCTION_TABLE_H
#define WST_FUNCTION_TABLE_H

#include <stdint.h>

#include "winstrument/function_table.h"
#include "winstrument/probe_abi.h"

/* The module's table (.bss); its header is filled at process attach. */
extern struct wst_fn_table wst_fn_table_;

#define WST_FN_NO_SLOT 0xffffffffu

/* A function's slot, or WST_FN_NO_SLOT when it has none yet (or the
 * table overflowed): then the caller takes wst_fn_slot_slow_. */
static __inline__ __attribute__((always_inline)) uint32_t wst_fn_slot_(uint32_t rva)
{
    /* Fibonacci hashing: RVAs of nearby functions differ in their low bits,
     * which the multiply spreads over the bits the shift keeps. */
    uint32_t i = (rva * 0x9e3779b1u) >> (32u - 12u);
    for (unsigned n = 0; n < WST_FN_MAX_PROBE; n++) {
        uint32_t k = __atomic_load_n(&wst_fn_table_.keys[i], __ATOMIC_RELAXED);
        if (__builtin_expect(k == rva, 1))
            return i;
        if (k == 0)
            return WST_FN_NO_SLOT;
        i = (i + 1u) & (WST_FN_CAPACITY - 1u);
    }
    return WST_FN_NO_SLOT;
}
_Static_assert(WST_FN_CAPACITY == 1u << 12, "wst_fn_slot_ shifts for 4096 slots");

/* Inserts the function, or counts an overflow call and returns
 * WST_FN_NO_SLOT. Any thread; lock-free (a compare-exchange per key). */
uint32_t wst_fn_slot_slow_(uint32_t rva);

/* ---- the timed hooks' per-thread state --------------------------------- */

/* One instrumented frame of a thread. Only integers: nothing here points
 * into the module (docs/functions.md, "Unload").
 *
 * (key, call_site) names the physical activation the frame belongs to: an
 * inlined copy's hooks run at its containing function's stack pointer and
 * get that function's return address as their call_site, so the copies
 * inlined into one activation share its key and site. The enter hook's own
 * return address tells a new activation from the same call instruction
 * (after a longjmp) from an inlined copy: within one activation, one hook
 * call instruction is never open twice (docs/functions.md, "Frames"). */
struct wst_fn_frame {
    uint64_t start; /* clock ticks at entry */
    uint64_t child; /* ns spent in instrumented callees (converted as each returns) */
    uintptr_t key;  /* the instrumented function's stack pointer at its hook call */
    uint32_t rva;
    uint32_t slot; /* or WST_FN_NO_SLOT */
    /* Low 32 bits: call_site as an RVA of this module, truncated (the caller
     * may be another module; two sites at one key whose difference is a
     * multiple of 4 GiB would be taken for one). High 32 bits: the RVA the
     * enter hook returned to, the end of its call instruction. One word, so
     * that the hooks' slow path still takes four arguments (registers on
     * x86_64, reached by a jump). */
    uint64_t origin;
};

struct wst_fn_thread {
    uint32_t depth;   /* frames in use */
    uint32_t skipped; /* frames entered while the stack was full, not in frames[] */
    /* The clock of each frame: frames[i] was timed with the TSC when
     * i >= tsc_from, with QueryPerformanceCounter below (so a thread moves
     * to the TSC at any entry once it is calibrated, under open frames too,
     * and each frame still subtracts readings of one clock). Starts at
     * WST_FN_QPC_ONLY; only lowered, to the depth of an entry that found
     * the TSC calibrated. */
    uint32_t tsc_from;
    /* The byte offset of the thread's own stripe's cells from a cell array's
     * start (s * WST_FN_CAPACITY * 8, s from 1), once the thread owns one;
     * 0 until then. The owner keeps its stripe until its thread detach:
     * the runtime's TLS callback releases the stripe, and the hooks' one,
     * which runs right after it, releases this state, so no hook uses the
     * offset after the stripe is free. */
    uint32_t cells;
    uintptr_t skipped_key; /* the key of the outermost of those */
    uint64_t mult;         /* the TSC's ticks-to-ns factor (clock_math.h), once tsc_from is */
    struct wst_fn_thread *next, *prev; /* every live thread's state; under the list lock */
    struct wst_fn_frame frames[WST_FN_STACK_DEPTH];
};

/* tsc_from of a thread with no frame timed by the TSC yet. */
#define WST_FN_QPC_ONLY 0xffffffffu

/* Values of the thread's slot that are not a state: */
#define WST_FN_THREAD_NONE ((uintptr_t)0)     /* no timed hook ran on it yet */
#define WST_FN_THREAD_RELEASED ((uintptr_t)1) /* past its DLL_THREAD_DETACH: never again */

/* The TEB offset of the module's shadow-stack slot (as for stripes:
 * below WST_TLS_EXPANSION_TAG a TlsSlots offset, from it an offset in the
 * expansion array), 0 when there is none. Written at attach and unload. */
extern uint32_t wst_fn_thread_slot_offset_;

/* The calling thread's state, a value above WST_FN_THREAD_RELEASED, or one of
 * the two values. Any thread; never blocks. */
static __inline__ __attribute__((always_inline)) uintptr_t wst_fn_thread_read_(void)
{
    uintptr_t v = 0;
    uint32_t offset = wst_fn_thread_slot_offset_;
#if defined(__x86_64__)
    if (__builtin_expect(offset - 1u < WST_TLS_EXPANSION_TAG - 1u, 1)) {
        __asm__ volatile("movq %%gs:(%q1), %0" : "=r"(v) : "r"((uint64_t)offset));
    } else if (offset != 0) {
        const char *slots;
        __asm__ volatile("movq %%gs:%c1, %0" : "=r"(slots) : "i"(WST_TEB_TLS_EXPANSION_SLOTS));
        if (slots != 0)
            v = *(const volatile uintptr_t *)(slots + (offset - WST_TLS_EXPANSION_TAG));
    }
#else
    if (__builtin_expect(offset - 1u < WST_TLS_EXPANSION_TAG - 1u, 1)) {
        __asm__ volatile("movl %%fs:(%1), %0" : "=r"(v) : "r"(offset));
    } else if (offset != 0) {
        const char *slots;
        __asm__ volatile("movl %%fs:0xf94, %0" : "=r"(slots)); /* TlsExpansionSlots */
        if (slots != 0)
            v = *(const volatile uintptr_t *)(slots + (offset - WST_TLS_EXPANSION_TAG));
    }
#endif
    return v;
}

/* The calling thread's state, allocated on its first timed hook; NULL when
 * it cannot have one (past its thread detach, no TLS slot, no memory).
 * Any thread, maybe under the loader lock; allocates, never waits for
 * anything but the short list lock. */
struct wst_fn_thread *wst_fn_thread_slow_(void);

/* ---- the cells --------------------------------------------------------- */

/* Adds to the cells of a thread that owns no stripe (stripe 0, atomically),
 * or whose stripe slot is not set yet (claims one). `time` says whether
 * incl/self are added. Any thread; keeps the last-error value. */
void wst_fn_add_slow_(uint32_t slot, int time, uint64_t incl_ns, uint64_t self_ns);

/* Adds n to one of the header's run-time counts, atomically. */
void wst_fn_note_(uint64_t *field, uint64_t n);

/* Process attach, thread detach and unload, from the hooks' TLS callback,
 * with the hooks variant's flags (WST_FN_FLAG_TIMED or 0). */
void wst_fn_on_loader_event(void *module, unsigned long reason, void *reserved, uint32_t flags);

#endif
