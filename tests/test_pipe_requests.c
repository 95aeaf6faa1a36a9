/*
 * The worker's answers (src/runtime/pipe_requests.c), request bytes in and
 * reply bytes out, with no pipe: every request type, the refusals, and the
 * out-of-memory reply of a snapshot whose block cannot be allocated (through
 * the runtime's OS table).
 *
 * The program is itself instrumented: its own region is what the answers
 * read and reset. main() marks the first probe hit as seen so that no worker
 * of the lifecycle's own runs beside the test.
 */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <winstrument.h>

#include "os_win.h"
#include "pipe_requests.h"
#include "protocol_codec.h"
#include "region_internal.h"

/* The answers serve this test program's own region (its counters below). */
static struct wst_pipe_answer_env env = {.module_base = 0x7ff612340000ull, .started_ms = 0};

static int own_region(void **state)
{
    (void)state;
    env.region = &wst_region_;
    env.counters_begin = wst_region_counters_begin();
    env.counters_end = wst_region_counters_end();
    return 0;
}

static void hit_counters(void)
{
    for (int i = 0; i < 5; i++)
        WST_COUNT("requests.test.five");
    WST_ADD("requests.test.seven", 7);
}

static void answer(uint16_t type, uint32_t id, struct wst_pipe_counts *counts,
                   struct wst_pipe_reply *reply)
{
    struct wst_msg_header h;
    wst_msg_header_init(&h, type, id, 0);
    memset(reply, 0, sizeof *reply);
    wst_pipe_answer((const uint8_t *)&h, &env, counts, reply);
}

/* The reply's header, checked as the inspector's client checks it. */
static struct wst_msg_header reply_header(const struct wst_pipe_reply *reply, uint16_t type,
                                          uint32_t id)
{
    struct wst_msg_header h;
    assert_true(reply->size >= sizeof h);
    assert_int_equal(wst_msg_header_decode(reply->bytes, reply->size, &h, NULL), WST_OK);
    assert_int_equal(h.request_id, id);
    assert_int_equal(h.type, type);
    assert_int_equal(h.length, reply->size - sizeof h);
    return h;
}

static void hello_names_the_module(void **state)
{
    (void)state;
    struct wst_pipe_counts counts = {0};
    struct wst_pipe_reply reply;
    answer(WST_MSG_HELLO, 11, &counts, &reply);
    reply_header(&reply, WST_MSG_HELLO | WST_MSG_REPLY, 11);
    struct wst_msg_hello hello;
    memcpy(&hello, reply.bytes + sizeof(struct wst_msg_header), sizeof hello);
    assert_int_equal(hello.protocol_version, WST_PROTOCOL_VERSION);
    assert_int_equal(hello.pid, wst_region_.pid);
    assert_true(hello.module_base == env.module_base);
    assert_true(hello.instance == wst_region_.instance);
    assert_false(reply.close_after);
    assert_int_equal(counts.requests, 1);
    wst_pipe_reply_free(&reply);
}

static void snapshot_sums_the_counters(void **state)
{
    (void)state;
    struct wst_pipe_counts counts = {0};
    struct wst_pipe_reply reply;
    hit_counters();
    answer(WST_MSG_SNAPSHOT, 12, &counts, &reply);
    struct wst_msg_header h = reply_header(&reply, WST_MSG_SNAPSHOT | WST_MSG_REPLY, 12);
    struct wst_msg_snapshot snap;
    memcpy(&snap, reply.bytes + sizeof h, sizeof snap);
    /* Protocol 3: the entries, then the kinds header (this module has no
     * gauge and no distribution: both counts 0), and nothing else. */
    assert_int_equal(snap.flags, WST_SNAPSHOT_KINDS);
    assert_int_equal(h.length, sizeof snap + snap.count * sizeof(struct wst_msg_counter) +
                                   sizeof(struct wst_msg_kinds));
    struct wst_msg_kinds k;
    memcpy(&k, reply.bytes + sizeof h + sizeof snap + snap.count * sizeof(struct wst_msg_counter),
           sizeof k);
    assert_int_equal(k.entries, 0);
    assert_int_equal(k.distributions, 0);
    int found = 0;
    for (uint32_t i = 0; i < snap.count; i++) {
        struct wst_msg_counter c;
        memcpy(&c, reply.bytes + sizeof h + sizeof snap + i * sizeof c, sizeof c);
        if (strcmp(c.name, "requests.test.seven") == 0) {
            assert_true(c.value % 7 == 0 && c.value > 0);
            found++;
        }
    }
    assert_int_equal(found, 1);
    assert_true(reply.bytes != reply.small); /* a heap block */
    wst_pipe_reply_free(&reply);
    assert_null(reply.bytes);
}

