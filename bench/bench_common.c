/*
 * See bench_common.h. The Wine version comes from ntdll's wine_get_version,
 * looked up by name because it exists only under Wine: its absence is how a
 * benchmark knows it runs on Windows.
 */
#include <windows.h>

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
