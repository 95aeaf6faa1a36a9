/*
 * What the benchmarks share: the description of the machine that heads
 * their tables and JSON files, the command line of those that take a count,
 * --repeat and --json, a millisecond clock, the median of a set of
 * repetitions, and JSON arrays of numbers.
 *
 * No state of its own beyond the clock's frequency (read once): bench_host_fill()
 * only reads the system, the rest only computes or writes to the stream it
 * is given. Called from a benchmark's main thread; it never touches the
 * winstrument runtime or a region.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>

/* The architecture the benchmark was built for, in its table and JSON. */
#if defined(__x86_64__)
#define BENCH_ARCH "x86_64"
#elif defined(__i386__)
#define BENCH_ARCH "i686"
#else
#error "winstrument supports x86_64 and i686"
#endif

/* The most repetitions a benchmark accepts (--repeat): the size of every
 * per-repetition array, and of bench_median()'s scratch copy. */
#define BENCH_MAX_REPEAT 31

/* Where a benchmark ran. Constant once filled. */
struct bench_host {
    const char *wine_version; /* NULL on Windows */
    char timestamp[32];       /* UTC, ISO 8601, when the run started */
    unsigned cpus;
};

void bench_host_fill(struct bench_host *h);

/* "Wine" or "Windows", for a table's title line. */
const char *bench_host_platform(const struct bench_host *h);

/* The "  (Wine <version>)" line under a table's title; nothing on Windows. */
void bench_print_wine_version(const struct bench_host *h);

/* The command line of a benchmark that runs a count of work (`count_flag`:
 * --iterations N, --mib N) --repeat times and may write JSON. The caller
 * fills in the defaults; bench_args_parse() overwrites what argv gives. */
struct bench_args {
    const char *count_flag;
    uint64_t count;     /* 1 .. count_max */
    uint64_t count_max; /* UINT64_MAX: no upper bound */
    unsigned repeat;    /* 1 .. BENCH_MAX_REPEAT */
    const char *json;   /* NULL: no JSON file */
};

/* 1 when argv holds only those options, each with a value, and the values
 * are in range; otherwise prints the usage or the ranges, each line headed
 * by `program`, to stderr, and returns 0 (the benchmark then exits 2). */
int bench_args_parse(int argc, char **argv, const char *program, struct bench_args *a);

/* QueryPerformanceCounter in milliseconds, from an arbitrary origin. */
double bench_now_ms(void);

/* The calling thread's user plus kernel time in milliseconds
 * (GetThreadTimes): what other jobs' load on a shared machine does not
 * inflate. Under Wine it moves in kernel ticks (10 ms), so a measured run
 * must last seconds for it to say anything. */
double bench_thread_cpu_ms(void);

/* The median of v[0 .. n), 1 <= n; sorts v in place. */
double bench_median_sort(double *v, unsigned n);

/* The same, leaving v as it is; n <= BENCH_MAX_REPEAT. */
double bench_median(const double *v, unsigned n);

/* Opens a benchmark's JSON object: "{", then the keys benchmark, winstrument
 * (the version), timestamp, platform and wine_version, each line ending with
 * ",". The caller writes the rest and the closing "}". */
void bench_json_begin(FILE *out, const char *benchmark, const struct bench_host *h);

/* v[0 .. n) as the elements of a JSON array, ", "-separated, each with
 * `decimals` digits after the point; the caller writes the brackets. */
void bench_json_numbers(FILE *out, const double *v, unsigned n, int decimals);

#endif
