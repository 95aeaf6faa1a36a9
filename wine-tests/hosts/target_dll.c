/*
 * The instrumented scenario DLL, built twice (wst_target_a.dll,
 * wst_target_b.dll) so one process can hold two instrumented DLLs. Its host
 * knows nothing of winstrument: it only calls these exports.
 */
#include <windows.h>

#include <stdlib.h>
#include <string.h>

#include <winstrument.h>
#include <winstrument/protocol.h>

#include "pipe_name.h" /* src/common: the runtime's own name rule, not a copy */

/* ---------------------------------------------------------------- mutants
 * Built only for the tests (scenarios-<mutant>, wine-tests/module.mk): each
 * undoes one rule of the runtime while the runtime's own code stays the real
 * one, reached through its OS table or its mode table. scenarios.MUTANTS
 * names the scenarios that must catch each. */
#if defined(WST_MUTANT_NO_CANCEL) || defined(WST_MUTANT_LOADER_LOCK)
#include "os_win.h"
#endif

#ifdef WST_MUTANT_NO_CANCEL
/* Unload closes the worker's waits without cancelling a pending callback,
 * so it waits for it too. */
static VOID WINAPI close_without_cancel(PTP_CLEANUP_GROUP group, BOOL cancel_pending,
                                        PVOID context)
{
    (void)cancel_pending;
    CloseThreadpoolCleanupGroupMembers(group, FALSE, context);
}

__attribute__((constructor)) static void mutate(void)
{
    wst_os.CloseThreadpoolCleanupGroupMembers = close_without_cancel;
}
#endif

#ifdef WST_MUTANT_LOADER_LOCK
/* The worker takes the loader lock (LoadLibrary of a loaded DLL does) each
 * time it wakes, as a worker that resolved something lazily would. */
static DWORD WINAPI wait_taking_loader_lock(DWORD count, const HANDLE *handles, BOOL all,
                                            DWORD timeout_ms)
{
    DWORD woke = WaitForMultipleObjects(count, handles, all, timeout_ms);
    HMODULE k = LoadLibraryA("kernel32.dll");
    if (k != NULL)
        FreeLibrary(k);
    return woke;
}

__attribute__((constructor)) static void mutate(void)
{
    wst_os.WaitForMultipleObjects = wait_taking_loader_lock;
}
#endif

#ifdef WST_MUTANT_EXIT_WAIT
/* Process exit handled like an unload: signal the worker and wait for it,
 * although ExitProcess has already killed its thread. */
#include "mode.h"

typedef BOOLEAN(NTAPI *shutdown_in_progress_fn)(void);

__attribute__((destructor)) static void exit_as_unload(void)
{
    shutdown_in_progress_fn exiting = (shutdown_in_progress_fn)(void (*)(void))GetProcAddress(
        GetModuleHandleA("ntdll.dll"), "RtlDllShutdownInProgress");
    if (exiting != NULL && exiting())
        wst_mode_threadpool.stop_on_unload();
}
#endif

/* The runtime's region header; read here only so the host can tell the
 * driver which pipe to attack, as a test client would learn it. */
extern struct wst_region_header wst_region_;

__declspec(dllexport) void __cdecl wst_target_hit(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        WST_COUNT("target.calls");
        WST_ADD("target.bytes", 3);
    }
}

__declspec(dllexport) const char *__cdecl wst_target_pipe_name(void)
{
    return (const char *)wst_region_.pipe_name;
}

__declspec(dllexport) void __cdecl wst_target_exit(int code)
{
    exit(code);
}


/* The pipe name this load's worker will claim, known before its first hit
 * (the squat scenario takes it first). Format: winstrument/protocol.h. */
__declspec(dllexport) void __cdecl wst_target_planned_pipe(char out[WST_PIPE_NAME_MAX])
{
    wst_pipe_name_format(out, wst_region_.pid, wst_region_.instance);
}

/* The runtime's end-of-module save (src/runtime/save.c), called as the
 * detach calls it: the save-failure scenarios read what it recorded while
 * the module is still there to be read. */
unsigned wst_save_at_end(int process_exiting);

__declspec(dllexport) unsigned __cdecl wst_target_save_now(unsigned *error)
{
    unsigned state = wst_save_at_end(0);
    *error = wst_region_.save_error;
    return state;
}

__declspec(dllexport) unsigned long long __cdecl wst_target_instance(void)
{
    return wst_region_.instance;
}

__declspec(dllexport) unsigned __cdecl wst_target_worker_state(void)
{
    return __atomic_load_n(&wst_region_.worker_state, __ATOMIC_ACQUIRE);
}

/* The on-demand worker: the trigger's name (known as an inspector derives
 * it), whether it is armed, and how many times the worker started. */
__declspec(dllexport) void __cdecl wst_target_trigger_name(char out[WST_PIPE_NAME_MAX])
{
    wst_trigger_name_format(out, wst_region_.pid, wst_region_.instance);
}

__declspec(dllexport) unsigned __cdecl wst_target_trigger_state(void)
{
    return wst_region_.trigger_state;
}

__declspec(dllexport) unsigned __cdecl wst_target_worker_starts(void)
{
    return __atomic_load_n(&wst_region_.worker_starts, __ATOMIC_ACQUIRE);
}

/* Damages this module's own region the way a stray write in the host could,
 * for the inspector to meet in a live process. Returns 0 for an unknown kind. */
extern struct wst_region_trailer wst_region_end_;
struct wst_counter *wst_region_counters_begin(void); /* src/runtime/region.c */

__declspec(dllexport) int __cdecl wst_target_corrupt(const char *kind)
{
    struct wst_counter *first = wst_region_counters_begin();
    if (strcmp(kind, "magic") == 0)
        wst_region_.magic = 0xdeadbeefu;
    else if (strcmp(kind, "version") == 0)
        wst_region_.layout_version = 999;
    else if (strcmp(kind, "header-size") == 0)
        wst_region_.header_size = 0xfff0;
    else if (strcmp(kind, "counter-size") == 0)
        wst_region_.counter_size = 0x7fffffffu;
    else if (strcmp(kind, "stripes") == 0)
        wst_region_.stripes = 0;
    else if (strcmp(kind, "counter-magic") == 0)
        first->magic = 0x12345678u;
    else if (strcmp(kind, "counter-name") == 0)
        memset(first->name, 'x', sizeof first->name);
    else if (strcmp(kind, "trailer") == 0)
        wst_region_end_.magic = 0;
    else
        return 0;
    return 1;
}
