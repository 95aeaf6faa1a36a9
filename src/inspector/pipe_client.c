/*
 * See pipe_client.h. The pipe is opened overlapped so that a worker that
 * stalls half-way through a reply costs us a timeout, not a hang: each read
 * and write waits on an event with the remaining time, and cancels the I/O
 * when the deadline passes. Reads accept ERROR_MORE_DATA, since a
 * message-mode server pipe reports it when we read a header and the payload
 * separately.
 */
#include "pipe_client.h"

#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "pipe_name.h"
#include "protocol_codec.h"
#include "snapshot_reply.h"

enum wst_status wst_pipe_check_name(const char *name, const struct wst_pipe_identity *id,
                                    struct wst_error *err)
{
    uint32_t pid;
    uint64_t instance;
    if (!wst_pipe_name_parse(name, WST_PIPE_NAME_MAX, &pid, &instance))
        return wst_error_set(err, WST_E_CORRUPT, 0,
                             "the region names a pipe that is not of the form %s<pid>-<instance>",
                             WST_PIPE_PREFIX);
    if (pid != id->pid || instance != id->instance)
        return wst_error_set(err, WST_E_CORRUPT, 0,
                             "the region names the pipe of pid %lu instance %016llx, not its own",
                             (unsigned long)pid, (unsigned long long)instance);
    return WST_OK;
}

enum wst_status wst_pipe_check_hello(const struct wst_msg_hello *hello,
                                     const struct wst_pipe_identity *id, struct wst_error *err)
{
    if (hello->pid != id->pid || hello->module_base != id->module_base ||
        hello->instance != id->instance)
        return wst_error_set(err, WST_E_PIPE, 0,
                             "the pipe answers for pid %lu module base 0x%llx instance %016llx, "
                             "not this module",
                             (unsigned long)hello->pid, (unsigned long long)hello->module_base,
                             (unsigned long long)hello->instance);
    return WST_OK;
}

/* The process at the server end of the pipe must be the target: whoever
 * holds the name, nobody else's process can pass for it. */
static enum wst_status check_server(const struct wst_pipe_client *c,
                                    const struct wst_pipe_identity *id, struct wst_error *err)
{
    ULONG server = 0;
    if (!GetNamedPipeServerProcessId(c->pipe, &server))
        return wst_error_set(err, WST_E_PIPE, GetLastError(),
                             "cannot learn which process serves the pipe");
    if (server != id->pid)
        return wst_error_set(err, WST_E_PIPE, 0, "the pipe is served by pid %lu, not the target",
                             (unsigned long)server);
    return WST_OK;
}

enum wst_status wst_pipe_open(struct wst_pipe_client *c, const char *name,
                              const struct wst_pipe_identity *id, DWORD timeout_ms,
                              struct wst_error *err)
{
    struct wst_msg_hello hello;
    c->pipe = INVALID_HANDLE_VALUE;
    c->event = NULL;
    enum wst_status st = wst_pipe_check_name(name, id, err);
    if (st == WST_OK)
        st = wst_pipe_connect(c, name, timeout_ms, err);
    if (st != WST_OK)
        return st;
    st = check_server(c, id, err);
    if (st == WST_OK)
        st = wst_pipe_hello(c, &hello, err);
    if (st == WST_OK)
        st = wst_pipe_check_hello(&hello, id, err);
    if (st != WST_OK)
        wst_pipe_close(c);
    return st;
}

enum wst_status wst_pipe_wake(const struct wst_pipe_identity *id, struct wst_error *err)
{
    char name[WST_PIPE_NAME_MAX];
    wchar_t wname[WST_PIPE_NAME_MAX];
    wst_trigger_name_format(name, id->pid, id->instance);
    if (!wst_pipe_name_widen(name, (uint16_t *)wname))
        return wst_error_set(err, WST_E_INTERNAL, 0, "trigger name %s", name);
    /* The least access that signals: the worker must not have to trust us
     * with more, and a squatter's event (which the runtime refuses to use)
     * gains nothing from being signalled. */
    HANDLE event = wst_inspector_os.OpenEventW(EVENT_MODIFY_STATE, FALSE, wname);
    if (event == NULL) {
        DWORD e = GetLastError();
        if (e == ERROR_ACCESS_DENIED)
            return wst_error_set(err, WST_E_ACCESS_DENIED, e, "opening the trigger %s", name);
        return wst_error_set(err, WST_E_NO_WORKER, e, "opening the trigger %s", name);
    }
    BOOL ok = wst_inspector_os.SetEvent(event);
    DWORD e = GetLastError();
    wst_inspector_os.CloseHandle(event);
    if (!ok)
        return wst_error_set(err, WST_E_NO_WORKER, e, "signalling the trigger %s", name);
    return WST_OK;
}

