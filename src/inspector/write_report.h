/*
 * Text for people and JSON for programs (schema in docs/inspector.md). All
 * strings from the target are escaped here, through src/common/escape.c:
 * JSON gets valid UTF-8 (plus a "_hex" member for bytes that are not), text
 * gets every control shown as an escape. Main thread only.
 */
#ifndef WST_INSPECTOR_WRITE_REPORT_H
#define WST_INSPECTOR_WRITE_REPORT_H

#include <stdio.h>

#include "report.h"

void wst_output_dump(FILE *out, int json, DWORD pid, const struct wst_module_report *r, size_t n);
void wst_output_list(FILE *out, int json, const struct wst_process_report *p, size_t n);
void wst_output_reset(FILE *out, int json, DWORD pid, const struct wst_module_report *r, size_t n);
void wst_output_stats(FILE *out, int json, DWORD pid, const struct wst_module_report *r, size_t n);

/* A JSON string literal of s (quotes included), escaped by wst_escape: each
 * byte that is not valid UTF-8 becomes U+FFFD, so callers that must keep the
 * exact bytes add a "<key>_hex" member (write_report.c's json_field does). */
void wst_json_string(FILE *out, const char *s);

/* `"key": "..."` (plus `"key_hex"` when s is not valid UTF-8), and a string
 * for a terminal, for the writers of other verbs (verb_functions.c). */
void wst_json_field(FILE *out, const char *key, const char *s);
void wst_text_string(FILE *out, const char *s);

/* Whether the module's region header publishes a function table, and of
 * which variant: "timed", "calls" (--wst-functions=calls) or "none". */
const char *wst_function_table_kind(const struct wst_region_info *info);

/* dump's and watch's text for a module with a function table and no
 * counters: one line that says so and names the verb that reads it. Nothing
 * for any other module. */
void wst_output_functions_hint(FILE *out, DWORD pid, const struct wst_module_report *m,
                               const char *indent);

#endif
