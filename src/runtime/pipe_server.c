/*
 * See pipe_server.h. Each pipe instance is a slot with its own overlapped
 * structure and manual-reset event, and moves through
 *
 *   CONNECTING -> READING -> WRITING -> READING ...   (one request at a time)
 *                    |            \-> (replace)     after an error reply
 *                    \-> (recycle)                  on hang-up or a missed deadline
 *
 * where "recycle" cancels and reaps the slot's I/O, disconnects the client and
 * listens again, and "replace" creates a new instance, closes the old one and
 * listens on the new: closing, unlike DisconnectNamedPipe, leaves the error
 * reply readable by the client, which then sees the pipe end. Either way the
 * server never waits for a client to do anything. Only the worker thread runs
 * this file; the slots (pipe_slot.h), their buffers and the statistics are
 * all private to it.
 *
 * Instances are created as clients need them: open creates one and listens
 * (before the name is published), a client's connect creates the next
 * listener (up to WST_PIPE_INSTANCES), a client's hang-up retires its
 * instance when another one listens. So a server that nobody talks to holds
 * one instance with one pending connect, and its stop, which the module's
 * unload waits for, reaps one operation instead of one per slot (each costs
 * about five wineserver round trips under Wine). A client that finds every
 * instance busy in the moment before the next listener exists gets
 * ERROR_PIPE_BUSY and waits with WaitNamedPipe, as every client must anyway.
 *
 * All I/O is overlapped with an event and no completion routine, so no code of
 * this module ever runs as an I/O completion, and close can reap everything
 * with CancelIoEx + GetOverlappedResult(TRUE) before the worker returns.
 *
 * This file is the transport only: what a request means is pipe_requests.c,
 * who may connect and who owns the name is pipe_security.c.
 */
#include "pipe_server.h"

#include <string.h>

#include "pipe_security.h"
#include "pipe_slot.h" /* os_win.h, pipe_requests.h */

#define PIPE_OUT_BUFFER (64u * 1024u)
/* One more than the slots: replace() creates an instance before it closes the
 * one it replaces. Only WST_PIPE_INSTANCES ever listen at once. */
#define PIPE_MAX_INSTANCES (WST_PIPE_INSTANCES + 1u)
#define PIPE_IN_BUFFER 4096u

static const struct wst_pipe_shape pipe_shape = {PIPE_MAX_INSTANCES, PIPE_OUT_BUFFER,
                                                 PIPE_IN_BUFFER};

struct wst_pipe_server {
    struct wst_pipe_server_config config;
    struct wst_pipe_answer_env env;
    WCHAR name[WST_PIPE_NAME_MAX];
    struct wst_pipe_security security; /* built once; replace() needs it again */
    struct slot slots[WST_PIPE_INSTANCES];
    struct wst_pipe_counts counts; /* for STATS */
};

/* ----------------------------------------------------------------- states */

static void listen_on(struct wst_pipe_server *srv, struct slot *s);
static void replace(struct wst_pipe_server *srv, struct slot *s);
static void ensure_listener(struct wst_pipe_server *srv);

/* Whether some slot listens, other than `except`. */
static BOOL another_listens(const struct wst_pipe_server *srv, const struct slot *except)
{
    for (unsigned i = 0; i < WST_PIPE_INSTANCES; i++) {
        const struct slot *s = &srv->slots[i];
        if (s != except && s->state == SLOT_CONNECTING)
            return TRUE;
    }
    return FALSE;
}

/* Closes a slot's instance and event, its I/O reaped, for reuse; only while another listens. */
static void retire(struct slot *s)
{
    reap(s);
    free_reply(s);
    CloseHandle(s->pipe);
    CloseHandle(s->event);
    s->pipe = s->event = NULL;
    s->state = SLOT_UNUSED;
}

static void recycle(struct wst_pipe_server *srv, struct slot *s)
{
    if (another_listens(srv, s)) {
        retire(s);
        return;
    }
    reap(s);
    free_reply(s);
    wst_os.DisconnectNamedPipe(s->pipe);
    listen_on(srv, s);
}

static void read_request(struct wst_pipe_server *srv, struct slot *s)
{
    ResetEvent(s->event);
    memset(&s->ov, 0, sizeof s->ov);
    s->ov.hEvent = s->event;
    s->state = SLOT_READING;
    DWORD want = (DWORD)sizeof s->request - s->received;
    if (!started(s, wst_os.ReadFile(s->pipe, s->request + s->received, want, NULL, &s->ov)))
        recycle(srv, s); /* the client hung up between requests */
}

