/*
 * libFuzzer target for src/common/protocol_codec.c: bytes a client wrote to a
 * worker's pipe, or a worker wrote back to the inspector. The input is read
 * the way the server reads its pipe, one 16-byte header after another until
 * one is refused, and each header is also checked as a reply to a request
 * chosen from the bytes that follow it. Besides "no crash", it checks the
 * promises callers rely on: the refusal code matches the status, a header
 * passes only with the right magic, version and length, the raw request id is
 * decoded even from a refused header (the server echoes it in the error
 * reply), and wst_msg_header_init's output always decodes back to itself.
 *
 * Never: writes to the input, keeps state between inputs, or rejects an input
 * itself.
 */
#include <string.h>

#include "fuzz_check.h"
#include "protocol_codec.h"

static int is_request_type(uint16_t t)
{
    return t == WST_MSG_HELLO || t == WST_MSG_SNAPSHOT || t == WST_MSG_RESET ||
           t == WST_MSG_STATS;
}

static void check_request(const struct wst_msg_header *h)
{
    uint32_t code = 0;
    enum wst_status st = wst_msg_request_check(h, &code);
    FUZZ_CHECK(st == wst_msg_request_check(h, NULL));
    if (st == WST_OK) {
        FUZZ_CHECK(is_request_type(h->type) && h->length == 0);
        return;
    }
    FUZZ_CHECK(st == WST_E_PROTOCOL);
    FUZZ_CHECK(code == (is_request_type(h->type) ? WST_MSG_ERR_BAD_LENGTH : WST_MSG_ERR_BAD_TYPE));
}

static void check_reply(const struct wst_msg_header *h, uint16_t type, uint32_t id)
{
    int is_error = -1;
    enum wst_status st = wst_msg_reply_check(h, type, id, &is_error);
    FUZZ_CHECK(st == WST_OK || st == WST_E_PROTOCOL);
    FUZZ_CHECK(is_error == 0 || is_error == 1);
    if (st != WST_OK)
        return;
    FUZZ_CHECK(h->request_id == id);
    if (is_error)
        FUZZ_CHECK(h->type == WST_MSG_ERROR && h->length == sizeof(struct wst_msg_error));
    else
        FUZZ_CHECK(h->type == (uint16_t)(type | WST_MSG_REPLY));
}

/* Decodes one frame at `p` (`left` bytes available); 1 if the server would
 * read the next one after answering this. */
static int one_frame(const uint8_t *p, size_t left)
{
    struct wst_msg_header h;
    uint32_t code = 0, raw_id;
    enum wst_status st = wst_msg_header_decode(p, left, &h, &code);
    FUZZ_CHECK(st == wst_msg_header_decode(p, left, &h, NULL));
    if (st == WST_E_TRUNCATED) {
        FUZZ_CHECK(left < sizeof h && code == WST_MSG_ERR_BAD_LENGTH);
        return 0;
    }
    memcpy(&raw_id, p + offsetof(struct wst_msg_header, request_id), sizeof raw_id);
    FUZZ_CHECK(h.request_id == raw_id);
    if (st != WST_OK) {
        FUZZ_CHECK(code >= WST_MSG_ERR_BAD_MAGIC && code <= WST_MSG_ERR_BAD_LENGTH);
        FUZZ_CHECK((st == WST_E_VERSION) == (code == WST_MSG_ERR_BAD_VERSION));
        return 0;
    }
    FUZZ_CHECK(h.magic == WST_MSG_MAGIC && h.version == WST_PROTOCOL_VERSION);
    FUZZ_CHECK(h.length <= WST_MSG_MAX_PAYLOAD);
    check_request(&h);
    /* As a reply: to a request taken from the next bytes, and to itself. */
    uint16_t type = h.type & (uint16_t)~WST_MSG_REPLY;
    uint32_t id = h.request_id;
    if (left >= sizeof h + 6) {
        memcpy(&type, p + sizeof h, sizeof type);
        memcpy(&id, p + sizeof h + 2, sizeof id);
    }
    check_reply(&h, type, id);
    check_reply(&h, h.type & (uint16_t)~WST_MSG_REPLY, h.request_id);
    return wst_msg_request_check(&h, NULL) == WST_OK;
}

/* wst_msg_header_init, then decode: the codec must accept what it writes. */
static void round_trip(const uint8_t *data, size_t size)
{
    uint16_t type = 0;
    uint32_t id = 0, length = 0;
    if (size >= 10) {
        memcpy(&type, data, sizeof type);
        memcpy(&id, data + 2, sizeof id);
        memcpy(&length, data + 6, sizeof length);
    }
    struct wst_msg_header h, back;
    uint8_t wire[sizeof h];
    wst_msg_header_init(&h, type, id, length);
    memcpy(wire, &h, sizeof wire);
    enum wst_status st = wst_msg_header_decode(wire, sizeof wire, &back, NULL);
    FUZZ_CHECK(st == (length <= WST_MSG_MAX_PAYLOAD ? WST_OK : WST_E_PROTOCOL));
    FUZZ_CHECK(back.type == type && back.request_id == id && back.length == length);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (one_frame(data + off, size - off))
        off += sizeof(struct wst_msg_header);
    round_trip(data, size);
    return 0;
}
