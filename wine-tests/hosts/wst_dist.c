/*
 * wst_dist.dll: an instrumented DLL whose exports time busy-waits with
 * WST_TIME_SCOPE, record sizes with WST_RECORD, write gauges from many
 * threads, and hold a time scope open across the DLL's unload (the
 * dist-* scenarios; wst_dist_host.exe drives it).
 *
 * Threads: any thread of the host calls the exports. Each timed export also
 * measures, with QueryPerformanceCounter just outside the scope's block, the
 * duration the scope must report: the "true" value the host prints and the
 * scenario compares the inspector's percentiles with.
 */
#include <windows.h>

#include <winstrument.h>

/* Busy-waits `ticks` of QueryPerformanceCounter inside a time scope named
 * by `which` (0: dist_spin_short, 1: dist_spin_long), itself inside the
 * scope "dist_spin_all". Returns the ticks measured just outside both
 * scopes, and stores in *inner those measured just inside both: whatever
 * preempts the thread, each scope's own duration lies between the two. */
static uint64_t spin_until(LARGE_INTEGER start, uint64_t ticks)
{
    LARGE_INTEGER now;
    do
        QueryPerformanceCounter(&now);
    while ((uint64_t)(now.QuadPart - start.QuadPart) < ticks);
    return (uint64_t)now.QuadPart;
}

__declspec(dllexport) uint64_t wst_dist_spin(int which, uint64_t ticks, uint64_t *inner)
{
    LARGE_INTEGER t0, t1, in0;
    uint64_t in1;
    QueryPerformanceCounter(&t0);
    {
        WST_TIME_SCOPE("dist_spin_all");
        if (which == 0) {
            WST_TIME_SCOPE("dist_spin_short");
            QueryPerformanceCounter(&in0);
            in1 = spin_until(in0, ticks);
        } else {
            WST_TIME_SCOPE("dist_spin_long");
            QueryPerformanceCounter(&in0);
            in1 = spin_until(in0, ticks);
        }
    }
    QueryPerformanceCounter(&t1);
    *inner = in1 - (uint64_t)in0.QuadPart;
    return (uint64_t)(t1.QuadPart - t0.QuadPart);
}

/* A scope left by return, break and goto still records: one of each. */
__declspec(dllexport) int wst_dist_exits(int how)
{
    for (int i = 0; i < 3; i++) {
        WST_TIME_SCOPE("dist_exits");
        if (how == 0)
            return i;
        if (how == 1)
            break;
        goto out;
    }
out:
    return -1;
}

/* Recursion: n nested scopes of one name. */
__declspec(dllexport) int wst_dist_recurse(int n)
{
    WST_TIME_SCOPE("dist_recurse");
    return n <= 1 ? 1 : 1 + wst_dist_recurse(n - 1);
}

__declspec(dllexport) void wst_dist_record(uint64_t v)
{
    WST_RECORD("dist_sizes", v);
}

__declspec(dllexport) void wst_dist_gauges(int n)
{
    for (int i = 0; i < n; i++) {
        WST_GAUGE_ADD("gauge_up", 3);
        WST_GAUGE_ADD("gauge_down", -5);
        WST_GAUGE_ADD("gauge_level", 1);
        WST_GAUGE_ADD("gauge_level", -1);
        WST_SET("gauge_set", i);
    }
}

__declspec(dllexport) void wst_dist_gauge_set(int64_t v)
{
    WST_SET("gauge_set", v);
}

/* A time scope open while the host frees the DLL: the thread took its own
 * reference first (as a thread that runs module code must), so the host's
 * FreeLibrary leaves the module loaded until the scope has recorded and the
 * thread leaves with FreeLibraryAndExitThread. `ready` is set inside the
 * scope; the scope closes when `go` is set. */
struct held {
    HANDLE ready, go;
};

static DWORD WINAPI held_thread(void *arg)
{
    struct held *h = arg;
    HMODULE self;
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, (LPCWSTR)(void *)held_thread,
                       &self);
    {
        WST_TIME_SCOPE("dist_held");
        SetEvent(h->ready);
        WaitForSingleObject(h->go, INFINITE);
    }
    FreeLibraryAndExitThread(self, 0);
}

__declspec(dllexport) HANDLE wst_dist_hold(HANDLE ready, HANDLE go)
{
    static struct held h;
    h.ready = ready;
    h.go = go;
    return CreateThread(NULL, 0, held_thread, &h, 0, NULL);
}

/* A thread that leaves through ExitThread from inside a scope: no cleanup
 * runs (ExitThread does not unwind), so the scope never records and nothing
 * of the module is touched after the thread is gone; the host then unloads
 * the DLL. */
static DWORD WINAPI abandon_thread(void *arg)
{
    (void)arg;
    WST_TIME_SCOPE("dist_abandoned");
    ExitThread(0);
}

__declspec(dllexport) HANDLE wst_dist_abandon(void)
{
    return CreateThread(NULL, 0, abandon_thread, NULL, 0, NULL);
}
