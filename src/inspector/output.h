/*
 * Text for people and JSON for programs (schema in docs/inspector.md). All
 * strings from the target are escaped here: JSON gets valid UTF-8 and
 * escapes, text gets control bytes replaced. Main thread only.
 */
#ifndef WST_INSPECTOR_OUTPUT_H
#define WST_INSPECTOR_OUTPUT_H

#include <stdio.h>

#include "inspect.h"

void wst_output_dump(FILE *out, int json, DWORD pid, const struct wst_module_report *r, size_t n);
void wst_output_list(FILE *out, int json, const struct wst_process_report *p, size_t n);
void wst_output_reset(FILE *out, int json, DWORD pid, const struct wst_module_report *r, size_t n);
void wst_output_stats(FILE *out, int json, DWORD pid, const struct wst_module_report *r, size_t n);

/* A JSON string literal of s (quotes included). Invalid UTF-8 bytes are
 * written as \u00XX so the document stays valid. */
void wst_json_string(FILE *out, const char *s);

#endif
