/*
 * Stripe ownership: on x86_64 each thread that hits a probe of this module
 * owns one stripe (1 .. WST_STRIPES - 1) of every counter, so the inline hit
 * in winstrument.h is a plain add that no other thread races with. Where the
 * thread's stripe is lives in a TLS slot of the module's own, which the probe
 * reads straight from the TEB: TlsSlots[index] for an index below 64, else
 * TlsExpansionSlots[index - 64]. Stripe 0 is never owned: threads beyond the
 * owned stripes, threads of a module that got no TLS slot, threads past their
 * own DLL_THREAD_DETACH, and the worker's reset (which adds minus the sum, so
 * a total is exact however the owners race with it) all add to it atomically.
 *
 * Ownership must recover from threads that never give their stripe back, or
 * after seven of them every new thread is on the slow path for good:
 *  - a probe that runs on an exiting thread after our TLS callback released
 *    its stripe (the host's own DllMain at DLL_THREAD_DETACH runs after TLS
 *    callbacks) must not claim again: the release leaves RELEASED in the slot,
 *    and such hits go to stripe 0;
 *  - a thread ended by TerminateThread (or one that never got its
 *    DLL_THREAD_DETACH) keeps its claim: when no stripe is free, a scan asks
 *    the OS whether each owner has exited and takes back the stripes of those
 *    that have. Values they added stay in the stripe, which the reader sums.
 *
 * Threads: wst_stripes_of_this_thread runs on any thread at its first hit
 * (maybe under the loader lock, for a probe in a DllMain) and on every hit
 * of a thread that owns no stripe (probe_runtime.c's slow path); wst_stripes_release_thread on an exiting
 * thread; attach and detach under the loader lock.
 *
 * Never: blocks, takes the loader lock (the scan uses OpenThread and a zero
 * wait only), or changes the caller's last-error value (a probe may sit
 * between a failing call of the host and its GetLastError). It allocates
 * nothing itself; TlsSetValue on an index of 64 or more allocates the
 * thread's expansion array once, which the OS frees with the thread.
 *
 * i686 keeps atomic adds on every hit (a 64-bit plain store is two stores a
 * reader could see torn), so there the slot is never taken and the region's
 * stripe counts stay 0.
 */
#include <windows.h>

#include <stddef.h>

#include "region_internal.h"
#include "stripes.h"
#include "winstrument/probe_abi.h"

/* TlsSlots in the x86_64 TEB: 64 pointers from this offset. */
#define TEB_TLS_SLOTS_X64 0x1480u
#define TEB_TLS_SLOTS_COUNT 64u
/* TlsExpansionSlots: a pointer (NULL until the thread's first TlsSetValue on
 * an index of 64 or more) to 1024 more slots. */
#define TEB_TLS_EXPANSION_COUNT 1024u

/* Slot values besides the owned stripes' offsets; each sends a hit to the
 * slow path (the probe's range check admits only the offsets of stripes 1 to
 * WST_STRIPES - 1).
 *   0         the thread has not hit yet
 *   WAITING   every stripe was owned at its first hit: it adds to stripe 0 and
 *             tries to claim one again on its later hits
 *   RELEASED  the thread is past its DLL_THREAD_DETACH: it adds to stripe 0
 *             and never claims again */
#define WAITING ((uintptr_t)1)
#define RELEASED ((uintptr_t)2)

/* A scan for exited owners costs up to WST_STRIPES - 1 system calls (each a
 * wineserver round trip under Wine); threads waiting for a stripe start one
 * at most this often, whichever of them comes first. */
#define SCAN_INTERVAL_MS 32u

static DWORD slot_index = TLS_OUT_OF_INDEXES;
/* x86_64: the TEB offset of slot_index that the inline probe reads
 * (probe_abi.h); written here at attach and detach only, under the loader
 * lock. */
uint32_t wst_stripe_slot_offset_;

/* owner[s], s from 1: 0 when stripe s is free, else the owner's thread id in
 * the low 32 bits and the claim's sequence number in the high 32. The number
 * makes every claim's word unique, so a reclaim's compare-exchange cannot
 * take a stripe from a later owner that got the same (reused) thread id.
 * Interlocked only; owner[0] is unused. */
static volatile LONG64 owner[WST_STRIPES];
static volatile LONG claim_sequence;
/* GetTickCount64() before which no scan starts; interlocked. */
static volatile LONG64 next_scan_at;

/* ------------------------------------------------------------------------ */
/* The region's stripe counts (region.h, header.stripe_*)                   */
/* ------------------------------------------------------------------------ */

static void count(uint32_t *field)
{
    __atomic_fetch_add(field, 1, __ATOMIC_RELAXED);
}

