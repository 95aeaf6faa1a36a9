/*
 * The region ABI: what an instrumented module publishes in its own PE section
 * (".wst") and what the inspector reads from outside with ReadProcessMemory.
 *
 * Layout of the section, in link order (the linker sorts grouped sections by
 * the text after '$'):
 *
 *   .wst$a   struct wst_region_header   (one, from the runtime library)
 *   .wst$m   struct wst_counter ...     (one per WST_COUNT/WST_ADD site)
 *   .wst$z   struct wst_region_trailer  (one, from the runtime library)
 *
 * Every record starts on a WST_LINE boundary. Between the counters of two
 * object files the linker may leave zero padding, so a reader walks the span
 * between header and trailer one line at a time: a line that starts with
 * WST_COUNTER_MAGIC begins a counter, a zero line is padding, the trailer magic
 * ends the walk, and anything else is corruption.
 *
 * Only fixed-width fields: a 64-bit inspector reads a 32-bit target with the
 * same declarations. docs/region.md describes every field.
 */
#ifndef WINSTRUMENT_REGION_H
#define WINSTRUMENT_REGION_H

#include <stddef.h>
#include <stdint.h>

#include "winstrument/version.h"

#define WST_SECTION_NAME ".wst"
#define WST_LINE 64u          /* cache line; records are aligned to it */
#define WST_STRIPES 8u        /* per-counter slots, each on its own line */
#define WST_NAME_MAX 56u      /* counter name bytes, NUL included */
#define WST_PIPE_NAME_MAX 96u /* pipe name bytes, NUL included */

#define WST_REGION_MAGIC 0x52545357u  /* "WSTR" */
#define WST_COUNTER_MAGIC 0x43545357u /* "WSTC" */
#define WST_TRAILER_MAGIC 0x5a545357u /* "WSTZ" */

/* Which collector runs in the module (header.mode). */
enum wst_mode {
    WST_MODE_UNSET = 0, /* the module has not attached yet */
    WST_MODE_THREADLESS = 1,
    WST_MODE_THREADPOOL = 2,
    WST_MODE_HELPER = 3,
};

/* What the module's worker is doing (header.worker_state). */
enum wst_worker_state {
    WST_WORKER_NONE = 0,        /* threadless: there is no worker */
    WST_WORKER_IDLE = 1,        /* not started yet: starts on the first probe hit */
    WST_WORKER_STARTING = 2,    /* submitted, not yet serving */
    WST_WORKER_SERVING = 3,     /* answering on header.pipe_name */
    WST_WORKER_STOPPED = 4,     /* stopped on unload (seen only by a racing reader) */
    WST_WORKER_PIPE_FAILED = 5, /* could not own its pipe name: memory reads only */
};

struct wst_region_header {
    uint32_t magic;          /* WST_REGION_MAGIC */
    uint16_t layout_version; /* WST_LAYOUT_VERSION */
    uint16_t header_size;    /* sizeof(struct wst_region_header) */
    uint32_t counter_size;   /* sizeof(struct wst_counter) */
    uint32_t line_size;      /* WST_LINE */
    uint32_t stripes;        /* WST_STRIPES */
    uint32_t name_max;       /* WST_NAME_MAX */
    uint32_t runtime_version; /* WST_VERSION_NUMBER of the runtime linked in */
    /* The fields below change at run time; each says who writes it. */
    uint32_t mode;          /* enum wst_mode; lifecycle, at process attach */
    uint32_t worker_state;  /* enum wst_worker_state; lifecycle and worker */
    uint32_t pid;           /* GetCurrentProcessId(); lifecycle, at attach */
    uint64_t generation;    /* odd during a reset, +2 per reset; worker, atomic */
    uint64_t instance;      /* unique per load of the module; lifecycle, at attach */
    uint64_t started_at;    /* worker start, FILETIME ticks (100 ns since 1601) */
    char pipe_name[WST_PIPE_NAME_MAX]; /* NUL-terminated; empty until serving */
    uint8_t reserved[256 - 160]; /* zero */
};

struct wst_stripe {
    uint64_t value;
    uint8_t pad[WST_LINE - sizeof(uint64_t)];
};

/* One probe site. A thread adds to the stripe its thread id selects; the
 * reader sums the stripes. Two sites with the same name are one counter. */
struct wst_counter {
    uint32_t magic; /* WST_COUNTER_MAGIC */
    uint32_t flags; /* reserved, 0 */
    char name[WST_NAME_MAX];
    struct wst_stripe stripes[WST_STRIPES];
};

struct wst_region_trailer {
    uint32_t magic; /* WST_TRAILER_MAGIC */
    uint32_t reserved;
    uint8_t pad[WST_LINE - 8];
};

_Static_assert(sizeof(struct wst_region_header) == 256, "header ABI size");
_Static_assert(offsetof(struct wst_region_header, generation) == 40, "header ABI offsets");
_Static_assert(offsetof(struct wst_region_header, pipe_name) == 64, "header ABI offsets");
_Static_assert(sizeof(struct wst_counter) == WST_LINE * (1 + WST_STRIPES), "counter ABI size");
_Static_assert(offsetof(struct wst_counter, stripes) == WST_LINE, "counter ABI offsets");
_Static_assert(sizeof(struct wst_region_trailer) == WST_LINE, "trailer ABI size");

#endif
