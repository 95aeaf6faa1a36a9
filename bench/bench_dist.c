/*
 * bench_dist: what a time scope and a distribution record cost, against
 * their baselines, on 1 thread and on 2 threads running the same site,
 * measured side by side in one run (every repetition runs every row; each
 * row reports the median of its repetitions, in ns per operation):
 *
 *   WST_COUNT          a counter hit: the unit of the ratios
 *   QPC pair           two QueryPerformanceCounter calls: what a scope reads
 *                      until the TSC is calibrated, or where it is not invariant
 *   rdtsc pair         two rdtsc: what a scope reads once calibrated, its floor
 *   empty scope        { WST_TIME_SCOPE("..."); } with nothing inside
 *   WST_RECORD         one value into a distribution
 *   histogram floor    the same values into a histogram of the thread's own,
 *                      with plain loads and stores: the work that any exact
 *                      log-linear record has to do (a bucket index, a bucket
 *                      add, a sum add, min and max compares), without the
 *                      runtime's stripe lookup and without sharing
 *
 * Ratios printed: scope / QPC pair, scope / rdtsc pair, scope / counter
 * hit, record / counter hit, record / floor, and scope / (rdtsc pair +
 * floor), the least that a scope could cost. The clock the scopes used (the region header's
 * clock_*) is printed too: a run shorter than the calibration would time
 * the QPC fallback. Exactness is checked in the same run from this module's own region:
 * every site must have counted threads * iterations * repetitions.
 *
 * Threads: the main thread sets up and reads results; each measured loop
 * runs on worker threads of its own, released together. It never asserts
 * speed: it exits non-zero only when a count is wrong or it cannot run.
 */
#include <windows.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "self_region.h"
#include "winstrument.h"

#define MAX_THREADS 2
#define COMPILER_BARRIER() __asm__ __volatile__("" ::: "memory")

enum row { ROW_COUNT, ROW_QPC, ROW_TSC, ROW_SCOPE, ROW_RECORD, ROW_FLOOR, ROWS };
static const char *const row_names[ROWS] = {"WST_COUNT",   "QPC pair",   "rdtsc pair",
                                             "empty scope", "WST_RECORD", "histogram floor"};
static const char *const row_keys[ROWS] = {"count",  "qpc_pair",       "rdtsc_pair", "empty_scope",
                                           "record", "histogram_floor"};

/* A thread's own histogram for the floor row: a distribution's fields,
 * written by one thread only, so plain adds and stores are exact. Its
 * count is its buckets' total, as a distribution's is. */
struct plain_histogram {
    uint64_t sum;
    uint64_t max;
    uint64_t min_inverted;
    uint64_t buckets[WST_DIST_BUCKETS];
} __attribute__((aligned(WST_LINE)));

/* The values that both the record row and the floor row take. */
static inline uint64_t bench_value(uint64_t i)
{
    /* Values of every magnitude, so the bucket index is not constant. */
    return (i * 2654435761u) >> (i & 31);
}

__attribute__((noinline)) static void loop_count(uint64_t n, struct plain_histogram *own)
{
    (void)own;
    for (uint64_t i = 0; i < n; i++) {
        WST_COUNT("bench.dist.count");
        COMPILER_BARRIER();
    }
}

__attribute__((noinline)) static void loop_qpc(uint64_t n, struct plain_histogram *own)
{
    (void)own;
    LARGE_INTEGER a, b;
    for (uint64_t i = 0; i < n; i++) {
        QueryPerformanceCounter(&a);
        QueryPerformanceCounter(&b);
        COMPILER_BARRIER();
    }
    (void)a;
    (void)b;
}

__attribute__((noinline)) static void loop_tsc(uint64_t n, struct plain_histogram *own)
{
    (void)own;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t a = wst_clock_tsc_(), b = wst_clock_tsc_();
        __asm__ __volatile__("" : : "r"(a), "r"(b));
        COMPILER_BARRIER();
    }
}

__attribute__((noinline)) static void loop_scope(uint64_t n, struct plain_histogram *own)
{
    (void)own;
    for (uint64_t i = 0; i < n; i++) {
        WST_TIME_SCOPE("bench.dist.scope");
        COMPILER_BARRIER();
    }
}

