/*
 * What `dump` prints after an entry's name, by kind: a counter's or a
 * gauge's value, a distribution's summary, percentiles and buckets
 * (docs/inspector.md). write_report.c prints the name (escaped) and calls these.
 * Main thread only; prints numbers only, never a string from the target.
 */
#ifndef WST_INSPECTOR_WRITE_ENTRY_H
#define WST_INSPECTOR_WRITE_ENTRY_H

#include <stdio.h>

#include "region_parse.h"

/* JSON members after "name": ", \"kind\": ..., ..." (no closing brace). */
void wst_output_entry_json(FILE *out, const struct wst_region_counter *e);
/* Text after the name, through the end of the line. */
void wst_output_entry_text(FILE *out, const struct wst_region_counter *e);

#endif
