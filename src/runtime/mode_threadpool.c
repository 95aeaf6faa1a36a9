/*
 * Threadpool mode (the default): the module's worker is one long-running work
 * item in a private thread pool, serving the named pipe (pipe_server.c) until
 * its stop event is set. docs/modes.md explains the shutdown reasoning.
 *
 * Threads that enter:
 *   - the loader (tls_hook.c -> lifecycle.c), under the loader lock: attach,
 *     stop_on_unload, stop_at_exit;
 *   - the first thread to hit a probe: first_hit, exactly once per load
 *     (lifecycle.c guarantees it), possibly under the loader lock when the
 *     probe sits in a DllMain;
 *   - one pool thread: worker_main, the work item.
 *
 * What it must never do:
 *   - first_hit only creates and submits; it never waits, because it may hold
 *     the loader lock that the pool's new thread needs to start;
 *   - stop_on_unload waits only for a callback that is already running, after
 *     cancelling one still pending (a pending one's thread may be blocked on
 *     the loader lock we hold: waiting for it would deadlock);
 *   - worker_main never takes the loader lock nor calls anything that may
 *     (LoadLibrary, GetModuleHandleEx, FreeLibrary, creating a thread and
 *     waiting for it), since stop_on_unload waits for it under that lock;
 *   - stop_at_exit blocks on nothing: the worker's thread is already gone;
 *   - nothing here writes output (stderr may be a full pipe nobody drains:
 *     a write would block the worker, and FreeLibrary with it): a failure
 *     goes into the region (worker_state, worker_error);
 *   - the worker never keeps the process alive: when no thread of the host
 *     is left, it ends the process as the host's last thread would have
 *     (host_threads.h).
 *
 * Start and stop race when a probe's first hit runs on one thread while
 * another unloads the module (the host's bug, but cheap to make safe). They
 * agree through one interlocked state, `tp.start`:
 *   IDLE -> STARTING (first_hit wins the CAS) -> RUNNING (its submit is done)
 *   IDLE or RUNNING -> CLOSED (the stop wins the CAS; at most one stops)
 *   any -> EXITED (process exit: no other thread is left to race)
 * The stop never moves STARTING: it waits until first_hit has submitted, then
 * stops that worker. first_hit takes no lock and no loader lock (creating a
 * pool, an item and the pool's thread need none; only the new thread's start
 * does, and we cancel it if it is still pending), so the stop's wait under
 * the loader lock ends within first_hit's few calls.
 */
#include <windows.h>

#include <string.h>

#include "host_threads.h"
#include "mode.h"
#include "os_win.h"
#include "pipe_server.h"
#include "region_internal.h"
#include "winstrument/protocol.h"

/* This load's worker. A module reloaded at the same address gets a fresh
 * image (fresh .data) anyway, but attach clears it all the same so that
 * nothing can survive from a previous load. */
struct threadpool_state {
    uint64_t module_base; /* attach; constant afterwards */
    /* Created by first_hit (once, before the work is submitted, so the worker
     * sees them), destroyed by stop_on_unload after the worker is reaped. */
    HANDLE stop_event; /* manual-reset: once set, every later wait sees it */
    PTP_POOL pool;
    TP_CALLBACK_ENVIRON environment;
    PTP_WORK work;
    /* The thread whose hit started the worker (for the EXE's own module, the
     * main thread): watched from before the worker runs, so that its exit
     * code is known even if it ends before the worker first looks
     * (host_threads.h). */
    HANDLE first_hitter;
    /* enum start_state: the start/stop agreement described above.
     * Interlocked; the handles above are written only by the thread that
     * moved it to STARTING, and read by the stop only once it is RUNNING. */
    volatile LONG start;
};

/* EXITED: stop_at_exit ran. It bars first_hit like CLOSED, but a stop after
 * it still stops whatever was started (a test-only mutant that handles exit
 * like an unload relies on it: scenarios.MUTANTS). */
enum start_state { START_IDLE = 0, START_STARTING, START_RUNNING, START_CLOSED, START_EXITED };
static struct threadpool_state tp;

/* ---------------------------------------------------------------- failures */

/* Records why the worker does not serve, then publishes the state: a reader
 * that sees PIPE_FAILED sees the error too. Never printed (see above). */
static void record_failure(DWORD error)
{
    __atomic_store_n(&wst_region_.worker_error, error != 0 ? error : ERROR_GEN_FAILURE,
                     __ATOMIC_RELAXED);
    wst_region_set_worker_state(WST_WORKER_PIPE_FAILED);
}

/* ------------------------------------------------------------------ worker */

