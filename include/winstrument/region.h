/*
 * The region ABI: what an instrumented module publishes in its own PE section
 * (".wst") and what the inspector reads from outside with ReadProcessMemory.
 *
 * Layout of the section, in link order (the linker sorts grouped sections by
 * the text after '$'):
 *
 *   .wst$a   struct wst_region_header   (one, from the runtime library)
 *   .wst$m   struct wst_counter ...     (one per WST_COUNT/WST_ADD/WST_SET/
 *                                        WST_GAUGE_ADD site; flags says which kind)
 *            struct wst_distribution ...  (one per WST_TIME_SCOPE/WST_RECORD site,
 *                                        layout 2 and later; 8448 bytes in
 *                                        layout 2, 16256 in layout 3)
 *   .wst$z   struct wst_region_trailer  (one, from the runtime library)
 *
 * Every record starts on a WST_LINE boundary. Between the records of two
 * object files the linker may leave zero padding, so a reader walks the span
 * between header and trailer one line at a time: a line that starts with
 * WST_COUNTER_MAGIC begins a counter or gauge, WST_DIST_MAGIC a distribution,
 * a zero line is padding, the trailer magic ends the walk, and anything else
 * is corruption.
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
#define WST_DIST_MAGIC 0x44545357u    /* "WSTD", layout 2 and later */

/* Compile-time checks that every C standard GCC accepts and C++ can read:
 * _Static_assert is C11, static_assert C++11; older dialects get an array
 * whose size is negative when the condition fails. */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define WST_STATIC_ASSERT_(cond, msg) static_assert(cond, msg)
#elif !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define WST_STATIC_ASSERT_(cond, msg) _Static_assert(cond, msg)
#else
#define WST_STATIC_ASSERT_(cond, msg) WST_STATIC_ASSERT_AT_(cond, __LINE__)
#define WST_STATIC_ASSERT_AT_(cond, line) WST_STATIC_ASSERT_AT2_(cond, line)
#define WST_STATIC_ASSERT_AT2_(cond, line)                                                         \
    typedef char wst_static_assert_##line[(cond) ? 1 : -1] __attribute__((unused))
#endif

/* Which collector runs in the module (header.mode). */
enum wst_mode {
    WST_MODE_UNSET = 0, /* the module has not attached yet */
    WST_MODE_THREADLESS = 1,
    WST_MODE_THREADPOOL = 2,
    WST_MODE_HELPER = 3
};

/* What the module's worker is doing (header.worker_state). */
enum wst_worker_state {
    WST_WORKER_NONE = 0,        /* threadless: there is no worker */
    WST_WORKER_IDLE = 1,        /* not serving: starts when asked (header.trigger_state) */
    WST_WORKER_STARTING = 2,    /* submitted, not yet serving */
    WST_WORKER_SERVING = 3,     /* answering on header.pipe_name */
    WST_WORKER_STOPPED = 4,     /* stopped on unload (seen only by a racing reader) */
    WST_WORKER_PIPE_FAILED = 5  /* could not own its pipe name: memory reads only */
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
    /* The clock of time scopes (src/runtime/clock.c, docs/region.md "Clock"):
     * written by the one thread that calibrates, source last; zero until the
     * module's first time scope. */
    uint64_t clock_tsc_hz;      /* TSC ticks per second, as calibrated; 0 before */
    uint16_t clock_source;      /* WST_CLOCK_* */
    uint16_t clock_interval_ms; /* QPC time the calibration spanned (saturates) */
    uint32_t clock_error_ppb;   /* bound on the TSC rate's relative error, 10^-9 */
    /* Function profiling (wst-cc --wst-functions; winstrument/function_table.h).
     * Zero in a module without function hooks, and until its process attach,
     * when the hooks' loader callback writes them once. Old inspectors ignore
     * these bytes (reserved zero before), so the layout version stays 2. */
    uint32_t functions_rva;   /* RVA of the module's struct wst_fn_table, 0: none */
    uint32_t functions_size;  /* its size in bytes (header, keys and cells) */
    uint32_t functions_flags; /* WST_FN_FLAG_*, as in the table's header */
    uint32_t functions_reserved; /* zero */
    /* Helper mode (docs/modes.md, "Helper mode"): how the search for and the
     * load of wsthelper.dll went. 0 in the other modes. */
    uint32_t helper_state;   /* enum wst_helper_state; mode_helper.c, interlocked */
    uint32_t helper_error;   /* Win32 error of a failed load or start, 0 if none */
    uint32_t helper_version; /* interface version the found helper offers, 0 if none read */
    uint32_t helper_where;   /* enum wst_helper_where: which directory it came from */
    /* The on-demand worker (threadpool mode; docs/protocol.md, "Waking the
     * worker"). An inspector that finds the worker IDLE signals the named
     * event of src/common/pipe_name.h and waits for worker_starts to move. */
    uint32_t trigger_state; /* enum wst_trigger_state; lifecycle, at process attach */
    uint32_t trigger_error; /* Win32 error why the trigger is not armed, 0 if it is */
    uint32_t idle_stop_ms;  /* the worker stops serving after this long with no client;
                             * 0: it serves until unload; lifecycle, at attach */
    uint32_t worker_starts; /* times the worker started, wraps; worker, atomic */
    /* Saving at the end (WINSTRUMENT_SAVE, src/runtime/save.c): armed at
     * process attach, the outcome written by the detach that saves. Old
     * inspectors ignore these bytes (reserved zero before): layout 3 still. */
    uint32_t save_state; /* enum wst_save_state; lifecycle, at attach and detach */
    uint32_t save_error; /* Win32 error of a failed save (or WST_SAVE_E_*), 0 if none */
};

