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

/* A cursor over the payload: every read is checked against what is left. */
struct cursor {
    const unsigned char *at;
    size_t left;
};

static int take(struct cursor *c, void *out, size_t size)
{
    if (c->left < size)
        return 0;
    memcpy(out, c->at, size);
    c->at += size;
    c->left -= size;
    return 1;
}

/* The kinds that follow the entries (protocol 3): marks out[] entries, checks
 * and counts the distributions without storing them (first pass). */
static enum wst_status decode_kinds(struct cursor *c, struct wst_region_counter *out,
                                    uint32_t count, struct wst_msg_kinds *k)
{
    if (!take(c, k, sizeof *k) || k->entries > count)
        return WST_E_PROTOCOL;
    uint32_t last = 0;
    for (uint32_t i = 0; i < k->entries; i++) {
        struct wst_msg_kind one;
        if (!take(c, &one, sizeof one) || one.entry >= count || (i > 0 && one.entry <= last))
            return WST_E_PROTOCOL;
        uint32_t kind = one.kind & WST_SNAPSHOT_KIND_MASK;
        if (kind != WST_KIND_GAUGE || (one.kind & ~(WST_SNAPSHOT_KIND_MASK |
                                                    WST_SNAPSHOT_KIND_CONFLICT)) != 0)
            return WST_E_PROTOCOL;
        out[one.entry].kind = kind;
        out[one.entry].conflict_kinds = 1u << kind;
        if (one.kind & WST_SNAPSHOT_KIND_CONFLICT) {
            /* The worker saw another kind too; which, it does not say. */
            out[one.entry].flags |= WST_REGION_KIND_CONFLICT;
            out[one.entry].conflict_kinds |= 1u << WST_KIND_COUNTER;
        }
        last = one.entry;
    }
    return WST_OK;
}

/* One distribution and its buckets, into *e (buckets: WST_DIST_BUCKETS
 * zeroed counts, or NULL to only check). */
static enum wst_status decode_dist(struct cursor *c, struct wst_region_counter *e,
                                   uint64_t *buckets)
{
    struct wst_msg_dist d;
    if (!take(c, &d, sizeof d) || memchr(d.name, '\0', sizeof d.name) == NULL)
        return WST_E_PROTOCOL;
    if ((d.flags & WST_KIND_MASK) != WST_KIND_DISTRIBUTION ||
        (d.flags & ~(WST_KIND_MASK | WST_DIST_UNIT_NS)) != 0 ||
        d.bucket_count > WST_DIST_BUCKETS)
        return WST_E_PROTOCOL;
    uint32_t last = 0;
    for (uint32_t i = 0; i < d.bucket_count; i++) {
        struct wst_msg_bucket b;
        if (!take(c, &b, sizeof b) || b.index >= WST_DIST_BUCKETS ||
            (i > 0 && b.index <= last) || b.count == 0)
            return WST_E_PROTOCOL;
        if (buckets != NULL)
            buckets[b.index] = b.count;
        last = b.index;
    }
    if (e != NULL) {
        memset(e, 0, sizeof *e);
        memcpy(e->name, d.name, sizeof e->name);
        e->kind = WST_KIND_DISTRIBUTION;
        e->conflict_kinds = 1u << WST_KIND_DISTRIBUTION;
        e->flags = d.flags & WST_DIST_UNIT_NS;
        e->value = d.count;
        e->sum = d.sum;
        int none = d.count == 0 || d.min > d.max;
        e->min = none ? 0 : d.min;
        e->max = none ? 0 : d.max;
        e->buckets = buckets;
    }
    return WST_OK;
}

enum wst_status wst_pipe_decode_snapshot(const void *payload, size_t length, uint64_t *generation,
                                         struct wst_region_counter **counters, size_t *count,
                                         int *complete)
{
    struct wst_msg_snapshot s;
    *counters = NULL;
    *count = 0;
    *complete = 0;
    if (length < sizeof s)
        return WST_E_PROTOCOL;
    memcpy(&s, payload, sizeof s);
    if ((s.flags & ~WST_SNAPSHOT_FLAGS_KNOWN) != 0)
        return WST_E_PROTOCOL;
    /* Compare counts, not products, so that a huge count cannot overflow. */
    size_t rest = length - sizeof s;
    if (s.count > rest / sizeof(struct wst_msg_counter))
        return WST_E_PROTOCOL;
    if (!(s.flags & WST_SNAPSHOT_KINDS) && rest % sizeof(struct wst_msg_counter) != 0)
        return WST_E_PROTOCOL;
    if (!(s.flags & WST_SNAPSHOT_KINDS) && s.count != rest / sizeof(struct wst_msg_counter))
        return WST_E_PROTOCOL;
    struct cursor c = {(const unsigned char *)payload + sizeof s +
                           (size_t)s.count * sizeof(struct wst_msg_counter),
                       rest - (size_t)s.count * sizeof(struct wst_msg_counter)};
    /* First pass over what follows the entries: its shape, and how many
     * distributions need room. The second pass stores them. */
    struct wst_msg_kinds k = {0, 0};
    if (s.flags & WST_SNAPSHOT_KINDS) {
        struct cursor first = c;
        if (!take(&first, &k, sizeof k) || k.entries > s.count)
            return WST_E_PROTOCOL;
        if (first.left / sizeof(struct wst_msg_kind) < k.entries)
            return WST_E_PROTOCOL;
        first.at += (size_t)k.entries * sizeof(struct wst_msg_kind);
        first.left -= (size_t)k.entries * sizeof(struct wst_msg_kind);
        if (k.distributions > first.left / sizeof(struct wst_msg_dist))
            return WST_E_PROTOCOL;
        for (uint32_t i = 0; i < k.distributions; i++) {
            if (decode_dist(&first, NULL, NULL) != WST_OK)
                return WST_E_PROTOCOL;
        }
        if (first.left != 0)
            return WST_E_PROTOCOL;
    }
    size_t entries = (size_t)s.count + k.distributions;
    /* One block, so that the caller's free() of the counters frees all. */
    struct wst_region_counter *out =
        calloc(1, (entries ? entries : 1) * sizeof *out +
                      (size_t)k.distributions * WST_DIST_BUCKETS * sizeof(uint64_t));
    if (out == NULL)
        return WST_E_INTERNAL;
    const unsigned char *entry = (const unsigned char *)payload + sizeof s;
    for (uint32_t i = 0; i < s.count; i++, entry += sizeof(struct wst_msg_counter)) {
        struct wst_msg_counter m;
        memcpy(&m, entry, sizeof m);
        if (memchr(m.name, '\0', sizeof m.name) == NULL) {
            free(out);
            return WST_E_PROTOCOL;
        }
        memcpy(out[i].name, m.name, sizeof out[i].name);
        out[i].value = m.value;
        out[i].kind = WST_KIND_COUNTER;
        out[i].conflict_kinds = 1u << WST_KIND_COUNTER;
    }
    if (s.flags & WST_SNAPSHOT_KINDS) {
        uint64_t *pool = (uint64_t *)(out + entries);
        enum wst_status st = decode_kinds(&c, out, s.count, &k);
        for (uint32_t i = 0; st == WST_OK && i < k.distributions; i++)
            st = decode_dist(&c, &out[s.count + i], pool + (size_t)i * WST_DIST_BUCKETS);
        if (st != WST_OK) {
            free(out);
            return st;
        }
    }
    *generation = s.generation;
    *counters = out;
    *count = wst_region_sort_merge(out, entries);
    *complete = (s.flags & WST_SNAPSHOT_TRUNCATED) == 0;
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
