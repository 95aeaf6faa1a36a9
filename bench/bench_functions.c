/*
 * bench_functions: what `wst-cc --wst-functions` costs per instrumented
 * call, calls only and with time, against the same function built without
 * instrumentation; all three measured side by side in one run, alternating,
 * each row the median of --repeat runs of --iterations calls. The figures are
 * ratios and differences of the one run: never compared with a constant.
 *
 * Not instrumented itself; it loads bench_fn_plain.dll, bench_fn_calls.dll and
 * bench_fn_time.dll (bench/functions_dll.c) from its own directory. Main
 * thread only.
 */
#include <windows.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

typedef uint64_t (*loop_fn)(uint64_t);

static const char *const dlls[] = {"bench_fn_plain.dll", "bench_fn_calls.dll",
                                   "bench_fn_time.dll"};
static const char *const labels[] = {"plain call (no instrumentation)", "--wst-functions=calls",
                                     "--wst-functions (calls and time)"};
#define ROWS 3

static double seconds(loop_fn f, uint64_t n)
{
    LARGE_INTEGER a, b, freq;
    QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&a);
    volatile uint64_t sink = f(n);
    QueryPerformanceCounter(&b);
    (void)sink;
    return (double)(b.QuadPart - a.QuadPart) / (double)freq.QuadPart;
}

int main(int argc, char **argv)
{
    struct bench_args args = {"--iterations", 20000000, UINT64_MAX, 7, NULL};
    if (!bench_args_parse(argc, argv, "bench_functions", &args))
        return 2;
    unsigned long long iterations = args.count;
    unsigned repeat = args.repeat;
    const char *json = args.json;
    loop_fn loops[ROWS];
    for (int r = 0; r < ROWS; r++) {
        HMODULE m = LoadLibraryA(dlls[r]);
        loops[r] = m ? (loop_fn)(void *)GetProcAddress(m, "bench_fn_loop") : NULL;
        if (loops[r] == NULL) {
            fprintf(stderr, "bench_functions: cannot load %s (%lu)\n", dlls[r], GetLastError());
            return 1;
        }
        loops[r](1000); /* first calls: slots, stripes and shadow stacks claimed */
    }
    struct bench_host host;
    bench_host_fill(&host);
    double ns[ROWS][BENCH_MAX_REPEAT], median[ROWS];
    for (unsigned k = 0; k < repeat; k++) {
        for (int r = 0; r < ROWS; r++)
            ns[r][k] = seconds(loops[r], iterations) * 1e9 / (double)iterations;
    }
    for (int r = 0; r < ROWS; r++)
        median[r] = bench_median(ns[r], repeat);
    printf("function hooks: ns per call of a small function, median of %u x %llu calls "
           "(%s, %s)\n",
           repeat, iterations, bench_host_platform(&host), BENCH_ARCH);
    bench_print_wine_version(&host);
    printf("  %-36s %10s %10s %14s\n", "build", "ns/call", "x plain", "hook ns/call");
    for (int r = 0; r < ROWS; r++)
        printf("  %-36s %10.2f %10.2f %14.2f\n", labels[r], median[r], median[r] / median[0],
               median[r] - median[0]);
    if (json != NULL) {
        FILE *out = fopen(json, "w");
        if (out == NULL) {
            fprintf(stderr, "bench_functions: cannot write %s\n", json);
            return 1;
        }
        bench_json_begin(out, "functions", &host);
        fprintf(out, "  \"iterations\": %llu,\n  \"repeat\": %u,\n", iterations, repeat);
        fprintf(out, "  \"plain_ns\": %.3f,\n  \"calls_ns\": %.3f,\n  \"time_ns\": %.3f,\n",
                median[0], median[1], median[2]);
        fprintf(out, "  \"calls_hook_ns\": %.3f,\n  \"time_hook_ns\": %.3f,\n",
                median[1] - median[0], median[2] - median[0]);
        fprintf(out, "  \"calls_ratio\": %.3f,\n  \"time_ratio\": %.3f\n}\n",
                median[1] / median[0], median[2] / median[0]);
        fclose(out);
    }
    return 0;
}
