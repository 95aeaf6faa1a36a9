/*
 * bench_churn.dll: the instrumented DLL of bench_counters' thread-churn rows.
 * Its own DllMain hits a counter at DLL_THREAD_DETACH, as a host's may; that
 * hit runs after the runtime's TLS callback has released the exiting
 * thread's stripe, so each exiting thread hits once more after its release.
 * churn_loop(n) is the measured loop (the same shape as the benchmark's own
 * WST_COUNT row); the other exports tell the benchmark whether the calling
 * thread's hits take the fast path and what the region header says about
 * stripe use.
 *
 * Threads: any. Built without instrumentation flags; its only probes are
 * the two below.
 */
#include <windows.h>

#include <winstrument.h>

BOOL WINAPI DllMain(HINSTANCE module, DWORD reason, LPVOID reserved)
{
    (void)module;
    (void)reserved;
    if (reason == DLL_THREAD_DETACH)
        WST_COUNT("churn.detach");
    return TRUE;
}

__declspec(dllexport) __attribute__((noinline)) void churn_loop(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        WST_COUNT("churn.hit");
        __asm__ __volatile__("" ::: "memory"); /* as bench_counters.c's loops */
    }
}

/* 1 when the calling thread's slot holds an owned stripe's offset: the inline
 * probe's fast-path condition. Always 1 on i686, which has no slow path. */
__declspec(dllexport) int churn_on_fast_path(void)
{
#if defined(__x86_64__)
    uint64_t at = wst_stripe_slot_read_();
    return at % WST_LINE == 0 && at >= 2 * WST_LINE && at <= WST_STRIPES * WST_LINE;
#else
    return 1;
#endif
}

extern struct wst_region_header wst_region_;

__declspec(dllexport) const struct wst_region_header *churn_region(void)
{
    return &wst_region_;
}
