/*
 * The worker's answers: one request header's bytes in, one reply's bytes out
 * (docs/protocol.md). No pipe, no I/O: the transport (pipe_server.c) hands
 * over what a client sent and sends back what this produces, so every answer,
 * the refusals and the out-of-memory reply included, is testable on its own.
 *
 * Threads: the worker thread only. It reads the module's region, and RESET
 * writes its stripes and generation with the atomics counters.c describes,
 * and the function table's shared stripe as function_reset.c does.
 *
 * Never: trusts a byte of the request before the codec has checked it, or
 * allocates anything but a snapshot's reply block (through wst_os, so a test
 * can make it fail).
 */
#ifndef WST_PIPE_REQUESTS_H
#define WST_PIPE_REQUESTS_H

#include <windows.h>

#include <stdint.h>

#include "winstrument/protocol.h"
#include "winstrument/region.h"

/* The largest reply other than a snapshot: header + hello. */
#define WST_PIPE_SMALL_REPLY (sizeof(struct wst_msg_header) + sizeof(struct wst_msg_hello))

/* What the answers need to know of the server and of the module it serves.
 * The region is the module's, passed in rather than named, so that the same
 * code serves from the module itself (threadpool mode) and from
 * wsthelper.dll (helper mode), which has no region of its own. */
struct wst_pipe_answer_env {
    uint64_t module_base; /* for HELLO */
    uint64_t started_ms;  /* GetTickCount64() at worker start, for STATS */
    struct wst_region_header *region;
    struct wst_counter *counters_begin, *counters_end; /* the lines between header and trailer */
};

/* The server's statistics, for STATS; the answers count requests and
 * errors, the transport counts connections and its own errors. */
struct wst_pipe_counts {
    uint64_t requests, errors, connections;
};

/* One reply: `bytes` points into `small`, or to a heap block (a snapshot). */
struct wst_pipe_reply {
    uint8_t *bytes;
    uint32_t size;
    BOOL close_after; /* a refused request: close the connection once sent */
    uint8_t small[WST_PIPE_SMALL_REPLY];
};

/* Answers one whole request header (`request` holds exactly
 * sizeof(struct wst_msg_header) bytes as received). Always produces a reply:
 * an error reply for a malformed or unknown request (then close_after), and
 * an internal-error reply when a snapshot's block cannot be allocated. */
void wst_pipe_answer(const uint8_t *request, const struct wst_pipe_answer_env *env,
                     struct wst_pipe_counts *counts, struct wst_pipe_reply *reply);

/* Frees a snapshot's block, if the reply has one, and empties the reply. */
void wst_pipe_reply_free(struct wst_pipe_reply *reply);

#endif