static void reset_zeroes_and_steps_the_generation(void **state)
{
    (void)state;
    struct wst_pipe_counts counts = {0};
    struct wst_pipe_reply reply;
    hit_counters();
    uint64_t before = wst_region_.generation;
    answer(WST_MSG_RESET, 13, &counts, &reply);
    reply_header(&reply, WST_MSG_RESET | WST_MSG_REPLY, 13);
    struct wst_msg_reset body;
    memcpy(&body, reply.bytes + sizeof(struct wst_msg_header), sizeof body);
    assert_true(body.generation == before + 2);
    wst_pipe_reply_free(&reply);
}

static void stats_reports_the_counts(void **state)
{
    (void)state;
    struct wst_pipe_counts counts = {.requests = 41, .errors = 3, .connections = 9};
    struct wst_pipe_reply reply;
    answer(WST_MSG_STATS, 14, &counts, &reply);
    reply_header(&reply, WST_MSG_STATS | WST_MSG_REPLY, 14);
    struct wst_msg_stats body;
    memcpy(&body, reply.bytes + sizeof(struct wst_msg_header), sizeof body);
    assert_true(body.requests == 41 && body.errors == 3 && body.connections == 9);
    assert_int_equal(counts.requests, 42);
    wst_pipe_reply_free(&reply);
}

static uint32_t error_code(const struct wst_pipe_reply *reply, uint32_t id)
{
    reply_header(reply, WST_MSG_ERROR, id);
    struct wst_msg_error e;
    memcpy(&e, reply->bytes + sizeof(struct wst_msg_header), sizeof e);
    return e.code;
}

static void malformed_requests_are_refused_and_closed(void **state)
{
    (void)state;
    struct wst_pipe_counts counts = {0};
    struct wst_pipe_reply reply;
    struct wst_msg_header h;
    wst_msg_header_init(&h, WST_MSG_HELLO, 15, 0);
    h.magic ^= 1;
    memset(&reply, 0, sizeof reply);
    wst_pipe_answer((const uint8_t *)&h, &env, &counts, &reply);
    assert_int_equal(error_code(&reply, 15), WST_MSG_ERR_BAD_MAGIC);
    assert_true(reply.close_after);

    answer(0x1234, 16, &counts, &reply);
    assert_int_equal(error_code(&reply, 16), WST_MSG_ERR_BAD_TYPE);
    assert_true(reply.close_after);
    assert_int_equal(counts.errors, 2);
    assert_int_equal(counts.requests, 0);
}

static LPVOID WINAPI no_memory(HANDLE heap, DWORD flags, SIZE_T size)
{
    (void)heap, (void)flags, (void)size;
    SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    return NULL;
}

static void snapshot_without_memory_answers_internal(void **state)
{
    (void)state;
    struct wst_pipe_counts counts = {0};
    struct wst_pipe_reply reply;
    wst_os.HeapAlloc = no_memory;
    answer(WST_MSG_SNAPSHOT, 17, &counts, &reply);
    wst_os_restore();
    assert_int_equal(error_code(&reply, 17), WST_MSG_ERR_INTERNAL);
    /* The connection stays: the client may ask again, or read memory. */
    assert_false(reply.close_after);
    assert_int_equal(counts.errors, 1);
    assert_true(reply.bytes == reply.small);
    wst_pipe_reply_free(&reply);
}

int main(void)
{
    InterlockedExchange(&wst_runtime_hit_seen_, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hello_names_the_module),
        cmocka_unit_test(snapshot_sums_the_counters),
        cmocka_unit_test(reset_zeroes_and_steps_the_generation),
        cmocka_unit_test(stats_reports_the_counts),
        cmocka_unit_test(malformed_requests_are_refused_and_closed),
        cmocka_unit_test(snapshot_without_memory_answers_internal),
    };
    return cmocka_run_group_tests(tests, own_region, NULL);
}
