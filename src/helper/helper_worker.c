/*
 * The helper thread: serves one instrumented module's pipe from that
 * module's region, through the session the module handed over
 * (winstrument/helper_abi.h), then leaves through FreeLibraryAndExitThread
 * with the reference to wsthelper.dll that the session carries.
 *
 * Threads: one thread per session, created by wsthelper_start. Several may
 * run at once, for several modules or for two loads of one module (a reload
 * before the old thread has left): each has its own session, pipe name
 * (from the module's instance) and stack state, and nothing here is global
 * but constants and host_threads.c's resolved entry points.
 *
 * Never:
 *   - touches the module's memory (session->region, the counters) but under
 *     the session's lock with the claim SERVING (module_enter): the module's
 *     unload takes that lock, sets CANCELLED and returns at once, and its
 *     memory may then be gone or be another load's. The lock is held only
 *     while a region field is written or one request is answered, never
 *     across a wait or a pipe read, so the unload never waits for a client;
 *   - takes the loader lock before the claim is cancelled (the unload may
 *     wait for the session's lock under it): no LoadLibrary,
 *     GetModuleHandleEx, FreeLibrary. Once cancelled, nobody waits for the
 *     thread: it waits for the loader lock to be free before it closes its
 *     pipe (let_the_unload_finish), and FreeLibraryAndExitThread is its last
 *     call;
 *   - writes output (a failure goes into the region, while claimed);
 *   - keeps the process alive: when no host thread is left it ends the
 *     process, as threadpool mode's worker does (host_threads.h).
 */
#include "helper_worker.h"

#include <string.h>

#include "host_threads.h"
#include "pipe_server.h"
#include "winstrument/helper_abi.h"

/* ------------------------------------------------ the module's region */

/* TRUE with the session's lock held while the module is there (claim
 * SERVING); FALSE, lock not held, once the unload has cancelled it. */
static BOOL module_enter(struct wst_helper_session *s)
{
    AcquireSRWLockExclusive(&s->lock);
    if (s->claim == WST_HELPER_CLAIM_SERVING)
        return TRUE;
    ReleaseSRWLockExclusive(&s->lock);
    return FALSE;
}

static void module_leave(struct wst_helper_session *s)
{
    ReleaseSRWLockExclusive(&s->lock);
}

static BOOL enter_region(void *context)
{
    return module_enter(context);
}

static void leave_region(void *context)
{
    module_leave(context);
}

static void set_worker_state(struct wst_helper_session *s, enum wst_worker_state state)
{
    __atomic_store_n(&s->region->worker_state, (uint32_t)state, __ATOMIC_RELEASE);
}

static void record_failure(struct wst_helper_session *s, DWORD error)
{
    if (!module_enter(s))
        return;
    __atomic_store_n(&s->region->worker_error, error != 0 ? error : ERROR_GEN_FAILURE,
                     __ATOMIC_RELAXED);
    memset(s->region->pipe_name, 0, WST_PIPE_NAME_MAX);
    set_worker_state(s, WST_WORKER_PIPE_FAILED);
    module_leave(s);
}

static void record_start_time(struct wst_helper_session *s)
{
    FILETIME now;
    GetSystemTimeAsFileTime(&now);
    uint64_t ticks = ((uint64_t)now.dwHighDateTime << 32) | now.dwLowDateTime;
    if (!module_enter(s))
        return;
    __atomic_store_n(&s->region->started_at, ticks, __ATOMIC_RELAXED);
    module_leave(s);
}

/* ---------------------------------------------- after the unload's stop */

typedef LONG(NTAPI *ldr_lock_fn)(ULONG flags, ULONG *disposition, ULONG_PTR *cookie);
typedef LONG(NTAPI *ldr_unlock_fn)(ULONG flags, ULONG_PTR cookie);

/* Resolved by wsthelper_start (the same values every time). */
static ldr_lock_fn lock_loader;
static ldr_unlock_fn unlock_loader;

void wst_helper_worker_resolve(void)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    ldr_lock_fn lock = (ldr_lock_fn)(void (*)(void))GetProcAddress(ntdll, "LdrLockLoaderLock");
    ldr_unlock_fn unlock =
        (ldr_unlock_fn)(void (*)(void))GetProcAddress(ntdll, "LdrUnlockLoaderLock");
    __atomic_store_n(&lock_loader, lock, __ATOMIC_RELAXED);
    __atomic_store_n(&unlock_loader, unlock, __ATOMIC_RELAXED);
}

/* The unload cancelled the claim and set the stop while it holds the loader
 * lock; waits until it has let that lock go, so that closing the pipe (some
 * twenty Wine server calls: cancel, reap and close four instances and their
 * events) does not queue in wineserver ahead of the rest of the unload. The
 * claim is cancelled, so nothing waits for this thread: blocking on the
 * loader lock is safe here, as FreeLibraryAndExitThread does it anyway. */
static void let_the_unload_finish(void)
{
    ldr_lock_fn lock = __atomic_load_n(&lock_loader, __ATOMIC_RELAXED);
    ldr_unlock_fn unlock = __atomic_load_n(&unlock_loader, __ATOMIC_RELAXED);
    ULONG disposition = 0;
    ULONG_PTR cookie = 0;
    if (lock != NULL && unlock != NULL && lock(0, &disposition, &cookie) >= 0)
        unlock(0, cookie);
}

/* ------------------------------------------------------------ serving */

static BOOL host_alive(void *context)
{
    return wst_host_threads_alive(context);
}

