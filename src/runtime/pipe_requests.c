/*
 * See pipe_requests.h. Every reply but a snapshot fits the reply's own small
 * buffer; a snapshot is one heap block (reply header, snapshot header,
 * entries, kinds and distributions, then scratch that is not sent).
 */
#include "pipe_requests.h"

#include <string.h>

#include "counters.h"
#include "function_reset.h"
#include "os_win.h"
#include "protocol_codec.h"

static uint8_t *small_reply(struct wst_pipe_reply *reply, const struct wst_msg_header *request,
                            uint16_t type, uint32_t length)
{
    wst_msg_header_init((struct wst_msg_header *)reply->small, type, request->request_id, length);
    reply->bytes = reply->small;
    reply->size = (uint32_t)(sizeof(struct wst_msg_header) + length);
    return reply->small + sizeof(struct wst_msg_header);
}

static void reply_error(struct wst_pipe_reply *reply, struct wst_pipe_counts *counts,
                        const struct wst_msg_header *request, uint32_t code)
{
    struct wst_msg_error body = {.code = code};
    memcpy(small_reply(reply, request, WST_MSG_ERROR, sizeof body), &body, sizeof body);
    counts->errors++;
}

static void reply_hello(struct wst_pipe_reply *reply, const struct wst_pipe_answer_env *env,
                        const struct wst_msg_header *request)
{
    struct wst_msg_hello body = {
        .protocol_version = WST_PROTOCOL_VERSION,
        .runtime_version = WST_VERSION_NUMBER,
        .layout_version = WST_LAYOUT_VERSION,
        .mode = env->region->mode,
        .pid = env->region->pid,
        .worker_state = __atomic_load_n(&env->region->worker_state, __ATOMIC_ACQUIRE),
        .module_base = env->module_base,
        .instance = env->region->instance,
    };
    memcpy(small_reply(reply, request, WST_MSG_HELLO | WST_MSG_REPLY, sizeof body), &body,
           sizeof body);
}

/* The counters, then the function table, if the module has one (the
 * reply's generation is the counters'; the table has none). */
static void reply_reset(struct wst_pipe_reply *reply, const struct wst_pipe_answer_env *env,
                        const struct wst_msg_header *request)
{
    struct wst_msg_reset body = {
        .generation = wst_counters_reset(env->counters_begin, env->counters_end,
                                         &env->region->generation),
    };
    wst_fn_table_reset(env->region, env->module_base);
    memcpy(small_reply(reply, request, WST_MSG_RESET | WST_MSG_REPLY, sizeof body), &body,
           sizeof body);
}

static void reply_stats(struct wst_pipe_reply *reply, const struct wst_pipe_answer_env *env,
                        const struct wst_pipe_counts *counts, const struct wst_msg_header *request)
{
    struct wst_msg_stats body = {
        .requests = counts->requests,
        .errors = counts->errors,
        .connections = counts->connections,
        .uptime_ms = GetTickCount64() - env->started_ms,
    };
    memcpy(small_reply(reply, request, WST_MSG_STATS | WST_MSG_REPLY, sizeof body), &body,
           sizeof body);
}

/* One heap block: reply header, the payload (snapshot header, entries, then
 * the kinds and distributions of protocol 3), then scratch that is not sent
 * (the name index and the entries' kinds). The payload never exceeds
 * WST_MSG_MAX_PAYLOAD; what does not fit (names past the entry cap, gauges'
 * kinds, distributions) is left out, and the reply says so
 * (WST_SNAPSHOT_TRUNCATED) so that the client can read memory instead. A
 * snapshot never overlaps a reset: the worker runs both. */
static BOOL reply_snapshot(struct wst_pipe_reply *reply, const struct wst_pipe_answer_env *env,
                           const struct wst_msg_header *request)
{
    const size_t head = sizeof(struct wst_msg_header);
    const struct wst_counter *begin = env->counters_begin;
    const struct wst_counter *end = env->counters_end;
    size_t cap = wst_counters_site_count(begin, end);
    if (cap > WST_SNAPSHOT_MAX_ENTRIES)
        cap = WST_SNAPSHOT_MAX_ENTRIES;
    size_t index_cap = wst_counters_index_size(cap);
    uint8_t *block = wst_os.HeapAlloc(GetProcessHeap(), 0,
                                      head + WST_MSG_MAX_PAYLOAD + index_cap * sizeof(uint32_t) + cap);
    if (block == NULL)
        return FALSE;
    uint8_t *payload = block + head;
    uint32_t *index = (uint32_t *)(payload + WST_MSG_MAX_PAYLOAD);
    uint8_t *kinds = (uint8_t *)(index + index_cap);

    struct wst_msg_snapshot snap = {
        .generation = __atomic_load_n(&env->region->generation, __ATOMIC_ACQUIRE),
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
    reply->bytes = block;
    reply->size = (uint32_t)(sizeof header + used);
    return TRUE;
}

void wst_pipe_answer(const uint8_t *request_bytes, const struct wst_pipe_answer_env *env,
                     struct wst_pipe_counts *counts, struct wst_pipe_reply *reply)
{
    struct wst_msg_header request;
    uint32_t code = 0;
    reply->close_after = FALSE;
    if (wst_msg_header_decode(request_bytes, sizeof(struct wst_msg_header), &request, &code) !=
            WST_OK ||
        wst_msg_request_check(&request, &code) != WST_OK) {
        /* decode copied the raw fields first, so the id is echoed even here */
        reply_error(reply, counts, &request, code);
        reply->close_after = TRUE;
        return;
    }
    if (request.type == WST_MSG_SNAPSHOT && !reply_snapshot(reply, env, &request)) {
        reply_error(reply, counts, &request, WST_MSG_ERR_INTERNAL);
        return;
    }
    if (request.type == WST_MSG_HELLO)
        reply_hello(reply, env, &request);
    else if (request.type == WST_MSG_RESET)
        reply_reset(reply, env, &request);
    else if (request.type == WST_MSG_STATS)
        reply_stats(reply, env, counts, &request);
    counts->requests++;
}

void wst_pipe_reply_free(struct wst_pipe_reply *reply)
{
    if (reply->bytes != NULL && reply->bytes != reply->small)
        wst_os.HeapFree(GetProcessHeap(), 0, reply->bytes);
    reply->bytes = NULL;
    reply->size = 0;
}
