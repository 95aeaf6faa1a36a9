/*
 * Whether any thread of the host is left, for a worker that must never keep
 * the process alive (docs/modes.md, "A process whose last thread ends").
 *
 * A process ends when its last thread ends. Our worker is a thread of the
 * process too, so when the host's last thread leaves through ExitThread the
 * worker would keep the process alive for ever. Each worker therefore looks,
 * every WST_HOST_THREADS_POLL_MS, for a thread of the process that is not a
 * winstrument worker; when there is none, it ends the process as the host's
 * last thread would have: with that thread's exit code.
 *
 * Every module has its own copy of the runtime, hence its own worker. A
 * worker on a thread of its own (helper mode's, in wsthelper.dll) names it
 * (SetThreadDescription, WST_WORKER_THREAD_NAME) and the check skips threads
 * with that name, whichever copy named them. Threadpool mode's worker runs
 * on a pool thread, which the check skips already (below), so it names
 * nothing (two server calls saved per start).
 *
 * The check also skips the OS's own threads: those whose start routine lies
 * in ntdll (thread-pool workers and the threads that wait for thread-pool
 * waits). On Wine (and Windows 7) a registered thread-pool wait is served by
 * such a thread, which lives as long as the wait exists: the on-demand
 * worker's trigger would otherwise keep every instrumented process alive
 * after its last thread. The price: a host whose only remaining work runs
 * in thread-pool callbacks of its own, after its last own thread ended, is
 * ended with that thread (docs/modes.md).
 *
 * Threads: wst_host_threads_resolve at process attach (loader lock held:
 * only GetModuleHandle/GetProcAddress of modules already loaded); everything
 * else on the pool's thread (the worker, the host watch), with state in the
 * caller's own struct.
 * Never: takes the loader lock (no lookup at run time: the optional entry
 * points are resolved at attach).
 */
#ifndef WST_HOST_THREADS_H
#define WST_HOST_THREADS_H

#include <windows.h>

#define WST_HOST_THREADS_POLL_MS 500u
#define WST_WORKER_THREAD_NAME L"winstrument worker"
#define WST_HOST_THREADS_WATCH 16u

struct wst_host_threads {
    /* Handles to host threads seen alive at the last poll (so that their
     * exit code outlives them), and to the one seen to end last. */
    HANDLE watch[WST_HOST_THREADS_WATCH];
    unsigned watched;
    HANDLE last;
    FILETIME last_exit;
};

/* Process attach: finds the optional entry points (thread descriptions). */
void wst_host_threads_resolve(void);

/* The calling worker's own thread (helper mode): named, so that other
 * workers skip it. */
void wst_host_threads_mark_worker(void);

/* Watches a host thread known before the first look (a copy of `thread` is
 * kept; NULL is ignored): if it has ended by then, its exit code counts. */
void wst_host_threads_watch(struct wst_host_threads *w, HANDLE thread);

/* TRUE while some thread of the process other than a worker lives. A failed
 * thread list answers TRUE: the check never ends a process on a guess. */
BOOL wst_host_threads_alive(struct wst_host_threads *w);

/* A new handle (SYNCHRONIZE) to one host thread seen alive at the last
 * wst_host_threads_alive, the one listed first (the oldest, usually); NULL
 * if none was. The caller closes it. */
HANDLE wst_host_threads_pick(const struct wst_host_threads *w);

/* The exit code of the host thread seen to end last; 0 if none was seen. */
DWORD wst_host_threads_exit_code(const struct wst_host_threads *w);

void wst_host_threads_close(struct wst_host_threads *w);

#endif
