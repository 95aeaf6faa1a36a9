/*
 * Helper mode: the module's worker is a thread whose code lives in
 * wsthelper.dll (src/helper/). The module finds the helper, has it loaded
 * outside the loader lock, hands it a session (winstrument/helper_abi.h),
 * and at unload only cancels the session's claim under its lock and signals
 * the thread, without waiting for it; the thread then leaves by itself
 * through FreeLibraryAndExitThread, after the unload has returned.
 * docs/modes.md, "Helper mode", has the reasoning.
 *
 * Threads that enter:
 *   - the loader (tls_hook.c -> lifecycle.c), under the loader lock: attach,
 *     stop_on_unload, stop_at_exit; stop_on_unload may also run on the pool
 *     thread of our own loader item, when that item held the last reference
 *     to the module (FreeLibraryWhenCallbackReturns below);
 *   - the first thread to hit a probe: first_hit, once per load, possibly
 *     under the loader lock (a probe in a DllMain);
 *   - one pool thread of a private pool: loader_main, the item that loads
 *     the helper.
 *
 * Finding the helper (at attach, so that a missing one shows at once):
 * wsthelper.dll in the instrumented module's own directory, else in the
 * directory of the process's EXE. Never the DLL search path: a helper from
 * some other directory would be code nobody meant to run here. Missing, of
 * another interface version, or failing to load or start: header.helper_state
 * says which, and the fallback is threadless (worker_state NONE: no worker,
 * the inspector reads memory).
 *
 * Deferring the load. first_hit may hold the loader lock, so it only submits
 * loader_main. loader_main runs module code, so it must never block on the
 * loader lock: the unload, holding that lock, could neither wait for it
 * (deadlock) nor return while it runs (it would return into an unmapped
 * module). So loader_main only ever *tries* the loader lock
 * (LdrLockLoaderLock with the try-only flag), waiting on a condition
 * variable between tries, which the unload wakes (no kernel object: an
 * event costs three Wine server calls a load). Holding it,
 * it pins the module (GetModuleHandleExW, a recursive acquisition) and
 * moves `load` from PENDING to PINNED; only then,
 * the lock released, does it LoadLibrary the helper. Because the move
 * happens under the loader lock, the unload (which holds it) sees either
 * PENDING (loader_main never blocks on the loader: waiting for it is safe)
 * or a pin that has already been dropped (the module's refcount reached 0,
 * so loader_main has returned: FreeLibraryWhenCallbackReturns drops the pin
 * in ntdll after the callback, and when that was the last reference the
 * unload runs right there, on the pool thread).
 *
 * What it must never do:
 *   - first_hit neither waits nor takes the loader lock (like threadpool mode);
 *   - loader_main never blocks on the loader lock while unpinned (see above);
 *   - stop_on_unload waits only for what cannot need the loader lock: a
 *     loader_main that is PENDING, and the session's lock, which the helper
 *     thread holds only while it writes to the region or answers a request
 *     (never across a wait, never taking the loader lock);
 *   - nothing here writes output; failures go into the region.
 */
#include <windows.h>

#include <string.h>

#include "mode.h"
#include "os_win.h"
#include "region_internal.h"
#include "start_gate.h"
#include "winstrument/helper_abi.h"
#include "winstrument/protocol.h"

#define LDR_LOCK_TRY_ONLY 0x2u
#define LDR_LOCK_ACQUIRED 1u
/* How long loader_main waits between tries of the loader lock. Not a
 * timeout: it tries until it gets the lock or the stop comes. */
#define LOADER_RETRY_MS 2u
/* What the helper thread needs of a host thread's handle: to wait for it,
 * and to read its exit time and code (GetThreadTimes, GetExitCodeThread). */
#define HOST_THREAD_ACCESS (SYNCHRONIZE | THREAD_QUERY_INFORMATION)

