/*
 * The worker's SNAPSHOT reply decoded (docs/protocol.md, SNAPSHOT): its
 * counters, gauges and distributions into region_parse.h's entries, sorted
 * and merged by name as a memory read gives them. Platform-free; exposed
 * for the unit tests. Main thread only.
 */
#ifndef WST_INSPECTOR_SNAPSHOT_REPLY_H
#define WST_INSPECTOR_SNAPSHOT_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "region_parse.h"

/* Validates a snapshot reply's payload; *counters is malloc'ed. */
enum wst_status wst_pipe_decode_snapshot(const void *payload, size_t length, uint64_t *generation,
                                         struct wst_region_counter **counters, size_t *count,
                                         int *complete);

#endif
