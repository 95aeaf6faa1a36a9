/*
 * Threadpool mode (the default): the module's worker serves the named pipe
 * (pipe_server.c) in a callback of the process's default thread pool, and
 * only while someone looks. At attach it creates a trigger (demand_trigger.h)
 * and a runs-long pool wait on it, and starts nothing; the worker serves
 * until no client has been connected for idle_ms, then re-arms the wait. A
 * squatted trigger name makes the wait use a private event that the first
 * probe hit signals. The host watch ends the process when the host's last
 * thread has ended. docs/modes.md ("The on-demand worker") has the design
 * and why the default pool; docs/design/modes.md, what was tried.
 *
 * Threads:
 *   - the loader (tls_hook.c -> lifecycle.c), under the loader lock: attach,
 *     stop_on_unload, stop_at_exit;
 *   - the first thread to hit a probe: first_hit, once per load, maybe under
 *     the loader lock; it only signals the private event (fallback), no wait;
 *   - every ending thread: thread_detach, under the loader lock; it arms the
 *     host watch when the remembered host thread ends (no waiting);
 *   - default-pool threads: worker_main and watch_main, never two of one at
 *     once (each wait is one-shot, re-armed only on return); they share
 *     nothing but `arm_lock`'s fields and the region.
 *
 * Never:
 *   - stop_on_unload waits for a callback that is already running only,
 *     after cancelling queued ones (a queued one's thread would first need
 *     the loader lock that we hold);
 *   - re-arm a wait once the stop has begun: re-arming happens under
 *     `arm_lock` while `closing` is FALSE, and the stop sets `closing` under
 *     that lock before it disarms;
 *   - take the loader lock in a callback, or call what may (LoadLibrary,
 *     GetModuleHandleEx, FreeLibrary, creating a thread and waiting for it);
 *     hold `arm_lock` across anything but SetThreadpoolWait, CreateEvent and
 *     CloseHandle;
 *   - block in stop_at_exit: the pool's threads are already gone;
 *   - write output (stderr may be a full pipe): failures go to the region;
 *   - keep the process alive (host_threads.h).
 *
 * The first hit and the stop agree through one interlocked state, `tp.start`
 * (start_gate.h): IDLE -> STARTING (first_hit's CAS) -> RUNNING; IDLE or
 * RUNNING -> CLOSED (the stop's CAS); any -> EXITED (process exit). The stop
 * never moves STARTING: it waits for first_hit's signal, which takes no lock.
 */
#include <windows.h>

#include <string.h>

#include "demand_trigger.h"
#include "host_threads.h"
#include "mode.h"
#include "os_win.h"
#include "pipe_server.h"
#include "region_internal.h"
#include "start_gate.h"
#include "winstrument/protocol.h"

/* This load's objects: cleared and created at attach, destroyed by
 * stop_on_unload once no callback runs; constant in between unless said. */
struct threadpool_state {
    uint64_t module_base;
    HANDLE trigger; /* auto-reset: the named event, or the fallback's private one */
    /* Manual-reset: created by each start and closed by its end, both under
     * arm_lock and never once `closing`; set by the stop (and then closed by
     * it); every wait of the worker has it. */
    HANDLE stop_event;
    TP_CALLBACK_ENVIRON environment; /* the default pool, runs-long, `group` */
    /* Both waits are its members: the unload closes them in one call (see
     * stop_on_unload). */
    PTP_CLEANUP_GROUP group;
    PTP_WAIT wait;                   /* on `trigger`; its callback is the worker */
    /* The host watch: the first remembered thread's id (attach; 0 once its
     * end armed the watch). thread_detach creates `watch` and arms it on
     * `watched`, that thread's handle; then watch_main arms it on the next
     * one. Both under arm_lock. */
    volatile DWORD watched_id;
    PTP_WAIT watch;
    HANDLE watched;
    struct wst_host_threads watch_host; /* watch_main's view; one at a time */
    DWORD idle_ms;
    /* Guards `closing` and every re-arm of a wait (see above). */
    SRWLOCK arm_lock;
    volatile BOOL closing;
    /* enum start_state (start_gate.h): the fallback trigger's start. */
    volatile LONG start;
};

static struct threadpool_state tp;

/* ------------------------------------------------------------------ worker */

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