__attribute__((noinline)) static void loop_record(uint64_t n, struct plain_histogram *own)
{
    (void)own;
    for (uint64_t i = 0; i < n; i++) {
        WST_RECORD("bench.dist.record", bench_value(i));
        COMPILER_BARRIER();
    }
}

__attribute__((noinline)) static void loop_floor(uint64_t n, struct plain_histogram *own)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t v = bench_value(i);
        /* Read-modify-writes of memory, as a record's are: the barrier keeps
         * the compiler from holding the histogram in registers. */
        own->buckets[wst_dist_bucket_(v)]++;
        own->sum += v;
        if (v > own->max)
            own->max = v;
        if (~v > own->min_inverted)
            own->min_inverted = ~v;
        COMPILER_BARRIER();
    }
}

static void (*const loops[ROWS])(uint64_t, struct plain_histogram *) = {
    loop_count, loop_qpc, loop_tsc, loop_scope, loop_record, loop_floor};
static struct plain_histogram floor_histograms[MAX_THREADS];

struct job {
    enum row row;
    uint64_t n;
    volatile LONG *start;
    struct plain_histogram *own; /* the floor row's histogram of this thread */
    double ns;
};

static DWORD WINAPI worker(void *arg)
{
    struct job *j = arg;
    LARGE_INTEGER f, t0, t1;
    QueryPerformanceFrequency(&f);
    InterlockedDecrement(j->start);
    while (*j->start > 0)
        YieldProcessor();
    QueryPerformanceCounter(&t0);
    loops[j->row](j->n, j->own);
    QueryPerformanceCounter(&t1);
    j->ns = (double)(t1.QuadPart - t0.QuadPart) * 1e9 / (double)f.QuadPart / (double)j->n;
    return 0;
}

/* ns per operation of `row` on `threads` threads: the slowest thread's. */
static double run_row(enum row row, unsigned threads, uint64_t n)
{
    struct job jobs[MAX_THREADS];
    HANDLE h[MAX_THREADS] = {0};
    volatile LONG start = (LONG)threads;
    double worst = 0;
    for (unsigned t = 0; t < threads; t++) {
        jobs[t] = (struct job){row, n, &start, &floor_histograms[t], 0};
        h[t] = CreateThread(NULL, 0, worker, &jobs[t], 0, NULL);
        if (h[t] == NULL) {
            fprintf(stderr, "bench_dist: CreateThread failed\n");
            exit(2);
        }
    }
    WaitForMultipleObjects(threads, h, TRUE, INFINITE);
    for (unsigned t = 0; t < threads; t++) {
        CloseHandle(h[t]);
        if (jobs[t].ns > worst)
            worst = jobs[t].ns;
    }
    return worst;
}

/* A site's total in this module's own region (counters: the stripes;
 * distributions: the count, which is the buckets' total over both shards). */
static uint64_t total_of(const char *name)
{
    struct bench_counter_read r;
    return bench_read_own_counter(name, &r) == 0 ? r.total : 0;
}

static const char *clock_name(uint16_t source)
{
    switch (source) {
    case WST_CLOCK_TSC: return "tsc";
    case WST_CLOCK_QPC: return "qpc";
    case WST_CLOCK_CALIBRATING: return "qpc-calibrating";
    default: return "unset";
    }
}