/* The region's pipe_name is valid while worker_state says SERVING: it is
 * written before the state is released, and the state leaves SERVING before
 * the name is cleared. */
static void publish_serving(const char *name)
{
    memcpy(wst_region_.pipe_name, name, WST_PIPE_NAME_MAX);
    wst_region_set_worker_state(WST_WORKER_SERVING);
}

static void unpublish(enum wst_worker_state state)
{
    wst_region_set_worker_state(state);
    memset(wst_region_.pipe_name, 0, WST_PIPE_NAME_MAX);
}

static void record_start_time(void)
{
    FILETIME now;
    GetSystemTimeAsFileTime(&now);
    uint64_t ticks = ((uint64_t)now.dwHighDateTime << 32) | now.dwLowDateTime;
    __atomic_store_n(&wst_region_.started_at, ticks, __ATOMIC_RELAXED);
}

/* keep_serving for the pipe server: FALSE once no thread of the host is left. */
static BOOL host_alive(void *context)
{
    return wst_host_threads_alive(context);
}

/* No thread of the host is left: the process would have ended with its last
 * thread, and only workers keep it alive. End it as that thread's exit
 * would have: with its exit code. Our own DLL_PROCESS_DETACH then takes the
 * process-exit path (stop_at_exit), which waits for nothing. */
static void end_orphaned_process(struct wst_host_threads *host)
{
    DWORD code = wst_host_threads_exit_code(host);
    wst_host_threads_close(host);
    ExitProcess(code);
}

static void serve(struct wst_host_threads *host)
{
    char name[WST_PIPE_NAME_MAX] = {0};
    struct wst_pipe_server *server = NULL;
    DWORD error = 0;

    wst_pipe_name_format(name, wst_region_.pid, wst_region_.instance);
    struct wst_pipe_server_config config = {
        .name = name,
        .stop_event = tp.stop_event,
        .module_base = tp.module_base,
        .started_ms = GetTickCount64(),
        .region = &wst_region_,
        .counters_begin = wst_region_counters_begin(),
        .counters_end = wst_region_counters_end(),
        .keep_serving = host_alive,
        .context = host,
        .poll_ms = WST_HOST_THREADS_POLL_MS,
    };
    enum wst_serve_result result = wst_pipe_server_open(&server, &config, &error);
    if (result != WST_SERVE_OK) {
        record_failure(error != 0 ? error
                                  : result == WST_SERVE_NO_MEMORY ? ERROR_NOT_ENOUGH_MEMORY : 0);
        return;
    }
    publish_serving(name);
    result = wst_pipe_server_serve(server);
    if (result == WST_SERVE_OK) {
        unpublish(WST_WORKER_STOPPED);
    } else {
        error = GetLastError();
        memset(wst_region_.pipe_name, 0, WST_PIPE_NAME_MAX);
        record_failure(error);
    }
    /* Every pending I/O is reaped here, on this thread, before the callback
     * returns: once stop_on_unload's wait is over, no completion is left. */
    wst_pipe_server_close(server);
}

static void CALLBACK worker_main(PTP_CALLBACK_INSTANCE instance, PVOID context, PTP_WORK work)
{
    (void)instance;
    (void)context;
    (void)work;
    struct wst_host_threads host = {0};

    record_start_time();
    wst_host_threads_mark_worker();
    wst_host_threads_watch(&host, tp.first_hitter);
    /* A first look now, so that the host's threads are watched (and their
     * exit codes kept) from the start. */
    if (wst_host_threads_alive(&host))
        serve(&host);
    /* Not serving (the pipe failed, or no host thread is left): the worker
     * still waits for the stop rather than return, since an idle pool thread
     * whose item still exists would keep the process alive just the same. */
    while (WaitForSingleObject(tp.stop_event, 0) != WAIT_OBJECT_0) {
        if (!wst_host_threads_alive(&host))
            end_orphaned_process(&host);
        WaitForSingleObject(tp.stop_event, WST_HOST_THREADS_POLL_MS);
    }
    wst_host_threads_close(&host);
    wst_host_threads_unmark_worker();
}

/* ------------------------------------------------------------- mode table */

static void release_all(void)
{
    if (tp.work != NULL)
        wst_os.CloseThreadpoolWork(tp.work);
    if (tp.pool != NULL)
        wst_os.CloseThreadpool(tp.pool);
    DestroyThreadpoolEnvironment(&tp.environment);
    if (tp.stop_event != NULL)
        CloseHandle(tp.stop_event);
    if (tp.first_hitter != NULL)
        CloseHandle(tp.first_hitter);
    tp.first_hitter = NULL;
    tp.work = NULL;
    tp.pool = NULL;
    tp.stop_event = NULL;
}

