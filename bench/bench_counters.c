/*
 * bench_counters: what one counter hit costs, WST_COUNT against three
 * baselines, on 1 thread and on 2 threads hitting the same counter, measured
 * side by side in one run (every repetition runs every row, and each row
 * reports the median of its repetitions).
 *
 *   plain add         non-atomic add on one shared variable: the floor
 *   WST_COUNT         the probe: on x86_64 a plain add to the stripe the thread
 *                     owns (an atomic add on i686)
 *   interlocked add   InterlockedIncrement64 on one shared variable
 *   critical section  EnterCriticalSection, add, LeaveCriticalSection
 *
 * Then the thread-churn rows: a new thread's WST_COUNT in bench_churn.dll
 * (bench/churn_dll.c), whose own DllMain hits a counter at DLL_THREAD_DETACH,
 * in a freshly loaded module and again after --churn N short-lived threads
 * (default 1000), each row a median over fresh loads of the DLL. The ratio
 * shows whether a thread's hits stay on the fast path after such churn;
 * whether they do is also read from the thread's slot, and the region
 * header's stripe counts are printed.
 *
 * Exactness is checked in the same run: every method but the plain add must
 * end with threads * iterations (WST_COUNT's total is read back from this
 * module's own .wst section). The plain add on 2 threads is expected to lose
 * updates; its loss is reported, not judged.
 *
 * Threads: the main thread sets up and reads results; each measured loop runs
 * on worker threads of its own, released together by a spin barrier.
 * It never asserts speed (a benchmark is not a test): it exits non-zero only
 * when an exact method lost an update or when it cannot run at all.
 *
 * The file is built without any instrumentation flags; its only probe is the
 * WST_COUNT row's.
 */
#include <windows.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "region_parse.h"
#include "self_region.h"
#include "winstrument.h"

#define BENCH_COUNTER "bench.hit"
#define MAX_THREADS 2
#define LINE 64

/* ------------------------------------------------------------------------ */
/* The measured loops                                                       */
/* ------------------------------------------------------------------------ */

/* A compiler-only barrier after every hit, in every loop alike. It keeps the
 * compiler from hoisting the plain add out of the loop (turning n adds into
 * one add of n) or keeping it in a register: the "memory" clobber forces a
 * load and a store per iteration. It emits no instruction, so it costs the
 * atomic rows nothing. The plain add uses this rather than `volatile`. */
#define COMPILER_BARRIER() __asm__ __volatile__("" ::: "memory")

/* Each target owns a whole cache line, so no row's traffic lands on another's
 * line or on the barrier flags. */
static struct {
    _Alignas(LINE) uint64_t value;
} plain_target;
static struct {
    _Alignas(LINE) volatile LONG64 value;
} shared_target;
static struct {
    _Alignas(LINE) CRITICAL_SECTION lock;
    uint64_t value; /* guarded by lock */
} locked_target;

__attribute__((noinline)) static void loop_plain(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        plain_target.value += 1;
        COMPILER_BARRIER();
    }
}

__attribute__((noinline)) static void loop_wst(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        WST_COUNT(BENCH_COUNTER);
        COMPILER_BARRIER();
    }
}

__attribute__((noinline)) static void loop_interlocked(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        InterlockedIncrement64(&shared_target.value);
        COMPILER_BARRIER();
    }
}

__attribute__((noinline)) static void loop_critsec(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        EnterCriticalSection(&locked_target.lock);
        locked_target.value += 1;
        LeaveCriticalSection(&locked_target.lock);
        COMPILER_BARRIER();
    }
}

/* ------------------------------------------------------------------------ */
/* Methods: how to reset, run and read each one                             */
/* ------------------------------------------------------------------------ */

struct method {
    const char *key;   /* JSON name */
    const char *label; /* table name */
    int exact;         /* must end with threads * iterations */
    /* Multiplies the base iteration count, so that every loop runs for tens of
     * milliseconds at least (long enough for the CPU-time check, whose tick is
     * 10 ms) while a contended critical section, hundreds of times slower
     * than a plain add, still keeps the whole run short. */
    unsigned scale;
    void (*loop)(uint64_t n);
};

