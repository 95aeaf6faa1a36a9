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
#define WST_SNAPSHOT_KINDS 0x2u     /* the entries are followed by a struct wst_msg_kinds */
#define WST_SNAPSHOT_FLAGS_KNOWN (WST_SNAPSHOT_TRUNCATED | WST_SNAPSHOT_KINDS)

/* Snapshot reply: this, then count entries (struct wst_msg_counter); with
 * WST_SNAPSHOT_KINDS (protocol 3, always set by its workers), then a struct
 * wst_msg_kinds, its `entries` struct wst_msg_kind, and its `distributions`
 * struct wst_msg_dist, each followed by its bucket_count struct
 * wst_msg_bucket. The payload ends there, exactly. */
struct wst_msg_snapshot {
    uint64_t generation; /* the region header's generation when read */
    uint32_t count;
    uint32_t flags; /* WST_SNAPSHOT_*; a client refuses bits it does not know */
};

struct wst_msg_counter {
    char name[WST_NAME_MAX]; /* NUL-terminated */
    uint64_t value;          /* summed over stripes and same-named sites */
};

/* Which entries are not plain counters (protocol 3). */
struct wst_msg_kinds {
    uint32_t entries;       /* struct wst_msg_kind that follow */
    uint32_t distributions; /* struct wst_msg_dist that follow them */
};

#define WST_SNAPSHOT_KIND_MASK 0x7fu
#define WST_SNAPSHOT_KIND_CONFLICT 0x80u /* the name also had another kind */

struct wst_msg_kind {
    uint32_t entry; /* index among the reply's entries, increasing */
    uint32_t kind;  /* WST_KIND_GAUGE (WST_KIND_COUNTER is never listed), | KIND_CONFLICT */
};

/* One distribution site (sites of one name are merged by the client). */
struct wst_msg_dist {
    char name[WST_NAME_MAX]; /* NUL-terminated */
    uint32_t flags;          /* WST_KIND_DISTRIBUTION | WST_DIST_UNIT_* */
    uint32_t bucket_count;   /* struct wst_msg_bucket that follow, at most WST_DIST_BUCKETS */
    uint64_t count;
    uint64_t sum;
    uint64_t min; /* UINT64_MAX and 0 (min > max) when nothing was recorded */
    uint64_t max;
};

struct wst_msg_bucket {
    uint32_t index; /* < WST_DIST_BUCKETS, increasing within a distribution */
    uint32_t reserved;
    uint64_t count; /* nonzero */
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
_Static_assert(sizeof(struct wst_msg_kinds) == 8, "protocol ABI");
_Static_assert(sizeof(struct wst_msg_kind) == 8, "protocol ABI");
_Static_assert(sizeof(struct wst_msg_dist) == 96, "protocol ABI");
_Static_assert(sizeof(struct wst_msg_bucket) == 16, "protocol ABI");
_Static_assert(sizeof(struct wst_msg_stats) == 32, "protocol ABI");
_Static_assert(sizeof(struct wst_msg_error) == 8, "protocol ABI");

#endif
