/*
 * bench_functions: what each way of profiling functions costs per call of a
 * small function: gprof's -pg, gcov's --coverage, `wst-cc
 * --wst-functions=calls` and `--wst-functions`, against the same function
 * built without instrumentation, and against the floor of a timed hook (the
 * plain function plus two TSC reads). All measured side by side in one run,
 * alternating, each row the median of --repeat runs of --iterations calls,
 * in the thread's CPU time (GetThreadTimes: 10 ms steps under Wine, 0.2 ns
 * a call over 50 M calls), which other jobs' load does not inflate, beside
 * the elapsed time.
 * The figures are ratios and differences of the one run: the goals it
 * prints (issue 21: calls-only at most 3 ns a call, timed at most 1.3x the
 * two-rdtsc floor) are compared with those, never asserted.
 *
 * Not instrumented itself; it loads the bench_fn_*.dll builds of
 * bench/functions_dll.c from its own directory. Main thread only.
 */
#include <windows.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

typedef uint64_t (*loop_fn)(uint64_t);

enum row { PLAIN, GPROF, GCOV, CALLS, TIME, RDTSC_FLOOR, ROWS };

static const struct {
    const char *dll, *label, *key;
} rows[ROWS] = {
    [PLAIN] = {"bench_fn_plain.dll", "plain call (no instrumentation)", "plain"},
    [GPROF] = {"bench_fn_gprof.dll", "gcc -pg (gprof)", "gprof"},
    [GCOV] = {"bench_fn_gcov.dll", "gcc --coverage (gcov)", "gcov"},
    [CALLS] = {"bench_fn_calls.dll", "--wst-functions=calls", "calls"},
    [TIME] = {"bench_fn_time.dll", "--wst-functions (calls and time)", "time"},
    [RDTSC_FLOOR] = {"bench_fn_rdtsc.dll", "floor: plain + two rdtsc", "rdtsc_floor"},
};

/* One run of n calls: its CPU and elapsed seconds. */
static void run(loop_fn f, uint64_t n, double *cpu, double *elapsed)
{
    LARGE_INTEGER a, b, freq;
    QueryPerformanceFrequency(&freq);
    double c0 = bench_thread_cpu_ms();
    QueryPerformanceCounter(&a);
    volatile uint64_t sink = f(n);
    QueryPerformanceCounter(&b);
    *cpu = (bench_thread_cpu_ms() - c0) / 1000.0;
    (void)sink;
    *elapsed = (double)(b.QuadPart - a.QuadPart) / (double)freq.QuadPart;
}

static void write_json(const char *path, const struct bench_host *host,
                       unsigned long long iterations, unsigned repeat, const double *median,
                       const double *elapsed)
{
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        fprintf(stderr, "bench_functions: cannot write %s\n", path);
        exit(1);
    }
    bench_json_begin(out, "functions", host);
    fprintf(out, "  \"iterations\": %llu,\n  \"repeat\": %u,\n", iterations, repeat);
    fprintf(out, "  \"clock\": \"thread cpu time\",\n");
    for (int r = 0; r < ROWS; r++)
        fprintf(out,
                "  \"%s_ns\": %.3f,\n  \"%s_ratio\": %.3f,\n  \"%s_added_ns\": %.3f,\n"
                "  \"%s_elapsed_ns\": %.3f,\n",
                rows[r].key, median[r], rows[r].key, median[r] / median[PLAIN], rows[r].key,
                median[r] - median[PLAIN], rows[r].key, elapsed[r]);
    double floor_added = median[RDTSC_FLOOR] - median[PLAIN];
    fprintf(out, "  \"time_vs_rdtsc_floor\": %.3f,\n  \"calls_vs_gprof\": %.3f\n}\n",
            floor_added > 0 ? (median[TIME] - median[PLAIN]) / floor_added : 0.0,
            (median[CALLS] - median[PLAIN]) / (median[GPROF] - median[PLAIN]));
    fclose(out);
}

int main(int argc, char **argv)
{
    struct bench_args args = {"--iterations", 50000000, UINT64_MAX, 5, NULL};
    if (!bench_args_parse(argc, argv, "bench_functions", &args))
        return 2;
    unsigned long long iterations = args.count;
    unsigned repeat = args.repeat;
    loop_fn loops[ROWS];
    for (int r = 0; r < ROWS; r++) {
        HMODULE m = LoadLibraryA(rows[r].dll);
        loops[r] = m ? (loop_fn)(void *)GetProcAddress(m, "bench_fn_loop") : NULL;
        if (loops[r] == NULL) {
            fprintf(stderr, "bench_functions: cannot load %s (%lu)\n", rows[r].dll,
                    GetLastError());
            return 1;
        }
        loops[r](1000); /* first calls: slots, stripes and shadow stacks claimed */
    }
    struct bench_host host;
    bench_host_fill(&host);
    double ns[ROWS][BENCH_MAX_REPEAT], wall[ROWS][BENCH_MAX_REPEAT];
    double median[ROWS], elapsed[ROWS];
    for (unsigned k = 0; k < repeat; k++) {
        for (int r = 0; r < ROWS; r++) {
            double cpu, el;
            run(loops[r], iterations, &cpu, &el);
            ns[r][k] = cpu * 1e9 / (double)iterations;
            wall[r][k] = el * 1e9 / (double)iterations;
        }
    }
    for (int r = 0; r < ROWS; r++) {
        median[r] = bench_median(ns[r], repeat);
        elapsed[r] = bench_median(wall[r], repeat);
    }
    printf("function profiling: ns per call of a small function, thread CPU time, median of "
           "%u x %llu calls (%s, %s)\n",
           repeat, iterations, bench_host_platform(&host), BENCH_ARCH);
    bench_print_wine_version(&host);
    printf("  %-36s %10s %10s %14s %12s\n", "build", "ns/call", "x plain", "added ns/call",
           "elapsed ns");
    for (int r = 0; r < ROWS; r++)
        printf("  %-36s %10.2f %10.2f %14.2f %12.2f\n", rows[r].label, median[r],
               median[r] / median[PLAIN], median[r] - median[PLAIN], elapsed[r]);
    double floor_added = median[RDTSC_FLOOR] - median[PLAIN];
    printf("  goals (issue 21): calls-only adds %.2f ns (goal <= 3); timed adds %.2fx the "
           "two-rdtsc floor (goal <= 1.3)\n",
           median[CALLS] - median[PLAIN],
           floor_added > 0 ? (median[TIME] - median[PLAIN]) / floor_added : 0.0);
    if (args.json != NULL)
        write_json(args.json, &host, iterations, repeat, median, elapsed);
    return 0;
}