/* How a start of the worker ended. */
enum outcome {
    OUT_STOPPED,  /* the stop event: the module is unloading */
    OUT_IDLE,     /* no client for idle_ms */
    OUT_ORPHANED, /* no thread of the host is left */
    OUT_FAILED,   /* the pipe could not be served (recorded in the region) */
};

static enum outcome serve(struct wst_host_threads *host)
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
        .idle_ms = tp.idle_ms,
    };
    enum wst_serve_result result = wst_pipe_server_open(&server, &config, &error);
    if (result != WST_SERVE_OK) {
        if (error == 0 && result == WST_SERVE_NO_MEMORY)
            error = ERROR_NOT_ENOUGH_MEMORY;
        wst_region_worker_failed(error);
        return OUT_FAILED;
    }
    wst_region_publish_serving(name);
    result = wst_pipe_server_serve(server);
    enum outcome out;
    if (result == WST_SERVE_IDLE) {
        wst_region_unpublish(WST_WORKER_IDLE);
        out = OUT_IDLE;
    } else if (result == WST_SERVE_OK) {
        wst_region_unpublish(WST_WORKER_STOPPED);
        /* `closing` is set before the stop event (stop_on_unload): no need
         * to ask the event, a server round trip, which of the two it was. */
        out = tp.closing ? OUT_STOPPED : OUT_ORPHANED;
    } else {
        error = GetLastError();
        memset(wst_region_.pipe_name, 0, WST_PIPE_NAME_MAX);
        wst_region_worker_failed(error);
        out = OUT_FAILED;
    }
    /* Every pending I/O is reaped here, on this thread, before the callback
     * returns: once stop_on_unload's wait is over, no completion is left. The
     * instances close after the state left SERVING, so a reader that still
     * saw SERVING finds the name gone and asks again. */
    wst_pipe_server_close(server);
    return out;
}

/* A start may begin: not once the stop has begun, and only with a stop
 * event to serve with (created here, under the lock the stop takes, so the
 * stop either sees it or prevents it). */
static BOOL begin_start(void)
{
    BOOL ok = FALSE;
    AcquireSRWLockExclusive(&tp.arm_lock);
    if (!tp.closing) {
        tp.stop_event = wst_os.CreateEventW(NULL, TRUE, FALSE, NULL);
        ok = tp.stop_event != NULL;
        if (!ok)
            wst_region_worker_failed(GetLastError());
    }
    ReleaseSRWLockExclusive(&tp.arm_lock);
    return ok;
}

/* A start has ended without a stop: unless the stop has begun meanwhile
 * (then it sets and closes the stop event itself), close this start's stop
 * event, so that an idle module holds nothing but its trigger, and arm the
 * wait again. */
static void end_start(PTP_WAIT wait)
{
    AcquireSRWLockExclusive(&tp.arm_lock);
    if (!tp.closing) {
        if (tp.stop_event != NULL)
            CloseHandle(tp.stop_event);
        tp.stop_event = NULL;
        wst_os.SetThreadpoolWait(wait, tp.trigger, NULL);
    }
    ReleaseSRWLockExclusive(&tp.arm_lock);
}

/* The trigger was signalled: one start of the worker, on a default-pool
 * thread. */
static void CALLBACK worker_main(PTP_CALLBACK_INSTANCE instance, PVOID context, PTP_WAIT wait,
                                 TP_WAIT_RESULT result)
{
    (void)instance;
    (void)context;
    (void)result;
    if (!begin_start()) {
        end_start(wait); /* no stop event (recorded): stay askable, unless unloading */
        return;
    }
    wst_region_set_worker_state(WST_WORKER_STARTING);
    __atomic_fetch_add(&wst_region_.worker_starts, 1, __ATOMIC_RELEASE);
    wst_region_note_start();
    /* Not marked as a worker (wst_host_threads_mark_worker): a pool thread
     * starts in ntdll, so host checks skip it already, for free. */
    struct wst_host_threads host = {0};
    /* A first look now, so that the host's threads are watched (and their
     * exit codes kept) from the start. */
    enum outcome out = wst_host_threads_alive(&host) ? serve(&host) : OUT_ORPHANED;
    if (out == OUT_ORPHANED && !tp.closing)
        end_orphaned_process(&host);
    wst_host_threads_close(&host);
    if (out == OUT_STOPPED || out == OUT_ORPHANED)
        return;
    /* Signals that came while this start served were answered by it; one
     * after this reset is kept, and the wait armed below sees it. */
    ResetEvent(tp.trigger);
    end_start(wait);
}

