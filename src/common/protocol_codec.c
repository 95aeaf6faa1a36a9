/*
 * See protocol_codec.h. All multi-byte fields are little-endian on both ends
 * (x86 and x86_64 only), so decoding is a bounded copy plus checks.
 */
#include "protocol_codec.h"

#include <string.h>

void wst_msg_header_init(struct wst_msg_header *h, uint16_t type, uint32_t request_id,
                         uint32_t length)
{
    h->magic = WST_MSG_MAGIC;
    h->version = WST_PROTOCOL_VERSION;
    h->type = type;
    h->request_id = request_id;
    h->length = length;
}

static enum wst_status refuse(uint32_t *error_code, uint32_t code, enum wst_status status)
{
    if (error_code != NULL)
        *error_code = code;
    return status;
}

enum wst_status wst_msg_header_decode(const void *bytes, size_t size, struct wst_msg_header *out,
                                      uint32_t *error_code)
{
    if (size < sizeof *out)
        return refuse(error_code, WST_MSG_ERR_BAD_LENGTH, WST_E_TRUNCATED);
    memcpy(out, bytes, sizeof *out);
    if (out->magic != WST_MSG_MAGIC)
        return refuse(error_code, WST_MSG_ERR_BAD_MAGIC, WST_E_PROTOCOL);
    if (out->version != WST_PROTOCOL_VERSION)
        return refuse(error_code, WST_MSG_ERR_BAD_VERSION, WST_E_VERSION);
    if (out->length > WST_MSG_MAX_PAYLOAD)
        return refuse(error_code, WST_MSG_ERR_BAD_LENGTH, WST_E_PROTOCOL);
    return WST_OK;
}

static int is_request_type(uint16_t type)
{
    return type == WST_MSG_HELLO || type == WST_MSG_SNAPSHOT || type == WST_MSG_RESET ||
           type == WST_MSG_STATS;
}

enum wst_status wst_msg_request_check(const struct wst_msg_header *h, uint32_t *error_code)
{
    if (!is_request_type(h->type))
        return refuse(error_code, WST_MSG_ERR_BAD_TYPE, WST_E_PROTOCOL);
    if (h->length != 0)
        return refuse(error_code, WST_MSG_ERR_BAD_LENGTH, WST_E_PROTOCOL);
    return WST_OK;
}

enum wst_status wst_msg_reply_check(const struct wst_msg_header *h, uint16_t request_type,
                                    uint32_t request_id, int *is_error)
{
    *is_error = 0;
    if (h->request_id != request_id)
        return WST_E_PROTOCOL;
    if (h->type == WST_MSG_ERROR) {
        *is_error = 1;
        return h->length == sizeof(struct wst_msg_error) ? WST_OK : WST_E_PROTOCOL;
    }
    if (h->type != (uint16_t)(request_type | WST_MSG_REPLY))
        return WST_E_PROTOCOL;
    return WST_OK;
}
