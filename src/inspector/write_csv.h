/*
 * CSV output (RFC 4180): one header line, then one row per entry:
 *   time,pid,module,name,kind,value,rate
 * `time` is UTC, ISO 8601 with milliseconds; `rate` is per second, empty
 * when there is none (dump, or an entry seen for the first time). Used by
 * `dump --format csv` and `watch --format csv`. Main thread only.
 */
#ifndef WST_INSPECTOR_WRITE_CSV_H
#define WST_INSPECTOR_WRITE_CSV_H

#include <stdio.h>

#include "csv_field.h" /* wst_csv_field, for the fields a target chose */
#include "report.h"

/* The current time as the `time` column and JSON's "time" write it. */
void wst_time_now(char *out, size_t size);

void wst_csv_header(FILE *out);


/* The rows of one module. `rates` and `have_rate` may be NULL (no rates);
 * else they run parallel to m->counters. */
void wst_csv_module_rows(FILE *out, const char *time, DWORD pid, const struct wst_module_report *m,
                         const double *rates, const unsigned char *have_rate);

#endif
