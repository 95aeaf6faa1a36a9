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
 * reply readable by the client, which then sees the pipe end. Either way the server never waits for
 * a client to do anything. Only the worker thread runs this file; the slots, their
 * buffers and the statistics are all private to it.
 *
 * All I/O is overlapped with an event and no completion routine, so no code of
 * this module ever runs as an I/O completion, and close can reap everything
 * with CancelIoEx + GetOverlappedResult(TRUE) before the worker returns.
 */
#include "pipe_server.h"

#include <string.h>

#include "counters.h"
#include "os_win.h"
#include "protocol_codec.h"
#include "region_internal.h"

#define PIPE_OUT_BUFFER (64u * 1024u)
/* One more than the slots: replace() creates an instance before it closes the
 * one it replaces. Only WST_PIPE_INSTANCES ever listen at once. */
#define PIPE_MAX_INSTANCES (WST_PIPE_INSTANCES + 1u)
#define PIPE_IN_BUFFER 4096u
#define NO_DEADLINE 0u

/* The largest reply other than a snapshot: header + hello. */
#define SMALL_REPLY (sizeof(struct wst_msg_header) + sizeof(struct wst_msg_hello))

enum slot_state {
    SLOT_DEAD,       /* no pipe instance (creation or listening failed) */
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
    uint8_t *reply; /* small_reply or a heap block (a snapshot) */
    DWORD reply_size, reply_sent;
    BOOL close_after_reply;
    uint8_t small_reply[SMALL_REPLY];
};

/* The DACL: the process token's user, and LocalSystem, with full access each.
 * Full access includes FILE_CREATE_PIPE_INSTANCE, which the server itself
 * needs for its second and later instances; anyone else is denied even
 * opening the pipe. The token user is the process's own, never an
 * impersonated thread's.
 *
 * The SACL: one mandatory label at the process token's own integrity level,
 * no-write-up and no-read-up. The DACL cannot tell an elevated process from a
 * non-elevated one of the same user (same SID); the label can: a process
 * below the target's level can neither open the pipe nor add instances to
 * it. The process's own level, and no higher, because that is the most a
 * process may set without SeRelabelPrivilege. */
