/*
 * winstrument: the API for instrumented code.
 *
 *   WST_COUNT("name")     adds 1 to the counter "name" of this module
 *   WST_ADD("name", n)    adds n
 *
 * Usable in any function of a DLL or an EXE that links libwinstrument.a, with
 * no init call. Each use site is a static record in the module's ".wst"
 * section (see winstrument/region.h), gathered by the linker: nothing is
 * registered at run time. A hit is an inline atomic add on one of
 * WST_STRIPES slots, chosen by the calling thread's id, so threads hitting
 * the same counter mostly touch different cache lines. Names longer than
 * WST_NAME_MAX - 1 bytes are rejected at compile time.
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

static inline __attribute__((always_inline)) unsigned wst_stripe_index_(void)
{
    /* The thread id from the TEB's ClientId.UniqueThread: one instruction,
     * no call. Ids are multiples of 4, hence the shift. */
#if defined(__x86_64__)
    uint64_t tid;
    __asm__("movq %%gs:0x48, %0" : "=r"(tid));
#elif defined(__i386__)
    uint32_t tid;
    __asm__("movl %%fs:0x24, %0" : "=r"(tid));
#else
#error "winstrument supports x86_64 and i686"
#endif
    return (unsigned)(tid >> 2) & (WST_STRIPES - 1u);
}

static inline __attribute__((always_inline)) void wst_counter_add_(struct wst_counter *c,
                                                                    uint64_t n)
{
    __atomic_fetch_add(&c->stripes[wst_stripe_index_()].value, n, __ATOMIC_RELAXED);
    if (__builtin_expect(!wst_runtime_hit_seen_, 0))
        wst_runtime_first_hit_();
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