typedef LONG(NTAPI *ldr_lock_fn)(ULONG flags, ULONG *disposition, ULONG_PTR *cookie);
typedef LONG(NTAPI *ldr_unlock_fn)(ULONG flags, ULONG_PTR cookie);

/* start: the first hit / stop agreement (start_gate.h). load: loader_main /
 * stop agreement, described above. */
enum load_state { LOAD_PENDING = 0, LOAD_PINNED, LOAD_CLOSED };

struct helper_state {
    void *module; /* attach; constant afterwards */
    BOOL found;   /* attach: path names an existing file */
    WCHAR path[MAX_PATH];
    ldr_lock_fn lock_loader; /* attach; NULL if ntdll lacks them: no load */
    ldr_unlock_fn unlock_loader;
    /* loader_main's stop: `closing` is set by stop_on_unload under `lock`,
     * which loader_main holds only around its wait on `wake` (never while
     * it calls the loader). Zeroed = initialized. */
    SRWLOCK lock;
    CONDITION_VARIABLE wake;
    BOOL closing;
    /* Written by first_hit before the submit, released by stop_on_unload. */
    PTP_POOL pool;
    TP_CALLBACK_ENVIRON environment;
    PTP_WORK work;
    DWORD loader_thread_id; /* attach: the thread that loaded us */
    HANDLE first_hitter;    /* these two go to the session once it exists */
    HANDLE loader_thread;
    /* Written by loader_main while pinned; read by the unload (which cannot
     * overlap the pin). */
    struct wst_helper_session *session;
    volatile LONG start; /* enum start_state, interlocked */
    volatile LONG load;  /* enum load_state, interlocked */
};

static struct helper_state hs;

/* ---------------------------------------------------------- region fields */

static void set_helper_state(enum wst_helper_state state, DWORD error)
{
    __atomic_store_n(&wst_region_.helper_error, (uint32_t)error, __ATOMIC_RELAXED);
    __atomic_store_n(&wst_region_.helper_state, (uint32_t)state, __ATOMIC_RELEASE);
}

/* The fallback: no worker, memory reads only. */
static void fall_back(enum wst_helper_state why, DWORD error)
{
    set_helper_state(why, error);
    wst_region_set_worker_state(WST_WORKER_NONE);
}

/* ------------------------------------------------------------ the search */

/* Replaces the file part of `path` (as GetModuleFileNameW wrote it) with the
 * helper's name; FALSE if it does not fit. */
static BOOL helper_beside(WCHAR *path, DWORD length)
{
    if (length == 0 || length >= MAX_PATH)
        return FALSE;
    WCHAR *slash = wcsrchr(path, L'\\');
    WCHAR *file = slash != NULL ? slash + 1 : path;
    size_t room = MAX_PATH - (size_t)(file - path);
    if (wcslen(WST_HELPER_DLL_NAME) + 1 > room)
        return FALSE;
    wcscpy(file, WST_HELPER_DLL_NAME);
    return TRUE;
}

static BOOL file_exists(const WCHAR *path)
{
    DWORD attributes = GetFileAttributesW(path);
    return attributes != INVALID_FILE_ATTRIBUTES && !(attributes & FILE_ATTRIBUTE_DIRECTORY);
}

/* Under the loader lock, at attach: GetModuleFileNameW takes that lock
 * again (recursively) and GetFileAttributesW none. */
static void find_helper(void *module)
{
    HMODULE places[2] = {(HMODULE)module, NULL};
    for (int i = 0; i < 2; i++) {
        DWORD n = GetModuleFileNameW(places[i], hs.path, MAX_PATH);
        if (helper_beside(hs.path, n) && file_exists(hs.path)) {
            hs.found = TRUE;
            wst_region_.helper_where = i == 0 ? WST_HELPER_WHERE_MODULE : WST_HELPER_WHERE_EXE;
            return;
        }
    }
    hs.path[0] = L'\0';
}

/* ------------------------------------------------------- loading (pinned) */

