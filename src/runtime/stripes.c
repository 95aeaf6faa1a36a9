/*
 * Stripe ownership: on x86_64 each thread that hits a probe of this module
 * owns one stripe (1 .. WST_STRIPES - 1) of every counter, so the inline hit
 * in winstrument.h is a plain add that no other thread races with. The stripe
 * number lives in a TLS slot of the module's own, which the probe reads
 * straight from the TEB (TlsSlots[index], for index < 64). Stripe 0 is never
 * owned: threads beyond the owned stripes, threads of a module that got no
 * usable TLS slot, and the worker's reset (which adds minus the sum, so a
 * total is exact however the owners race with it) all add to it atomically.
 *
 * Threads: wst_counter_add_slow_ runs on any thread at its first hit (maybe
 * under the loader lock, for a probe in a DllMain), wst_stripes_release_thread
 * on an exiting thread, attach and detach under the loader lock.
 *
 * Never: blocks, allocates, or changes the caller's last-error value (a probe
 * may sit between a failing call of the host and its GetLastError).
 *
 * i686 keeps atomic adds on every hit (a 64-bit plain store is two stores a
 * reader could see torn), so there the slot is never taken.
 */
#include <windows.h>

#include <stddef.h>

#include "stripes.h"
#include "winstrument.h"

/* TlsSlots in the x86_64 TEB: 64 pointers from this offset. */
#define TEB_TLS_SLOTS_X64 0x1480u
#define TEB_TLS_SLOTS_COUNT 64u
/* Slot value of a thread that found every stripe owned: it uses stripe 0.
 * Any value outside the owned stripes' offsets sends a hit to the slow path. */
#define SHARED_STRIPE ((uintptr_t)1)

/* Constant between attach and detach. */
uint32_t wst_stripe_slot_offset_;
static DWORD slot_index = TLS_OUT_OF_INDEXES;
/* Bit s set: stripe s is owned by a live thread. Interlocked only. */
static volatile LONG owners;

void wst_stripes_attach(void)
{
#if defined(__x86_64__)
    owners = 0;
    slot_index = TlsAlloc();
    if (slot_index != TLS_OUT_OF_INDEXES && slot_index < TEB_TLS_SLOTS_COUNT)
        wst_stripe_slot_offset_ = TEB_TLS_SLOTS_X64 + slot_index * 8u;
#endif
}

/* A stripe this thread may own, claimed now, or 0: the shared stripe. */
static unsigned claim(void)
{
    for (;;) {
        LONG seen = owners;
        unsigned free = 0;
        for (unsigned s = 1; s < WST_STRIPES && free == 0; s++) {
            if (!(seen & (1L << s)))
                free = s;
        }
        if (free == 0)
            return 0;
        if (InterlockedCompareExchange(&owners, seen | (1L << free), seen) == seen)
            return free;
    }
}

/* The slot holds the stripe's byte offset in a counter (what the inline hit
 * adds to the counter's address), or SHARED_STRIPE, or 0. */
static uintptr_t slot_value_of(unsigned stripe)
{
    return offsetof(struct wst_counter, stripes) + (uintptr_t)stripe * WST_LINE;
}

static unsigned stripe_of_slot_value(uintptr_t held)
{
    return (unsigned)((held - offsetof(struct wst_counter, stripes)) / WST_LINE);
}

static unsigned stripe_of_this_thread(void)
{
    if (slot_index == TLS_OUT_OF_INDEXES || wst_stripe_slot_offset_ == 0)
        return 0;
    uintptr_t held = (uintptr_t)TlsGetValue(slot_index);
    if (held == SHARED_STRIPE)
        return 0;
    if (held != 0)
        return stripe_of_slot_value(held);
    unsigned s = claim();
    TlsSetValue(slot_index, (void *)(s != 0 ? slot_value_of(s) : SHARED_STRIPE));
    return s;
}

void wst_counter_add_slow_(struct wst_counter *c, uint64_t n)
{
    DWORD last_error = GetLastError();
    /* Every thread's first hit in the module comes here (its slot is still
     * empty), so this is where the runtime learns of the module's first hit. */
    if (!wst_runtime_hit_seen_)
        wst_runtime_first_hit_();
    unsigned s = stripe_of_this_thread();
    if (s != 0) {
        *(volatile uint64_t *)&c->stripes[s].value += n; /* owned: see winstrument.h */
    } else {
        __atomic_fetch_add(&c->stripes[0].value, n, __ATOMIC_RELAXED);
    }
    SetLastError(last_error);
}

void wst_stripes_release_thread(void)
{
    if (slot_index == TLS_OUT_OF_INDEXES)
        return;
    DWORD last_error = GetLastError();
    uintptr_t held = (uintptr_t)TlsGetValue(slot_index);
    if (held != 0 && held != SHARED_STRIPE) {
        /* The full barrier orders this thread's last adds before the stripe's
         * next owner reads the value back. */
        InterlockedAnd(&owners, ~(1L << stripe_of_slot_value(held)));
    }
    if (held != 0)
        TlsSetValue(slot_index, NULL);
    SetLastError(last_error);
}

void wst_stripes_detach(void)
{
    wst_stripe_slot_offset_ = 0;
    if (slot_index != TLS_OUT_OF_INDEXES)
        TlsFree(slot_index);
    slot_index = TLS_OUT_OF_INDEXES;
}