static void on_connected(struct wst_pipe_server *srv, struct slot *s)
{
    srv->counts.connections++;
    s->received = 0;
    s->deadline = now_ms() + WST_PIPE_IDLE_DEADLINE_MS;
    read_request(srv, s);
}

/* ERROR_NO_DATA (the client came and went before we listened) is retried a
 * few times; any other failure kills the slot (SLOT_DEAD) rather than spin. */
static void listen_on(struct wst_pipe_server *srv, struct slot *s)
{
    for (int attempt = 0; attempt < 4; attempt++) {
        ResetEvent(s->event);
        memset(&s->ov, 0, sizeof s->ov);
        s->ov.hEvent = s->event;
        s->received = 0;
        s->deadline = NO_DEADLINE;
        s->state = SLOT_CONNECTING;
        if (wst_os.ConnectNamedPipe(s->pipe, &s->ov) || GetLastError() == ERROR_IO_PENDING) {
            s->pending = TRUE;
            return;
        }
        DWORD error = GetLastError();
        if (error == ERROR_PIPE_CONNECTED) {
            on_connected(srv, s); /* no event is signalled in this case */
            return;
        }
        if (error != ERROR_NO_DATA)
            break;
        wst_os.DisconnectNamedPipe(s->pipe);
    }
    /* A dead slot must not keep its instance (a client could open it and
     * wait for ever), but it holds the name until the next listener exists:
     * else a squatter, or a client that read SERVING, finds the name free.
     * Each failure kills a slot, so the chain ends within the slots. */
    srv->counts.errors++;
    s->state = SLOT_DEAD;
    ensure_listener(srv);
    CloseHandle(s->pipe);
    s->pipe = NULL;
}

static void write_reply(struct wst_pipe_server *srv, struct slot *s)
{
    ResetEvent(s->event);
    memset(&s->ov, 0, sizeof s->ov);
    s->ov.hEvent = s->event;
    s->state = SLOT_WRITING;
    DWORD left = s->reply.size - s->reply_sent;
    if (!started(s, wst_os.WriteFile(s->pipe, s->reply.bytes + s->reply_sent, left, NULL, &s->ov)))
        recycle(srv, s);
}

/* A whole header has arrived: answer it (pipe_requests.c) and send the reply. */
static void on_request(struct wst_pipe_server *srv, struct slot *s)
{
    const struct wst_pipe_server_config *c = &srv->config;
    s->received = 0;
    s->reply_sent = 0;
    if (c->enter_region != NULL && !c->enter_region(c->guard_context)) {
        recycle(srv, s); /* the module is unloading: nothing to answer from */
        return;
    }
    wst_pipe_answer(s->request, &srv->env, &srv->counts, &s->reply);
    if (c->leave_region != NULL)
        c->leave_region(c->guard_context);
    s->deadline = now_ms() + WST_PIPE_MESSAGE_DEADLINE_MS;
    write_reply(srv, s);
}

/* ------------------------------------------------------------ completions */

static void on_read(struct wst_pipe_server *srv, struct slot *s, DWORD n)
{
    if (s->received == 0 && n > 0)
        s->deadline = now_ms() + WST_PIPE_MESSAGE_DEADLINE_MS; /* a message has begun */
    s->received += n;
    if (s->received < sizeof s->request) {
        read_request(srv, s);
        return;
    }
    on_request(srv, s);
}

static void on_written(struct wst_pipe_server *srv, struct slot *s, DWORD n)
{
    s->reply_sent += n;
    if (s->reply_sent < s->reply.size) {
        write_reply(srv, s);
        return;
    }
    BOOL close_after = s->reply.close_after;
    free_reply(s);
    if (close_after) {
        replace(srv, s);
        return;
    }
    s->deadline = now_ms() + WST_PIPE_IDLE_DEADLINE_MS;
    read_request(srv, s);
}

/* Reaps the slot's operation if it has finished and moves the slot on. */
static void service(struct wst_pipe_server *srv, struct slot *s)
{
    DWORD n = 0;
    if (!s->pending)
        return;
    BOOL ok = wst_os.GetOverlappedResult(s->pipe, &s->ov, &n, FALSE);
    if (!ok && GetLastError() == ERROR_IO_INCOMPLETE)
        return;
    s->pending = FALSE;
    if (s->state == SLOT_CONNECTING) {
        if (ok || GetLastError() == ERROR_PIPE_CONNECTED)
            on_connected(srv, s);
        else
            recycle(srv, s);
        return;
    }
    if (!ok) { /* the client hung up (ERROR_BROKEN_PIPE) or the I/O failed */
        recycle(srv, s);
        return;
    }
    if (s->state == SLOT_READING)
        on_read(srv, s, n);
    else
        on_written(srv, s, n);
}

