/*
 * winstrument: the API for instrumented code.
 *
 *   WST_COUNT("name")     adds 1 to the counter "name" of this module
 *   WST_ADD("name", n)    adds n
 *
 * Usable in any function of a DLL or an EXE that links libwinstrument.a, with
 * no init call. Each use site is a static record in the module's ".wst"
 * section (see winstrument/region.h), gathered by the linker: nothing is
 * registered at run time. Each counter has WST_STRIPES slots ("stripes"),
 * one cache line each, and the reader sums them. On x86_64 a thread owns one
 * stripe of its own (claimed at its first hit, released when it exits, and
 * taken back if it exits without releasing it), so a hit is an inline plain
 * add with no call, no lock and no shared cache line; threads beyond the
 * WST_STRIPES - 1 owned stripes add atomically to stripe 0. On i686 a hit is an inline atomic add on a stripe chosen by thread
 * id. Names longer than WST_NAME_MAX - 1 bytes are rejected at compile time.
 *
 * The collector's mode comes from the environment variable WINSTRUMENT_MODE
 * (threadpool, threadless); read wst-inspect's docs to get the data out.
 */
#ifndef WINSTRUMENT_H
#define WINSTRUMENT_H

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

#define WST_ADD(name, n)                                                                       \
    do {                                                                                       \
        _Static_assert(sizeof(name) <= WST_NAME_MAX, "winstrument: counter name too long");    \
        __attribute__((section(".wst$m"), aligned(64), used)) static struct wst_counter       \
            wst_site_ = {WST_COUNTER_MAGIC, 0, name, {{0, {0}}}};                              \
        wst_counter_add_(&wst_site_, (uint64_t)(n));                                           \
    } while (0)

#define WST_COUNT(name) WST_ADD(name, 1)

#endif
