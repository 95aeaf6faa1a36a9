/*
 * The drcov format (DynamoRIO's drcov tool, version 2; also written by QEMU's
 * drcov plugin and read by coverage viewers such as Lighthouse) from a
 * coverage model: a text header and module table, then "BB Table: N bbs" and
 * N binary little-endian entries {uint32 start offset, uint16 size, uint16
 * module id}. winstrument's blocks are whole functions: one entry per called
 * function (two or more when a function is longer than the 16-bit size field
 * holds). Platform-free; writes into a strbuf, no state.
 */
#ifndef WST_DRCOV_H
#define WST_DRCOV_H

#include "coverage_model.h"
#include "strbuf.h"

#define WST_DRCOV_ENTRY_SIZE 8u
#define WST_DRCOV_MAX_BLOCK 0xffffu

void wst_drcov_write(const struct wst_coverage *cov, struct wst_strbuf *out);

#endif