/* Drops every client whose deadline has passed; returns the time until the
 * next deadline, for the wait. */
static DWORD expire(struct wst_pipe_server *srv)
{
    uint64_t now = now_ms(), next = UINT64_MAX;
    for (unsigned i = 0; i < WST_PIPE_INSTANCES; i++) {
        struct slot *s = &srv->slots[i];
        if (!has_instance(s) || s->deadline == NO_DEADLINE)
            continue;
        if (s->deadline <= now) {
            /* a client stalled mid-message is an error; an idle one is not */
            if (s->received > 0 || s->state == SLOT_WRITING)
                srv->counts.errors++;
            recycle(srv, s);
            if (!has_instance(s) || s->deadline == NO_DEADLINE)
                continue;
        }
        if (s->deadline < next)
            next = s->deadline;
    }
    if (next == UINT64_MAX)
        return INFINITE;
    return next <= now ? 0 : (DWORD)(next - now);
}

/* Some instance must always listen: after a client took the listener, or
 * listening failed, the next unused slot gets an instance and listens. A
 * slot whose instance cannot be created, or whose listening failed, is dead
 * for good (fewer instances: still serving while one is left), so failures
 * are bounded by the slots and never retried in a loop. Meanwhile the name
 * stays held by the connected instances. */
static void ensure_listener(struct wst_pipe_server *srv)
{
    struct slot *unused = NULL;
    for (unsigned i = 0; i < WST_PIPE_INSTANCES; i++) {
        struct slot *s = &srv->slots[i];
        if (s->state == SLOT_CONNECTING)
            return;
        if (s->state == SLOT_UNUSED && unused == NULL)
            unused = s;
    }
    if (unused == NULL)
        return;
    unused->event = wst_os.CreateEventW(NULL, TRUE, FALSE, NULL);
    if (unused->event != NULL)
        unused->pipe = wst_pipe_instance_create(srv->name, &srv->security, &pipe_shape, FALSE);
    if (unused->event == NULL || unused->pipe == INVALID_HANDLE_VALUE) {
        unused->pipe = NULL;
        srv->counts.errors++;
        unused->state = SLOT_DEAD; /* its event, if any, is closed with the server */
        return;
    }
    listen_on(srv, unused);
}

/* Whether a client is connected to some instance (past its connect, not yet
 * recycled): the idle stop waits until none is. */
static BOOL any_client(const struct wst_pipe_server *srv)
{
    for (unsigned i = 0; i < WST_PIPE_INSTANCES; i++) {
        enum slot_state st = srv->slots[i].state;
        if (st == SLOT_READING || st == SLOT_WRITING)
            return TRUE;
    }
    return FALSE;
}

enum wst_serve_result wst_pipe_server_serve(struct wst_pipe_server *srv)
{
    uint64_t next_poll = now_ms() + srv->config.poll_ms;
    uint64_t last_client = now_ms();
    for (;;) {
        HANDLE handles[1 + WST_PIPE_INSTANCES];
        DWORD count = 0;
        ensure_listener(srv);
        handles[count++] = srv->config.stop_event;
        for (unsigned i = 0; i < WST_PIPE_INSTANCES; i++) {
            if (has_instance(&srv->slots[i]) && srv->slots[i].pending)
                handles[count++] = srv->slots[i].event;
        }
        if (count == 1)
            return WST_SERVE_FAILED; /* every instance has failed: nobody can connect any more */
        DWORD timeout = expire(srv);
        if (srv->config.keep_serving != NULL && timeout > srv->config.poll_ms)
            timeout = srv->config.poll_ms;
        if (srv->config.idle_ms != 0) {
            if (any_client(srv))
                last_client = now_ms();
            uint64_t idle_for = now_ms() - last_client;
            if (idle_for >= srv->config.idle_ms)
                return WST_SERVE_IDLE;
            if (timeout > srv->config.idle_ms - idle_for)
                timeout = (DWORD)(srv->config.idle_ms - idle_for);
        }
        /* The stop event is index 0: when it is set, it wins over any I/O. */
        DWORD r = wst_os.WaitForMultipleObjects(count, handles, FALSE, timeout);
        if (r == WAIT_OBJECT_0)
            return WST_SERVE_OK;
        if (r == WAIT_FAILED)
            return WST_SERVE_FAILED;
        if (srv->config.keep_serving != NULL && now_ms() >= next_poll) {
            if (!srv->config.keep_serving(srv->config.context))
                return WST_SERVE_OK;
            next_poll = now_ms() + srv->config.poll_ms;
        }
        /* Visit every slot, not only the one that woke us, so that a busy
         * client on a low index cannot starve the others. */
        for (unsigned i = 0; i < WST_PIPE_INSTANCES; i++)
            service(srv, &srv->slots[i]);
    }
}