static struct wst_helper_session *new_session(HMODULE helper)
{
    struct wst_helper_session *s = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof *s);
    if (s == NULL)
        return NULL;
    s->size = sizeof *s;
    s->interface_version = WST_HELPER_INTERFACE_VERSION;
    s->layout_version = WST_LAYOUT_VERSION;
    s->protocol_version = WST_PROTOCOL_VERSION;
    s->pid = wst_region_.pid;
    s->instance = wst_region_.instance;
    s->module_base = (uint64_t)(uintptr_t)hs.module;
    s->helper = helper;
    s->region = &wst_region_;
    s->counters_begin = wst_region_counters_begin();
    s->counters_end = wst_region_counters_end();
    s->claim = WST_HELPER_CLAIM_STARTING;
    s->refs = 2;
    s->stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (s->stop_event == NULL) {
        s->refs = 1;
        wst_helper_session_release(s);
        return NULL;
    }
    /* The host threads' handles move to the block: the thread watches them. */
    s->first_hitter = hs.first_hitter;
    s->loader_thread = hs.loader_thread;
    hs.first_hitter = NULL;
    hs.loader_thread = NULL;
    return s;
}

/* Loads, checks and starts the helper. Runs with the module pinned and the
 * loader lock free, so LoadLibrary and GetProcAddress are fine here. */
static void load_helper(void)
{
    HMODULE helper = LoadLibraryExW(hs.path, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
    if (helper == NULL) {
        fall_back(WST_HELPER_LOAD_FAILED, GetLastError());
        return;
    }
    wst_helper_version_fn version =
        (wst_helper_version_fn)(void (*)(void))GetProcAddress(helper, WST_HELPER_VERSION_EXPORT);
    wst_helper_start_fn start =
        (wst_helper_start_fn)(void (*)(void))GetProcAddress(helper, WST_HELPER_START_EXPORT);
    uint32_t offered = version != NULL ? version() : 0;
    __atomic_store_n(&wst_region_.helper_version, offered, __ATOMIC_RELAXED);
    if (offered != WST_HELPER_INTERFACE_VERSION || start == NULL) {
        FreeLibrary(helper);
        fall_back(WST_HELPER_WRONG_VERSION, 0);
        return;
    }
    struct wst_helper_session *session = new_session(helper);
    if (session == NULL) {
        DWORD error = GetLastError();
        FreeLibrary(helper);
        fall_back(WST_HELPER_LOAD_FAILED, error != 0 ? error : ERROR_NOT_ENOUGH_MEMORY);
        return;
    }
    /* LOADED before the start: the thread may publish SERVING at once. */
    set_helper_state(WST_HELPER_LOADED, 0);
    uint32_t error = start(session);
    if (error != 0) {
        /* No thread: both references are ours, and so is the helper's. */
        wst_helper_session_release(session);
        wst_helper_session_release(session);
        FreeLibrary(helper);
        fall_back(WST_HELPER_LOAD_FAILED, error);
        return;
    }
    hs.session = session; /* its reference to `helper` is now the thread's */
}

/* Tries the loader lock until it is ours or the stop is set; never blocks
 * on it (see the top of the file). TRUE with the lock held. */
static BOOL try_loader_lock(ULONG_PTR *cookie)
{
    for (;;) {
        ULONG disposition = 0;
        if (hs.lock_loader(LDR_LOCK_TRY_ONLY, &disposition, cookie) >= 0 &&
            disposition == LDR_LOCK_ACQUIRED)
            return TRUE;
        AcquireSRWLockExclusive(&hs.lock);
        if (!hs.closing)
            SleepConditionVariableSRW(&hs.wake, &hs.lock, LOADER_RETRY_MS, 0);
        BOOL stop = hs.closing;
        ReleaseSRWLockExclusive(&hs.lock);
        if (stop)
            return FALSE;
    }
}

static void release_loader(void)
{
    if (hs.work != NULL)
        wst_os.CloseThreadpoolWork(hs.work);
    if (hs.pool != NULL)
        wst_os.CloseThreadpool(hs.pool);
    DestroyThreadpoolEnvironment(&hs.environment);
    if (hs.first_hitter != NULL)
        CloseHandle(hs.first_hitter);
    if (hs.loader_thread != NULL)
        CloseHandle(hs.loader_thread);
    hs.work = NULL;
    hs.pool = NULL;
    hs.first_hitter = NULL;
    hs.loader_thread = NULL;
}

static void CALLBACK loader_main(PTP_CALLBACK_INSTANCE instance, PVOID context, PTP_WORK work)
{
    (void)context;
    (void)work;
    ULONG_PTR cookie = 0;
    HMODULE self = NULL;

    if (!try_loader_lock(&cookie))
        return; /* the unload set the stop: it waits for this return */
    /* Both under the loader lock, so the unload cannot see them half done. */
    if (hs.load != LOAD_PENDING) {
        hs.unlock_loader(0, cookie);
        return;
    }
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, (LPCWSTR)(void *)&wst_region_,
                            &self)) {
        /* Still PENDING: the unload may wait for this return, which needs
         * no loader lock. */
        fall_back(WST_HELPER_LOAD_FAILED, GetLastError());
        hs.unlock_loader(0, cookie);
        return;
    }
    InterlockedExchange(&hs.load, LOAD_PINNED);
    hs.unlock_loader(0, cookie);

    load_helper();
    /* Done with the pool: closing it from here lets its thread go at once,
     * instead of idling for the module's whole life (an idle pool thread
     * would also count as a host thread, host_threads.h). Pinned, so the
     * unload cannot be using these meanwhile. */
    release_loader();
    /* The pin goes after we return, in ntdll: if it was the last reference,
     * the unload runs there, with none of our code left on the stack. */
    FreeLibraryWhenCallbackReturns(instance, self);
}