/* header.save_state: the saved file of WINSTRUMENT_SAVE (docs/usage.md). */
enum wst_save_state {
    WST_SAVE_OFF = 0,    /* WINSTRUMENT_SAVE not set (or empty) */
    WST_SAVE_ARMED = 1,  /* set: the module writes its file when it ends */
    WST_SAVE_SAVED = 2,  /* the file was written */
    WST_SAVE_FAILED = 3  /* it was not: save_error says why; nothing was left behind */
};

/* header.save_error values that are not Win32 errors (those stay below
 * 0x20000000, the customer bit is free). */
#define WST_SAVE_E_NOT_DISK 0x20000001u  /* the name opened a pipe, console or device */
#define WST_SAVE_E_TOO_LONG 0x20000002u  /* DIR and the file name exceed the path bound */
#define WST_SAVE_E_TOO_LARGE 0x20000003u /* the region or table is over its bound */

/* header.trigger_state: how a worker is started. */
enum wst_trigger_state {
    WST_TRIGGER_NONE = 0,   /* no trigger: threadless, or a runtime that starts the
                             * worker at the first probe hit */
    WST_TRIGGER_ARMED = 1,  /* the worker starts when the named event is signalled */
    WST_TRIGGER_FAILED = 2  /* the event could not be made ours (trigger_error says why,
                             * ERROR_ALREADY_EXISTS: someone created the name first): the
                             * worker starts at the first probe hit and serves until unload */
};

/* header.helper_state: where the helper-mode module's wsthelper.dll stands.
 * Every state after LOADING but LOADED means the documented fallback runs:
 * no worker (worker_state NONE), the counters stay readable through memory. */
enum wst_helper_state {
    WST_HELPER_NONE = 0,          /* not helper mode, or no probe hit yet */
    WST_HELPER_LOADING = 1,       /* first hit: the load is queued or under way */
    WST_HELPER_LOADED = 2,        /* a helper thread serves (or served) this module */
    WST_HELPER_MISSING = 3,       /* no wsthelper.dll where it is looked for */
    WST_HELPER_WRONG_VERSION = 4, /* found, but it offers another interface version */
    WST_HELPER_LOAD_FAILED = 5    /* found, but LoadLibrary or its start failed (helper_error) */
};

/* header.helper_where */
enum wst_helper_where {
    WST_HELPER_WHERE_NONE = 0,
    WST_HELPER_WHERE_MODULE = 1, /* the instrumented module's own directory */
    WST_HELPER_WHERE_EXE = 2     /* the process's EXE's directory */
};

/* header.clock_source: what the module's time scopes read. */
#define WST_CLOCK_UNSET 0u       /* no time scope has run yet */
#define WST_CLOCK_CALIBRATING 1u /* QueryPerformanceCounter while the TSC is calibrated */
#define WST_CLOCK_TSC 2u         /* rdtsc, at clock_tsc_hz */
#define WST_CLOCK_QPC 3u         /* QueryPerformanceCounter for good: no invariant TSC, or
                                  * the calibration found it unusable */

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

