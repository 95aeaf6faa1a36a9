/*
 * INTERNAL: the probe's ABI with the runtime. Not an API: nothing here is for
 * instrumented code to use directly, and any of it may change with the
 * runtime's version. winstrument.h includes it for its macros.
 *
 * The inline half of a counter hit lives here; the out-of-line half, every
 * symbol declared below, is defined in src/runtime/probe_runtime.c, the one
 * file of the runtime that the probes reference. Referencing it pulls the
 * rest of the runtime (its TLS callback, lifecycle, modes, stripes) out of
 * libwinstrument.a.
 */
#ifndef WINSTRUMENT_PROBE_ABI_H
#define WINSTRUMENT_PROBE_ABI_H

#include <stdint.h>

#include "winstrument/region.h"

/* Nonzero once this module's runtime has seen its first probe hit. Written by
 * wst_runtime_first_hit_ only; probes read it without ordering, because a
 * stale zero just costs one more call of an idempotent function. */
extern volatile long wst_runtime_hit_seen_;
void wst_runtime_first_hit_(void);

/* x86_64: where this module's TLS slot is. The slot holds where the stripe
 * that the calling thread owns in every counter of the module starts, as a
 * byte offset from the counter (stripe s: WST_LINE * (1 + s), s from 1 to
 * WST_STRIPES - 1), or another value (none yet, none free, released) that
 * sends the hit to the slow path. Below WST_TLS_EXPANSION_TAG the field is
 * the slot's TEB offset (TlsSlots, index < 64); from it, the slot's byte
 * offset (plus the tag) in the array that the TEB's TlsExpansionSlots points
 * to (index 64 and up). 0 when the module has no TLS slot. Written at attach
 * and unload only (src/runtime/stripes.c). */
extern uint32_t wst_stripe_slot_offset_;
#define WST_TLS_EXPANSION_TAG 0x10000u
#define WST_TEB_TLS_EXPANSION_SLOTS 0x1780u /* x86_64 TEB: TlsExpansionSlots */
/* The first hit of a thread (claims a stripe), and hits of threads that
 * could not own one (they add atomically to the shared stripe 0). */
void wst_counter_add_slow_(struct wst_counter *c, uint64_t n);

#if defined(__i386__)
static inline __attribute__((always_inline)) unsigned wst_stripe_index_(void)
{
    /* The thread id from the TEB's ClientId.UniqueThread: one instruction,
     * no call. Ids are multiples of 4, hence the shift. */
    uint32_t tid;
    __asm__("movl %%fs:0x24, %0" : "=r"(tid));
    return (unsigned)(tid >> 2) & (WST_STRIPES - 1u);
}
#elif !defined(__x86_64__)
#error "winstrument supports x86_64 and i686"
#endif

#if defined(__x86_64__)
/* This thread's slot value (see wst_stripe_slot_offset_), read from the TEB:
 * no call. */
static inline __attribute__((always_inline)) uint64_t wst_stripe_slot_read_(void)
{
    uint64_t at = 0;
    uint32_t offset = wst_stripe_slot_offset_;
    if (__builtin_expect(offset - 1u < WST_TLS_EXPANSION_TAG - 1u, 1)) {
        __asm__ volatile("movq %%gs:(%q1), %0" : "=r"(at) : "r"((uint64_t)offset));
    } else if (offset != 0) {
        /* A TLS index of 64 or more: its slot is in an array of the thread's
         * own, missing until the thread's first TlsSetValue on such an index
         * (then the hit takes the slow path, which sets it). */
        const char *slots;
        __asm__ volatile("movq %%gs:%c1, %0" : "=r"(slots) : "i"(WST_TEB_TLS_EXPANSION_SLOTS));
        if (slots != 0)
            at = *(const volatile uint64_t *)(slots + (offset - WST_TLS_EXPANSION_TAG));
    }
    return at;
}
#endif

static inline __attribute__((always_inline)) void wst_counter_add_(struct wst_counter *c,
                                                                    uint64_t n)
{
#if defined(__x86_64__)
    /* Where this thread's own stripe is, from its TLS slot. */
    uint64_t at = wst_stripe_slot_read_();
    if (__builtin_expect(at - 2u * WST_LINE <= (WST_STRIPES - 2u) * WST_LINE, 1)) {
        /* Only this thread writes its own stripe, so a plain add to memory
         * is exact and needs no lock prefix. An aligned 8-byte store is
         * single-copy atomic on x86_64, so a reader never sees it torn. The
         * asm is one instruction, and the compiler cannot keep the value in
         * a register across hits. */
        __asm__ volatile("addq %1, %0"
                         : "+m"(*(uint64_t *)((char *)c + at))
                         : "er"(n));
    } else {
        wst_counter_add_slow_(c, n);
    }
    /* No first-hit check here: a thread's first hit in the module always
     * takes the slow path, which tells the runtime. */
#else
    /* i686: a 64-bit plain store is two stores that a reader could see torn,
     * so every hit is an atomic add, on a stripe chosen by thread id. */
    __atomic_fetch_add(&c->stripes[wst_stripe_index_()].value, n, __ATOMIC_RELAXED);
    if (__builtin_expect(!wst_runtime_hit_seen_, 0))
        wst_runtime_first_hit_();
#endif
}

#endif