enum { M_PLAIN, M_WST, M_INTERLOCKED, M_CRITSEC, M_COUNT };

static const struct method methods[M_COUNT] = {
    [M_PLAIN] = {"plain_add", "plain add", 0, 32, loop_plain},
    [M_WST] = {"wst_count", "WST_COUNT", 1, 4, loop_wst},
    [M_INTERLOCKED] = {"interlocked_add", "interlocked add", 1, 4, loop_interlocked},
    [M_CRITSEC] = {"critical_section", "critical section", 1, 1, loop_critsec},
};

/* The value a method's counter holds now. */
static int read_total(int m, uint64_t *total, uint64_t stripes[WST_STRIPES])
{
    struct bench_counter_read r;
    switch (m) {
    case M_PLAIN:
        *total = plain_target.value;
        return 0;
    case M_INTERLOCKED:
        *total = (uint64_t)shared_target.value;
        return 0;
    case M_CRITSEC:
        *total = locked_target.value;
        return 0;
    default:
        if (bench_read_own_counter(BENCH_COUNTER, &r) != 0)
            return -1;
        *total = r.total;
        if (stripes != NULL)
            memcpy(stripes, r.stripes, sizeof r.stripes);
        return 0;
    }
}

/* WST_COUNT's counter is never reset (the region is the runtime's, not
 * ours); the other targets are, and every run is measured as a delta. */
static void reset_targets(void)
{
    plain_target.value = 0;
    shared_target.value = 0;
    locked_target.value = 0;
}

/* ------------------------------------------------------------------------ */
/* Running one measurement on worker threads                                */
/* ------------------------------------------------------------------------ */

struct worker {
    _Alignas(LINE) void (*loop)(uint64_t n);
    uint64_t iterations;
    DWORD tid;
    LONGLONG start, end;         /* QueryPerformanceCounter ticks around the loop */
    ULONGLONG cpu_start, cpu_end; /* the thread's CPU time, 100 ns units */
};

/* User plus kernel time of the calling thread. Under Wine its granularity is
 * the kernel tick (10 ms), so it only tells whether a thread had a CPU to
 * itself, never what a hit costs. */
static ULONGLONG thread_cpu_time(void)
{
    FILETIME created, exited, kernel, user;
    if (!GetThreadTimes(GetCurrentThread(), &created, &exited, &kernel, &user))
        return 0;
    return ((ULONGLONG)kernel.dwHighDateTime << 32 | kernel.dwLowDateTime) +
           ((ULONGLONG)user.dwHighDateTime << 32 | user.dwLowDateTime);
}

/* The spin barrier: workers count themselves in, then wait for `go`, so the
 * loops overlap from their first iteration. Written by the main thread
 * (reset, go) and the workers (ready), through interlocked operations. */
static volatile LONG workers_ready;
static volatile LONG workers_go;

static DWORD WINAPI worker_main(void *arg)
{
    struct worker *w = arg;
    LARGE_INTEGER t;
    w->tid = GetCurrentThreadId();
    InterlockedIncrement(&workers_ready);
    while (workers_go == 0)
        YieldProcessor();
    w->cpu_start = thread_cpu_time();
    QueryPerformanceCounter(&t);
    w->start = t.QuadPart;
    w->loop(w->iterations);
    QueryPerformanceCounter(&t);
    w->end = t.QuadPart;
    w->cpu_end = thread_cpu_time();
    return 0;
}

struct run {
    double ns_per_hit; /* a hitting thread's loop time per hit, mean of threads */
    double cpu_share;  /* a hitting thread's CPU time / its loop time, mean of threads */
    uint64_t total;    /* counter delta over the run */
    uint64_t stripes[WST_STRIPES];
    DWORD tids[MAX_THREADS];
};

static double qpc_ns_per_tick;

