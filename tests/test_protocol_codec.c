/*
 * Unit tests of src/common/protocol_codec.c: header encoding, and every
 * refusal of the decoder and of the request and reply checks, as tables.
 * Single-threaded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocol_codec.h"

static void roundtrip(void **state)
{
    (void)state;
    struct wst_msg_header h, d;
    unsigned char raw[sizeof h];
    uint32_t code = 0;
    wst_msg_header_init(&h, WST_MSG_SNAPSHOT, 77, 0);
    memcpy(raw, &h, sizeof raw);
    assert_int_equal(wst_msg_header_decode(raw, sizeof raw, &d, &code), WST_OK);
    assert_int_equal(d.magic, WST_MSG_MAGIC);
    assert_int_equal(d.version, WST_PROTOCOL_VERSION);
    assert_int_equal(d.type, WST_MSG_SNAPSHOT);
    assert_int_equal(d.request_id, 77);
    assert_int_equal(d.length, 0);
    assert_int_equal(wst_msg_request_check(&d, &code), WST_OK);
}

struct decode_case {
    const char *what;
    size_t size;
    uint32_t magic;
    uint16_t version;
    uint32_t length;
    enum wst_status status;
    uint32_t code;
};

static const struct decode_case decode_cases[] = {
    {"short", 15, WST_MSG_MAGIC, WST_PROTOCOL_VERSION, 0, WST_E_TRUNCATED, WST_MSG_ERR_BAD_LENGTH},
    {"empty", 0, WST_MSG_MAGIC, WST_PROTOCOL_VERSION, 0, WST_E_TRUNCATED, WST_MSG_ERR_BAD_LENGTH},
    {"magic", 16, 0x50545358u, WST_PROTOCOL_VERSION, 0, WST_E_PROTOCOL, WST_MSG_ERR_BAD_MAGIC},
    {"version", 16, WST_MSG_MAGIC, WST_PROTOCOL_VERSION + 1, 0, WST_E_VERSION,
     WST_MSG_ERR_BAD_VERSION},
    {"length", 16, WST_MSG_MAGIC, WST_PROTOCOL_VERSION, WST_MSG_MAX_PAYLOAD + 1, WST_E_PROTOCOL,
     WST_MSG_ERR_BAD_LENGTH},
    {"length max", 16, WST_MSG_MAGIC, WST_PROTOCOL_VERSION, WST_MSG_MAX_PAYLOAD, WST_OK, 0},
    {"length huge", 16, WST_MSG_MAGIC, WST_PROTOCOL_VERSION, 0xffffffffu, WST_E_PROTOCOL,
     WST_MSG_ERR_BAD_LENGTH},
};

static void decode_refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof decode_cases / sizeof decode_cases[0]; i++) {
        const struct decode_case *c = &decode_cases[i];
        struct wst_msg_header h = {c->magic, c->version, WST_MSG_HELLO, 1, c->length}, d;
        unsigned char raw[sizeof h];
        uint32_t code = 0;
        memcpy(raw, &h, sizeof raw);
        print_message("decode: %s\n", c->what);
        assert_int_equal(wst_msg_header_decode(raw, c->size, &d, &code), c->status);
        assert_int_equal(code, c->code);
        assert_int_equal(wst_msg_header_decode(raw, c->size, &d, NULL), c->status);
    }
}

static void request_checks(void **state)
{
    (void)state;
    static const struct {
        uint16_t type;
        uint32_t length;
        enum wst_status status;
        uint32_t code;
    } cases[] = {
        {WST_MSG_HELLO, 0, WST_OK, 0},
        {WST_MSG_SNAPSHOT, 0, WST_OK, 0},
        {WST_MSG_RESET, 0, WST_OK, 0},
        {WST_MSG_STATS, 0, WST_OK, 0},
        {0, 0, WST_E_PROTOCOL, WST_MSG_ERR_BAD_TYPE},
        {5, 0, WST_E_PROTOCOL, WST_MSG_ERR_BAD_TYPE},
        {WST_MSG_ERROR, 0, WST_E_PROTOCOL, WST_MSG_ERR_BAD_TYPE},
        {WST_MSG_HELLO | WST_MSG_REPLY, 0, WST_E_PROTOCOL, WST_MSG_ERR_BAD_TYPE},
        {WST_MSG_HELLO, 1, WST_E_PROTOCOL, WST_MSG_ERR_BAD_LENGTH},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct wst_msg_header h;
        uint32_t code = 0;
        wst_msg_header_init(&h, cases[i].type, 9, cases[i].length);
        assert_int_equal(wst_msg_request_check(&h, &code), cases[i].status);
        assert_int_equal(code, cases[i].code);
    }
}

static void reply_checks(void **state)
{
    (void)state;
    static const struct {
        uint16_t type;
        uint32_t id;
        uint32_t length;
        enum wst_status status;
        int is_error;
    } cases[] = {
        {WST_MSG_SNAPSHOT | WST_MSG_REPLY, 5, 16, WST_OK, 0},
        {WST_MSG_SNAPSHOT | WST_MSG_REPLY, 6, 16, WST_E_PROTOCOL, 0}, /* another request's */
        {WST_MSG_HELLO | WST_MSG_REPLY, 5, 40, WST_E_PROTOCOL, 0},    /* another type */
        {WST_MSG_SNAPSHOT, 5, 0, WST_E_PROTOCOL, 0},                  /* reply flag missing */
        {WST_MSG_ERROR, 5, sizeof(struct wst_msg_error), WST_OK, 1},
        {WST_MSG_ERROR, 5, 4, WST_E_PROTOCOL, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct wst_msg_header h;
        int is_error = -1;
        wst_msg_header_init(&h, cases[i].type, cases[i].id, cases[i].length);
        assert_int_equal(wst_msg_reply_check(&h, WST_MSG_SNAPSHOT, 5, &is_error), cases[i].status);
        assert_int_equal(is_error, cases[i].is_error);
    }
}

/* The snapshot reply's limits and flags as docs/protocol.md states them
 * (protocol 3): 4095 entries and the kinds header fill the payload bound,
 * and the flags word is where version 1 had a reserved zero. */
static void snapshot_layout(void **state)
{
    (void)state;
    assert_int_equal(WST_PROTOCOL_VERSION, 3);
    assert_int_equal(WST_SNAPSHOT_MAX_ENTRIES, 4095);
    assert_true(sizeof(struct wst_msg_snapshot) +
                    WST_SNAPSHOT_MAX_ENTRIES * sizeof(struct wst_msg_counter) +
                    sizeof(struct wst_msg_kinds) <=
                WST_MSG_MAX_PAYLOAD);
    assert_true(sizeof(struct wst_msg_snapshot) +
                    (WST_SNAPSHOT_MAX_ENTRIES + 1) * sizeof(struct wst_msg_counter) >
                WST_MSG_MAX_PAYLOAD);
    assert_int_equal(offsetof(struct wst_msg_snapshot, flags), 12);
    assert_int_equal(WST_SNAPSHOT_TRUNCATED, 1);
    assert_int_equal(WST_SNAPSHOT_KINDS, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roundtrip),
        cmocka_unit_test(decode_refusals),
        cmocka_unit_test(request_checks),
        cmocka_unit_test(reply_checks),
        cmocka_unit_test(snapshot_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
