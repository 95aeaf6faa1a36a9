/*
 * The design floor of helper mode (issue 14 part 1), for bench_lifecycle: a
 * DLL without the runtime (lifecycle_hfloor.dll) that does only what that
 * design needs, with its worker's code in a second DLL
 * (bench/helper_floor_helper.c, hfloor_helper.dll, next to it):
 *
 *   attach      the second DLL's path, beside this module (no file check);
 *   first call  the deferral: it may run under the loader lock (a DllMain),
 *               so it only submits a work item (a private pool of one
 *               thread, as the runtime's; see first_call for why);
 *   the item    tries the loader lock until it gets it or the unload begins
 *               (waiting on a condition variable between tries, so the
 *               unload wakes it at once, with no kernel object); holding it,
 *               loads the second DLL, makes the session (heap block, stop
 *               event) and has the second DLL start its thread;
 *   the thread  claims the session, publishes SERVING, waits for the stop,
 *               leaves through FreeLibraryAndExitThread;
 *   detach      wakes and cancels or waits for the item (it never blocks on
 *               the loader lock, so waiting is safe), cancels the claim under
 *               the session's lock, sets the stop if the thread had begun,
 *               and returns without waiting for the thread.
 *
 * Left out, as the runtime's and not the design's: the region, the pipe and
 * everything the thread serves with (its security, the host-thread watch and
 * the two host thread handles it needs, the thread's name), the helper's
 * file check and version checks, the first hitter's thread handle.
 *
 * Shortcuts the runtime cannot take, stated:
 *   - the item holds the loader lock (try-locked) across the second DLL's
 *     LoadLibrary and start, so the module needs no pin (the runtime's
 *     GetModuleHandleExW and FreeLibraryWhenCallbackReturns, and the delayed
 *     unload that the pin causes). Under Wine the unload holds the loader
 *     lock for its whole run, so a try-lock excludes it completely and a
 *     recursive load is fine; on Windows 10 a load from a thread that holds
 *     the loader lock but is not the load owner can deadlock against another
 *     thread's load (docs/modes.md, "Deferring the load");
 *   - the first call and the unload never overlap (the benchmark calls both
 *     from one thread), so one interlocked word stands for start_gate.h.
 * It keeps what no floor may drop: no hang (nothing under the loader lock
 * waits for what needs that lock), no leak (the thread drops the second
 * DLL), nothing of the module touched after detach returns.
 *
 * Threads: the loader (DllMain), the host's calling thread, the private
 * pool's thread (the item), the second DLL's thread. Never writes output.
 */
#include <windows.h>

#include <stdint.h>
#include <wchar.h>

#include "helper_floor.h"
#include "winstrument/region.h"

#define LDR_LOCK_TRY_ONLY 0x2u
#define LDR_LOCK_ACQUIRED 1u
#define RETRY_MS 2u /* between tries of the loader lock; not a timeout */

typedef LONG(NTAPI *ldr_lock_fn)(ULONG flags, ULONG *disposition, ULONG_PTR *cookie);
typedef LONG(NTAPI *ldr_unlock_fn)(ULONG flags, ULONG_PTR cookie);

static uint64_t calls;
static WCHAR helper_path[MAX_PATH];
static ldr_lock_fn lock_loader;
static ldr_unlock_fn unlock_loader;
static volatile LONG started;
static PTP_WORK work;
static PTP_POOL pool;
static TP_CALLBACK_ENVIRON environment;
static SRWLOCK lock = SRWLOCK_INIT;
static CONDITION_VARIABLE wake = CONDITION_VARIABLE_INIT;
static BOOL closing; /* under lock: the detach has begun */
/* Written by the item under the loader lock, read by the detach (which
 * holds that lock, after the item has returned). */
static struct hfloor_session *session;
static volatile LONG state = WST_WORKER_IDLE;

/* Under the loader lock (the item's try-lock): loads and starts the helper. */
static void start_helper(void)
{
    HMODULE helper = LoadLibraryExW(helper_path, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
    if (helper == NULL)
        return;
    hfloor_start_fn start =
        (hfloor_start_fn)(void (*)(void))GetProcAddress(helper, HFLOOR_START_EXPORT);
    struct hfloor_session *s = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof *s);
    if (start == NULL || s == NULL)
        goto failed;
    s->helper = helper;
    s->state = &state;
    s->refs = 2;
    s->stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (s->stop == NULL || start(s) != 0)
        goto failed;
    session = s; /* the thread owns `helper` now */
    return;
failed:
    if (s != NULL && s->stop != NULL)
        CloseHandle(s->stop);
    if (s != NULL)
        HeapFree(GetProcessHeap(), 0, s);
    FreeLibrary(helper);
}

