/*
 * GCC's function instrumentation hooks (-finstrument-functions calls
 * __cyg_profile_func_enter at every instrumented function's entry and
 * __cyg_profile_func_exit at its exit): the hot path of
 * `wst-cc --wst-functions`. Built twice (src/runtime/module.mk):
 *   WST_FN_TIMED=1  libwinstrument-functions.a: calls, inclusive and self time;
 *   WST_FN_TIMED=0  libwinstrument-calls.a: calls only; the exit hook is empty
 *                   and nothing reads the clock.
 * Each module links its own copy, with its own table (function_table.c):
 * the function's key is its RVA in this module (__ImageBase).
 *
 * Threads: every thread that runs instrumented code, maybe under the loader
 * lock. The hot path takes no lock, allocates nothing and makes no call (the
 * TSC is read inline): a hash probe, one TEB read (calls only: the
 * counters' stripe slot; timed: the shadow stack's slot, whose state keeps
 * the thread's stripe) and plain adds to the calling thread's own stripe.
 * A thread's first call, a function's first call, threads without a stripe
 * and frames timed with QueryPerformanceCounter take the slow paths.
 * Never instrumented itself (the runtime is built without the flag; the
 * attribute says so again), and never changes the last-error value.
 *
 * The timed hooks keep a shadow stack per thread. Frames that leave without
 * their exit hook (longjmp, SEH unwinding through C frames) are found by
 * the stack address recorded at entry: the stack grows down, so a frame whose
 * recorded address is below the current function's cannot be live. A frame
 * at the same address is either an inlined copy's in the same activation
 * (GCC keeps the hooks of inlined copies, and they run at their containing
 * function's stack pointer) or left over from another activation: the
 * call_site and the enter hook's own return address, recorded too, tell
 * which. C++ exceptions run the exit hooks as they unwind (GCC wraps the
 * body in a cleanup), so they need no repair. docs/functions.md has the
 * rules.
 */
#include <windows.h>

#include <stdint.h>

#include "clock.h"
#include "function_hooks_count.h"
#include "function_table.h"
#include "winstrument/probe_abi.h"

#ifndef WST_FN_TIMED
#error "build with -DWST_FN_TIMED=0 or 1"
#endif

/* The test seam of the mutant wine-tests/mutants/function_hooks_no_repair.c,
 * which builds this file with 0 here: the frames' stack addresses are then
 * never used to drop frames, and functions-unwind must fail. */
#ifndef WST_FN_REPAIR_BY_ADDRESS
#define WST_FN_REPAIR_BY_ADDRESS 1
#endif

/* The test seam of the mutant wine-tests/mutants/function_hooks_key_only.c,
 * which builds this file with 0 here: frames are then told apart by their
 * stack address alone, as before inlined copies were, so an inlined copy's
 * entry drops its containing function's frame as abandoned, and
 * functions-inline must fail. */
#ifndef WST_FN_MATCH_ACTIVATION
#define WST_FN_MATCH_ACTIVATION 1
#endif

#define HOOK __attribute__((no_instrument_function, noinline, used))

/* The table's loader entry point lives with the hooks, not in the table, so
 * that the table names nothing of the variant linked in: this callback hands
 * it the variant's flags. It runs after the runtime's own callback (.CRT$XLW;
 * this one is .CRT$XLX), so the lifecycle has chosen the mode before the table
 * is published; tls_hook.c already makes the linker emit the TLS directory.
 * Runs under the loader lock and only dispatches. */
static void NTAPI SLOW tls_callback(PVOID module, DWORD reason, PVOID reserved)
{
    wst_fn_on_loader_event(module, reason, reserved, WST_FN_TIMED ? WST_FN_FLAG_TIMED : 0u);
}
__attribute__((section(".CRT$XLX"), used)) const PIMAGE_TLS_CALLBACK wst_fn_tls_callback_ptr_ =
    tls_callback;

void __cyg_profile_func_enter(void *fn, void *call_site) HOOK;
void __cyg_profile_func_exit(void *fn, void *call_site) HOOK;

#if !WST_FN_TIMED

void __cyg_profile_func_enter(void *fn, void *call_site)
{
    (void)call_site;
    count_call(rva_of(fn));
}

