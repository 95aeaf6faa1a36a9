/*
 * Threadpool mode (the default): the module's worker serves the named pipe
 * (pipe_server.c) in a callback of the process's default thread pool, and
 * only while someone looks. docs/modes.md ("The on-demand worker") explains
 * the design.
 *
 * At process attach the mode creates, and starts nothing:
 *   - the trigger (demand_trigger.h): a named auto-reset event that an
 *     inspector signals;
 *   - a thread-pool wait on the trigger, in the default pool with a
 *     callback environment marked runs-long, whose callback is the worker:
 *     it serves until no client has been connected for idle_ms, then returns
 *     its thread to the pool and arms the wait again.
 * The default pool, not a private one: Wine keeps one worker thread in a
 * pool for as long as any object of that pool exists (tp_threadpool_lock),
 * so a private pool per module would hold a thread per module, created and
 * ended with every load; the default pool's is shared by every module and
 * the host. (Windows keeps no thread for a wait.)
 * Until an inspector asks, the module holds no thread, looks at no thread
 * list, and runs none of its code. Each start creates the worker's stop
 * event and its end closes it.
 *
 * The host watch: when the host's last thread ends, the process must end
 * too, and the trigger wait's own thread (Wine, Windows 7) must not keep it
 * alive. The mode remembers one thread of the host (at first the one that
 * loaded us); when that thread ends (thread_detach, on that thread), a wait
 * is armed on its handle, and its callback looks at the host's threads once:
 * none left, it ends the process with that thread's exit code; else it
 * remembers another one. No polling, and nothing at all while the
 * remembered thread lives. After that first end, the watch's callback arms
 * the same wait on the next remembered thread itself. If the trigger's name
 * cannot be ours (a
 * squatter made it first), the wait is on a private event instead, which the
 * first probe hit signals, and the worker then serves until unload, as
 * before this design.
 *
 * Threads that enter:
 *   - the loader (tls_hook.c -> lifecycle.c), under the loader lock: attach,
 *     stop_on_unload, stop_at_exit;
 *   - the first thread to hit a probe: first_hit, once per load, possibly
 *     under the loader lock (a probe in a DllMain); it does something only
 *     in the fallback (it signals the private event: no waiting);
 *   - every ending thread: thread_detach, under the loader lock; it arms the
 *     host watch when the first remembered thread ends (no waiting);
 *   - default-pool threads: worker_main (never two at once: its wait is
 *     one-shot and armed again only when it returns) and watch_main (the
 *     same); they share nothing but `arm_lock`'s fields and the region.
 *
 * What it must never do:
 *   - stop_on_unload waits only for a callback that is already running,
 *     after cancelling any still queued (a queued one's thread may not have
 *     started yet and would first need the loader lock we hold: waiting for
 *     it would deadlock);
 *   - a callback never re-arms a wait once the stop has begun: it re-arms
 *     only under `arm_lock` and only while `closing` is FALSE, and the stop
 *     sets `closing` under that lock before it disarms. So after the stop's
 *     disarm no wait is armed, and after its waits no callback runs;
 *   - a callback never takes the loader lock nor calls anything that may
 *     (LoadLibrary, GetModuleHandleEx, FreeLibrary, creating a thread and
 *     waiting for it), since stop_on_unload waits for it under that lock;
 *     and it never holds `arm_lock` across anything but SetThreadpoolWait,
 *     CreateEvent and CloseHandle (none waits for another thread);
 *   - stop_at_exit blocks on nothing: the pool's threads are already gone;
 *   - nothing here writes output (stderr may be a full pipe nobody drains):
 *     a failure goes into the region (worker_state, worker_error,
 *     trigger_state, trigger_error);
 *   - the module never keeps the process alive: when no thread of the host
 *     is left, the worker or the host watch ends the process as the host's
 *     last thread would have (host_threads.h).
 *
 * The fallback's first hit and the stop race when a probe's first hit runs
 * on one thread while another unloads the module (the host's bug, but cheap
 * to make safe). They agree through one interlocked state, `tp.start`
 * (start_gate.h, shared with helper mode):
 *   IDLE -> STARTING (first_hit wins the CAS) -> RUNNING (its signal is done)
 *   IDLE or RUNNING -> CLOSED (the stop wins the CAS; at most one stops)
 *   any -> EXITED (process exit: no other thread is left to race)
 * The stop never moves STARTING: it waits until first_hit has signalled,
 * which takes no lock, so the wait ends within one call.
 */
#include <windows.h>

#include <stdlib.h>
#include <string.h>

#include "demand_trigger.h"
#include "host_threads.h"
#include "mode.h"
#include "os_win.h"
#include "pipe_server.h"
#include "region_internal.h"
#include "start_gate.h"
#include "winstrument/protocol.h"

/* How long a worker serves with no client connected before it stops, unless
 * WINSTRUMENT_IDLE_MS says otherwise (0: until unload). Long enough for a
 * `watch` at its default interval to keep one worker. */
#define IDLE_STOP_MS_DEFAULT 10000u
#define IDLE_STOP_MS_MIN 100u
#define IDLE_STOP_MS_MAX 86400000u