/* The remembered host thread has ended. If another host thread lives,
 * remember it (the watch's wait is armed on it: one that ends meanwhile is
 * signalled already, and the wait fires at once); if none does, end the
 * process as its last thread would have (host_threads.h). One thread list
 * per remembered thread's end, none before. */
static void CALLBACK watch_main(PTP_CALLBACK_INSTANCE instance, PVOID context, PTP_WAIT wait,
                                TP_WAIT_RESULT result)
{
    (void)instance;
    (void)context;
    (void)result;
    AcquireSRWLockExclusive(&tp.arm_lock);
    HANDLE ended = tp.watched;
    tp.watched = NULL;
    ReleaseSRWLockExclusive(&tp.arm_lock);
    if (ended == NULL || tp.closing) {
        if (ended != NULL)
            CloseHandle(ended);
        return;
    }
    wst_host_threads_watch(&tp.watch_host, ended);
    CloseHandle(ended);
    HANDLE next = NULL;
    if (wst_host_threads_alive(&tp.watch_host))
        next = wst_host_threads_pick(&tp.watch_host);
    if (next == NULL) {
        /* `closing`: a FreeLibrary is under way, so some thread of the host
         * is alive after all (one we could not tell from the OS's own). */
        if (!tp.closing)
            end_orphaned_process(&tp.watch_host);
        return;
    }
    AcquireSRWLockExclusive(&tp.arm_lock);
    if (!tp.closing) {
        tp.watched = next;
        next = NULL;
        wst_os.SetThreadpoolWait(wait, tp.watched, NULL);
    }
    ReleaseSRWLockExclusive(&tp.arm_lock);
    if (next != NULL)
        CloseHandle(next);
}

/* DLL_THREAD_DETACH, on the ending thread, loader lock held: when it is the
 * first remembered one, arm the watch on it (its handle is signalled once it
 * is gone, with its exit code). Creating and arming a wait never waits. */
static void threadpool_thread_detach(void)
{
    if (GetCurrentThreadId() != tp.watched_id)
        return;
    HANDLE self = OpenThread(SYNCHRONIZE | THREAD_QUERY_INFORMATION, FALSE, GetCurrentThreadId());
    if (self == NULL)
        return;
    AcquireSRWLockExclusive(&tp.arm_lock);
    tp.watched_id = 0; /* from now on the watch's own callback arms it */
    if (!tp.closing && tp.wait != NULL && tp.watch == NULL) {
        tp.watch = wst_os.CreateThreadpoolWait(watch_main, NULL, &tp.environment);
        if (tp.watch != NULL) {
            tp.watched = self;
            self = NULL;
            wst_os.SetThreadpoolWait(tp.watch, tp.watched, NULL);
        }
    }
    ReleaseSRWLockExclusive(&tp.arm_lock);
    if (self != NULL)
        CloseHandle(self);
}

/* ------------------------------------------------------------- mode table */

/* Closes everything once no callback can run: stop_on_unload has closed the
 * waits already; at attach a wait, if any, has never been armed. */
static void release_all(void)
{
    if (tp.group != NULL) {
        if (tp.wait != NULL || tp.watch != NULL)
            wst_os.CloseThreadpoolCleanupGroupMembers(tp.group, TRUE, NULL);
        wst_os.CloseThreadpoolCleanupGroup(tp.group);
    }
    tp.group = NULL;
    DestroyThreadpoolEnvironment(&tp.environment);
    if (tp.trigger != NULL)
        CloseHandle(tp.trigger);
    if (tp.stop_event != NULL)
        CloseHandle(tp.stop_event);
    if (tp.watched != NULL)
        CloseHandle(tp.watched);
    wst_host_threads_close(&tp.watch_host);
    tp.wait = tp.watch = NULL;
    tp.trigger = tp.stop_event = tp.watched = NULL;
}

/* The trigger: the named event, or (refused or failed) a private one that
 * the first probe hit signals, with no idle stop since nobody could start
 * the worker again. */
static BOOL create_trigger(void)
{
    DWORD error = 0;
    tp.trigger = wst_trigger_create(wst_region_.pid, wst_region_.instance, &error);
    if (tp.trigger != NULL) {
        wst_region_.trigger_error = 0;
        wst_region_.trigger_state = WST_TRIGGER_ARMED;
        return TRUE;
    }
    wst_region_.trigger_error = error;
    wst_region_.trigger_state = WST_TRIGGER_FAILED;
    tp.idle_ms = 0;
    tp.trigger = wst_os.CreateEventW(NULL, FALSE, FALSE, NULL);
    return tp.trigger != NULL;
}