void __cyg_profile_func_exit(void *fn, void *call_site)
{
    (void)fn;
    (void)call_site;
}

#else

#include "function_hooks_time.h"

/* ------------------------------------------------------------------------ */
/* The shadow stack's repairs                                               */
/* ------------------------------------------------------------------------ */

/* Frames the stack lost track of, dropped (their time is not recorded). */
static void SLOW drop(uint64_t n)
{
    if (n != 0)
        wst_fn_note_(&wst_fn_table_.header.unwound_frames, n);
}

/* A frame's origin (function_table.h): the call_site, the low half, and
 * the enter hook's return address, the high half, both as RVAs. */
static __inline__ __attribute__((always_inline)) uint64_t origin_of(void *call_site, void *hook)
{
    return rva_of(call_site) | (uint64_t)rva_of(hook) << 32;
}

/* Whether frame f and an entry of origin `origin` at f's stack address have
 * the same call_site, so belong to one activation. */
static __inline__ __attribute__((always_inline)) int same_site(const struct wst_fn_frame *f,
                                                               uint64_t origin)
{
    return (uint32_t)(f->origin ^ origin) == 0;
}

/* Whether an entry at (key, origin) goes right on top of the thread's d
 * frames, decided from the top two: the top frame is a live caller's (its
 * stack address is above this one's: a physical call), or it is alone at
 * this address and of this activation, entered through another hook call
 * (an inlined copy in it). Anything else is for enter_slow. */
static __inline__ __attribute__((always_inline)) int
goes_on_top(const struct wst_fn_thread *t, uint32_t d, uintptr_t key, uint64_t origin)
{
    if (d == 0)
        return 1;
    const struct wst_fn_frame *f = &t->frames[d - 1u];
    if (__builtin_expect(f->key > key, 1))
        return 1;
#if WST_FN_MATCH_ACTIVATION
    return f->key == key && same_site(f, origin) && f->origin != origin &&
           (d == 1 || f[-1].key > key);
#else
    (void)origin;
    return 0;
#endif
}

/* The depth of the thread's frames that can still be live at an entry at
 * (key, origin); those above it were abandoned (longjmp, SEH).
 * - A frame recorded below this entry's stack address: its function left.
 * - A frame at this address whose site differs: another activation, from
 *   another call instruction at the same stack pointer, which left.
 * - Frames at this address and site are this activation's, its inlined
 *   copies among them, unless one of them was entered through this very
 *   hook call: one hook call instruction is never open twice within one
 *   activation (a loop closes it before it runs again, and recursion needs
 *   a physical call, which moves the stack pointer). Then this entry is a
 *   new activation from the same call instruction after a longjmp, and
 *   that frame and those above it are left over from the abandoned one. */
static uint32_t SLOW live_depth(const struct wst_fn_thread *t, uintptr_t key, uint64_t origin)
{
    uint32_t d = t->depth;
    if (!WST_FN_REPAIR_BY_ADDRESS)
        return d;
    while (d > 0 && t->frames[d - 1u].key <= key) {
        const struct wst_fn_frame *f = &t->frames[d - 1u];
        if (WST_FN_MATCH_ACTIVATION && f->key == key && same_site(f, origin))
            break;
        d--;
    }
    for (uint32_t i = d; WST_FN_MATCH_ACTIVATION && i > 0; i--) {
        const struct wst_fn_frame *f = &t->frames[i - 1u];
        if (f->key != key || !same_site(f, origin))
            break;
        if (f->origin == origin) /* the same hook call too */
            return i - 1u;
    }
    return d;
}

/* An entry that the fast path did not take, whole: it counts the call
 * (a function's first call, a thread without a stripe of its own yet) and
 * pushes the frame (no state yet, a full stack, frames on top whose
 * functions left without their exit hook, inlined copies nested two deep
 * or more, a thread still on QPC). */