static void serve(struct wst_helper_session *s, struct wst_host_threads *host)
{
    char name[WST_PIPE_NAME_MAX] = {0};
    struct wst_pipe_server *server = NULL;
    DWORD error = 0;

    wst_pipe_name_format(name, s->pid, s->instance);
    /* The region's address goes to the server, which touches it only
     * between enter_region and leave_region. */
    struct wst_pipe_server_config config = {
        .name = name,
        .stop_event = s->stop_event,
        .module_base = s->module_base,
        .started_ms = GetTickCount64(),
        .region = s->region,
        .counters_begin = s->counters_begin,
        .counters_end = s->counters_end,
        .keep_serving = host_alive,
        .context = host,
        .poll_ms = WST_HOST_THREADS_POLL_MS,
        .enter_region = enter_region,
        .leave_region = leave_region,
        .guard_context = s,
    };
    enum wst_serve_result result = wst_pipe_server_open(&server, &config, &error);
    if (result != WST_SERVE_OK) {
        record_failure(s, error != 0                      ? error
                          : result == WST_SERVE_NO_MEMORY ? ERROR_NOT_ENOUGH_MEMORY
                                                          : 0);
        return;
    }
    if (module_enter(s)) {
        memcpy(s->region->pipe_name, name, WST_PIPE_NAME_MAX);
        set_worker_state(s, WST_WORKER_SERVING);
        module_leave(s);
    }
    result = wst_pipe_server_serve(server);
    if (result != WST_SERVE_OK) {
        record_failure(s, GetLastError());
    } else if (module_enter(s)) {
        /* No host thread left (the unload would have cancelled the claim):
         * the name goes, the process is about to end. */
        memset(s->region->pipe_name, 0, WST_PIPE_NAME_MAX);
        set_worker_state(s, WST_WORKER_STOPPED);
        module_leave(s);
    } else {
        let_the_unload_finish();
    }
    /* Every pending I/O is reaped here: the server's buffers are its own,
     * on the heap, so this needs nothing of the module. */
    wst_pipe_server_close(server);
}

/* No host thread is left: end the process as its last thread would have. */
static void end_orphaned_process(struct wst_host_threads *host)
{
    DWORD code = wst_host_threads_exit_code(host);
    wst_host_threads_close(host);
    ExitProcess(code);
}

/* Everything the thread does for the module, from its claim until the
 * unload's stop. */
static void serve_session(struct wst_helper_session *s)
{
    struct wst_host_threads host = {0};

    record_start_time(s);
    wst_host_threads_mark_worker();
    /* Both before the first look: either may have ended already (the host's
     * last thread among them), and only these handles keep its exit code. */
    wst_host_threads_watch(&host, s->first_hitter);
    wst_host_threads_watch(&host, s->loader_thread);
    if (wst_host_threads_alive(&host))
        serve(s, &host);
    /* Not serving any more (stopped, failed, or no host thread left): wait
     * for the stop, still watching for an orphaned process. */
    while (WaitForSingleObject(s->stop_event, 0) != WAIT_OBJECT_0) {
        if (!wst_host_threads_alive(&host))
            end_orphaned_process(&host);
        WaitForSingleObject(s->stop_event, WST_HOST_THREADS_POLL_MS);
    }
    wst_host_threads_close(&host);
}

#ifdef WST_MUTANT_HELPER_LATE_TOUCH
/* MUTANT helper-late-touch, tests only: after the unload's stop, ignores the
 * claim and the lock: waits until the module's memory is gone, or belongs to
 * another load (a reload at the same base) whose worker serves already (so
 * that the damage is not written over by that load's own start), then
 * writes to it as a careless helper would. Bounded: 30 s. */
static void touch_after_release(struct wst_helper_session *s)
{
    volatile uint32_t *state = &s->region->worker_state;
    const volatile uint64_t *instance = &s->region->instance;
    for (int i = 0; i < 3000; i++) {
        MEMORY_BASIC_INFORMATION mbi;
        if (VirtualQuery((const void *)state, &mbi, sizeof mbi) == 0 || mbi.State != MEM_COMMIT ||
            (*instance != s->instance && *state == WST_WORKER_SERVING))
            break;
        Sleep(10);
    }
    *state = WST_WORKER_STOPPED;
    memset((void *)s->region->pipe_name, 0, WST_PIPE_NAME_MAX);
}
#endif

DWORD WINAPI wst_helper_thread(void *arg)
{
    struct wst_helper_session *s = arg;
    HMODULE self = s->helper; /* copied: the block may be freed below */

    AcquireSRWLockExclusive(&s->lock);
    BOOL claimed = s->claim == WST_HELPER_CLAIM_STARTING;
    if (claimed)
        s->claim = WST_HELPER_CLAIM_SERVING;
    ReleaseSRWLockExclusive(&s->lock);
    if (claimed) {
        /* Returns once the unload has cancelled the claim and set the stop:
         * the module may be gone already. */
        serve_session(s);
#ifdef WST_MUTANT_HELPER_LATE_TOUCH
        touch_after_release(s);
#endif
    }
    /* CANCELLED before this thread began: it never touched the module.
     * Either way only the block is left to drop. */
    wst_helper_session_release(s);
#ifdef WST_MUTANT_HELPER_EXIT_THREAD
    /* MUTANT helper-exit-thread, tests only: the helper's reference leaks,
     * so wsthelper.dll never unloads. */
    (void)self;
    ExitThread(0);
#else
    /* The thread's code is in this DLL: only this call can drop the last
     * reference and leave without returning into unmapped code. */
    FreeLibraryAndExitThread(self, 0);
#endif
}
