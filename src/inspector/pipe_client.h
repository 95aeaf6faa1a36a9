/*
 * The client side of winstrument/protocol.h: connect to the pipe a module's
 * region header names, then hello, snapshot, reset or stats. Every wait is
 * bounded by the client's timeout, and every reply is validated
 * (protocol_codec.c, then the payload's own size and strings) before use:
 * the worker is part of the untrusted target. Main thread only.
 */
#ifndef WST_INSPECTOR_PIPE_CLIENT_H
#define WST_INSPECTOR_PIPE_CLIENT_H

#include <windows.h>

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "region_parse.h"
#include "winstrument/protocol.h"

#define WST_PIPE_TIMEOUT_MS 3000u

struct wst_pipe_client {
    HANDLE pipe;
    HANDLE event; /* for overlapped I/O, so that every read has a deadline */
    uint32_t next_id;
    DWORD timeout_ms;
    /* Whether a byte of the last request may have reached the worker: 0 only
     * when its first write failed outright. A reset that failed with 1 may
     * still be applied (control.c then asks the region). */
    int sent;
};

/* Who the client expects at the other end: the pid it opened, and the
 * module's base and instance as it read them from memory. */
struct wst_pipe_identity {
    uint32_t pid;
    uint64_t module_base;
    uint64_t instance;
};

/* WST_OK if `name` (from the region) is exactly the pipe name of id's pid
 * and instance (src/common/pipe_name.h); else WST_E_CORRUPT. Keeps a hostile
 * region from pointing the inspector at another pipe or at a file path. */
enum wst_status wst_pipe_check_name(const char *name, const struct wst_pipe_identity *id,
                                    struct wst_error *err);

/* WST_OK if the hello names id's pid, module base and instance; else
 * WST_E_PIPE: the pipe belongs to some other module or load. */
enum wst_status wst_pipe_check_hello(const struct wst_msg_hello *hello,
                                     const struct wst_pipe_identity *id, struct wst_error *err);

/* Everything before a request: checks the name, connects, checks that the
 * pipe's server process is id->pid (GetNamedPipeServerProcessId), then says
 * hello and checks the answer. On failure the client is closed. */
enum wst_status wst_pipe_open(struct wst_pipe_client *c, const char *name,
                              const struct wst_pipe_identity *id, DWORD timeout_ms,
                              struct wst_error *err);

/* Signals the trigger of id's pid and instance (docs/protocol.md, "Waking
 * the worker"): the runtime's named event, opened with EVENT_MODIFY_STATE
 * only and closed at once. WST_E_NO_WORKER if no such event exists (the
 * module unloaded, or it is not on-demand), WST_E_ACCESS_DENIED if its
 * descriptor keeps us out. Starts nothing itself: the caller then waits for
 * the region to say SERVING. */
enum wst_status wst_pipe_wake(const struct wst_pipe_identity *id, struct wst_error *err);

/* Connects to a name of the exact form, with no identity check (wst_pipe_open
 * adds them). */
enum wst_status wst_pipe_connect(struct wst_pipe_client *c, const char *name, DWORD timeout_ms,
                                 struct wst_error *err);
void wst_pipe_close(struct wst_pipe_client *c);

enum wst_status wst_pipe_hello(struct wst_pipe_client *c, struct wst_msg_hello *out,
                               struct wst_error *err);

/* Counters in a malloc'ed array, sorted by name and merged. *complete is 0
 * when the worker had more names than one reply holds and left some out
 * (WST_SNAPSHOT_TRUNCATED): the caller must say so or read memory. */
enum wst_status wst_pipe_snapshot(struct wst_pipe_client *c, uint64_t *generation,
                                  struct wst_region_counter **counters, size_t *count,
                                  int *complete, struct wst_error *err);

enum wst_status wst_pipe_reset(struct wst_pipe_client *c, uint64_t *generation,
                               struct wst_error *err);

enum wst_status wst_pipe_stats(struct wst_pipe_client *c, struct wst_msg_stats *out,
                               struct wst_error *err);

#endif