/* struct wst_counter.flags: the record's kind (layout 2; layout 1 has only
 * counters, with flags 0). */
#define WST_KIND_MASK 0xffu
#define WST_KIND_COUNTER 0u      /* WST_COUNT, WST_ADD: the stripes' sum, unsigned */
#define WST_KIND_GAUGE 1u        /* WST_SET, WST_GAUGE_ADD: stripes[0] as int64_t */
#define WST_KIND_DISTRIBUTION 2u /* a struct wst_distribution (never in a wst_counter) */

/* A gauge's stripes: [0] its value (an int64_t as two's complement; 0 in
 * every site but the name's first, its home), [WST_GAUGE_HOME] the runtime's
 * own link to the home site (an address in the target, 0 until the site's
 * first write: never a value). The others stay 0. */
#define WST_GAUGE_HOME 1u

/* One probe site. A thread adds to the stripe its thread id selects; the
 * reader sums the stripes. Two sites with the same name are one counter. */
struct wst_counter {
    uint32_t magic; /* WST_COUNTER_MAGIC */
    uint32_t flags; /* WST_KIND_COUNTER or WST_KIND_GAUGE */
    char name[WST_NAME_MAX];
    struct wst_stripe stripes[WST_STRIPES];
};

/* Distributions (layout 2). Log-linear buckets over the whole uint64_t
 * range: values below 2 * WST_DIST_SUB each have a bucket of their own;
 * above, each power of two [2^e, 2^(e+1)) is cut into WST_DIST_SUB equal
 * buckets of width 2^(e - WST_DIST_SUB_BITS). A bucket's midpoint is then
 * within 1 / (2 * WST_DIST_SUB) = 3.125% of any value in it. The index comes
 * from the value's leading-zero count and two shifts: no search. */
#define WST_DIST_SUB_BITS 4u
#define WST_DIST_SUB (1u << WST_DIST_SUB_BITS)
#define WST_DIST_BUCKETS ((64u - WST_DIST_SUB_BITS + 1u) * WST_DIST_SUB) /* 976 */

/* struct wst_distribution.flags */
#define WST_DIST_UNIT_NS 0x100u /* values are nanoseconds (WST_TIME_SCOPE) */

/* Per-stripe count and sum, at the offsets a counter's stripes have, so the
 * thread's stripe offset from its TLS slot serves both record kinds. Layout
 * 3 writes no count word (they stay 0): the count is the buckets' total.
 * Layout 2 wrote them, but readers already took the count from the buckets. */
struct wst_dist_stripe {
    uint64_t count; /* layout 2 only; 0 in layout 3 */
    uint64_t sum;   /* wraps modulo 2^64, like a counter */
    uint8_t pad[WST_LINE - 2 * sizeof(uint64_t)];
};

/* Shared by every thread, updated by compare-exchange only when they change
 * (rarely, once the extremes are known). */
struct wst_dist_extrema {
    uint64_t min_inverted; /* ~min: 0 (min = UINT64_MAX) until the first record */
    uint64_t max;
    uint8_t pad[WST_LINE - 2 * sizeof(uint64_t)];
};

/* Bucket shards (layout 3): a record adds 1 to its bucket in ONE of
 * WST_DIST_SHARDS copies of the bucket array, the one its stripe picks, so
 * that the owners of stripes 1 and 2 (the first two threads to record) never
 * write a common cache line. Stripe s picks shard (s + 1) % 2, which is the
 * WST_LINE bit (bit 6) of the stripe's byte offset WST_LINE * (1 + s) that
 * the hot path already holds: stripes 1, 3, 5, 7 write shard 0; stripes 0,
 * 2, 4, 6 shard 1. More than one thread can write a shard (stripe 0, more
 * owners, i686's thread-id stripes), so the add stays atomic. Bucket i of
 * the distribution is the sum of bucket i of every shard. */
#define WST_DIST_SHARDS 2u
/* at: a stripe's byte offset in the record, WST_LINE * (1 + s) */
#define WST_DIST_SHARD_OF_AT(at) ((unsigned)(((at) & WST_LINE) != 0))
#define WST_DIST_SHARD_OF_STRIPE(s) WST_DIST_SHARD_OF_AT(WST_LINE * (1u + (s)))
/* A layout-2 record's size: the first 8448 bytes of a layout-3 one, with one
 * bucket array. */