/* ------------------------------------------------------------ mode table */

static void helper_attach(void *module)
{
    memset(&hs, 0, sizeof hs);
    hs.module = module;
    hs.loader_thread_id = GetCurrentThreadId();
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    hs.lock_loader = (ldr_lock_fn)(void (*)(void))GetProcAddress(ntdll, "LdrLockLoaderLock");
    hs.unlock_loader = (ldr_unlock_fn)(void (*)(void))GetProcAddress(ntdll, "LdrUnlockLoaderLock");
    wst_region_.worker_error = 0;
    wst_region_.helper_version = 0;
    wst_region_.helper_where = WST_HELPER_WHERE_NONE;
    find_helper(module);
    if (!hs.found) {
        fall_back(WST_HELPER_MISSING, ERROR_MOD_NOT_FOUND);
        return;
    }
    if (hs.lock_loader == NULL || hs.unlock_loader == NULL) {
        fall_back(WST_HELPER_LOAD_FAILED, ERROR_PROC_NOT_FOUND);
        return;
    }
    set_helper_state(WST_HELPER_NONE, 0);
    wst_region_set_worker_state(WST_WORKER_IDLE);
}

/* Creates the private pool and the loader item, and submits it; no waiting,
 * no loader lock (the caller may hold it, or the unload may). */
