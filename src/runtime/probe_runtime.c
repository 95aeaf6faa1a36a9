/*
 * The out-of-line half of a counter's or a distribution's probe hit (the
 * inline probes are in include/winstrument/probe_abi.h). The data the probes
 * read live with their writers: the stripe slot's offset in stripes.c, the
 * clock's factor and fallback in clock.c. This file is the runtime's entry
 * from instrumented code, so it is the file a module's first WST_COUNT pulls
 * out of libwinstrument.a; it names the TLS callback (tls_hook.c), which
 * names the lifecycle, which names the modes and the stripes. Dependencies
 * run one way: probe_runtime -> lifecycle -> modes, stripes; nothing calls
 * back up into this file (scripts/check-links.py checks it).
 *
 * Threads: any thread that hits a probe of the module, possibly under the
 * loader lock (a probe in a DllMain). Never blocks, takes no lock, and leaves
 * the caller's last-error value as it was (a probe may sit between a failing
 * call of the host and its GetLastError).
 */
#include <windows.h>

#include "counters.h"
#include "lifecycle.h"
#include "region_internal.h"
#include "stripes.h"
#include "winstrument/probe_abi.h"

/* The TLS callback (tls_hook.c) is named by nothing else in the runtime: this
 * reference brings it, and so the lifecycle, into every module that probes. */
extern const PIMAGE_TLS_CALLBACK wst_tls_callback_ptr_;
__attribute__((used)) static const void *const pull_tls_hook = &wst_tls_callback_ptr_;

/* 0 until the module's first probe hit has been handed to the lifecycle;
 * set once, by an interlocked exchange. */
volatile long wst_runtime_hit_seen_;

void wst_runtime_first_hit_(void)
{
    /* A probe that runs before attach leaves the flag clear: the next hit
     * after attach starts the mode. */
    if (!wst_lifecycle_attached())
        return;
    if (InterlockedCompareExchange(&wst_runtime_hit_seen_, 1, 0) == 0)
        wst_lifecycle_first_hit();
}

/* The slow path's common part: every thread's first hit in the module comes
 * here (its slot is still empty), so this is where the runtime learns of the
 * module's first hit; then the stripe the thread adds to (0: the shared one). */
static unsigned slow_path_stripe(void)
{
    if (!wst_runtime_hit_seen_)
        wst_runtime_first_hit_();
    return wst_stripes_of_this_thread();
}

void wst_counter_add_slow_(struct wst_counter *c, uint64_t n)
{
    DWORD last_error = GetLastError();
    unsigned s = slow_path_stripe();
    if (s != 0) {
        /* Owned: this thread is the stripe's only writer (probe_abi.h). */
        *(volatile uint64_t *)&c->stripes[s].value += n;
    } else {
        __atomic_fetch_add(&c->stripes[0].value, n, __ATOMIC_RELAXED);
    }
    SetLastError(last_error);
}

struct wst_counter *wst_gauge_home_slow_(struct wst_counter *g)
{
    /* Racing first writes of one site find the same home (the sites are
     * static data), so the store is idempotent. No call here changes the
     * last-error value. */
    struct wst_counter *home = wst_counters_home(wst_region_counters_begin(),
                                                 wst_region_counters_end(), g);
    __atomic_store_n(&g->stripes[WST_GAUGE_HOME].value, (uint64_t)(uintptr_t)home,
                     __ATOMIC_RELEASE);
    if (!wst_runtime_hit_seen_)
        wst_runtime_first_hit_();
    return home;
}

uint64_t wst_dist_add_slow_(struct wst_distribution *d, uint64_t v)
{
    DWORD last_error = GetLastError();
    /* The stripe index means the same in both record kinds (region.h). No
     * count word: layout 3 counts in the buckets only. */
    unsigned s = slow_path_stripe();
    if (s != 0)
        *(volatile uint64_t *)&d->stripes[s].sum += v;
    else
        __atomic_fetch_add(&d->stripes[0].sum, v, __ATOMIC_RELAXED);
    SetLastError(last_error);
    /* The caller adds to the bucket of the shard this stripe picks. */
    return WST_LINE * (1u + (uint64_t)s);
}
