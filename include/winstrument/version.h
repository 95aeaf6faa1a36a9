/*
 * The one place that names winstrument's versions. The Makefile (release
 * names), the region header, the protocol's hello and the zip names all read
 * them from here.
 */
#ifndef WINSTRUMENT_VERSION_H
#define WINSTRUMENT_VERSION_H

#define WST_VERSION_MAJOR 0
#define WST_VERSION_MINOR 1
#define WST_VERSION_PATCH 0
#define WST_VERSION_STRING "0.1.0"

/* major << 16 | minor << 8 | patch, as stored in the region and the hello. */
#define WST_VERSION_NUMBER                                                                     \
    ((WST_VERSION_MAJOR << 16) | (WST_VERSION_MINOR << 8) | WST_VERSION_PATCH)

/* Bumped whenever struct wst_region_header or a record changes.
 * 2: record kinds (wst_counter.flags: counter, gauge) and distributions
 *    (WST_DIST_MAGIC).
 * 3: a distribution has two bucket shards (16256 bytes instead of 8448) and
 *    writes no count words (the count is the buckets' total).
 * The inspector reads layouts 1, 2 and 3. */
#define WST_LAYOUT_VERSION 3

/* Bumped whenever a message of winstrument/protocol.h changes.
 * 2: the snapshot reply's reserved word became flags (WST_SNAPSHOT_TRUNCATED),
 *    and a reset adds 2 to the generation (odd while it runs). */
/* 3: the snapshot reply carries kinds (gauges) and distributions after
 *    its entries (WST_SNAPSHOT_KINDS). */
#define WST_PROTOCOL_VERSION 3

#endif
