/*
 * Encoding and validation of winstrument/protocol.h messages. Platform-free:
 * the runtime's pipe server, the inspector's pipe client, the unit tests and
 * the native fuzz targets all use it. Nothing here trusts its input.
 */
#ifndef WST_PROTOCOL_CODEC_H
#define WST_PROTOCOL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "winstrument/protocol.h"

/* Fills a header for a message of `type` with `length` payload bytes. */
void wst_msg_header_init(struct wst_msg_header *h, uint16_t type, uint32_t request_id,
                         uint32_t length);

/* Decodes the first sizeof(struct wst_msg_header) bytes of `bytes` into *out
 * and checks magic, version and the length bound. On failure *error_code
 * (may be NULL) says which enum wst_msg_error_code a server should answer. */
enum wst_status wst_msg_header_decode(const void *bytes, size_t size, struct wst_msg_header *out,
                                      uint32_t *error_code);

/* Checks a decoded header as a request a server can answer: a known request
 * type and no payload (no request carries one in this protocol version). */
enum wst_status wst_msg_request_check(const struct wst_msg_header *h, uint32_t *error_code);

/* Checks a decoded header as the reply to request (type, request_id). An
 * error reply passes and sets *is_error. */
enum wst_status wst_msg_reply_check(const struct wst_msg_header *h, uint16_t request_type,
                                    uint32_t request_id, int *is_error);

#endif
