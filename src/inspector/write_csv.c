/*
 * See write_csv.h. Rates are printed with three decimals: a counter's rate is a
 * difference over a measured interval, and more digits would be noise.
 */
#include "write_csv.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "entry_kind.h"

void wst_time_now(char *out, size_t size)
{
    SYSTEMTIME t;
    GetSystemTime(&t);
    snprintf(out, size, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", t.wYear, t.wMonth, t.wDay, t.wHour,
             t.wMinute, t.wSecond, t.wMilliseconds);
}

void wst_csv_header(FILE *out)
{
    fputs("time,pid,module,name,kind,value,rate\n", out);
}

void wst_csv_module_rows(FILE *out, const char *time, DWORD pid, const struct wst_module_report *m,
                         const double *rates, const unsigned char *have_rate)
{
    for (size_t c = 0; c < m->count; c++) {
        const struct wst_region_counter *e = &m->counters[c];
        fprintf(out, "%s,%lu,", time, (unsigned long)pid);
        wst_csv_field(out, m->module.name);
        fputc(',', out);
        wst_csv_field(out, e->name);
        enum wst_entry_kind kind = wst_entry_kind_of(e);
        fprintf(out, ",%s,", wst_entry_kind_name(kind));
        switch (kind) {
        case WST_ENTRY_COUNTER:
        case WST_ENTRY_DISTRIBUTION: /* the count */
            fprintf(out, "%" PRIu64 ",", e->value);
            break;
        case WST_ENTRY_GAUGE:
            fprintf(out, "%" PRId64 ",", (int64_t)e->value);
            break;
        }
        if (rates != NULL && have_rate != NULL && have_rate[c])
            fprintf(out, "%.3f", rates[c]);
        fputc('\n', out);
    }
}