#define WST_DIST_SIZE_V2 (WST_LINE * (2u + WST_STRIPES) + WST_DIST_BUCKETS * 8u)

/* One WST_TIME_SCOPE or WST_RECORD site: 16256 bytes (254 lines) in layout 3.
 * Its first 8448 bytes read as a layout-2 record's (shard 0 where layout 2 had
 * its one bucket array), save that the count words stay 0. Sites of one name
 * are one distribution (the reader adds them). */
struct wst_distribution {
    uint32_t magic; /* WST_DIST_MAGIC */
    uint32_t flags; /* WST_KIND_DISTRIBUTION | WST_DIST_UNIT_* */
    char name[WST_NAME_MAX];
    struct wst_dist_stripe stripes[WST_STRIPES];
    struct wst_dist_extrema extrema;
    uint64_t shards[WST_DIST_SHARDS][WST_DIST_BUCKETS]; /* atomic adds; [0] is layout 2's buckets */
};

/* The bucket of value v, with no branch. With e the index of v's top bit
 * and s = e - WST_DIST_SUB_BITS, v >> s is in [WST_DIST_SUB, 2 * WST_DIST_SUB),
 * so (s << WST_DIST_SUB_BITS) + (v >> s) is bucket (e - 3) * 16 + the next
 * four bits below the top one. OR-ing in WST_DIST_SUB makes s 0 for every
 * v below 2 * WST_DIST_SUB, whose bucket is then v itself. */
static __inline__ __attribute__((always_inline, unused)) unsigned wst_dist_bucket_(uint64_t v)
{
    unsigned s = 63u - (unsigned)__builtin_clzll(v | WST_DIST_SUB) - WST_DIST_SUB_BITS;
    return (s << WST_DIST_SUB_BITS) + (unsigned)(v >> s);
}

struct wst_region_trailer {
    uint32_t magic; /* WST_TRAILER_MAGIC */
    uint32_t reserved;
    uint8_t pad[WST_LINE - 8];
};

WST_STATIC_ASSERT_(sizeof(struct wst_region_header) == 256, "header ABI size");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, generation) == 40, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, pipe_name) == 64, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, worker_error) == 160, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, runtime_flags) == 164, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, stripes_owned) == 168, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, stripe_flags) == 170, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, stripe_claims) == 172, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, stripe_reclaims) == 176, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, stripe_shared) == 180, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, clock_tsc_hz) == 184, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, clock_source) == 192, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, clock_error_ppb) == 196, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, functions_rva) == 200, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, functions_reserved) == 212,
                   "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, helper_state) == 216, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, helper_where) == 228, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, trigger_state) == 232, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, trigger_error) == 236, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, idle_stop_ms) == 240, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, worker_starts) == 244, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, save_state) == 248, "header ABI offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_region_header, save_error) == 252, "header ABI offsets");
WST_STATIC_ASSERT_(sizeof(struct wst_counter) == WST_LINE * (1 + WST_STRIPES), "counter ABI size");
WST_STATIC_ASSERT_(offsetof(struct wst_counter, stripes) == WST_LINE, "counter ABI offsets");
WST_STATIC_ASSERT_(sizeof(struct wst_region_trailer) == WST_LINE, "trailer ABI size");
WST_STATIC_ASSERT_(sizeof(struct wst_distribution) == WST_DIST_SIZE_V2 + WST_DIST_BUCKETS * 8,
                   "distribution ABI size");
WST_STATIC_ASSERT_(offsetof(struct wst_distribution, stripes) == WST_LINE,
                   "distribution stripes sit where a counter's do");
WST_STATIC_ASSERT_(offsetof(struct wst_distribution, shards) == WST_LINE * (2 + WST_STRIPES),
                   "distribution ABI offsets: shard 0 where layout 2 had its buckets");
WST_STATIC_ASSERT_(offsetof(struct wst_distribution, shards[1]) == WST_DIST_SIZE_V2,
                   "distribution ABI offsets: shard 1 after a layout-2 record");
WST_STATIC_ASSERT_(WST_DIST_SIZE_V2 % WST_LINE == 0 && WST_DIST_BUCKETS * 8 % WST_LINE == 0,
                   "each shard starts on its own line");
WST_STATIC_ASSERT_(WST_DIST_SHARD_OF_STRIPE(1) != WST_DIST_SHARD_OF_STRIPE(2),
                   "the first two owned stripes write different shards");

#endif