static void SLOW enter_slow(uintptr_t held, uint32_t rva, uintptr_t key, uint64_t origin)
{
    uint32_t slot = count_call(rva);
    struct wst_fn_thread *t = (struct wst_fn_thread *)held;
    if (held <= WST_FN_THREAD_RELEASED)
        t = held == WST_FN_THREAD_NONE ? wst_fn_thread_slow_() : NULL;
    if (t == NULL) {
        wst_fn_note_(&wst_fn_table_.header.untimed_calls, 1);
        return;
    }
#if defined(__x86_64__)
    if (t->cells == 0)
        t->cells = own_cells();
#endif
    if (t->skipped != 0) {
        if (key <= t->skipped_key) {
            /* Still deeper than the full stack's last frame. */
            t->skipped++;
            wst_fn_note_(&wst_fn_table_.header.untimed_calls, 1);
            return;
        }
        drop(t->skipped); /* above the outermost skipped frame: they are gone */
        t->skipped = 0;
    }
    uint32_t d = live_depth(t, key, origin);
    drop(t->depth - d);
    t->depth = d;
    if (d == WST_FN_STACK_DEPTH) {
        t->skipped = 1;
        t->skipped_key = key;
        wst_fn_note_(&wst_fn_table_.header.untimed_calls, 1);
        return;
    }
    struct wst_fn_frame *f = &t->frames[d];
    f->key = key;
    f->rva = rva;
    f->slot = slot;
    f->origin = origin;
    f->child = 0;
    maybe_tsc(t, d);
    t->depth = d + 1u;
    f->start = read_clock(t, d);
}

/* An exit hook that the function reached by a jump after its epilogue (a
 * sibling call: wst-cc prevents it, a user's own -foptimize-sibling-calls
 * may not): the hook's stack address is then the function's caller's, above
 * the function's own frame. Every frame below it is gone but the function's
 * own, which is the outermost of them. */
static void SLOW exit_tail(struct wst_fn_thread *t, uint32_t rva, uintptr_t key, uint64_t now,
                           int now_tsc)
{
    uint32_t d = t->depth, gone = 0;
    while (d > 1 && t->frames[d - 2u].key < key) {
        d--;
        gone++;
    }
    drop(gone);
    if (d > 0 && t->frames[d - 1u].key < key && t->frames[d - 1u].rva == rva) {
        pop_and_record(t, d, now, now_tsc);
        return;
    }
    t->depth = d;
    wst_fn_note_(&wst_fn_table_.header.unmatched_exits, 1);
}

/* exit_slow's last argument: the function's RVA, and two flags above it
 * (four arguments fit the registers of both calling conventions' fast
 * path, so that the hooks reach it by a jump and keep no frame). */
#define EXIT_NOW_TSC ((uint64_t)1 << 32) /* `now` was read with the TSC, else QPC */
#define EXIT_TAIL ((uint64_t)1 << 33)    /* the hook was reached by a jump */

static void SLOW exit_slow(struct wst_fn_thread *t, uintptr_t key, uint64_t now, uint64_t how)
{
    uint32_t rva = (uint32_t)how;
    int now_tsc = (how & EXIT_NOW_TSC) != 0, tail = (how & EXIT_TAIL) != 0;
#if defined(__x86_64__)
    if (t->cells == 0)
        t->cells = own_cells();
#endif
    if (tail && t->skipped == 0) {
        exit_tail(t, rva, key, now, now_tsc);
        return;
    }
    if (t->skipped != 0) {
        if (key <= t->skipped_key) {
            t->skipped--; /* one of the frames the full stack did not hold */
            return;
        }
        drop(t->skipped);
        t->skipped = 0;
    }
    uint32_t d = t->depth, gone = 0;
    /* Below this function's stack address: left without their exit hook. */
    while (WST_FN_REPAIR_BY_ADDRESS && d > 0 && t->frames[d - 1u].key < key) {
        d--;
        gone++;
    }
    /* Its own frame may sit under frames that did not leave through their
     * exit hook but whose addresses are above this one's (an alloca after
     * a longjmp moved this function's stack pointer down). */
    uint32_t own = d;
    while (own > 0 && t->frames[own - 1u].rva != rva)
        own--;
    if (own == 0) {
        /* No frame of this function: entered before the thread's state
         * existed, or not pushed. Drop nothing more. */
        t->depth = d;
        drop(gone);
        wst_fn_note_(&wst_fn_table_.header.unmatched_exits, 1);
        return;
    }
    gone += d - own;
    drop(gone);
    pop_and_record(t, own, now, now_tsc);
}