int main(int argc, char **argv)
{
    struct bench_args args = {"--iterations", 2000000, UINT64_MAX, 7, NULL};
    if (!bench_args_parse(argc, argv, "bench_dist", &args))
        return 2;
    uint64_t iterations = args.count;
    unsigned repeat = args.repeat;
    const char *json = args.json;
    struct bench_host host;
    bench_host_fill(&host);
    double samples[MAX_THREADS][ROWS][BENCH_MAX_REPEAT], median[MAX_THREADS][ROWS];
    for (unsigned r = 0; r < repeat; r++)
        for (unsigned t = 1; t <= MAX_THREADS; t++)
            for (int row = 0; row < ROWS; row++)
                samples[t - 1][row][r] = run_row((enum row)row, t, iterations);
    for (unsigned t = 0; t < MAX_THREADS; t++)
        for (int row = 0; row < ROWS; row++)
            median[t][row] = bench_median(samples[t][row], repeat);

    printf("time scopes and distributions, ns per operation (median of %u, %" PRIu64
           " iterations, %s %s)\n",
           repeat, iterations, bench_host_platform(&host), BENCH_ARCH);
    bench_print_wine_version(&host);
    printf("  %-14s %10s %10s\n", "", "1 thread", "2 threads");
    for (int row = 0; row < ROWS; row++)
        printf("  %-14s %10.2f %10.2f\n", row_names[row], median[0][row], median[1][row]);
    for (unsigned t = 0; t < MAX_THREADS; t++) {
        double *m = median[t];
        printf("  %u thread%s: scope / QPC pair %.2f, scope / rdtsc pair %.2f, "
               "scope / counter hit %.2f, record / counter hit %.2f\n"
               "             floor / counter hit %.2f, record / floor %.2f, "
               "scope / (rdtsc pair + floor) %.2f\n",
               t + 1, t ? "s" : "", m[ROW_SCOPE] / m[ROW_QPC], m[ROW_SCOPE] / m[ROW_TSC],
               m[ROW_SCOPE] / m[ROW_COUNT], m[ROW_RECORD] / m[ROW_COUNT],
               m[ROW_FLOOR] / m[ROW_COUNT], m[ROW_RECORD] / m[ROW_FLOOR],
               m[ROW_SCOPE] / (m[ROW_TSC] + m[ROW_FLOOR]));
    }
    struct bench_counter_read own;
    bench_read_own_counter("bench.dist.scope", &own);
    const struct wst_region_info *h = &own.info;
    printf("  clock: %s, TSC %.3f MHz (calibrated over %u ms, error bound %.4f%%)\n",
           clock_name(h->header.clock_source), (double)h->header.clock_tsc_hz / 1e6,
           (unsigned)h->header.clock_interval_ms, (double)h->header.clock_error_ppb / 1e7);

    /* Exactness, from this module's own region. */
    uint64_t want = iterations * repeat * (1 + MAX_THREADS);
    uint64_t floor_total = 0;
    for (unsigned t = 0; t < MAX_THREADS; t++)
        for (unsigned b = 0; b < WST_DIST_BUCKETS; b++)
            floor_total += floor_histograms[t].buckets[b];
    int exact = total_of("bench.dist.count") == want && total_of("bench.dist.scope") == want &&
                total_of("bench.dist.record") == want && floor_total == want;
    printf("  exact: %s (every site, and the floor's histograms, %" PRIu64 ")\n",
           exact ? "yes" : "NO", want);

    if (json != NULL) {
        FILE *out = fopen(json, "w");
        if (out == NULL) {
            fprintf(stderr, "bench_dist: cannot write %s\n", json);
            return 2;
        }
        bench_json_begin(out, "dist", &host);
        fprintf(out, "  \"iterations\": %" PRIu64 ",\n  \"repeat\": %u,\n", iterations, repeat);
        for (unsigned t = 0; t < MAX_THREADS; t++) {
            double *m = median[t];
            fprintf(out, "  \"threads_%u\": {", t + 1);
            for (int row = 0; row < ROWS; row++)
                fprintf(out, "\"%s_ns\": %.3f, ", row_keys[row], m[row]);
            fprintf(out,
                    "\"scope_per_qpc_pair\": %.3f, \"scope_per_rdtsc_pair\": %.3f, "
                    "\"scope_per_count\": %.3f, \"record_per_count\": %.3f, "
                    "\"floor_per_count\": %.3f, \"record_per_floor\": %.3f, "
                    "\"scope_per_rdtsc_pair_plus_floor\": %.3f},\n",
                    m[ROW_SCOPE] / m[ROW_QPC], m[ROW_SCOPE] / m[ROW_TSC],
                    m[ROW_SCOPE] / m[ROW_COUNT], m[ROW_RECORD] / m[ROW_COUNT],
                    m[ROW_FLOOR] / m[ROW_COUNT], m[ROW_RECORD] / m[ROW_FLOOR],
                    m[ROW_SCOPE] / (m[ROW_TSC] + m[ROW_FLOOR]));
        }
        fprintf(out, "  \"clock\": \"%s\", \"clock_tsc_hz\": %" PRIu64 ",\n",
                clock_name(h->header.clock_source), h->header.clock_tsc_hz);
        fprintf(out, "  \"exact\": %s\n}\n", exact ? "true" : "false");
        fclose(out);
    }
    return exact ? 0 : 1;
}
