/*
 * The named-pipe protocol between wst-inspect and a module's worker
 * (threadpool and helper modes). docs/protocol.md describes it.
 *
 * Every message, in both directions, is a 16-byte header followed by
 * header.length bytes of payload, at most WST_MSG_MAX_PAYLOAD. All integers
 * are little-endian and fixed-width. A reply carries the request's id and
 * type | WST_MSG_REPLY, or WST_MSG_ERROR with a struct wst_msg_error.
 *
 * Pipe name: "\\.\pipe\winstrument-<pid>-<instance as 16 hex digits>",
 * published in the region header's pipe_name while the worker serves.
 */
#ifndef WINSTRUMENT_PROTOCOL_H
#define WINSTRUMENT_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "winstrument/region.h"
#include "winstrument/version.h"

#define WST_MSG_MAGIC 0x50545357u /* "WSTP" */
#define WST_MSG_MAX_PAYLOAD (256u * 1024u)
#define WST_PIPE_PREFIX "\\\\.\\pipe\\winstrument-"

enum wst_msg_type {
    WST_MSG_HELLO = 1,    /* request: no payload; reply: struct wst_msg_hello */
    WST_MSG_SNAPSHOT = 2, /* request: no payload; reply: wst_msg_snapshot + entries */
    WST_MSG_RESET = 3,    /* request: no payload; reply: struct wst_msg_reset */
    WST_MSG_STATS = 4,    /* request: no payload; reply: struct wst_msg_stats */
    WST_MSG_ERROR = 0x7fff, /* reply only: struct wst_msg_error */
    WST_MSG_REPLY = 0x8000, /* flag: or-ed into the request's type */
};

/* Why the server refused a request (struct wst_msg_error.code). */
enum wst_msg_error_code {
    WST_MSG_ERR_BAD_MAGIC = 1,
    WST_MSG_ERR_BAD_VERSION = 2,
    WST_MSG_ERR_BAD_TYPE = 3,
    WST_MSG_ERR_BAD_LENGTH = 4, /* over WST_MSG_MAX_PAYLOAD, or payload where none is allowed */
    WST_MSG_ERR_INTERNAL = 5,
};

struct wst_msg_header {
    uint32_t magic;      /* WST_MSG_MAGIC */
    uint16_t version;    /* WST_PROTOCOL_VERSION */
    uint16_t type;       /* enum wst_msg_type */
    uint32_t request_id; /* chosen by the client, echoed in the reply */
    uint32_t length;     /* payload bytes after this header */
};

struct wst_msg_hello {
    uint32_t protocol_version; /* WST_PROTOCOL_VERSION */
    uint32_t runtime_version;  /* WST_VERSION_NUMBER */
    uint32_t layout_version;   /* WST_LAYOUT_VERSION */
    uint32_t mode;             /* enum wst_mode */
    uint32_t pid;
    uint32_t worker_state; /* enum wst_worker_state */
    uint64_t module_base;  /* load address of the serving module */
    uint64_t instance;     /* the region header's instance */
};

/* Snapshot reply flags (struct wst_msg_snapshot.flags). */
#define WST_SNAPSHOT_TRUNCATED 0x1u /* names past WST_SNAPSHOT_MAX_ENTRIES were left out */
#define WST_SNAPSHOT_FLAGS_KNOWN WST_SNAPSHOT_TRUNCATED

/* Snapshot reply: this, then count entries. */
struct wst_msg_snapshot {
    uint64_t generation; /* the region header's generation when read */
    uint32_t count;
    uint32_t flags; /* WST_SNAPSHOT_*; a client refuses bits it does not know */
};

struct wst_msg_counter {
    char name[WST_NAME_MAX]; /* NUL-terminated */
    uint64_t value;          /* summed over stripes and same-named sites */
};

/* The most entries one snapshot reply holds (4095): the payload bound. */
#define WST_SNAPSHOT_MAX_ENTRIES                                                                   \
    ((WST_MSG_MAX_PAYLOAD - sizeof(struct wst_msg_snapshot)) / sizeof(struct wst_msg_counter))

struct wst_msg_reset {
    uint64_t generation; /* after the reset: even, 2 more than before it */
};

struct wst_msg_stats {
    uint64_t requests;   /* well-formed requests answered */
    uint64_t errors;     /* malformed requests refused, connections dropped */
    uint64_t connections;
    uint64_t uptime_ms;  /* since the worker started */
};

struct wst_msg_error {
    uint32_t code; /* enum wst_msg_error_code */
    uint32_t reserved;
};

_Static_assert(sizeof(struct wst_msg_header) == 16, "protocol ABI");
_Static_assert(sizeof(struct wst_msg_hello) == 40, "protocol ABI");
_Static_assert(sizeof(struct wst_msg_snapshot) == 16, "protocol ABI");
_Static_assert(sizeof(struct wst_msg_counter) == 64, "protocol ABI");
_Static_assert(sizeof(struct wst_msg_reset) == 8, "protocol ABI");
_Static_assert(sizeof(struct wst_msg_stats) == 32, "protocol ABI");
_Static_assert(sizeof(struct wst_msg_error) == 8, "protocol ABI");

#endif
