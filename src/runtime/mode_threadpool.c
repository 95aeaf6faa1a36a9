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
 *   - stop_at_exit blocks on nothing: the worker's thread is already gone.
 */
#include <windows.h>

#include <string.h>

#include "mode.h"
#include "os_win.h"
#include "pipe_server.h"
#include "region_internal.h"
#include "text.h"
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
    /* Set by stop_on_unload/stop_at_exit, read by first_hit: a probe that
     * fires after the stop (in the host's own DLL_PROCESS_DETACH code, which
     * runs after our TLS callback) must not submit a worker that would
     * outlive the module. Interlocked. */
    volatile LONG closed;
    /* Whether stderr has been told already. Written by first_hit, then by the
     * worker, which first_hit starts: never at the same time. */
    BOOL warned;
};

static struct threadpool_state tp;

/* ------------------------------------------------------------- formatting */

/* One line on stderr. Writing to a pipe whose reader has stopped could block;
 * this is said at most once per load, and only when the pipe cannot serve. */
static void warn(const char *what, DWORD error)
{
    char text[256];
    if (tp.warned)
        return;
    tp.warned = TRUE;
    char *p = wst_text_append(text, "winstrument: ");
    p = wst_text_append(p, what);
    p = wst_text_append(p, " (error ");
    p = wst_text_append_decimal(p, error);
    wst_text_append(p, "); counters stay readable through memory (wst-inspect --via memory)\n");
    wst_text_write_stderr(text);
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

static void CALLBACK worker_main(PTP_CALLBACK_INSTANCE instance, PVOID context, PTP_WORK work)
{
    (void)instance;
    (void)context;
    (void)work;
    char name[WST_PIPE_NAME_MAX] = {0};
    struct wst_pipe_server *server = NULL;
    DWORD error = 0;

    record_start_time();
    wst_pipe_name_format(name, wst_region_.pid, wst_region_.instance);
    struct wst_pipe_server_config config = {
        .name = name,
        .stop_event = tp.stop_event,
        .module_base = tp.module_base,
        .started_ms = GetTickCount64(),
    };
    enum wst_status status = wst_pipe_server_open(&server, &config, &error);
    if (status != WST_OK) {
        wst_region_set_worker_state(WST_WORKER_PIPE_FAILED);
        warn(status == WST_E_ACCESS_DENIED ? "pipe name already taken, not serving"
                                           : "cannot create the pipe, not serving",
             error);
        return;
    }
    publish_serving(name);
    status = wst_pipe_server_serve(server);
    if (status == WST_OK) {
        unpublish(WST_WORKER_STOPPED);
    } else {
        unpublish(WST_WORKER_PIPE_FAILED);
        warn("the pipe stopped working, not serving any more", GetLastError());
    }
    /* Every pending I/O is reaped here, on this thread, before the callback
     * returns: once stop_on_unload's wait is over, no completion is left. */
    wst_pipe_server_close(server);
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
    tp.work = NULL;
    tp.pool = NULL;
    tp.stop_event = NULL;
}

static void threadpool_attach(void *module)
{
    memset(&tp, 0, sizeof tp);
    tp.module_base = (uint64_t)(uintptr_t)module;
    wst_region_set_worker_state(WST_WORKER_IDLE);
}

/* Creates the pool, its environment and the work item, and submits it. No
 * waiting: the pool's thread may need the loader lock that our caller holds,
 * and it will get it once the caller lets go. */
static void threadpool_first_hit(void)
{
    if (tp.closed)
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
    /* STARTING before the submit, so the worker's SERVING cannot be overwritten. */
    wst_region_set_worker_state(WST_WORKER_STARTING);
    wst_os.SubmitThreadpoolWork(tp.work);
    return;
failed:
    warn("cannot start the worker", GetLastError());
    release_all();
    wst_region_set_worker_state(WST_WORKER_PIPE_FAILED);
}

static void threadpool_stop_on_unload(void)
{
    InterlockedExchange(&tp.closed, 1);
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
    InterlockedExchange(&tp.closed, 1);
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