enum wst_status wst_pipe_connect(struct wst_pipe_client *c, const char *name, DWORD timeout_ms,
                                 struct wst_error *err)
{
    wchar_t wname[WST_PIPE_NAME_MAX];
    memset(c, 0, sizeof *c);
    c->pipe = INVALID_HANDLE_VALUE;
    c->timeout_ms = timeout_ms;
    c->next_id = GetTickCount() | 1u;
    if (!wst_pipe_name_parse(name, WST_PIPE_NAME_MAX, NULL, NULL) ||
        !wst_pipe_name_widen(name, (uint16_t *)wname))
        return wst_error_set(err, WST_E_CORRUPT, 0, "the region names an invalid pipe");
    DWORD start = GetTickCount();
    for (;;) {
        /* SECURITY_IDENTIFICATION: the worker must not act as us. */
        c->pipe = wst_inspector_os.CreateFileW(
            wname, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
            FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
        if (c->pipe != INVALID_HANDLE_VALUE)
            break;
        DWORD e = GetLastError();
        DWORD spent = GetTickCount() - start;
        if (e != ERROR_PIPE_BUSY || spent >= timeout_ms)
            return wst_error_set(err, e == ERROR_FILE_NOT_FOUND ? WST_E_NO_WORKER : WST_E_PIPE, e,
                                 "connecting to %s", name);
        wst_inspector_os.WaitNamedPipeW(wname, timeout_ms - spent);
    }
    c->event = wst_inspector_os.CreateEventW(NULL, TRUE, FALSE, NULL);
    if (c->event == NULL) {
        DWORD e = GetLastError();
        wst_pipe_close(c);
        return wst_error_set(err, WST_E_INTERNAL, e, "CreateEvent");
    }
    return WST_OK;
}

void wst_pipe_close(struct wst_pipe_client *c)
{
    if (c->pipe != INVALID_HANDLE_VALUE && c->pipe != NULL)
        wst_inspector_os.CloseHandle(c->pipe);
    if (c->event != NULL)
        wst_inspector_os.CloseHandle(c->event);
    c->pipe = INVALID_HANDLE_VALUE;
    c->event = NULL;
}

/* One overlapped transfer of up to `size` bytes, bounded by the deadline.
 * Returns the bytes moved in *done. */
static enum wst_status transfer(struct wst_pipe_client *c, int writing, void *buf, DWORD size,
                                DWORD deadline, DWORD *done, struct wst_error *err)
{
    OVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = c->event;
    ResetEvent(c->event);
    *done = 0;
    BOOL ok = writing ? wst_inspector_os.WriteFile(c->pipe, buf, size, NULL, &ov)
                      : wst_inspector_os.ReadFile(c->pipe, buf, size, NULL, &ov);
    DWORD e = ok ? 0 : GetLastError();
    if (writing && (ok || e == ERROR_IO_PENDING))
        c->sent = 1;
    if (!ok && e != ERROR_IO_PENDING && e != ERROR_MORE_DATA)
        return wst_error_set(err, WST_E_PIPE, e, writing ? "writing a request" : "reading a reply");
    if (!ok && e == ERROR_IO_PENDING) {
        DWORD now = GetTickCount();
        DWORD left = (int32_t)(deadline - now) > 0 ? deadline - now : 0;
        if (wst_inspector_os.WaitForSingleObject(c->event, left) != WAIT_OBJECT_0) {
            wst_inspector_os.CancelIo(c->pipe);
            wst_inspector_os.GetOverlappedResult(c->pipe, &ov, done, TRUE);
            return wst_error_set(err, WST_E_PIPE, WAIT_TIMEOUT,
                                 "the worker did not answer in %lu ms",
                                 (unsigned long)c->timeout_ms);
        }
    }
    if (!wst_inspector_os.GetOverlappedResult(c->pipe, &ov, done, FALSE)) {
        e = GetLastError();
        if (e != ERROR_MORE_DATA)
            return wst_error_set(err, WST_E_PIPE, e,
                                 writing ? "writing a request" : "reading a reply");
    }
    return WST_OK;
}

static enum wst_status transfer_all(struct wst_pipe_client *c, int writing, void *buf, size_t size,
                                    DWORD deadline, struct wst_error *err)
{
    unsigned char *p = buf;
    while (size > 0) {
        DWORD done;
        enum wst_status st = transfer(c, writing, p, (DWORD)size, deadline, &done, err);
        if (st != WST_OK)
            return st;
        if (done == 0)
            return wst_error_set(err, WST_E_PIPE, ERROR_BROKEN_PIPE, "the worker closed the pipe");
        p += done;
        size -= done;
    }
    return WST_OK;
}

/* Sends a request of `type` and reads the reply into a malloc'ed payload.
 * An error reply becomes WST_E_PIPE naming the server's code. */
static enum wst_status request(struct wst_pipe_client *c, uint16_t type, void **payload,
                               uint32_t *length, struct wst_error *err)
{
    struct wst_msg_header h;
    unsigned char raw[sizeof h];
    uint32_t id = c->next_id++;
    DWORD deadline = GetTickCount() + c->timeout_ms;
    c->sent = 0;
    *payload = NULL;
    *length = 0;
    wst_msg_header_init(&h, type, id, 0);
    memcpy(raw, &h, sizeof h);
    enum wst_status st = transfer_all(c, 1, raw, sizeof raw, deadline, err);
    if (st == WST_OK)
        st = transfer_all(c, 0, raw, sizeof raw, deadline, err);
    if (st != WST_OK)
        return st;
    st = wst_msg_header_decode(raw, sizeof raw, &h, NULL);
    int is_error = 0;
    if (st == WST_OK)
        st = wst_msg_reply_check(&h, type, id, &is_error);
    if (st != WST_OK)
        return wst_error_set(err, st, 0, "the worker's reply header is malformed");
    void *body = malloc(h.length ? h.length : 1);
    if (body == NULL)
        return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
    st = transfer_all(c, 0, body, h.length, deadline, err);
    if (st != WST_OK) {
        free(body);
        return st;
    }
    if (is_error) {
        struct wst_msg_error e;
        memcpy(&e, body, sizeof e); /* reply_check fixed the length */
        free(body);
        return wst_error_set(err, WST_E_PIPE, 0, "the worker refused the request (code %lu)",
                             (unsigned long)e.code);
    }
    *payload = body;
    *length = h.length;
    return WST_OK;
}

/* A request whose reply is one fixed-size struct. */
static enum wst_status request_fixed(struct wst_pipe_client *c, uint16_t type, void *out,
                                     size_t size, struct wst_error *err)
{
    void *payload;
    uint32_t length;
    enum wst_status st = request(c, type, &payload, &length, err);
    if (st != WST_OK)
        return st;
    if (length != size) {
        free(payload);
        return wst_error_set(err, WST_E_PROTOCOL, 0, "reply of %lu bytes, expected %zu",
                             (unsigned long)length, size);
    }
    memcpy(out, payload, size);
    free(payload);
    return WST_OK;
}

enum wst_status wst_pipe_hello(struct wst_pipe_client *c, struct wst_msg_hello *out,
                               struct wst_error *err)
{
    enum wst_status st = request_fixed(c, WST_MSG_HELLO, out, sizeof *out, err);
    if (st != WST_OK)
        return st;
    /* The replies depend on the protocol, not on the region's layout: a
     * layout-2 worker (one bucket array, docs/region.md) sums its own buckets
     * and answers a snapshot with the same messages as a layout-3 one. */
    if (out->protocol_version != WST_PROTOCOL_VERSION || out->layout_version < 2 ||
        out->layout_version > WST_LAYOUT_VERSION)
        return wst_error_set(err, WST_E_VERSION, 0, "the worker speaks protocol %lu, layout %lu",
                             (unsigned long)out->protocol_version,
                             (unsigned long)out->layout_version);
    return WST_OK;
}

enum wst_status wst_pipe_snapshot(struct wst_pipe_client *c, uint64_t *generation,
                                  struct wst_region_counter **counters, size_t *count,
                                  int *complete, struct wst_error *err)
{
    void *payload;
    uint32_t length;
    enum wst_status st = request(c, WST_MSG_SNAPSHOT, &payload, &length, err);
    if (st != WST_OK)
        return st;
    st = wst_pipe_decode_snapshot(payload, length, generation, counters, count, complete);
    free(payload);
    if (st != WST_OK)
        return wst_error_set(err, st, 0, "malformed snapshot reply (%lu bytes)",
                             (unsigned long)length);
    return WST_OK;
}

enum wst_status wst_pipe_reset(struct wst_pipe_client *c, uint64_t *generation,
                               struct wst_error *err)
{
    struct wst_msg_reset r;
    enum wst_status st = request_fixed(c, WST_MSG_RESET, &r, sizeof r, err);
    if (st == WST_OK)
        *generation = r.generation;
    return st;
}

enum wst_status wst_pipe_stats(struct wst_pipe_client *c, struct wst_msg_stats *out,
                               struct wst_error *err)
{
    return request_fixed(c, WST_MSG_STATS, out, sizeof *out, err);
}
