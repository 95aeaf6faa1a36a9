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
    /* Failures the runtime records instead of printing them: it never writes
     * output from the worker or under the loader lock (docs/modes.md). */
    uint32_t worker_error;  /* Win32 error of the worker's last failure, 0 if none; worker */
    uint32_t runtime_flags; /* WST_RUNTIME_*; lifecycle, at process attach */
    /* Stripe ownership (src/runtime/stripes.c): set at attach, then updated
     * by the threads that claim, release and reclaim stripes, interlocked.
     * The counts wrap. Zero on i686, whose hits pick a stripe by thread id. */
    uint16_t stripes_owned;   /* stripes that threads own now, 0 .. WST_STRIPES - 1 */
    uint16_t stripe_flags;    /* WST_STRIPE_FLAG_* */
    uint32_t stripe_claims;   /* stripes claimed by a thread's first hit */
    uint32_t stripe_reclaims; /* stripes taken back from threads that exited owning them */
    uint32_t stripe_shared;   /* first hits that found every stripe owned (stripe 0 then) */
    uint8_t reserved[256 - 184]; /* zero */
};

/* header.stripe_flags: how this module's hits choose a stripe. */
#define WST_STRIPE_FLAG_OWNED 0x1u       /* x86_64: threads own stripes through a TLS slot */
#define WST_STRIPE_FLAG_EXPANSION 0x2u   /* that slot's index is 64 or more (TlsExpansionSlots) */
#define WST_STRIPE_FLAG_NO_SLOT 0x4u     /* x86_64, TlsAlloc failed: every hit adds atomically
                                          * to stripe 0, on the slow path */
#define WST_STRIPE_FLAG_THREAD_ID 0x8u   /* i686: an atomic add on the stripe the thread id picks */

/* header.runtime_flags */
#define WST_RUNTIME_MODE_FALLBACK 0x1u /* WINSTRUMENT_MODE was unknown: the default runs */

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
_Static_assert(offsetof(struct wst_region_header, worker_error) == 160, "header ABI offsets");
_Static_assert(offsetof(struct wst_region_header, runtime_flags) == 164, "header ABI offsets");
_Static_assert(offsetof(struct wst_region_header, stripes_owned) == 168, "header ABI offsets");
_Static_assert(offsetof(struct wst_region_header, stripe_flags) == 170, "header ABI offsets");
_Static_assert(offsetof(struct wst_region_header, stripe_claims) == 172, "header ABI offsets");
_Static_assert(offsetof(struct wst_region_header, stripe_reclaims) == 176, "header ABI offsets");
_Static_assert(offsetof(struct wst_region_header, stripe_shared) == 180, "header ABI offsets");
_Static_assert(sizeof(struct wst_counter) == WST_LINE * (1 + WST_STRIPES), "counter ABI size");
_Static_assert(offsetof(struct wst_counter, stripes) == WST_LINE, "counter ABI offsets");
_Static_assert(sizeof(struct wst_region_trailer) == WST_LINE, "trailer ABI size");

#endif