/* ----------------------------------------------------------- open, close */

/* After an error reply: close this instance, so the client reads the reply
 * and then the end of the pipe, and listen on a fresh one. The fresh instance
 * is created while the old one is still open, so the name is never free for
 * a moment (a squatter could take it while the region says SERVING); this is
 * what the spare instance of PIPE_MAX_INSTANCES is for. If the fresh one
 * cannot be created, the old one is disconnected and listens again instead:
 * the client then loses the error reply, but the name stays held. */
static void replace(struct wst_pipe_server *srv, struct slot *s)
{
    if (another_listens(srv, s)) {
        retire(s); /* the name is held by the listener */
        return;
    }
    HANDLE fresh = wst_pipe_instance_create(srv->name, &srv->security, &pipe_shape, FALSE);
    if (fresh == INVALID_HANDLE_VALUE) {
        srv->counts.errors++;
        recycle(srv, s);
        return;
    }
    reap(s);
    free_reply(s);
    CloseHandle(s->pipe);
    s->pipe = fresh;
    listen_on(srv, s);
}

static enum wst_serve_result open_instances(struct wst_pipe_server *srv, DWORD *win32_error)
{
    *win32_error = 0;
    if (!wst_pipe_name_widen(srv->config.name, (uint16_t *)srv->name))
        return WST_SERVE_FAILED;
    if (!wst_pipe_security_build(&srv->security)) {
        *win32_error = GetLastError();
        return WST_SERVE_FAILED;
    }
    /* One instance, which claims the name; the others come with clients
     * (ensure_listener). */
    struct slot *s = &srv->slots[0];
    s->event = wst_os.CreateEventW(NULL, TRUE, FALSE, NULL);
    if (s->event == NULL)
        goto failed;
    s->pipe = wst_pipe_instance_create(srv->name, &srv->security, &pipe_shape, TRUE);
    if (s->pipe == INVALID_HANDLE_VALUE) {
        s->pipe = NULL;
        goto failed;
    }
    /* Listen before the caller publishes the name, so that a client who
     * reads SERVING finds a listener even if this first listen failed. */
    listen_on(srv, s);
    return WST_SERVE_OK;
failed:
    *win32_error = GetLastError();
    /* The name exists: someone created it first (ERROR_ACCESS_DENIED), or
     * created every instance it allows (ERROR_PIPE_BUSY). */
    if (*win32_error == ERROR_ACCESS_DENIED || *win32_error == ERROR_PIPE_BUSY)
        return WST_SERVE_NAME_TAKEN;
    return WST_SERVE_FAILED;
}

enum wst_serve_result wst_pipe_server_open(struct wst_pipe_server **out,
                                           const struct wst_pipe_server_config *config,
                                           DWORD *win32_error)
{
    *out = NULL;
    *win32_error = 0;
    struct wst_pipe_server *srv = wst_os.HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof *srv);
    if (srv == NULL)
        return WST_SERVE_NO_MEMORY;
    srv->config = *config;
    srv->env.module_base = config->module_base;
    srv->env.started_ms = config->started_ms;
    srv->env.region = config->region;
    srv->env.counters_begin = config->counters_begin;
    srv->env.counters_end = config->counters_end;
    enum wst_serve_result result = open_instances(srv, win32_error);
    if (result != WST_SERVE_OK) {
        wst_pipe_server_close(srv);
        return result;
    }
    *out = srv;
    return WST_SERVE_OK;
}

void wst_pipe_server_close(struct wst_pipe_server *srv)
{
    if (srv == NULL)
        return;
    for (unsigned i = 0; i < WST_PIPE_INSTANCES; i++) {
        struct slot *s = &srv->slots[i];
        reap(s);
        free_reply(s);
        if (s->pipe != NULL)
            CloseHandle(s->pipe); /* also disconnects a client still connected */
        if (s->event != NULL)
            CloseHandle(s->event);
    }
    wst_os.HeapFree(GetProcessHeap(), 0, srv);
}