/* This load's objects. A module reloaded at the same address gets a fresh
 * image (fresh .data) anyway, but attach clears it all the same so that
 * nothing can survive from a previous load. Created at attach, destroyed by
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
        record_failure(error != 0 ? error
                                  : result == WST_SERVE_NO_MEMORY ? ERROR_NOT_ENOUGH_MEMORY : 0);
        return OUT_FAILED;
    }
    publish_serving(name);
    result = wst_pipe_server_serve(server);
    enum outcome out;
    if (result == WST_SERVE_IDLE) {
        unpublish(WST_WORKER_IDLE);
        out = OUT_IDLE;
    } else if (result == WST_SERVE_OK) {
        unpublish(WST_WORKER_STOPPED);
        /* `closing` is set before the stop event (stop_on_unload): no need
         * to ask the event, a server round trip, which of the two it was. */
        out = tp.closing ? OUT_STOPPED : OUT_ORPHANED;
    } else {
        error = GetLastError();
        memset(wst_region_.pipe_name, 0, WST_PIPE_NAME_MAX);
        record_failure(error);
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
            record_failure(GetLastError());
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
    record_start_time();
    /* The thread is not named as a worker (wst_host_threads_mark_worker), as
     * helper mode's is: a pool thread starts in ntdll, so every module's host
     * check skips it as the OS's own already, and naming it and clearing the
     * name cost two server round trips per start, one of them in the
     * unload's wait. */
    struct wst_host_threads host = {0};
    /* A first look now, so that the host's threads are watched (and their
     * exit codes kept) from the start. */
    enum outcome out = wst_host_threads_alive(&host) ? serve(&host) : OUT_ORPHANED;
    if (out == OUT_ORPHANED && !tp.closing)
        end_orphaned_process(&host);
    wst_host_threads_close(&host);
    if (out == OUT_STOPPED || out == OUT_ORPHANED)
        return;
    /* Signals that came while this start served (a storm, or inspectors that
     * asked at once) are answered by it: drop them, so that they cannot
     * start the worker again at once. A signal after this reset is kept, and
     * the wait armed below sees it. */
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

/* WINSTRUMENT_IDLE_MS: decimal milliseconds, 0 for never; anything else
 * unreadable gives the default. Read once, at attach. */
static DWORD idle_from_environment(void)
{
    char value[16];
    DWORD n = GetEnvironmentVariableA("WINSTRUMENT_IDLE_MS", value, sizeof value);
    if (n == 0 || n >= sizeof value)
        return IDLE_STOP_MS_DEFAULT;
    char *end = NULL;
    unsigned long v = strtoul(value, &end, 10);
    if (end == value || *end != '\0')
        return IDLE_STOP_MS_DEFAULT;
    if (v == 0)
        return 0;
    return v < IDLE_STOP_MS_MIN ? IDLE_STOP_MS_MIN : v > IDLE_STOP_MS_MAX ? IDLE_STOP_MS_MAX : v;
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
    tp.idle_ms = idle_from_environment();
    if (!create_all()) {
        DWORD error = GetLastError();
        release_all();
        tp.start = START_CLOSED; /* nothing to start; the stop has nothing to stop */
        wst_region_.trigger_state = WST_TRIGGER_NONE; /* nothing left to signal */
        wst_region_.idle_stop_ms = 0;
        record_failure(error);
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
        unpublish(WST_WORKER_STOPPED); /* attach failed, or stopped already */
        return;
    }
    /* From here no callback arms a wait again, and none creates a stop
     * event or the host watch (see the file's header). */
    AcquireSRWLockExclusive(&tp.arm_lock);
    tp.closing = TRUE;
    ReleaseSRWLockExclusive(&tp.arm_lock);
    if (tp.stop_event != NULL) /* else no start runs, and none will begin */
        SetEvent(tp.stop_event);
    /* One call closes both waits (the trigger's and the host watch's): it
     * disarms each, so no new callback is queued, then (TRUE) cancels a
     * callback still queued, and waits only for one already running. The
     * cancel is what keeps this from deadlocking: a queued callback's thread
     * may not have started yet and would first need the loader lock (for
     * DLL_THREAD_ATTACH) that we hold. A running worker sees the stop event
     * in its next wait, which every wait of the worker includes, and
     * returns promptly after reaping its own I/O; a callback that begins
     * after `closing` returns at once; the host watch runs a few calls.
     * The same steps one by one (SetThreadpoolWait(NULL),
     * WaitForThreadpoolWaitCallbacks(TRUE), CloseThreadpoolWait) cost Wine
     * one more server round trip: disarming and closing each wake the
     * wait's thread (docs/modes.md, "Costs"). */
    wst_os.CloseThreadpoolCleanupGroupMembers(tp.group, TRUE, NULL);
    tp.wait = tp.watch = NULL;
    /* The default pool's threads run ntdll code only once our callbacks have
     * returned: nothing of ours is left to wait for. */
    release_all();
    unpublish(WST_WORKER_STOPPED);
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
