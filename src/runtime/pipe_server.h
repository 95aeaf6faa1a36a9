/*
 * The named-pipe server of one module's worker (docs/protocol.md): a few
 * overlapped pipe instances, each a small state machine, served by a single
 * thread that waits on the stop event and every instance's I/O event at once.
 *
 * Threads: only the worker thread (mode_threadpool.c's work item, or
 * wsthelper.dll's thread) enters here, from open through serve to close.
 * Nothing is shared with other threads except the region (read; RESET
 * exchanges stripes atomically), touched only while answering a request and
 * inside the optional guard, and the stop event (only waited on).
 *
 * Never: takes the loader lock or calls anything that may (no LoadLibrary,
 * GetModuleHandleEx, no thread creation), waits on anything without the stop
 * event in the same wait, or returns from close with I/O still pending:
 * after wst_pipe_server_close no completion can touch the module's memory.
 */
#ifndef WST_PIPE_SERVER_H
#define WST_PIPE_SERVER_H

#include <windows.h>

#include <stdint.h>

#include "pipe_name.h" /* the name rule, shared with the inspector */
#include "winstrument/region.h"

/* How many clients are served at once, each on its own pipe instance. */
#define WST_PIPE_INSTANCES 4u
/* A client that has sent part of a request, or has not read all of a reply,
 * is dropped this long after the message began. */
#define WST_PIPE_MESSAGE_DEADLINE_MS 2000u
/* A connected client that sends nothing for this long is disconnected, so
 * idle clients cannot hold every instance forever. */
#define WST_PIPE_IDLE_DEADLINE_MS 30000u

struct wst_pipe_server;

/* How opening or serving ended. The runtime's own outcomes: the inspector's
 * status codes name what a reader sees, not what the worker does. */
enum wst_serve_result {
    WST_SERVE_OK, /* open: serving; serve: the stop event was set, or no host thread is left */
    WST_SERVE_NAME_TAKEN, /* open: someone else owns the pipe name */
    WST_SERVE_FAILED,     /* creation, waiting or every instance failed (*win32_error says why) */
    WST_SERVE_NO_MEMORY,  /* open: the server's state could not be allocated */
    WST_SERVE_IDLE,       /* serve: no client was connected for config.idle_ms */
};

struct wst_pipe_server_config {
    const char *name;     /* "\\.\pipe\winstrument-<pid>-<instance>", ASCII */
    HANDLE stop_event;    /* manual-reset; serve returns once it is set */
    uint64_t module_base; /* for HELLO */
    uint64_t started_ms;  /* GetTickCount64() at worker start, for STATS */
    /* The served module's region (pipe_requests.h says why it is passed). */
    struct wst_region_header *region;
    struct wst_counter *counters_begin, *counters_end;
    /* Optional: called on the worker's thread at least every poll_ms; serve
     * returns WST_OK as soon as it answers FALSE (the worker's check that a
     * thread of the host is still alive, host_threads.h). */
    BOOL (*keep_serving)(void *context);
    void *context;
    DWORD poll_ms;
    /* Optional (0: never): serve returns WST_SERVE_IDLE once no client has
     * been connected for this long (the on-demand worker's idle stop). */
    DWORD idle_ms;
    /* Optional: the region is touched (a request answered) only between
     * enter_region answering TRUE and leave_region; when it answers FALSE
     * the module is going, and the client is dropped unanswered. Helper mode
     * takes its session's lock here (helper_abi.h): the region may be
     * unmapped by an unload that never waits for the thread. */
    BOOL (*enter_region)(void *guard_context);
    void (*leave_region)(void *guard_context);
    void *guard_context;
};

/* Creates every pipe instance, the first claiming the name, all with the
 * descriptor of pipe_security.h. */
enum wst_serve_result wst_pipe_server_open(struct wst_pipe_server **out,
                                           const struct wst_pipe_server_config *config,
                                           DWORD *win32_error);

/* Serves clients until the stop event is set or keep_serving answers FALSE
 * (WST_SERVE_OK), until no client was connected for idle_ms
 * (WST_SERVE_IDLE), or until waiting fails or every instance has failed
 * (WST_SERVE_FAILED). Every wait includes the stop event, so it returns
 * promptly whatever the clients do. */
enum wst_serve_result wst_pipe_server_serve(struct wst_pipe_server *server);

/* Cancels and reaps every pending I/O, closes every handle, frees the server. */
void wst_pipe_server_close(struct wst_pipe_server *server);

#endif