struct pipe_security {
    SECURITY_ATTRIBUTES attributes;
    SECURITY_DESCRIPTOR descriptor;
    union {
        TOKEN_USER user;
        uint8_t bytes[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } token_user;
    union {
        TOKEN_MANDATORY_LABEL label;
        uint8_t bytes[sizeof(TOKEN_MANDATORY_LABEL) + SECURITY_MAX_SID_SIZE];
    } token_label;
    union {
        ACL acl;
        uint8_t bytes[sizeof(ACL) + 2 * (sizeof(ACCESS_ALLOWED_ACE) + SECURITY_MAX_SID_SIZE)];
    } dacl;
    union {
        ACL acl;
        uint8_t bytes[sizeof(ACL) + sizeof(SYSTEM_MANDATORY_LABEL_ACE) + SECURITY_MAX_SID_SIZE];
    } sacl;
};

/* Worker thread only. */
struct wst_pipe_server {
    struct wst_pipe_server_config config;
    WCHAR name[WST_PIPE_NAME_MAX];
    struct pipe_security security; /* built once; new first instances need it again */
    struct slot slots[WST_PIPE_INSTANCES];
    uint64_t requests, errors, connections; /* for STATS */
};

/* ---------------------------------------------------------------- helpers */

static uint64_t now_ms(void)
{
    return GetTickCount64();
}

static void *heap_alloc(size_t size)
{
    return HeapAlloc(GetProcessHeap(), 0, size);
}

static void heap_free(void *p)
{
    if (p != NULL)
        HeapFree(GetProcessHeap(), 0, p);
}

static void free_reply(struct slot *s)
{
    if (s->reply != s->small_reply)
        heap_free(s->reply);
    s->reply = NULL;
    s->reply_size = s->reply_sent = 0;
}

/* Waits for the slot's operation to finish after asking it to stop. A pipe
 * operation completes promptly once cancelled, and this is the only wait
 * without the stop event: it is what makes "nothing pending" true. */
static void reap(struct slot *s)
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
static BOOL started(struct slot *s, BOOL ok)
{
    if (ok || GetLastError() == ERROR_IO_PENDING) {
        s->pending = TRUE;
        return TRUE;
    }
    return FALSE;
}

/* ----------------------------------------------------------------- states */

static void listen_on(struct wst_pipe_server *srv, struct slot *s);
static void replace(struct wst_pipe_server *srv, struct slot *s);

static void recycle(struct wst_pipe_server *srv, struct slot *s)
{
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
    srv->connections++;
    s->received = 0;
    s->deadline = now_ms() + WST_PIPE_IDLE_DEADLINE_MS;
    read_request(srv, s);
}

/* ERROR_NO_DATA (the client came and went before we listened) is retried a
 * few times; any other failure retires the slot rather than spin. */
static void listen_on(struct wst_pipe_server *srv, struct slot *s)
{
    for (int attempt = 0; attempt < 4; attempt++) {
        ResetEvent(s->event);
        memset(&s->ov, 0, sizeof s->ov);
        s->ov.hEvent = s->event;
        s->received = 0;
        s->close_after_reply = FALSE;
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
    /* A dead slot must not keep its instance: a client can open an instance
     * that nobody listens on, and would then wait for a reply for ever. */
    CloseHandle(s->pipe);
    s->pipe = NULL;
    srv->errors++;
    s->state = SLOT_DEAD;
}

static void write_reply(struct wst_pipe_server *srv, struct slot *s)
{
    ResetEvent(s->event);
    memset(&s->ov, 0, sizeof s->ov);
    s->ov.hEvent = s->event;
    s->state = SLOT_WRITING;
    DWORD left = s->reply_size - s->reply_sent;
    if (!started(s, wst_os.WriteFile(s->pipe, s->reply + s->reply_sent, left, NULL, &s->ov)))
        recycle(srv, s);
}

/* --------------------------------------------------------------- requests */

static uint8_t *small_reply(struct slot *s, const struct wst_msg_header *request, uint16_t type,
                            uint32_t length)
{
    wst_msg_header_init((struct wst_msg_header *)s->small_reply, type, request->request_id, length);
    s->reply = s->small_reply;
    s->reply_size = (DWORD)(sizeof(struct wst_msg_header) + length);
    return s->small_reply + sizeof(struct wst_msg_header);
}

static void reply_error(struct wst_pipe_server *srv, struct slot *s,
                        const struct wst_msg_header *request, uint32_t code)
{
    struct wst_msg_error body = {.code = code};
    memcpy(small_reply(s, request, WST_MSG_ERROR, sizeof body), &body, sizeof body);
    srv->errors++;
}

static void reply_hello(struct wst_pipe_server *srv, struct slot *s,
                        const struct wst_msg_header *request)
{
    struct wst_msg_hello body = {
        .protocol_version = WST_PROTOCOL_VERSION,
        .runtime_version = WST_VERSION_NUMBER,
        .layout_version = WST_LAYOUT_VERSION,
        .mode = wst_region_.mode,
        .pid = wst_region_.pid,
        .worker_state = __atomic_load_n(&wst_region_.worker_state, __ATOMIC_ACQUIRE),
        .module_base = srv->config.module_base,
        .instance = wst_region_.instance,
    };
    memcpy(small_reply(s, request, WST_MSG_HELLO | WST_MSG_REPLY, sizeof body), &body, sizeof body);
}

static void reply_reset(struct slot *s, const struct wst_msg_header *request)
{
    struct wst_msg_reset body = {
        .generation = wst_counters_reset(wst_region_counters_begin(), wst_region_counters_end(),
                                         &wst_region_.generation),
    };
    memcpy(small_reply(s, request, WST_MSG_RESET | WST_MSG_REPLY, sizeof body), &body, sizeof body);
}

static void reply_stats(struct wst_pipe_server *srv, struct slot *s,
                        const struct wst_msg_header *request)
{
    struct wst_msg_stats body = {
        .requests = srv->requests,
        .errors = srv->errors,
        .connections = srv->connections,
        .uptime_ms = now_ms() - srv->config.started_ms,
    };
    memcpy(small_reply(s, request, WST_MSG_STATS | WST_MSG_REPLY, sizeof body), &body, sizeof body);
}

/* One heap block: reply header, the payload (snapshot header, entries, then
 * the kinds and distributions of protocol 3), then scratch that is not sent
 * (the name index and the entries' kinds). The payload never exceeds
 * WST_MSG_MAX_PAYLOAD; what does not fit (names past the entry cap, gauges'
 * kinds, distributions) is left out, and the reply says so
 * (WST_SNAPSHOT_TRUNCATED) so that the client can read memory instead. A
 * snapshot never overlaps a reset: this worker runs both. */
static BOOL reply_snapshot(struct slot *s, const struct wst_msg_header *request)
{
    const size_t head = sizeof(struct wst_msg_header);
    const struct wst_counter *begin = wst_region_counters_begin();
    const struct wst_counter *end = wst_region_counters_end();
    size_t cap = wst_counters_site_count(begin, end);
    if (cap > WST_SNAPSHOT_MAX_ENTRIES)
        cap = WST_SNAPSHOT_MAX_ENTRIES;
    size_t index_cap = wst_counters_index_size(cap);
    uint8_t *block = heap_alloc(head + WST_MSG_MAX_PAYLOAD + index_cap * sizeof(uint32_t) + cap);
    if (block == NULL)
        return FALSE;
    uint8_t *payload = block + head;
    uint32_t *index = (uint32_t *)(payload + WST_MSG_MAX_PAYLOAD);
    uint8_t *kinds = (uint8_t *)(index + index_cap);

    struct wst_msg_snapshot snap = {
        .generation = __atomic_load_n(&wst_region_.generation, __ATOMIC_ACQUIRE),
    };
    struct wst_msg_counter *entries = (struct wst_msg_counter *)(payload + sizeof snap);
    int truncated;
    size_t count =
        wst_counters_snapshot(begin, end, entries, kinds, cap, index, index_cap, &truncated);
    /* Each entry that is not a counter also needs a struct wst_msg_kind:
     * drop entries from the end until those of the rest fit. */
    size_t listed = 0;
    for (size_t i = 0; i < count; i++)
        listed += kinds[i] != WST_KIND_COUNTER;
    while (count > 0 && sizeof snap + count * sizeof(struct wst_msg_counter) +
                                sizeof(struct wst_msg_kinds) +
                                listed * sizeof(struct wst_msg_kind) >
                            WST_MSG_MAX_PAYLOAD) {
        listed -= kinds[--count] != WST_KIND_COUNTER;
        truncated = 1;
    }
    size_t used = sizeof snap + count * sizeof(struct wst_msg_counter);
    struct wst_msg_kinds k = {(uint32_t)listed, 0};
    size_t kinds_at = used;
    used += sizeof k;
    for (size_t i = 0; i < count; i++) {
        if (kinds[i] == WST_KIND_COUNTER)
            continue;
        struct wst_msg_kind one = {(uint32_t)i, kinds[i]};
        memcpy(payload + used, &one, sizeof one);
        used += sizeof one;
    }
    used += wst_counters_snapshot_dists(begin, end, payload + used, WST_MSG_MAX_PAYLOAD - used,
                                        &k.distributions, &truncated);
    memcpy(payload + kinds_at, &k, sizeof k);
    snap.count = (uint32_t)count;
    snap.flags = WST_SNAPSHOT_KINDS | (truncated ? WST_SNAPSHOT_TRUNCATED : 0);
    memcpy(payload, &snap, sizeof snap);
    struct wst_msg_header header;
    wst_msg_header_init(&header, WST_MSG_SNAPSHOT | WST_MSG_REPLY, request->request_id,
                        (uint32_t)used);
    memcpy(block, &header, sizeof header);
    s->reply = block;
    s->reply_size = (DWORD)(sizeof header + used);
    return TRUE;
}

/* A whole header has arrived: answer it, or refuse it and close. */
static void on_request(struct wst_pipe_server *srv, struct slot *s)
{
    struct wst_msg_header request;
    uint32_t code = 0;
    s->received = 0;
    s->reply_sent = 0;
    if (wst_msg_header_decode(s->request, sizeof s->request, &request, &code) != WST_OK ||
        wst_msg_request_check(&request, &code) != WST_OK) {
        /* decode copied the raw fields first, so the id is echoed even here */
        reply_error(srv, s, &request, code);
        s->close_after_reply = TRUE;
    } else if (request.type == WST_MSG_SNAPSHOT && !reply_snapshot(s, &request)) {
        reply_error(srv, s, &request, WST_MSG_ERR_INTERNAL);
    } else {
        if (request.type == WST_MSG_HELLO)
            reply_hello(srv, s, &request);
        else if (request.type == WST_MSG_RESET)
            reply_reset(s, &request);
        else if (request.type == WST_MSG_STATS)
            reply_stats(srv, s, &request);
        srv->requests++;
    }
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
    if (s->reply_sent < s->reply_size) {
        write_reply(srv, s);
        return;
    }
    free_reply(s);
    if (s->close_after_reply) {
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
        if (s->state == SLOT_DEAD || s->deadline == NO_DEADLINE)
            continue;
        if (s->deadline <= now) {
            /* a client stalled mid-message is an error; an idle one is not */
            if (s->received > 0 || s->state == SLOT_WRITING)
                srv->errors++;
            recycle(srv, s);
            if (s->state == SLOT_DEAD || s->deadline == NO_DEADLINE)
                continue;
        }
        if (s->deadline < next)
            next = s->deadline;
    }
    if (next == UINT64_MAX)
        return INFINITE;
    return next <= now ? 0 : (DWORD)(next - now);
}

enum wst_status wst_pipe_server_serve(struct wst_pipe_server *srv)
{
    for (unsigned i = 0; i < WST_PIPE_INSTANCES; i++) {
        if (srv->slots[i].state != SLOT_DEAD)
            listen_on(srv, &srv->slots[i]);
    }
    uint64_t next_poll = now_ms() + srv->config.poll_ms;
    for (;;) {
        HANDLE handles[1 + WST_PIPE_INSTANCES];
        DWORD count = 0;
        handles[count++] = srv->config.stop_event;
        for (unsigned i = 0; i < WST_PIPE_INSTANCES; i++) {
            if (srv->slots[i].state != SLOT_DEAD && srv->slots[i].pending)
                handles[count++] = srv->slots[i].event;
        }
        if (count == 1)
            return WST_E_PIPE; /* every instance has failed: nobody can connect any more */
        DWORD timeout = expire(srv);
        if (srv->config.keep_serving != NULL && timeout > srv->config.poll_ms)
            timeout = srv->config.poll_ms;
        /* The stop event is index 0: when it is set, it wins over any I/O. */
        DWORD r = wst_os.WaitForMultipleObjects(count, handles, FALSE, timeout);
        if (r == WAIT_OBJECT_0)
            return WST_OK;
        if (r == WAIT_FAILED)
            return WST_E_PIPE;
        if (srv->config.keep_serving != NULL && now_ms() >= next_poll) {
            if (!srv->config.keep_serving(srv->config.context))
                return WST_OK;
            next_poll = now_ms() + srv->config.poll_ms;
        }
        /* Visit every slot, not only the one that woke us, so that a busy
         * client on a low index cannot starve the others. */
        for (unsigned i = 0; i < WST_PIPE_INSTANCES; i++)
            service(srv, &srv->slots[i]);
    }
}

/* ----------------------------------------------------------- open, close */

static BOOL build_security(struct pipe_security *sec)
{
    static SID local_system = {
        SID_REVISION, 1, {SECURITY_NT_AUTHORITY}, {SECURITY_LOCAL_SYSTEM_RID}};
    HANDLE token = NULL;
    DWORD needed;
    BOOL ok = FALSE;
    if (!wst_os.OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        goto out;
    if (!wst_os.GetTokenInformation(token, TokenUser, &sec->token_user, sizeof sec->token_user,
                                    &needed))
        goto out;
    /* Fails closed: without its level the pipe is not created at all (the
     * counters stay readable through memory). */
    if (!wst_os.GetTokenInformation(token, TokenIntegrityLevel, &sec->token_label,
                                    sizeof sec->token_label, &needed))
        goto out;
    if (!InitializeAcl(&sec->dacl.acl, sizeof sec->dacl, ACL_REVISION) ||
        !AddAccessAllowedAce(&sec->dacl.acl, ACL_REVISION, FILE_ALL_ACCESS,
                             sec->token_user.user.User.Sid) ||
        !AddAccessAllowedAce(&sec->dacl.acl, ACL_REVISION, FILE_ALL_ACCESS, &local_system))
        goto out;
    if (!InitializeAcl(&sec->sacl.acl, sizeof sec->sacl, ACL_REVISION) ||
        !AddMandatoryAce(&sec->sacl.acl, ACL_REVISION, 0,
                         SYSTEM_MANDATORY_LABEL_NO_WRITE_UP | SYSTEM_MANDATORY_LABEL_NO_READ_UP,
                         sec->token_label.label.Label.Sid))
        goto out;
    if (!InitializeSecurityDescriptor(&sec->descriptor, SECURITY_DESCRIPTOR_REVISION) ||
        !SetSecurityDescriptorDacl(&sec->descriptor, TRUE, &sec->dacl.acl, FALSE) ||
        !SetSecurityDescriptorSacl(&sec->descriptor, TRUE, &sec->sacl.acl, FALSE))
        goto out;
    sec->attributes.nLength = sizeof sec->attributes;
    sec->attributes.lpSecurityDescriptor = &sec->descriptor;
    sec->attributes.bInheritHandle = FALSE;
    ok = TRUE;
out:
    if (token != NULL)
        CloseHandle(token);
    return ok;
}

/* The first instance claims the name: FILE_FLAG_FIRST_PIPE_INSTANCE fails if
 * anyone created it before us, and its DACL becomes the pipe's. Later
 * instances join the pipe and inherit that DACL.
 *
 * Wine 8 ignores FILE_FLAG_FIRST_PIPE_INSTANCE: the create succeeds and joins
 * a squatter's pipe when the squatter allowed more instances. So a first
 * instance also checks that it is the only one; if not, it is refused as if
 * Windows had refused it. */
static HANDLE create_instance(struct wst_pipe_server *srv, BOOL first)
{
    DWORD open_mode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED;
    DWORD pipe_mode = PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS;
    DWORD instances = 0;
    if (first)
        open_mode |= FILE_FLAG_FIRST_PIPE_INSTANCE;
    HANDLE pipe =
        wst_os.CreateNamedPipeW(srv->name, open_mode, pipe_mode, PIPE_MAX_INSTANCES,
                                PIPE_OUT_BUFFER, PIPE_IN_BUFFER, 0, &srv->security.attributes);
    if (pipe == INVALID_HANDLE_VALUE || !first)
        return pipe;
    if (!wst_os.GetNamedPipeHandleStateW(pipe, NULL, &instances, NULL, NULL, NULL, 0) ||
        instances != 1) {
        CloseHandle(pipe);
        SetLastError(ERROR_ACCESS_DENIED);
        return INVALID_HANDLE_VALUE;
    }
    return pipe;
}

/* After an error reply: close this instance, so the client reads the reply
 * and then the end of the pipe, and listen on a fresh one. The fresh instance
 * is created while the old one is still open, so the name is never free for
 * a moment (a squatter could take it while the region says SERVING); this is
 * what the spare instance of PIPE_MAX_INSTANCES is for. If the fresh one
 * cannot be created, the old one is disconnected and listens again instead:
 * the client then loses the error reply, but the name stays held. */
static void replace(struct wst_pipe_server *srv, struct slot *s)
{
    HANDLE fresh = create_instance(srv, FALSE);
    if (fresh == INVALID_HANDLE_VALUE) {
        srv->errors++;
        recycle(srv, s);
        return;
    }
    reap(s);
    free_reply(s);
    CloseHandle(s->pipe);
    s->pipe = fresh;
    listen_on(srv, s);
}

/* The name is ASCII by construction (prefix, digits, hex). */
static BOOL widen(WCHAR *out, size_t cap, const char *in)
{
    size_t i = 0;
    for (; in[i] != '\0'; i++) {
        if (i + 1 >= cap)
            return FALSE;
        out[i] = (WCHAR)(unsigned char)in[i];
    }
    out[i] = L'\0';
    return TRUE;
}

static enum wst_status open_instances(struct wst_pipe_server *srv, DWORD *win32_error)
{
    *win32_error = 0;
    if (!widen(srv->name, WST_PIPE_NAME_MAX, srv->config.name))
        return WST_E_INTERNAL;
    if (!build_security(&srv->security)) {
        *win32_error = GetLastError();
        return WST_E_PIPE;
    }
    for (unsigned i = 0; i < WST_PIPE_INSTANCES; i++) {
        struct slot *s = &srv->slots[i];
        s->event = wst_os.CreateEventW(NULL, TRUE, FALSE, NULL);
        if (s->event == NULL) {
            if (i == 0)
                goto failed;
            break;
        }
        s->pipe = create_instance(srv, i == 0);
        if (s->pipe == INVALID_HANDLE_VALUE) {
            s->pipe = NULL;
            if (i == 0)
                goto failed;
            break; /* fewer instances: still serving */
        }
        s->state = SLOT_CONNECTING;
    }
    return WST_OK;
failed:
    *win32_error = GetLastError();
    /* The name exists: someone created it first (ERROR_ACCESS_DENIED), or
     * created every instance it allows (ERROR_PIPE_BUSY). */
    if (*win32_error == ERROR_ACCESS_DENIED || *win32_error == ERROR_PIPE_BUSY)
        return WST_E_ACCESS_DENIED;
    return WST_E_PIPE;
}

enum wst_status wst_pipe_server_open(struct wst_pipe_server **out,
                                     const struct wst_pipe_server_config *config,
                                     DWORD *win32_error)
{
    *out = NULL;
    *win32_error = 0;
    struct wst_pipe_server *srv = heap_alloc(sizeof *srv);
    if (srv == NULL)
        return WST_E_INTERNAL;
    memset(srv, 0, sizeof *srv);
    srv->config = *config;
    enum wst_status status = open_instances(srv, win32_error);
    if (status != WST_OK) {
        wst_pipe_server_close(srv);
        return status;
    }
    *out = srv;
    return WST_OK;
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
    heap_free(srv);
}
