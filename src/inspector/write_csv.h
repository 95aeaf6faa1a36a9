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

#include "report.h"

/* The current time as the `time` column and JSON's "time" write it. */
void wst_time_now(char *out, size_t size);

void wst_csv_header(FILE *out);

/* One field, from the target: first in escape.h's text form, as every
 * other writer shows it (no byte a terminal acts on; CR and LF as \x0d and
 * \x0a, so that a row stays one line whatever the stream does with line
 * ends), then quoted, with quotes doubled, when it holds a comma or a quote,
 * or starts with a space. */
void wst_csv_field(FILE *out, const char *s);

/* The rows of one module. `rates` and `have_rate` may be NULL (no rates);
 * else they run parallel to m->counters. */
void wst_csv_module_rows(FILE *out, const char *time, DWORD pid, const struct wst_module_report *m,
                         const double *rates, const unsigned char *have_rate);

#endif