static int run_once(int m, unsigned threads, uint64_t iterations, struct run *out)
{
    struct worker workers[MAX_THREADS];
    HANDLE handles[MAX_THREADS];
    uint64_t before = 0, after = 0, sb[WST_STRIPES] = {0}, sa[WST_STRIPES] = {0};

    reset_targets();
    if (read_total(m, &before, sb) != 0)
        return -1;
    workers_ready = 0;
    workers_go = 0;
    for (unsigned t = 0; t < threads; t++) {
        workers[t] = (struct worker){.loop = methods[m].loop, .iterations = iterations};
        handles[t] = CreateThread(NULL, 0, worker_main, &workers[t], 0, NULL);
        if (handles[t] == NULL) {
            fprintf(stderr, "bench: CreateThread failed (%lu)\n", GetLastError());
            workers_go = 1; /* let the ones already started finish */
            WaitForMultipleObjects(t, handles, TRUE, INFINITE);
            for (unsigned k = 0; k < t; k++)
                CloseHandle(handles[k]);
            return -1;
        }
    }
    while (workers_ready != (LONG)threads)
        YieldProcessor();
    InterlockedExchange(&workers_go, 1);
    WaitForMultipleObjects(threads, handles, TRUE, INFINITE);
    for (unsigned t = 0; t < threads; t++)
        CloseHandle(handles[t]);
    if (read_total(m, &after, sa) != 0)
        return -1;

    double ns = 0, share = 0;
    for (unsigned t = 0; t < threads; t++) {
        double wall_ns = (double)(workers[t].end - workers[t].start) * qpc_ns_per_tick;
        ns += wall_ns / (double)iterations;
        /* CPU time is in 100 ns units: x 100 to ns, x 100 to percent. */
        share += wall_ns > 0 ? (double)(workers[t].cpu_end - workers[t].cpu_start) * 1e4 / wall_ns : 0;
        out->tids[t] = workers[t].tid;
    }
    out->ns_per_hit = ns / threads;
    out->cpu_share = share / threads;
    out->total = after - before;
    for (unsigned s = 0; s < WST_STRIPES; s++)
        out->stripes[s] = sa[s] - sb[s];
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Rows, medians and the stripe findings                                    */
/* ------------------------------------------------------------------------ */

struct row {
    int method;
    unsigned threads;
    uint64_t iterations; /* per thread */
    double runs_ns[BENCH_MAX_REPEAT];
    double runs_cpu[BENCH_MAX_REPEAT];
    double median_ns;
    double median_cpu; /* see struct run's cpu_share */
    uint64_t worst_lost; /* largest shortfall of any repetition */
    uint64_t last_total;
    double ratio_plain; /* median / plain add's median, same thread count */
    double ratio_1t;    /* median / same method's 1-thread median */
};

/* What the 2-thread WST_COUNT runs showed about stripe selection. */
struct stripe_findings {
    unsigned tids_seen, tids_multiple_of_4;
    unsigned runs_2t, runs_2t_distinct; /* runs whose 2 threads used 2 stripes */
    DWORD last_tids[MAX_THREADS];
    uint64_t last_stripes[WST_STRIPES];
    unsigned histogram[WST_STRIPES]; /* WST runs in which stripe s received hits */
};

static void note_stripes(struct stripe_findings *f, const struct run *r, unsigned threads)
{
    unsigned used = 0;
    for (unsigned t = 0; t < threads; t++) {
        f->tids_seen++;
        f->tids_multiple_of_4 += r->tids[t] % 4 == 0;
        f->last_tids[t] = r->tids[t];
    }
    for (unsigned s = 0; s < WST_STRIPES; s++) {
        used += r->stripes[s] != 0;
        f->histogram[s] += r->stripes[s] != 0;
    }
    memcpy(f->last_stripes, r->stripes, sizeof r->stripes);
    if (threads == 2) {
        f->runs_2t++;
        f->runs_2t_distinct += used == 2;
    }
}

static int measure(struct row *rows, unsigned nrows, unsigned repeat,
                   struct stripe_findings *f)
{
    int failed = 0;
    for (unsigned rep = 0; rep < repeat; rep++) {
        for (unsigned i = 0; i < nrows; i++) {
            struct row *row = &rows[i];
            struct run r;
            if (run_once(row->method, row->threads, row->iterations, &r) != 0)
                return -1;
            uint64_t expected = row->threads * row->iterations;
            uint64_t lost = r.total < expected ? expected - r.total : 0;
            if (methods[row->method].exact && r.total != expected) {
                fprintf(stderr, "bench: %s on %u thread(s) counted %" PRIu64 ", expected %" PRIu64 "\n",
                        methods[row->method].label, row->threads, r.total, expected);
                failed = 1;
            }
            if (lost > row->worst_lost)
                row->worst_lost = lost;
            row->last_total = r.total;
            row->runs_ns[rep] = r.ns_per_hit;
            row->runs_cpu[rep] = r.cpu_share;
            if (row->method == M_WST)
                note_stripes(f, &r, row->threads);
        }
    }
    for (unsigned i = 0; i < nrows; i++) {
        rows[i].median_ns = bench_median(rows[i].runs_ns, repeat);
        rows[i].median_cpu = bench_median(rows[i].runs_cpu, repeat);
    }
    return failed;
}

/* Rows come in thread-count blocks of M_COUNT with M_PLAIN first: the ratio's
 * denominators are found by position. */
static void compute_ratios(struct row *rows, unsigned nrows)
{
    for (unsigned i = 0; i < nrows; i++) {
        const struct row *plain = &rows[i - i % M_COUNT];
        const struct row *one = &rows[i % M_COUNT];
        rows[i].ratio_plain = rows[i].median_ns / plain->median_ns;
        rows[i].ratio_1t = rows[i].median_ns / one->median_ns;
    }
}

/* ------------------------------------------------------------------------ */
/* Thread churn: a new thread's hits after many short-lived threads         */
/* ------------------------------------------------------------------------ */

struct churn_dll {
    HMODULE module;
    void (*loop)(uint64_t n);
    int (*on_fast_path)(void);
    const struct wst_region_header *(*region)(void);
};

struct churn_thread {
    const struct churn_dll *dll;
    uint64_t iterations;
    LONGLONG start, end;
    int fast; /* its slot held an owned stripe after the loop */
};

struct churn_result {
    unsigned churn;       /* short-lived threads per repetition */
    uint64_t iterations;  /* hits of each measured thread */
    double fresh_runs[BENCH_MAX_REPEAT], churned_runs[BENCH_MAX_REPEAT];
    double fresh_ns, churned_ns, ratio; /* medians; churned / fresh */
    unsigned fresh_fast, churned_fast;  /* repetitions whose thread had the fast path */
    /* The region header after the last repetition's churned thread. */
    unsigned owned, flags;
    uint32_t claims, reclaims, shared;
};

static int churn_load(struct churn_dll *d)
{
    d->module = LoadLibraryW(L"bench_churn.dll");
    if (d->module == NULL) {
        fprintf(stderr, "bench: cannot load bench_churn.dll (%lu)\n", GetLastError());
        return -1;
    }
    d->loop = (void (*)(uint64_t))(void (*)(void))GetProcAddress(d->module, "churn_loop");
    d->on_fast_path = (int (*)(void))(void (*)(void))GetProcAddress(d->module, "churn_on_fast_path");
    d->region = (const struct wst_region_header *(*)(void))(void (*)(void))GetProcAddress(
        d->module, "churn_region");
    if (d->loop == NULL || d->on_fast_path == NULL || d->region == NULL) {
        fprintf(stderr, "bench: bench_churn.dll lacks its exports\n");
        FreeLibrary(d->module);
        return -1;
    }
    return 0;
}

static DWORD WINAPI churn_measured(void *arg)
{
    struct churn_thread *t = arg;
    LARGE_INTEGER q;
    t->dll->loop(1); /* the thread's first hit: the slow path claims its stripe */
    QueryPerformanceCounter(&q);
    t->start = q.QuadPart;
    t->dll->loop(t->iterations);
    QueryPerformanceCounter(&q);
    t->end = q.QuadPart;
    t->fast = t->dll->on_fast_path();
    return 0;
}

/* Hits nothing itself: its one hit is the DLL's DllMain at thread detach. */
static DWORD WINAPI churn_short_lived(void *arg)
{
    (void)arg;
    return 0;
}

static int churn_run_thread(LPTHREAD_START_ROUTINE start, void *arg)
{
    HANDLE t = CreateThread(NULL, 0, start, arg, 0, NULL);
    if (t == NULL) {
        fprintf(stderr, "bench: CreateThread failed (%lu)\n", GetLastError());
        return -1;
    }
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    return 0;
}

/* One new thread's ns per hit in the loaded DLL. */
static int churn_time(const struct churn_dll *d, uint64_t iterations, double *ns, unsigned *fast)
{
    struct churn_thread t = {.dll = d, .iterations = iterations};
    if (churn_run_thread(churn_measured, &t) != 0)
        return -1;
    *ns = (double)(t.end - t.start) * qpc_ns_per_tick / (double)iterations;
    *fast += t.fast != 0;
    return 0;
}

static int churn_measure(struct churn_result *r, unsigned repeat)
{
    for (unsigned rep = 0; rep < repeat; rep++) {
        struct churn_dll d;
        if (churn_load(&d) != 0)
            return -1;
        /* An untimed thread first: it faults the pages in and lets the module
         * see its first hit (and start its mode) before anything is timed. */
        struct churn_thread warm = {.dll = &d, .iterations = r->iterations / 20};
        int failed = churn_run_thread(churn_measured, &warm) != 0 ||
                     churn_time(&d, r->iterations, &r->fresh_runs[rep], &r->fresh_fast) != 0;
        for (unsigned i = 0; !failed && i < r->churn; i++)
            failed = churn_run_thread(churn_short_lived, NULL) != 0;
        if (!failed)
            failed = churn_time(&d, r->iterations, &r->churned_runs[rep], &r->churned_fast) != 0;
        const struct wst_region_header *h = d.region();
        r->owned = h->stripes_owned;
        r->flags = h->stripe_flags;
        r->claims = h->stripe_claims;
        r->reclaims = h->stripe_reclaims;
        r->shared = h->stripe_shared;
        FreeLibrary(d.module);
        if (failed)
            return -1;
    }
    r->fresh_ns = bench_median(r->fresh_runs, repeat);
    r->churned_ns = bench_median(r->churned_runs, repeat);
    r->ratio = r->churned_ns / r->fresh_ns;
    return 0;
}

static void print_churn(const struct churn_result *r, unsigned repeat)
{
    printf("\nthread churn (bench_churn.dll, whose DllMain hits a counter at DLL_THREAD_DETACH):\n");
    printf("  %-44s %9s  %s\n", "WST_COUNT on a new thread", "ns/hit", "fast path");
    printf("  %-44s %9.2f  %u of %u runs\n", "fresh module", r->fresh_ns, r->fresh_fast, repeat);
    char label[64];
    snprintf(label, sizeof label, "after %u short-lived threads", r->churn);
    printf("  %-44s %9.2f  %u of %u runs\n", label, r->churned_ns, r->churned_fast, repeat);
    printf("  after / fresh: %.2fx (%s)\n", r->ratio,
           r->churned_fast == repeat ? "hits stay on the fast path" : "hits fell to the slow path");
    printf("  region header after the last run: stripes owned %u of %u, claims %" PRIu32
           ", reclaims %" PRIu32 ", threads on the shared stripe %" PRIu32 ", flags %#x\n",
           r->owned, WST_STRIPES - 1, r->claims, r->reclaims, r->shared, r->flags);
}

static void write_churn_json(FILE *out, const struct churn_result *r, unsigned repeat)
{
    fprintf(out,
            "  \"churn\": {\"short_lived_threads\": %u, \"iterations_per_thread\": %" PRIu64
            ", \"fresh_ns_per_hit\": %.3f, \"churned_ns_per_hit\": %.3f, "
            "\"ratio_churned_to_fresh\": %.3f, \"fresh_fast_path_runs\": %u, "
            "\"churned_fast_path_runs\": %u, \"stripes_owned\": %u, \"stripe_claims\": %" PRIu32
            ", \"stripe_reclaims\": %" PRIu32 ", \"stripe_shared\": %" PRIu32
            ", \"stripe_flags\": %u, \"runs_fresh_ns_per_hit\": [",
            r->churn, r->iterations, r->fresh_ns, r->churned_ns, r->ratio, r->fresh_fast,
            r->churned_fast, r->owned, r->claims, r->reclaims, r->shared, r->flags);
    bench_json_numbers(out, r->fresh_runs, repeat, 3);
    fprintf(out, "], \"runs_churned_ns_per_hit\": [");
    bench_json_numbers(out, r->churned_runs, repeat, 3);
    fprintf(out, "]}\n");
}

/* ------------------------------------------------------------------------ */
/* Output: the table and build/bench.json                                   */
/* ------------------------------------------------------------------------ */

struct context {
    struct bench_host host;
    const char *mode;
    unsigned repeat;
};

static void describe_check(const struct row *row, char *buf, size_t size)
{
    uint64_t expected = row->threads * row->iterations;
    if (methods[row->method].exact)
        snprintf(buf, size, row->worst_lost == 0 && row->last_total == expected ? "exact" : "WRONG");
    else if (row->worst_lost == 0)
        snprintf(buf, size, "exact");
    else
        snprintf(buf, size, "lost up to %" PRIu64 " (%.2f%%)", row->worst_lost,
                 100.0 * (double)row->worst_lost / (double)expected);
}

static void print_table(const struct row *rows, unsigned nrows, const struct context *ctx)
{
    printf("winstrument counter-hit benchmark: %s, " BENCH_ARCH ", mode %s, %u CPUs, median of %u\n",
           bench_host_platform(&ctx->host), ctx->mode, ctx->host.cpus, ctx->repeat);
    bench_print_wine_version(&ctx->host);
    printf("%-17s %7s %12s %9s %8s %10s %5s  %s\n", "method", "threads", "iter/thread", "ns/hit",
           "x plain", "x 1-thread", "cpu%", "total");
    for (unsigned i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        char check[64];
        describe_check(r, check, sizeof check);
        char cpu[8] = "-"; /* too short a loop for a 10 ms tick to say anything */
        if (r->median_ns * (double)r->iterations >= 50e6)
            snprintf(cpu, sizeof cpu, "%.0f", r->median_cpu);
        printf("%-17s %7u %12" PRIu64 " %9.2f %8.2f %10.2f %5s  %s\n", methods[r->method].label,
               r->threads, r->iterations, r->median_ns, r->ratio_plain, r->ratio_1t, cpu, check);
    }
    printf("ns/hit: a hitting thread's loop time per hit. cpu%%: the share of that time the\n"
           "thread was on a CPU (10 ms granularity under Wine); a 2-thread row well below 100\n"
           "means the threads shared one CPU and measured time-slicing, not contention.\n");
}

static void print_findings(const struct row *rows, const struct stripe_findings *f)
{
    const struct row *wst1 = &rows[M_WST], *wst2 = &rows[M_COUNT + M_WST];
    const struct row *il2 = &rows[M_COUNT + M_INTERLOCKED];
    printf("\ntargets (reported, never asserted):\n");
    printf("  WST_COUNT within 2x of the plain add on 1 thread: %.2fx (%s)\n", wst1->ratio_plain,
           wst1->ratio_plain <= 2.0 ? "met" : "missed");
    printf("  2 threads vs 1: WST_COUNT %.2fx, interlocked add %.2fx (%s)\n", wst2->ratio_1t,
           il2->ratio_1t, wst2->ratio_1t < il2->ratio_1t ? "WST holds up better" : "no advantage");
    if (wst2->median_cpu < 80 || il2->median_cpu < 80)
        printf("  caution: the 2-thread rows ran at %.0f%% / %.0f%% CPU, so the threads often\n"
               "  shared one CPU (a busy machine?); their 2-thread numbers are time-slicing\n",
               wst2->median_cpu, il2->median_cpu);
    printf("\nstripes (WST_COUNT runs):\n");
    printf("  thread ids that are multiples of 4: %u of %u\n", f->tids_multiple_of_4, f->tids_seen);
    printf("  2-thread runs whose threads used 2 different stripes: %u of %u\n",
           f->runs_2t_distinct, f->runs_2t);
    printf("  last 2-thread run: tids %lu and %lu; hits per stripe:", f->last_tids[0],
           f->last_tids[1]);
    for (unsigned s = 0; s < WST_STRIPES; s++)
        printf(" %" PRIu64, f->last_stripes[s]);
    printf("\n  runs in which each stripe received hits:");
    for (unsigned s = 0; s < WST_STRIPES; s++)
        printf(" %u", f->histogram[s]);
    printf("\n");
}

static void write_row_json(FILE *out, const struct row *r, unsigned repeat)
{
    uint64_t expected = r->threads * r->iterations;
    fprintf(out,
            "    {\"method\": \"%s\", \"label\": \"%s\", \"threads\": %u, "
            "\"iterations_per_thread\": %" PRIu64 ", \"ns_per_hit\": %.3f, "
            "\"ratio_to_plain\": %.3f, \"ratio_to_1_thread\": %.3f, \"cpu_share_percent\": %.1f, "
            "\"exact_required\": %s, "
            "\"expected_total\": %" PRIu64 ", \"last_total\": %" PRIu64 ", \"worst_lost\": %" PRIu64
            ", \"runs_ns_per_hit\": [",
            methods[r->method].key, methods[r->method].label, r->threads, r->iterations,
            r->median_ns, r->ratio_plain, r->ratio_1t, r->median_cpu,
            methods[r->method].exact ? "true" : "false",
            expected, r->last_total, r->worst_lost);
    bench_json_numbers(out, r->runs_ns, repeat, 3);
    fprintf(out, "], \"runs_cpu_share_percent\": [");
    bench_json_numbers(out, r->runs_cpu, repeat, 1);
    fprintf(out, "]}");
}

static int write_json(const char *path, const struct row *rows, unsigned nrows,
                      const struct context *ctx, const struct stripe_findings *f,
                      const struct churn_result *churn)
{
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        fprintf(stderr, "bench: cannot write %s\n", path);
        return -1;
    }
    bench_json_begin(out, "counters", &ctx->host);
    fprintf(out, "  \"arch\": \"" BENCH_ARCH "\",\n  \"mode\": \"%s\",\n  \"cpus\": %u,\n", ctx->mode,
            ctx->host.cpus);
    fprintf(out, "  \"repeat\": %u,\n  \"statistic\": \"median\",\n  \"rows\": [\n", ctx->repeat);
    for (unsigned i = 0; i < nrows; i++) {
        write_row_json(out, &rows[i], ctx->repeat);
        fprintf(out, i + 1 < nrows ? ",\n" : "\n");
    }
    const struct row *wst1 = &rows[M_WST], *wst2 = &rows[M_COUNT + M_WST];
    const struct row *il2 = &rows[M_COUNT + M_INTERLOCKED];
    fprintf(out, "  ],\n  \"targets\": {\"wst_ratio_to_plain_1_thread\": %.3f, "
                 "\"wst_within_2x_1_thread\": %s, \"wst_ratio_2_to_1_threads\": %.3f, "
                 "\"interlocked_ratio_2_to_1_threads\": %.3f, "
                 "\"two_threads_ran_in_parallel\": %s},\n",
            wst1->ratio_plain, wst1->ratio_plain <= 2.0 ? "true" : "false", wst2->ratio_1t,
            il2->ratio_1t, wst2->median_cpu >= 80 && il2->median_cpu >= 80 ? "true" : "false");
    fprintf(out, "  \"stripes\": {\"thread_ids_seen\": %u, \"thread_ids_multiple_of_4\": %u, "
                 "\"runs_2_threads\": %u, \"runs_2_threads_distinct_stripes\": %u, "
                 "\"histogram\": [",
            f->tids_seen, f->tids_multiple_of_4, f->runs_2t, f->runs_2t_distinct);
    for (unsigned s = 0; s < WST_STRIPES; s++)
        fprintf(out, "%s%u", s ? ", " : "", f->histogram[s]);
    fprintf(out, "], \"last_run_hits_per_stripe\": [");
    for (unsigned s = 0; s < WST_STRIPES; s++)
        fprintf(out, "%s%" PRIu64, s ? ", " : "", f->last_stripes[s]);
    fprintf(out, "]},\n");
    write_churn_json(out, churn, ctx->repeat);
    fprintf(out, "}\n");
    return fclose(out) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Setup                                                                    */
/* ------------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr, "usage: bench_counters [--iterations N] [--repeat R] [--churn C] [--json PATH]\n"
                    "  N base hits per thread (default 10000000; each method scales it), R repetitions (odd, default 7)\n"
                    "  C short-lived threads before the churn row's measured thread (default 1000)\n");
}

static int parse_args(int argc, char **argv, uint64_t *iterations, unsigned *repeat,
                      const char **json, unsigned *churn)
{
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (i + 1 < argc && strcmp(argv[i], "--iterations") == 0) {
            *iterations = strtoull(argv[++i], &end, 10);
            if (*end != '\0' || *iterations < 1000)
                return -1;
        } else if (i + 1 < argc && strcmp(argv[i], "--repeat") == 0) {
            unsigned long r = strtoul(argv[++i], &end, 10);
            if (*end != '\0' || r < 1 || r > BENCH_MAX_REPEAT)
                return -1;
            *repeat = (unsigned)r;
        } else if (i + 1 < argc && strcmp(argv[i], "--churn") == 0) {
            unsigned long c = strtoul(argv[++i], &end, 10);
            if (*end != '\0' || c > 100000)
                return -1;
            *churn = (unsigned)c;
        } else if (i + 1 < argc && strcmp(argv[i], "--json") == 0) {
            *json = argv[++i];
        } else {
            return -1;
        }
    }
    return 0;
}

static void fill_context(struct context *ctx, unsigned repeat)
{
    bench_host_fill(&ctx->host);
    ctx->repeat = repeat;
    struct bench_counter_read r;
    ctx->mode = bench_read_own_counter(BENCH_COUNTER, &r) == 0 ? wst_mode_name(r.mode) : "?";
}

int main(int argc, char **argv)
{
    uint64_t iterations = 10000000;
    unsigned repeat = 7;
    const char *json = NULL;
    unsigned churn = 1000;
    if (parse_args(argc, argv, &iterations, &repeat, &json, &churn) != 0) {
        usage();
        return 2;
    }
    LARGE_INTEGER freq;
    QueryPerformanceFrequency(&freq);
    qpc_ns_per_tick = 1e9 / (double)freq.QuadPart;
    InitializeCriticalSection(&locked_target.lock);

    struct row rows[2 * M_COUNT] = {0};
    for (unsigned i = 0; i < 2 * M_COUNT; i++) {
        rows[i].method = (int)(i % M_COUNT);
        rows[i].threads = 1 + i / M_COUNT;
        rows[i].iterations = iterations * methods[i % M_COUNT].scale;
    }
    /* One untimed pass first: it faults in the pages, lets the runtime see its
     * first hit (and start its mode), and warms the CPU clock. */
    struct stripe_findings f = {0}, ignored = {0};
    struct row warm[2 * M_COUNT];
    memcpy(warm, rows, sizeof rows);
    for (unsigned i = 0; i < 2 * M_COUNT; i++)
        warm[i].iterations = iterations / 20 * methods[i % M_COUNT].scale;
    if (measure(warm, 2 * M_COUNT, 1, &ignored) < 0)
        return 1;

    struct context ctx;
    fill_context(&ctx, repeat);
    int failed = measure(rows, 2 * M_COUNT, repeat, &f);
    if (failed < 0)
        return 1;
    struct churn_result churned = {.churn = churn,
                                   .iterations = iterations * methods[M_WST].scale};
    if (churn_measure(&churned, repeat) != 0)
        return 1;
    compute_ratios(rows, 2 * M_COUNT);
    print_table(rows, 2 * M_COUNT, &ctx);
    print_findings(rows, &f);
    print_churn(&churned, repeat);
    if (json != NULL) {
        if (write_json(json, rows, 2 * M_COUNT, &ctx, &f, &churned) != 0)
            return 1;
        printf("\nwrote %s\n", json);
    }
    DeleteCriticalSection(&locked_target.lock);
    return failed ? 1 : 0;
}