static void helper_first_hit(void)
{
    if (InterlockedCompareExchange(&hs.start, START_STARTING, START_IDLE) != START_IDLE)
        return;
    if (!hs.found || hs.lock_loader == NULL) {
        InterlockedExchange(&hs.start, START_RUNNING); /* the fallback: nothing to start */
        return;
    }
    hs.pool = wst_os.CreateThreadpool(NULL);
    if (hs.pool == NULL)
        goto failed;
    wst_os.SetThreadpoolThreadMaximum(hs.pool, 1);
    InitializeThreadpoolEnvironment(&hs.environment);
    SetThreadpoolCallbackPool(&hs.environment, hs.pool);
    hs.work = wst_os.CreateThreadpoolWork(loader_main, NULL, &hs.environment);
    if (hs.work == NULL)
        goto failed;
    /* The helper thread begins later, maybe after these threads have ended
     * (the host's last among them): it needs their handles to know their
     * exit codes (host_threads.h). The loader thread is opened only when it
     * is another, and only if it still runs (its id is not reused then). */
    hs.first_hitter = OpenThread(HOST_THREAD_ACCESS, FALSE, GetCurrentThreadId());
    if (hs.loader_thread_id != GetCurrentThreadId())
        hs.loader_thread = OpenThread(HOST_THREAD_ACCESS, FALSE, hs.loader_thread_id);
    set_helper_state(WST_HELPER_LOADING, 0);
    wst_region_set_worker_state(WST_WORKER_STARTING);
    wst_os.SubmitThreadpoolWork(hs.work);
    InterlockedExchange(&hs.start, START_RUNNING);
    return;
failed:
    fall_back(WST_HELPER_LOAD_FAILED, GetLastError());
    release_loader();
    InterlockedExchange(&hs.start, START_RUNNING);
}

/* The loader item: if it never pinned the module, it never blocks on the
 * loader lock, so it is cancelled if queued and waited for if running. If
 * it pinned, it has returned already (we are in the unload, so the pin is
 * gone), and this may be its own pool thread: no wait. */
static void stop_loader(void)
{
    if (hs.work == NULL)
        return;
    if (InterlockedCompareExchange(&hs.load, LOAD_CLOSED, LOAD_PENDING) == LOAD_PENDING) {
        /* Set under the lock, so that loader_main either sees it before it
         * sleeps or is asleep and gets the wake: it returns at once. */
        AcquireSRWLockExclusive(&hs.lock);
        hs.closing = TRUE;
        ReleaseSRWLockExclusive(&hs.lock);
        WakeAllConditionVariable(&hs.wake);
        wst_os.WaitForThreadpoolWorkCallbacks(hs.work, TRUE);
    }
}

/* The helper thread: whatever it is doing, once we hold the session's lock
 * it is not touching the module, and CANCELLED keeps it from ever doing so
 * again. Nothing else is waited for: not the thread's start (it needs the
 * loader lock we hold), not its pipe's close, not its exit. It leaves by
 * itself afterwards. Server calls: SetEvent only, when the thread runs. */
static void stop_helper_thread(void)
{
    struct wst_helper_session *s = hs.session;
    hs.session = NULL;
    if (s == NULL)
        return;
    AcquireSRWLockExclusive(&s->lock);
    LONG was = s->claim;
    s->claim = WST_HELPER_CLAIM_CANCELLED;
    ReleaseSRWLockExclusive(&s->lock);
    if (was == WST_HELPER_CLAIM_SERVING)
        SetEvent(s->stop_event);
    wst_helper_session_release(s);
}

static void helper_stop_on_unload(void)
{
    if (wst_start_claim_stop(&hs.start) == START_RUNNING) {
        stop_loader();
        stop_helper_thread();
        release_loader();
    }
    memset(wst_region_.pipe_name, 0, WST_PIPE_NAME_MAX);
    if (wst_region_.worker_state != WST_WORKER_NONE)
        wst_region_set_worker_state(WST_WORKER_STOPPED);
}

/* Process exit: every other thread, the helper's and the loader's included,
 * is gone already; the OS reclaims the rest. */
static void helper_stop_at_exit(void)
{
    InterlockedExchange(&hs.start, START_EXITED);
    if (wst_region_.worker_state != WST_WORKER_NONE)
        wst_region_set_worker_state(WST_WORKER_STOPPED);
}

const struct wst_mode_ops wst_mode_helper = {
    .name = "helper",
    .mode = WST_MODE_HELPER,
    .attach = helper_attach,
    .first_hit = helper_first_hit,
    .stop_on_unload = helper_stop_on_unload,
    .stop_at_exit = helper_stop_at_exit,
};
