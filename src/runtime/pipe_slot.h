/*
 * One pipe instance of the server (pipe_server.c): its state, its
 * overlapped operation, and the bookkeeping of that operation. Included by
 * pipe_server.c only; the worker thread alone touches a slot.
 */
#ifndef WST_PIPE_SLOT_H
#define WST_PIPE_SLOT_H

#include <windows.h>

#include <stdint.h>

#include "os_win.h"
#include "pipe_requests.h"
#include "winstrument/protocol.h"

#define NO_DEADLINE 0u

enum slot_state {
    SLOT_UNUSED,     /* no pipe instance: not needed yet, or retired (reusable) */
    SLOT_DEAD,       /* no pipe instance: listening failed (never reused) */
    SLOT_CONNECTING, /* ConnectNamedPipe pending */
    SLOT_READING,    /* reading a request header */
    SLOT_WRITING,    /* writing a reply */
};

/* One pipe instance. Worker thread only. */
struct slot {
    HANDLE pipe;
    HANDLE event; /* manual-reset, ov.hEvent */
    OVERLAPPED ov;
    enum slot_state state;
    BOOL pending;      /* an operation on ov has not been reaped yet */
    uint64_t deadline; /* GetTickCount64() ms; NO_DEADLINE while listening */
    uint8_t request[sizeof(struct wst_msg_header)];
    DWORD received; /* bytes of request[] filled */
    struct wst_pipe_reply reply;
    DWORD reply_sent;
};

static inline uint64_t now_ms(void)
{
    return GetTickCount64();
}

static inline void free_reply(struct slot *s)
{
    wst_pipe_reply_free(&s->reply);
    s->reply_sent = 0;
}

/* Waits for the slot's operation to finish after asking it to stop. A pipe
 * operation completes promptly once cancelled, and this is the only wait
 * without the stop event: it is what makes "nothing pending" true. */
static inline void reap(struct slot *s)
{
    DWORD n;
    if (!s->pending)
        return;
    wst_os.CancelIoEx(s->pipe, &s->ov);
    wst_os.GetOverlappedResult(s->pipe, &s->ov, &n, TRUE);
    s->pending = FALSE;
}

/* Starts an overlapped operation's bookkeeping: an operation that fails at
 * once leaves pending FALSE; one that succeeds at once still signals the
 * event and is reaped by the wait loop like any other. */
static inline BOOL started(struct slot *s, BOOL ok)
{
    if (ok || GetLastError() == ERROR_IO_PENDING) {
        s->pending = TRUE;
        return TRUE;
    }
    return FALSE;
}

static inline BOOL has_instance(const struct slot *s)
{
    return s->state != SLOT_UNUSED && s->state != SLOT_DEAD;
}

#endif