static void threadpool_attach(void *module)
{
    memset(&tp, 0, sizeof tp);
    tp.module_base = (uint64_t)(uintptr_t)module;
    wst_host_threads_resolve();
    wst_region_.worker_error = 0;
    wst_region_set_worker_state(WST_WORKER_IDLE);
}

/* Creates the pool, its environment and the work item, and submits it. No
 * waiting: the pool's thread may need the loader lock that our caller holds,
 * and it will get it once the caller lets go. */
static void threadpool_first_hit(void)
{
    /* Exactly one caller starts, and never after a stop (a probe in the
     * host's own DLL_PROCESS_DETACH code runs after our TLS callback). */
    if (InterlockedCompareExchange(&tp.start, START_STARTING, START_IDLE) != START_IDLE)
        return;
    tp.stop_event = wst_os.CreateEventW(NULL, TRUE, FALSE, NULL);
    if (tp.stop_event == NULL)
        goto failed;
    tp.pool = wst_os.CreateThreadpool(NULL);
    if (tp.pool == NULL)
        goto failed;
    /* One thread is all the item needs. It also keeps Wine from starting a
     * spare thread when a runs-long callback begins. */
    wst_os.SetThreadpoolThreadMaximum(tp.pool, 1);
    InitializeThreadpoolEnvironment(&tp.environment);
    SetThreadpoolCallbackPool(&tp.environment, tp.pool);
    SetThreadpoolCallbackRunsLong(&tp.environment);
    tp.work = wst_os.CreateThreadpoolWork(worker_main, NULL, &tp.environment);
    if (tp.work == NULL)
        goto failed;
    /* Optional: without it, the exit code of a host that ends with ExitThread
     * before the worker first looks is 0 (docs/modes.md). */
    tp.first_hitter =
        OpenThread(SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION, FALSE, GetCurrentThreadId());
    /* STARTING before the submit, so the worker's SERVING cannot be overwritten. */
    wst_region_set_worker_state(WST_WORKER_STARTING);
    wst_os.SubmitThreadpoolWork(tp.work);
    InterlockedExchange(&tp.start, START_RUNNING);
    return;
failed:
    record_failure(GetLastError());
    release_all();
    InterlockedExchange(&tp.start, START_RUNNING); /* nothing to stop but the state */
}

/* Claims the stop: CLOSED from IDLE (nothing started) or RUNNING. While a
 * first hit is mid-start on another thread, waits for it to finish, so that
 * the item it submits is cancelled or waited for below, never left to run in
 * an unmapped module. Returns the state the stop took over. */
static LONG claim_stop(void)
{
    for (;;) {
        LONG s = InterlockedCompareExchange(&tp.start, START_CLOSED, START_IDLE);
        if (s == START_IDLE || s == START_CLOSED)
            return s;
        if ((s == START_RUNNING || s == START_EXITED) &&
            InterlockedCompareExchange(&tp.start, START_CLOSED, s) == s)
            return START_RUNNING;
        /* STARTING: a handful of calls that take no lock we may hold. */
        Sleep(1);
    }
}

static void threadpool_stop_on_unload(void)
{
    if (claim_stop() != START_RUNNING) {
        unpublish(WST_WORKER_STOPPED);
        return;
    }
    if (tp.work != NULL) {
        SetEvent(tp.stop_event);
        /* TRUE cancels a callback that is still queued: its thread may not
         * have started yet and would first need the loader lock (for
         * DLL_THREAD_ATTACH) that we hold, so waiting for it would never end.
         * A callback already running sees the stop event in its next wait,
         * which every wait of the worker includes, and returns promptly after
         * reaping its own I/O. */
        wst_os.WaitForThreadpoolWorkCallbacks(tp.work, TRUE);
    }
    /* Closing the pool does not wait for its thread to exit: that exit needs
     * the loader lock, and runs ntdll code only, after we are gone. */
    release_all();
    unpublish(WST_WORKER_STOPPED);
}

/* Process exit: the worker's thread has been terminated already, wherever it
 * was, so there is nobody to signal or wait for, and the OS reclaims the
 * pool, the handles and the memory. Only the published state changes. */
static void threadpool_stop_at_exit(void)
{
    InterlockedExchange(&tp.start, START_EXITED);
    wst_region_set_worker_state(WST_WORKER_STOPPED);
}

const struct wst_mode_ops wst_mode_threadpool = {
    .name = "threadpool",
    .mode = WST_MODE_THREADPOOL,
    .attach = threadpool_attach,
    .first_hit = threadpool_first_hit,
    .stop_on_unload = threadpool_stop_on_unload,
    .stop_at_exit = threadpool_stop_at_exit,
};
