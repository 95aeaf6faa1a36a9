/*
 * The verbs (list, dump, reset, stats) on parsed options; each fills the
 * reports of report.h and hands them to output.c. main.c parses the command
 * line and calls one of these. Main thread only.
 */
#ifndef WST_INSPECTOR_INSPECT_H
#define WST_INSPECTOR_INSPECT_H

#include <stdio.h>

#include "error.h"
#include "report.h"

enum wst_via { WST_VIA_AUTO, WST_VIA_PIPE, WST_VIA_MEMORY };
enum wst_format { WST_FORMAT_TEXT, WST_FORMAT_JSON, WST_FORMAT_CSV, WST_FORMAT_DRCOV, WST_FORMAT_LCOV };

struct wst_options {
    DWORD pid;
    const char *module; /* NULL: every instrumented module */
    int json;
    enum wst_via via;
    DWORD timeout_ms;
    /* watch, serve, ps and --format (fleet.c, watch.c, serve.c, ps.c) */
    enum wst_format format; /* --json sets WST_FORMAT_JSON too */
    double interval_s;      /* watch */
    unsigned long count;    /* watch: intervals to show, 0 = until Ctrl+C */
    const char *listen;     /* serve: ADDRESS:PORT */
    int allow_remote;       /* serve: a non-loopback address is allowed */
    unsigned long max_connections;
    /* functions (functions_verb.c) */
    const char *symbols; /* --symbols FILE */
    int sort;            /* enum wst_function_sort */
    int sort_given;
    unsigned long top;   /* --top N, 0 = all */
    const char *output; /* coverage: -o FILE; NULL: stdout */
    int all_functions;   /* --all: also every function symbol never called */
};

enum wst_function_sort { WST_SORT_CALLS, WST_SORT_TIME, WST_SORT_SELF };

enum wst_status wst_verb_list(const struct wst_options *o, FILE *out, struct wst_error *err);
enum wst_status wst_verb_dump(const struct wst_options *o, FILE *out, struct wst_error *err);
enum wst_status wst_verb_reset(const struct wst_options *o, FILE *out, struct wst_error *err);
enum wst_status wst_verb_stats(const struct wst_options *o, FILE *out, struct wst_error *err);

enum wst_status wst_verb_functions(const struct wst_options *o, FILE *out, struct wst_error *err);

/* dump's collection without its output: each selected module's report, as
 * dump would print it (for watch and CSV). Free with wst_reports_free. */
enum wst_status wst_collect_dump(const struct wst_options *o, struct wst_module_report **reports,
                                 size_t *count, struct wst_error *err);
void wst_reports_free(struct wst_module_report *reports, size_t count);

#endif