/* Creates everything and arms the trigger's wait; no thread starts, and
 * nothing here waits (we hold the loader lock). */
static BOOL create_all(void)
{
    /* No pool named: the default one. Runs-long, since a start serves for
     * seconds: the pool then does not count on this thread for its other
     * callbacks. */
    InitializeThreadpoolEnvironment(&tp.environment);
    SetThreadpoolCallbackRunsLong(&tp.environment);
    /* A cleanup group costs no server call (heap memory only), and saves one
     * at every unload (see stop_on_unload). */
    tp.group = wst_os.CreateThreadpoolCleanupGroup();
    if (tp.group == NULL)
        return FALSE;
    SetThreadpoolCallbackCleanupGroup(&tp.environment, tp.group, NULL);
    if (!create_trigger())
        return FALSE;
    tp.wait = wst_os.CreateThreadpoolWait(worker_main, NULL, &tp.environment);
    if (tp.wait == NULL)
        return FALSE;
    /* The thread that loads us: the main thread for an EXE and for the
     * DLLs it imports. */
    tp.watched_id = GetCurrentThreadId();
    wst_os.SetThreadpoolWait(tp.wait, tp.trigger, NULL);
    return TRUE;
}

static void threadpool_attach(void *module)
{
    memset(&tp, 0, sizeof tp);
    InitializeSRWLock(&tp.arm_lock);
    tp.module_base = (uint64_t)(uintptr_t)module;
    wst_host_threads_resolve();
    wst_region_.worker_error = 0;
    wst_region_.worker_starts = 0;
    wst_region_.trigger_state = WST_TRIGGER_NONE;
    wst_region_.trigger_error = 0;
    tp.idle_ms = wst_demand_idle_ms();
    if (!create_all()) {
        DWORD error = GetLastError();
        release_all();
        tp.start = START_CLOSED; /* nothing to start; the stop has nothing to stop */
        wst_region_.trigger_state = WST_TRIGGER_NONE; /* nothing left to signal */
        wst_region_.idle_stop_ms = 0;
        wst_region_worker_failed(error);
        return;
    }
    wst_region_.idle_stop_ms = tp.idle_ms;
    wst_region_set_worker_state(WST_WORKER_IDLE);
}

/* Only the fallback starts at the first hit: it signals the private event,
 * which takes no lock and never waits. */
static void threadpool_first_hit(void)
{
    if (wst_region_.trigger_state != WST_TRIGGER_FAILED)
        return;
    /* Exactly one caller starts, and never after a stop (a probe in the
     * host's own DLL_PROCESS_DETACH code runs after our TLS callback). */
    if (InterlockedCompareExchange(&tp.start, START_STARTING, START_IDLE) != START_IDLE)
        return;
    SetEvent(tp.trigger);
    InterlockedExchange(&tp.start, START_RUNNING);
}

static void threadpool_stop_on_unload(void)
{
    if (wst_start_claim_stop(&tp.start) == START_CLOSED && tp.wait == NULL) {
        wst_region_unpublish(WST_WORKER_STOPPED); /* attach failed, or stopped already */
        return;
    }
    /* From here no callback arms a wait again, and none creates a stop
     * event or the host watch (see the file's header). */
    AcquireSRWLockExclusive(&tp.arm_lock);
    tp.closing = TRUE;
    ReleaseSRWLockExclusive(&tp.arm_lock);
    if (tp.stop_event != NULL) /* else no start runs, and none will begin */
        SetEvent(tp.stop_event);
    /* One call closes both waits: disarms them, cancels (TRUE) a callback
     * still queued, whose thread would first need the loader lock we hold,
     * and waits only for one already running, which sees the stop event in
     * its next wait. Cheaper under Wine than the three calls one by one
     * (docs/design/modes.md, "Costs"). */
    wst_os.CloseThreadpoolCleanupGroupMembers(tp.group, TRUE, NULL);
    tp.wait = tp.watch = NULL;
    /* Our callbacks have returned: nothing of ours is left to wait for. */
    release_all();
    wst_region_unpublish(WST_WORKER_STOPPED);
}

/* Process exit: the pool's threads have been terminated already, wherever they
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
    .thread_detach = threadpool_thread_detach,
};
