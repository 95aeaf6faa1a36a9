/*
 * The whole-library benchmark (issue 12, part 5; issue 21, part 6): zlib
 * compressing 64 MiB with compress2 (level 6), built five ways by
 * examples/zlib/build.sh from the same source with the same CMake build:
 * plain (wst-cc, no hooks), gprof's -pg, gcov's --coverage,
 * `--wst-functions=calls` and `--wst-functions` (calls and time). The make
 * rule copies each zlib1.dll next to this program under its own name
 * (bench_zlib_plain.dll, ...), so one process loads all five side by side,
 * and Wine's builtin zlib1.dll never gets in the way. Runs alternate between
 * the builds (plain, gprof, gcov, calls, functions, plain, ...) so that a
 * change of the machine's load hits all alike; the table shows each build's median
 * and its ratio to plain. Every build's output must be the same bytes.
 * Beside the elapsed time it takes the thread's CPU time (GetThreadTimes:
 * 10 ms steps under Wine, under 0.5% of a run), which other processes'
 * load on a shared machine does not inflate.
 *
 *   bench_zlib.exe [--mib N] [--repeat R] [--json FILE]
 *
 * Main thread only. Never asserts a speed: it prints figures.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "bench_common.h"

typedef int(__cdecl *compress2_fn)(unsigned char *dest, unsigned long *dest_len,
                                   const unsigned char *src, unsigned long src_len, int level);
typedef unsigned long(__cdecl *compress_bound_fn)(unsigned long src_len);

static const struct {
    const char *label;
    const wchar_t *dll;
} builds[] = {
    {"plain", L"bench_zlib_plain.dll"},
    {"gprof", L"bench_zlib_gprof.dll"},
    {"gcov", L"bench_zlib_gcov.dll"},
    {"calls", L"bench_zlib_calls.dll"},
    {"functions", L"bench_zlib_functions.dll"},
};
#define NBUILDS (sizeof builds / sizeof builds[0])

struct loaded {
    compress2_fn compress2;
    compress_bound_fn bound;
};

/* The DLLs sit next to this program. */
static int load(size_t i, struct loaded *out)
{
    wchar_t path[MAX_PATH];
    DWORD n = GetModuleFileNameW(NULL, path, MAX_PATH);
    wchar_t *slash = wcsrchr(path, L'\\');
    if (n == 0 || n >= MAX_PATH || slash == NULL ||
        (size_t)(slash + 1 - path) + wcslen(builds[i].dll) >= MAX_PATH)
        return 0;
    wcscpy(slash + 1, builds[i].dll);
    HMODULE h = LoadLibraryW(path);
    if (h == NULL) {
        fprintf(stderr, "bench_zlib: cannot load %ls (error %lu)\n", path, GetLastError());
        return 0;
    }
    out->compress2 = (compress2_fn)(void (*)(void))GetProcAddress(h, "compress2");
    out->bound = (compress_bound_fn)(void (*)(void))GetProcAddress(h, "compressBound");
    return out->compress2 != NULL && out->bound != NULL;
}

/* Text-like input that compresses about 6:1: words from a small list in an
 * order from a fixed linear congruential sequence, so every run is equal. */
static void fill_input(unsigned char *buf, size_t n)
{
    static const char *const words[] = {"deflate", "window", "the", "of", "match", "length",
                                        "distance", "huffman", "tree", "block", "a", "and",
                                        "literal", "code", "stored", "bits", "\n"};
    uint32_t x = 12345;
    size_t at = 0;
    while (at < n) {
        x = x * 1664525u + 1013904223u;
        const char *w = words[(x >> 16) % (sizeof words / sizeof words[0])];
        size_t len = strlen(w);
        for (size_t k = 0; k < len && at < n; k++)
            buf[at++] = (unsigned char)w[k];
        if (at < n)
            buf[at++] = ' ';
    }
}

struct options {
    unsigned mib, repeat;
    const char *json;
};

static int parse(int argc, char **argv, struct options *o)
{
    /* More than 512 MiB needs three times that in memory, for no new figure. */
    struct bench_args a = {"--mib", 64, 512, 3, NULL};
    if (!bench_args_parse(argc, argv, "bench_zlib", &a))
        return 0;
    o->mib = (unsigned)a.count;
    o->repeat = a.repeat;
    o->json = a.json;
    return 1;
}

