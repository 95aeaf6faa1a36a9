/*
 * See write_csv.h. Rates are printed with three decimals: a counter's rate is a
 * difference over a measured interval, and more digits would be noise.
 */
#include "write_csv.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "entry_kind.h"
#include "escape.h"

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

static void put_quoted(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ') {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s != '\0'; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void wst_csv_field(FILE *out, const char *s)
{
    size_t n = wst_escape(NULL, 0, s, WST_ESCAPE_TEXT);
    char *shown = malloc(n + 1);
    if (shown == NULL) {
        fputs("?", out); /* out of memory: never the raw bytes */
        return;
    }
    wst_escape(shown, n + 1, s, WST_ESCAPE_TEXT);
    put_quoted(out, shown);
    free(shown);
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