static void CALLBACK loader_item(PTP_CALLBACK_INSTANCE instance, PVOID context, PTP_WORK w)
{
    (void)instance;
    (void)context;
    (void)w;
    ULONG_PTR cookie = 0;
    for (;;) {
        ULONG disposition = 0;
        if (lock_loader(LDR_LOCK_TRY_ONLY, &disposition, &cookie) >= 0 &&
            disposition == LDR_LOCK_ACQUIRED)
            break;
        AcquireSRWLockExclusive(&lock);
        if (!closing)
            SleepConditionVariableSRW(&wake, &lock, RETRY_MS, 0);
        BOOL stop = closing;
        ReleaseSRWLockExclusive(&lock);
        if (stop)
            return; /* the detach waits for this return */
    }
    /* Holding the loader lock: the detach, which holds it throughout, is not
     * running and cannot begin until we let go. */
    start_helper();
    unlock_loader(0, cookie);
}

static void attach(HINSTANCE module)
{
    DWORD n = GetModuleFileNameW(module, helper_path, MAX_PATH);
    WCHAR *slash = n > 0 && n < MAX_PATH ? wcsrchr(helper_path, L'\\') : NULL;
    if (slash == NULL ||
        (size_t)(slash + 1 - helper_path) + wcslen(HFLOOR_HELPER_NAME) + 1 > MAX_PATH) {
        helper_path[0] = L'\0';
        return;
    }
    wcscpy(slash + 1, HFLOOR_HELPER_NAME);
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    lock_loader = (ldr_lock_fn)(void (*)(void))GetProcAddress(ntdll, "LdrLockLoaderLock");
    unlock_loader = (ldr_unlock_fn)(void (*)(void))GetProcAddress(ntdll, "LdrUnlockLoaderLock");
}

static void first_call(void)
{
    if (InterlockedCompareExchange(&started, 1, 0) != 0)
        return;
    if (helper_path[0] == L'\0' || lock_loader == NULL || unlock_loader == NULL)
        return;
    /* A private pool, as the runtime has: under Wine the default pool's
     * threads are warm, so the item would nearly always take the loader lock
     * before the host's FreeLibrary and load the second DLL in a cycle that
     * nobody asks about (measured: 4.5x a bare cycle against 2.8x). */
    pool = CreateThreadpool(NULL);
    if (pool == NULL)
        return;
    SetThreadpoolThreadMaximum(pool, 1);
    InitializeThreadpoolEnvironment(&environment);
    SetThreadpoolCallbackPool(&environment, pool);
    work = CreateThreadpoolWork(loader_item, NULL, &environment);
    if (work == NULL)
        return;
    InterlockedExchange(&state, WST_WORKER_STARTING);
    SubmitThreadpoolWork(work);
}

static void detach(void)
{
    AcquireSRWLockExclusive(&lock);
    closing = TRUE;
    ReleaseSRWLockExclusive(&lock);
    WakeAllConditionVariable(&wake);
    if (work != NULL) {
        /* Cancels an item not yet begun (its thread's start would need the
         * loader lock we hold); a running one never blocks on that lock. */
        WaitForThreadpoolWorkCallbacks(work, TRUE);
        CloseThreadpoolWork(work);
    }
    if (pool != NULL) {
        CloseThreadpool(pool); /* its thread leaves by itself */
        DestroyThreadpoolEnvironment(&environment);
    }
    struct hfloor_session *s = session;
    if (s == NULL)
        return;
    AcquireSRWLockExclusive(&s->lock);
    LONG was = s->claim;
    s->claim = HFLOOR_CANCELLED;
    ReleaseSRWLockExclusive(&s->lock);
    if (was == HFLOOR_SERVING)
        SetEvent(s->stop);
    hfloor_release(s);
}

BOOL WINAPI DllMain(HINSTANCE module, DWORD reason, LPVOID reserved)
{
    if (reason == DLL_PROCESS_ATTACH)
        attach(module);
    else if (reason == DLL_PROCESS_DETACH && reserved == NULL)
        detach(); /* at exit every other thread is gone: nothing to stop */
    return TRUE;
}

/* The exports bench_lifecycle calls, as lifecycle_dll.c has them. */
__declspec(dllexport) void __cdecl bench_lc_call(void)
{
    __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&started, __ATOMIC_ACQUIRE) == 0)
        first_call();
}

__declspec(dllexport) unsigned __cdecl bench_lc_worker_state(void)
{
    return (unsigned)InterlockedCompareExchange(&state, 0, 0);
}

/* No trigger: the worker starts at the first call, as in helper mode. */
__declspec(dllexport) void __cdecl bench_lc_trigger_name(char out[WST_PIPE_NAME_MAX])
{
    out[0] = '\0';
}

__declspec(dllexport) unsigned __cdecl bench_lc_mode(void)
{
    return WST_MODE_UNSET;
}