static void write_json(const struct options *o, const struct bench_host *h,
                       double ms[NBUILDS][BENCH_MAX_REPEAT], const double *median,
                       double cpu[NBUILDS][BENCH_MAX_REPEAT], const double *cpu_median,
                       unsigned long out_len)
{
    FILE *f = fopen(o->json, "w");
    if (f == NULL) {
        fprintf(stderr, "bench_zlib: cannot write %s\n", o->json);
        return;
    }
    bench_json_begin(f, "zlib", h);
    fprintf(f, "  \"input_mib\": %u,\n  \"compressed_bytes\": %lu,\n  \"repeat\": %u,\n",
            o->mib, out_len, o->repeat);
    fputs("  \"builds\": {\n", f);
    for (size_t b = 0; b < NBUILDS; b++) {
        fprintf(f, "    \"%s\": {\"median_ms\": %.1f, \"ratio\": %.3f, \"runs_ms\": [",
                builds[b].label, median[b], median[b] / median[0]);
        bench_json_numbers(f, ms[b], o->repeat, 1);
        fprintf(f, "], \"cpu_median_ms\": %.1f, \"cpu_ratio\": %.3f, \"cpu_runs_ms\": [",
                cpu_median[b], cpu_median[0] > 0 ? cpu_median[b] / cpu_median[0] : 0.0);
        bench_json_numbers(f, cpu[b], o->repeat, 1);
        fprintf(f, "]}%s\n", b + 1 < NBUILDS ? "," : "");
    }
    fputs("  }\n}\n", f);
    fclose(f);
}

int main(int argc, char **argv)
{
    struct options o;
    struct bench_host host;
    struct loaded z[NBUILDS];
    static double ms[NBUILDS][BENCH_MAX_REPEAT], cpu[NBUILDS][BENCH_MAX_REPEAT];
    double median[NBUILDS], cpu_median[NBUILDS];
    if (!parse(argc, argv, &o))
        return 2;
    for (size_t b = 0; b < NBUILDS; b++) {
        if (!load(b, &z[b]))
            return 1;
    }
    bench_host_fill(&host);
    size_t n = (size_t)o.mib << 20;
    unsigned long cap = z[0].bound((unsigned long)n);
    unsigned char *in = malloc(n), *first = malloc(cap), *out = malloc(cap);
    if (in == NULL || first == NULL || out == NULL)
        return 1;
    fill_input(in, n);
    unsigned long first_len = 0;
    for (unsigned r = 0; r < o.repeat; r++) {
        for (size_t b = 0; b < NBUILDS; b++) {
            unsigned long len = cap;
            double c0 = bench_thread_cpu_ms(), t0 = bench_now_ms();
            int rc = z[b].compress2(out, &len, in, (unsigned long)n, 6);
            ms[b][r] = bench_now_ms() - t0;
            cpu[b][r] = bench_thread_cpu_ms() - c0;
            if (rc != 0) {
                fprintf(stderr, "bench_zlib: %s: compress2 returned %d\n", builds[b].label, rc);
                return 1;
            }
            if (first_len == 0) {
                first_len = len;
                memcpy(first, out, len);
            } else if (len != first_len || memcmp(first, out, len) != 0) {
                fprintf(stderr, "bench_zlib: %s compressed differently\n", builds[b].label);
                return 1;
            }
        }
    }
    printf("winstrument whole-library benchmark: zlib compress2 (level 6) of %u MiB, %s, "
           BENCH_ARCH ", %u CPUs, median of %u runs\n",
           o.mib, bench_host_platform(&host), host.cpus, o.repeat);
    bench_print_wine_version(&host);
    printf("%-10s %-26s %10s %9s %8s %10s %8s\n", "build", "dll", "ms", "MiB/s", "x plain",
           "cpu ms", "x plain");
    for (size_t b = 0; b < NBUILDS; b++) {
        median[b] = bench_median(ms[b], o.repeat);
        cpu_median[b] = bench_median(cpu[b], o.repeat);
        printf("%-10s %-26ls %10.1f %9.1f %8.2f %10.1f %8.2f\n", builds[b].label, builds[b].dll,
               median[b], o.mib / (median[b] / 1000.0), median[b] / median[0], cpu_median[b],
               cpu_median[0] > 0 ? cpu_median[b] / cpu_median[0] : 0.0);
    }
    printf("compressed to %lu bytes (%.2f:1), the same bytes from every build. Goal: "
           "functions <= 1.5x plain.\n", first_len, (double)n / first_len);
    if (o.json != NULL) {
        write_json(&o, &host, ms, median, cpu, cpu_median, first_len);
        printf("\nwrote %s\n", o.json);
    }
    return 0;
}
