/*
 * The DLL that bench_lifecycle loads and unloads, built twice from this one
 * source so that the two differ only by the runtime:
 *
 *   lifecycle_wst.dll     linked with libwinstrument.a; its probe is WST_COUNT
 *   lifecycle_plain.dll   compiled with -DWST_BENCH_PLAIN and not linked with
 *                         the runtime; the probe is a plain atomic add
 *
 * Its host calls the exports below from its main thread only, between
 * LoadLibrary and FreeLibrary. It has no DllMain: the runtime's TLS callback
 * is the only loader hook in the instrumented build, as in a real module.
 */
#include <windows.h>

#include <stdint.h>

#include "winstrument/region.h"

#ifndef WST_BENCH_PLAIN
#include "winstrument.h"

/* src/common/pipe_name.c, linked in with the runtime. */
void wst_trigger_name_format(char out[WST_PIPE_NAME_MAX], uint32_t pid, uint64_t instance);

/* The runtime's region header, read for worker_state and mode the way the
 * scenario DLLs expose them (wine-tests/hosts/target_dll.c). */
extern struct wst_region_header wst_region_;
#endif

#ifdef WST_BENCH_PLAIN
/* Same atomic add as a WST_COUNT hit, minus the stripe choice and the
 * first-hit check, so the plain DLL is a fair floor rather than an empty one. */
static uint64_t plain_calls;
#define BENCH_PROBE() __atomic_fetch_add(&plain_calls, 1, __ATOMIC_RELAXED)
#else
#define BENCH_PROBE() WST_COUNT("lifecycle.call")
#endif

/* The instrumented function. Its hits start nothing: the threadpool worker
 * starts only when the host signals the trigger (the serving case). */
__declspec(dllexport) void __cdecl bench_lc_call(void)
{
    BENCH_PROBE();
}

/* enum wst_worker_state; WST_WORKER_NONE in the plain build. */
__declspec(dllexport) unsigned __cdecl bench_lc_worker_state(void)
{
#ifdef WST_BENCH_PLAIN
    return WST_WORKER_NONE;
#else
    return __atomic_load_n(&wst_region_.worker_state, __ATOMIC_ACQUIRE);
#endif
}

/* The name of this load's trigger (src/common/pipe_name.h), which the host
 * signals as an inspector would; empty in the plain build. */
__declspec(dllexport) void __cdecl bench_lc_trigger_name(char out[WST_PIPE_NAME_MAX])
{
#ifdef WST_BENCH_PLAIN
    out[0] = '\0';
#else
    wst_trigger_name_format(out, wst_region_.pid, wst_region_.instance);
#endif
}

/* enum wst_mode this load chose at attach; WST_MODE_UNSET in the plain build.
 * The host checks it, so a mistyped WINSTRUMENT_MODE cannot go unnoticed. */
__declspec(dllexport) unsigned __cdecl bench_lc_mode(void)
{
#ifdef WST_BENCH_PLAIN
    return WST_MODE_UNSET;
#else
    return wst_region_.mode;
#endif
}