/* ------------------------------------------------------------------------ */
/* The hooks                                                                */
/* ------------------------------------------------------------------------ */

/* The fast paths take the common case whole or not at all (the slow paths
 * redo it from the start): a thread with its state, its own stripe (x86_64)
 * and the TSC at this depth, a function with its slot, a frame that matches. */

void __cyg_profile_func_enter(void *fn, void *call_site)
{
    /* The caller's stack pointer at this call (the CFA of this frame): the
     * same at the function's exit hook call, and above every callee's. */
    uintptr_t key = (uintptr_t)__builtin_dwarf_cfa();
    uint32_t rva = rva_of(fn);
    /* The function's return address (its containing function's, for an
     * inlined copy), and where this hook call returns: which hook call of
     * the function's code this is. */
    uint64_t origin = origin_of(call_site, __builtin_return_address(0));
    uintptr_t held = wst_fn_thread_read_();
    if (__builtin_expect(held > WST_FN_THREAD_RELEASED, 1)) {
        struct wst_fn_thread *t = (struct wst_fn_thread *)held;
        uint32_t d = t->depth;
#if defined(__x86_64__)
        uint32_t slot = wst_fn_slot_(rva);
        uint32_t cells = t->cells;
        if (__builtin_expect(slot != WST_FN_NO_SLOT && cells != 0 && d >= t->tsc_from &&
                                 d < WST_FN_STACK_DEPTH && t->skipped == 0 &&
                                 goes_on_top(t, d, key, origin),
                             1)) {
            __asm__ volatile("addq $1, %0" : "+m"(*OWN_CELL(calls, cells, slot)));
#else
        if (__builtin_expect(d >= t->tsc_from && d < WST_FN_STACK_DEPTH && t->skipped == 0 &&
                                 goes_on_top(t, d, key, origin),
                             1)) {
            uint32_t slot = count_call(rva);
#endif
            struct wst_fn_frame *f = &t->frames[d];
            f->key = key;
            f->rva = rva;
            f->slot = slot;
            f->origin = origin;
            f->child = 0;
            t->depth = d + 1u;
            f->start = wst_clock_tsc_(); /* last: the bookkeeping is not timed */
            return;
        }
    }
    enter_slow(held, rva, key, origin);
}

/* An exit whose top frame is timed with QPC: the reading first, as the fast
 * path does. */
static void SLOW exit_qpc(struct wst_fn_thread *t, uintptr_t key, uint64_t how)
{
    uint64_t now = read_qpc();
    exit_slow(t, key, now, how);
}

void __cyg_profile_func_exit(void *fn, void *call_site)
{
    uintptr_t held = wst_fn_thread_read_();
    if (__builtin_expect(held <= WST_FN_THREAD_RELEASED, 0))
        return; /* its entry was counted but not timed */
    struct wst_fn_thread *t = (struct wst_fn_thread *)held;
    uint32_t d = t->depth;
    uintptr_t key = (uintptr_t)__builtin_dwarf_cfa();
    /* call_site is the function's return address: the hook returns there
     * only when it was reached by a jump instead of a call. */
    uint64_t how = rva_of(fn) | (__builtin_return_address(0) == call_site ? EXIT_TAIL : 0);
    /* The top frame's clock (with no frame, d - 1 wraps: the TSC, and the
     * slow path finds nothing to record). */
    if (__builtin_expect(!on_tsc(t, d - 1u), 0)) {
        exit_qpc(t, key, how);
        return;
    }
    uint64_t now = wst_clock_tsc_(); /* early: the bookkeeping is not timed */
    if (__builtin_expect(d > 0 && t->skipped == 0, 1)) {
        struct wst_fn_frame *f = &t->frames[d - 1u];
        if (__builtin_expect(f->rva == (uint32_t)how && f->key == key, 1)) {
            record(t, d, now, t->mult);
            return;
        }
    }
    exit_slow(t, key, now, how | EXIT_NOW_TSC);
}

#endif
