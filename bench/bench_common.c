/*
 * See bench_common.h. The Wine version comes from ntdll's wine_get_version,
 * looked up by name because it exists only under Wine: its absence is how a
 * benchmark knows it runs on Windows.
 */
#include <windows.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "winstrument/version.h"

void bench_host_fill(struct bench_host *h)
{
    typedef const char *(CDECL * wine_version_fn)(void);
    wine_version_fn wine_get_version = (wine_version_fn)(void (*)(void))GetProcAddress(
        GetModuleHandleW(L"ntdll.dll"), "wine_get_version");
    h->wine_version = wine_get_version ? wine_get_version() : NULL;

    SYSTEMTIME st;
    GetSystemTime(&st);
    snprintf(h->timestamp, sizeof h->timestamp, "%04u-%02u-%02uT%02u:%02u:%02uZ", st.wYear,
             st.wMonth, st.wDay, st.wHour, st.wMinute, st.wSecond);
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    h->cpus = si.dwNumberOfProcessors;
}

const char *bench_host_platform(const struct bench_host *h)
{
    return h->wine_version ? "Wine" : "Windows";
}

void bench_print_wine_version(const struct bench_host *h)
{
    if (h->wine_version)
        printf("  (Wine %s)\n", h->wine_version);
}

int bench_args_parse(int argc, char **argv, const char *program, struct bench_args *a)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], a->count_flag) == 0 && i + 1 < argc)
            a->count = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            a->repeat = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
            a->json = argv[++i];
        else {
            fprintf(stderr, "usage: %s [%s N] [--repeat R] [--json FILE]\n", program,
                    a->count_flag);
            return 0;
        }
    }
    if (a->repeat < 1 || a->repeat > BENCH_MAX_REPEAT || a->count < 1 || a->count > a->count_max) {
        if (a->count_max == UINT64_MAX)
            fprintf(stderr, "%s: --repeat 1..%u, %s >= 1\n", program, BENCH_MAX_REPEAT,
                    a->count_flag);
        else
            fprintf(stderr, "%s: --repeat 1..%u, %s 1..%llu\n", program, BENCH_MAX_REPEAT,
                    a->count_flag, (unsigned long long)a->count_max);
        return 0;
    }
    return 1;
}

double bench_now_ms(void)
{
    static LARGE_INTEGER freq; /* constant once read: main thread only */
    LARGE_INTEGER t;
    if (freq.QuadPart == 0)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart * 1000.0 / (double)freq.QuadPart;
}

double bench_thread_cpu_ms(void)
{
    FILETIME created, exited, kernel, user;
    if (!GetThreadTimes(GetCurrentThread(), &created, &exited, &kernel, &user))
        return 0;
    uint64_t k = (uint64_t)kernel.dwHighDateTime << 32 | kernel.dwLowDateTime;
    uint64_t u = (uint64_t)user.dwHighDateTime << 32 | user.dwLowDateTime;
    return (double)(k + u) / 10000.0; /* 100 ns units */
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median_sort(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_median(const double *v, unsigned n)
{
    double s[BENCH_MAX_REPEAT];
    memcpy(s, v, n * sizeof *v);
    return bench_median_sort(s, n);
}

void bench_json_begin(FILE *out, const char *benchmark, const struct bench_host *h)
{
    fprintf(out, "{\n  \"benchmark\": \"%s\",\n  \"winstrument\": \"%s\",\n", benchmark,
            WST_VERSION_STRING);
    fprintf(out, "  \"timestamp\": \"%s\",\n  \"platform\": \"%s\",\n", h->timestamp,
            h->wine_version ? "wine" : "native");
    if (h->wine_version)
        fprintf(out, "  \"wine_version\": \"%s\",\n", h->wine_version);
    else
        fprintf(out, "  \"wine_version\": null,\n");
}

void bench_json_numbers(FILE *out, const double *v, unsigned n, int decimals)
{
    for (unsigned k = 0; k < n; k++)
        fprintf(out, "%s%.*f", k ? ", " : "", decimals, v[k]);
}