static void owned_changed(int delta)
{
    __atomic_fetch_add(&wst_region_.stripes_owned, (uint16_t)delta, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------------ */
/* Attach and detach                                                        */
/* ------------------------------------------------------------------------ */

void wst_stripes_attach(void)
{
#if defined(__x86_64__)
    for (unsigned s = 0; s < WST_STRIPES; s++)
        owner[s] = 0;
    next_scan_at = 0;
    slot_index = TlsAlloc();
    uint16_t flags = WST_STRIPE_FLAG_OWNED;
    if (slot_index == TLS_OUT_OF_INDEXES) {
        flags = WST_STRIPE_FLAG_NO_SLOT;
    } else if (slot_index < TEB_TLS_SLOTS_COUNT) {
        wst_stripe_slot_offset_ = TEB_TLS_SLOTS_X64 + slot_index * 8u;
    } else if (slot_index < TEB_TLS_SLOTS_COUNT + TEB_TLS_EXPANSION_COUNT) {
        wst_stripe_slot_offset_ =
            WST_TLS_EXPANSION_TAG + (slot_index - TEB_TLS_SLOTS_COUNT) * 8u;
        flags |= WST_STRIPE_FLAG_EXPANSION;
    } else {
        /* More slots than any Windows has: the slow path still works. */
        flags = WST_STRIPE_FLAG_NO_SLOT;
    }
    wst_region_.stripe_flags = flags;
#else
    wst_region_.stripe_flags = WST_STRIPE_FLAG_THREAD_ID;
#endif
}

void wst_stripes_detach(void)
{
    wst_stripe_slot_offset_ = 0;
    if (slot_index != TLS_OUT_OF_INDEXES)
        TlsFree(slot_index); /* zeroes the slot in every thread */
    slot_index = TLS_OUT_OF_INDEXES;
}

/* ------------------------------------------------------------------------ */
/* Claiming and reclaiming                                                  */
/* ------------------------------------------------------------------------ */

/* A free stripe, claimed now for the calling thread, or 0. */
static unsigned claim_free(void)
{
    for (unsigned s = 1; s < WST_STRIPES; s++) {
        if (owner[s] != 0)
            continue;
        uint32_t sequence = (uint32_t)InterlockedIncrement(&claim_sequence);
        LONG64 mine = (LONG64)((uint64_t)sequence << 32 | GetCurrentThreadId());
        if (InterlockedCompareExchange64(&owner[s], mine, 0) == 0) {
            count(&wst_region_.stripe_claims);
            owned_changed(+1);
            return s;
        }
    }
    return 0;
}

/* Whether the thread `tid` has ended. Unsure answers are "no": a stripe
 * reclaimed from a live owner would have two writers. */
static int has_exited(DWORD tid)
{
    HANDLE thread = OpenThread(SYNCHRONIZE, FALSE, tid);
    if (thread == NULL)
        return GetLastError() == ERROR_INVALID_PARAMETER; /* no thread has that id now */
    /* Signalled once it has ended: it runs no more code, so no more adds,
     * and the wait orders its last adds before the next owner's. */
    int exited = WaitForSingleObject(thread, 0) == WAIT_OBJECT_0;
    CloseHandle(thread);
    return exited;
}

/* Takes back the stripes of owners that have exited. An owner whose id was
 * reused by a live thread looks alive, so its stripe waits for that one. */
static void reclaim_exited(void)
{
    for (unsigned s = 1; s < WST_STRIPES; s++) {
        LONG64 seen = owner[s];
        if (seen == 0 || !has_exited((DWORD)(uint64_t)seen))
            continue;
        if (InterlockedCompareExchange64(&owner[s], 0, seen) == seen) {
            count(&wst_region_.stripe_reclaims);
            owned_changed(-1);
        }
    }
}

/* Whether this thread may scan now; at most one thread per interval does. */
static int scan_due(void)
{
    LONG64 now = (LONG64)GetTickCount64(), due = next_scan_at;
    if (now < due)
        return 0;
    return InterlockedCompareExchange64(&next_scan_at, now + SCAN_INTERVAL_MS, due) == due;
}

/* A stripe for a thread that owns none, or 0. */
static unsigned claim(void)
{
    unsigned s = claim_free();
    if (s == 0 && scan_due()) {
        reclaim_exited();
        s = claim_free();
    }
    return s;
}

/* ------------------------------------------------------------------------ */
/* The slow path and the thread's release                                   */
/* ------------------------------------------------------------------------ */

/* The slot holds the stripe's byte offset in a counter (what the inline hit
 * adds to the counter's address), or one of the values above. */
static uintptr_t slot_value_of(unsigned stripe)
{
    return offsetof(struct wst_counter, stripes) + (uintptr_t)stripe * WST_LINE;
}

static unsigned stripe_of_slot_value(uintptr_t held)
{
    if (held < slot_value_of(1) || held > slot_value_of(WST_STRIPES - 1))
        return 0;
    return (unsigned)((held - offsetof(struct wst_counter, stripes)) / WST_LINE);
}

unsigned wst_stripes_of_this_thread(void)
{
    if (slot_index == TLS_OUT_OF_INDEXES || wst_stripe_slot_offset_ == 0)
        return 0;
    uintptr_t held = (uintptr_t)TlsGetValue(slot_index);
    if (held == RELEASED)
        return 0;
    unsigned s = stripe_of_slot_value(held);
    if (s != 0)
        return s; /* owned, but the probe found the expansion array missing */
    s = claim();
    if (held == 0 && s == 0)
        count(&wst_region_.stripe_shared);
    if (held == 0 || s != 0)
        TlsSetValue(slot_index, (void *)(s != 0 ? slot_value_of(s) : WAITING));
    return s;
}

void wst_stripes_release_thread(void)
{
    if (slot_index == TLS_OUT_OF_INDEXES || wst_stripe_slot_offset_ == 0)
        return;
    DWORD last_error = GetLastError();
    unsigned s = stripe_of_slot_value((uintptr_t)TlsGetValue(slot_index));
    if (s != 0) {
        /* Still ours: only exited owners are reclaimed. The full barrier
         * orders this thread's last adds before the next owner's. */
        InterlockedExchange64(&owner[s], 0);
        owned_changed(-1);
    }
    /* Hits after this one (a DllMain at DLL_THREAD_DETACH runs after the TLS
     * callbacks) go to stripe 0 and do not claim a stripe again. */
    TlsSetValue(slot_index, (void *)RELEASED);
    SetLastError(last_error);
}
