/*
 * INTERNAL: the probe's ABI with the runtime. Not an API: nothing here is for
 * instrumented code to use directly, and any of it may change with the
 * runtime's version. winstrument.h includes it for its macros.
 *
 * The inline half of a probe hit lives here. The out-of-line half is in
 * src/runtime/probe_runtime.c (the slow paths), and each datum the inline
 * half reads is defined by the file that writes it: stripes.c (the stripe
 * slot's offset) and clock.c (the clock's factor and fallback). The slow
 * paths pull the rest of the runtime (its TLS callback, lifecycle, modes)
 * out of libwinstrument.a.
 */
#ifndef WINSTRUMENT_PROBE_ABI_H
#define WINSTRUMENT_PROBE_ABI_H

#include <stdint.h>

#include "winstrument/region.h"

#ifdef __cplusplus
extern "C" {
#endif

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
static __inline__ __attribute__((always_inline)) unsigned wst_stripe_index_(void)
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
static __inline__ __attribute__((always_inline)) uint64_t wst_stripe_slot_read_(void)
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

static __inline__ __attribute__((always_inline)) void wst_counter_add_(struct wst_counter *c,
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

/* ---- gauges ------------------------------------------------------------ */

/* A gauge is one shared value: a set must replace every thread's adds, which
 * stripes could not do, and every site of one name must write the same
 * value, or the last set of one site could not win over another site's. So
 * the first site of the name in the module (its "home") holds the value in
 * stripes[0]; each site finds its home once, on its first write, and keeps
 * where it is in stripes[1] (WST_GAUGE_HOME, region.h). Stores and adds are
 * atomic: adds from many threads are exact, and a reader never sees a torn
 * value (i686 too). */
struct wst_counter *wst_gauge_home_slow_(struct wst_counter *g);

static __inline__ __attribute__((always_inline)) uint64_t *wst_gauge_value_(struct wst_counter *g)
{
    uint64_t home = __atomic_load_n(&g->stripes[WST_GAUGE_HOME].value, __ATOMIC_ACQUIRE);
    if (__builtin_expect(home == 0, 0))
        return &wst_gauge_home_slow_(g)->stripes[0].value;
    return &((struct wst_counter *)(uintptr_t)home)->stripes[0].value;
}

static __inline__ __attribute__((always_inline)) void wst_gauge_set_(struct wst_counter *g,
                                                                   int64_t v)
{
    __atomic_store_n(wst_gauge_value_(g), (uint64_t)v, __ATOMIC_RELAXED);
}

static __inline__ __attribute__((always_inline)) void wst_gauge_add_(struct wst_counter *g,
                                                                   int64_t delta)
{
    __atomic_fetch_add(wst_gauge_value_(g), (uint64_t)delta, __ATOMIC_RELAXED);
}

/* ---- distributions ---------------------------------------------------- */

/* The sum of a thread that owns no stripe (its first record, or none free):
 * claims one like a counter hit does, or adds atomically to stripe 0.
 * Returns the byte offset of the stripe it added to, WST_LINE * (1 + s),
 * which picks the record's bucket shard as the fast path's offset does. */
uint64_t wst_dist_add_slow_(struct wst_distribution *d, uint64_t v);

/* The bucket of value v in the shard that the stripe at byte offset `at`
 * writes (region.h, WST_DIST_SHARD_OF_AT): the WST_LINE bit of `at` picks
 * the shard, so the owners of stripes 1 and 2 never share a bucket line.
 * Written as a choice of two addresses, which GCC makes a test and a cmov
 * (the shards' addresses are constants of the site): cheaper than an
 * index multiplied by the shard's size. */
static __inline__ __attribute__((always_inline)) uint64_t *wst_dist_bucket_at_(
    struct wst_distribution *d, uint64_t at, uint64_t v)
{
    return (WST_DIST_SHARD_OF_AT(at) ? d->shards[1] : d->shards[0]) + wst_dist_bucket_(v);
}

static __inline__ __attribute__((always_inline)) void wst_dist_record_(struct wst_distribution *d,
                                                                     uint64_t v)
{
    uint64_t seen;
#if defined(__x86_64__)
    uint64_t at = wst_stripe_slot_read_();
    if (__builtin_expect(at - 2u * WST_LINE <= (WST_STRIPES - 2u) * WST_LINE, 1)) {
        /* This thread's own stripe: a plain add, as for a counter. No count
         * word: the count is the buckets' total (layout 3). */
        __asm__ volatile("addq %1, %0"
                         : "+m"(((struct wst_dist_stripe *)((char *)d + at))->sum)
                         : "r"(v));
    } else {
        at = wst_dist_add_slow_(d, v);
    }
#else
    /* i686: atomic, on the stripe the thread id picks (see wst_counter_add_). */
    uint64_t at = WST_LINE * (1u + wst_stripe_index_());
    __atomic_fetch_add(&((struct wst_dist_stripe *)((char *)d + at))->sum, v, __ATOMIC_RELAXED);
    if (__builtin_expect(!wst_runtime_hit_seen_, 0))
        wst_runtime_first_hit_();
#endif
    /* Atomic: other threads may write the same shard (stripe 0, the third
     * and later owners, i686's thread ids). */
    __atomic_fetch_add(wst_dist_bucket_at_(d, at, v), 1, __ATOMIC_RELAXED);
    /* The extremes change rarely: read first, write only to improve. */
    seen = __atomic_load_n(&d->extrema.max, __ATOMIC_RELAXED);
    while (v > seen && !__atomic_compare_exchange_n(&d->extrema.max, &seen, v, 1,
                                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    seen = __atomic_load_n(&d->extrema.min_inverted, __ATOMIC_RELAXED);
    while (~v > seen && !__atomic_compare_exchange_n(&d->extrema.min_inverted, &seen, ~v, 1,
                                                     __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

/* ---- the clock of time scopes (docs/region.md, "Clock") ---------------- */

/* A clock's ticks become nanoseconds as ticks * mult / 2^32, where mult is
 * the clock's nanoseconds per tick in units of 2^-32 ns (clock_math.h). The
 * product is 128 bits wide, so no duration overflows before the result
 * itself would (it then saturates). x86_64: one mul; i686: four 32 x 32
 * products. */
static __inline__ __attribute__((always_inline)) uint64_t wst_clock_ns_portable_(uint64_t ticks,
                                                                             uint64_t mult)
{
    uint64_t tl = ticks & 0xffffffffu, th = ticks >> 32, ml = mult & 0xffffffffu,
             mh = mult >> 32;
    uint64_t hh = th * mh, mid1 = th * ml, mid2 = tl * mh, low = (tl * ml) >> 32;
    uint64_t r;
    /* ticks * mult / 2^32 = hh * 2^32 + mid1 + mid2 + low, exactly */
    if ((hh >> 32) != 0 || __builtin_add_overflow(hh << 32, mid1, &r) ||
        __builtin_add_overflow(r, mid2, &r) || __builtin_add_overflow(r, low, &r))
        return ~(uint64_t)0; /* UINT64_MAX, which C++98 hides */
    return r;
}

static __inline__ __attribute__((always_inline)) uint64_t wst_clock_ns_(uint64_t ticks,
                                                                    uint64_t mult)
{
#if defined(__SIZEOF_INT128__)
    __extension__ typedef unsigned __int128 wst_u128_;
    wst_u128_ p = (wst_u128_)ticks * mult;
    if ((uint64_t)(p >> 96) != 0)
        return ~(uint64_t)0; /* UINT64_MAX, which C++98 hides */
    return (uint64_t)(p >> 32);
#else
    return wst_clock_ns_portable_(ticks, mult);
#endif
}

/* The time-stamp counter. Plain rdtsc, without lfence or rdtscp: it is not
 * ordered against the instructions around it, which can move a reading by
 * at most the out-of-order window (well under a microsecond, against the
 * 6.25% error bound of a bucket), and it costs half of what the ordered
 * forms cost (bench_dist's "rdtsc pair" row). The memory clobber keeps the
 * compiler from moving the scope's loads and stores across it. */
static __inline__ __attribute__((always_inline)) uint64_t wst_clock_tsc_(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return (uint64_t)hi << 32 | lo;
}

/* The TSC's factor (mult above) once this module has calibrated it against
 * QueryPerformanceCounter, else 0 (not yet, or never: no invariant TSC).
 * Written once, by src/runtime/clock.c; a stale 0 only sends a scope to the
 * fallback. */
extern volatile uint64_t wst_clock_tsc_mult_;
/* The fallback: QueryPerformanceCounter's ticks, and its factor in *mult.
 * Also moves the calibration on (never waits: src/runtime/clock.c). */
uint64_t wst_clock_fallback_(uint64_t *mult);
/* QueryPerformanceCounter's ticks, for the end of a scope that began on it. */
uint64_t wst_clock_qpc_(void);

struct wst_scope_ {
    struct wst_distribution *site;
    uint64_t start; /* ticks of the clock the scope began on */
    uint64_t mult;  /* that clock's factor */
    int tsc;        /* 1: the TSC, 0: QueryPerformanceCounter */
};

static __inline__ __attribute__((always_inline)) struct wst_scope_
wst_scope_begin_(struct wst_distribution *site)
{
    struct wst_scope_ s;
    s.site = site;
    /* Atomic: on i686 a plain 64-bit load is two, which could see half of
     * the calibration's store; on x86_64 it is the same plain mov. */
    s.mult = __atomic_load_n(&wst_clock_tsc_mult_, __ATOMIC_RELAXED);
    s.tsc = s.mult != 0;
    if (__builtin_expect(s.tsc, 1))
        s.start = wst_clock_tsc_();
    else
        s.start = wst_clock_fallback_(&s.mult);
    return s;
}

/* The end of a scope: runs in the instrumented function's own code, at its
 * block's exit (cleanup attribute in C, a destructor in C++). It reads the
 * clock the scope began on, and converts with that clock's factor, so a
 * calibration that completes while the scope is open changes nothing. */
static __inline__ __attribute__((always_inline)) void wst_scope_end_(struct wst_scope_ *s)
{
    uint64_t now = __builtin_expect(s->tsc, 1) ? wst_clock_tsc_() : wst_clock_qpc_();
    /* Both clocks only go forward on one machine; a TSC that is not in step
     * across processors, or that restarted across a system sleep, could
     * read lower at the end: the guard records 0, never a huge value. */
    wst_dist_record_(s->site, now >= s->start ? wst_clock_ns_(now - s->start, s->mult) : 0);
}

#ifdef __cplusplus
}
#endif

#endif
