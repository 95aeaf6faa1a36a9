/*
 * The function table ABI: what a module built with `wst-cc --wst-functions`
 * records per function, and what `wst-inspect functions` reads from outside
 * with one ReadProcessMemory call.
 *
 * The table is one zero-initialised object (.bss: it costs the image file
 * nothing). The hooks' loader callback (src/runtime/function_table.c) fills
 * its header at process attach and publishes where it is in the region
 * header's functions_rva / functions_size (bytes 200..215); until then the
 * module has no table as far as a reader knows.
 *
 * Layout, from the table's start (each offset also in the header, so that a
 * reader never assumes the capacity):
 *
 *   struct wst_fn_table_header                       128 bytes
 *   uint32_t keys[capacity]                          function RVA per slot; 0: empty
 *   uint64_t calls[stripes][capacity]                calls, per stripe
 *   uint64_t time_ns[stripes][capacity]              inclusive ns, per stripe
 *   uint64_t self_ns[stripes][capacity]              self ns, per stripe
 *
 * A function's slot is found by open addressing on its RVA (linear probing,
 * at most WST_FN_MAX_PROBE slots). A slot's key is written once, by a
 * compare-exchange from 0, and never changes while the module is loaded.
 * A thread adds to the cells of the stripe it owns (the stripe it owns in
 * every counter: src/runtime/stripes.c) with plain adds, or atomically to
 * stripe 0 when it owns none; i686 adds atomically to the stripe its thread id
 * selects. The reader sums the stripes. Cells of one stripe are contiguous, so
 * two threads never write the same cache line (but at a stripe boundary).
 *
 * Only fixed-width fields: a 64-bit inspector reads a 32-bit target with the
 * same declarations. docs/functions.md describes every field.
 */
#ifndef WINSTRUMENT_FUNCTION_TABLE_H
#define WINSTRUMENT_FUNCTION_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "winstrument/region.h"

#define WST_FN_TABLE_MAGIC 0x46545357u /* "WSTF" */
#define WST_FN_TABLE_VERSION 1u
#define WST_FN_CAPACITY 4096u /* slots: a power of two */
/* Functions a table takes before it overflows: below full, so that probing
 * for a free slot stays short. */
#define WST_FN_MAX_FUNCTIONS (WST_FN_CAPACITY - WST_FN_CAPACITY / 8u)
#define WST_FN_MAX_PROBE 64u
/* Frames a thread's shadow stack holds (timed hooks); deeper calls are
 * counted but not timed (header.untimed_calls). */
#define WST_FN_STACK_DEPTH 1024u

/* header.flags (and the region header's functions_flags) */
#define WST_FN_FLAG_TIMED 0x1u /* the hooks record inclusive and self time; else calls only */

struct wst_fn_table_header {
    uint32_t magic;         /* WST_FN_TABLE_MAGIC */
    uint16_t version;       /* WST_FN_TABLE_VERSION */
    uint16_t header_size;   /* sizeof(struct wst_fn_table_header) */
    uint32_t capacity;      /* slots in keys[] and in each stripe's cells */
    uint32_t stripes;       /* cell arrays per kind */
    uint32_t flags;         /* WST_FN_FLAG_* */
    uint32_t table_size;    /* bytes of the whole table */
    uint32_t keys_offset;   /* from the table's start */
    uint32_t calls_offset;
    uint32_t time_offset;
    uint32_t self_offset;
    uint32_t stack_depth;   /* WST_FN_STACK_DEPTH of the runtime linked in */
    /* Changes at run time; every field below is added to atomically by the
     * hooks' slow paths. */
    uint32_t used;            /* slots taken, at most WST_FN_MAX_FUNCTIONS */
    uint64_t overflow_calls;  /* calls of functions that found no slot: counted here only */
    uint64_t unwound_frames;  /* shadow-stack frames dropped because their function left
                               * without its exit hook (longjmp, SEH unwinding) */
    uint64_t untimed_calls;   /* calls counted but not timed: a full or missing shadow stack */
    uint64_t unmatched_exits; /* exit hooks that found no frame of theirs */
    uint64_t threads;         /* shadow stacks allocated so far (threads that ran a timed hook) */
    uint64_t threads_live;    /* of which not yet freed (at thread detach); added to and
                               * subtracted from under the runtime's list lock */
    uint8_t reserved[128 - 96]; /* zero */
};

/* The runtime's whole table; a reader uses the header's offsets instead. */
struct wst_fn_table {
    struct wst_fn_table_header header;
    uint32_t keys[WST_FN_CAPACITY];
    uint64_t calls[WST_STRIPES][WST_FN_CAPACITY];
    uint64_t time_ns[WST_STRIPES][WST_FN_CAPACITY];
    uint64_t self_ns[WST_STRIPES][WST_FN_CAPACITY];
};

WST_STATIC_ASSERT_(sizeof(struct wst_fn_table_header) == 128, "function table header size");
WST_STATIC_ASSERT_(offsetof(struct wst_fn_table_header, used) == 44, "fn header offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_fn_table_header, overflow_calls) == 48, "fn header offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_fn_table_header, threads) == 80, "fn header offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_fn_table_header, threads_live) == 88, "fn header offsets");
WST_STATIC_ASSERT_((WST_FN_CAPACITY & (WST_FN_CAPACITY - 1u)) == 0, "capacity: a power of two");
WST_STATIC_ASSERT_(offsetof(struct wst_fn_table, calls) % 64 == 0, "cells start on a line");

#endif
