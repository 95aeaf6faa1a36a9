/*
 * The verbs (list, dump, reset, stats) on parsed options, and the report
 * each module produces for output.c. main.c parses the command line and
 * calls one of these. Main thread only.
 */
#ifndef WST_INSPECTOR_INSPECT_H
#define WST_INSPECTOR_INSPECT_H

#include <stdio.h>

#include "discovery.h"
#include "error.h"
#include "region_parse.h"
#include "winstrument/protocol.h"

enum wst_via { WST_VIA_AUTO, WST_VIA_PIPE, WST_VIA_MEMORY };
enum wst_format { WST_FORMAT_TEXT, WST_FORMAT_JSON, WST_FORMAT_CSV };

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
};

struct wst_module_report {
    struct wst_module module;
    struct wst_region_info info;
    const char *via;     /* "memory" or "pipe" */
    uint64_t generation; /* of the data shown: the pipe's snapshot or the header */
    struct wst_region_counter *counters;
    size_t count;
    int complete;  /* dump: every counter name is in `counters` */
    int settled;   /* dump: the copy passed the reset and torn-value checks */
    struct wst_msg_stats stats; /* stats verb */
    /* This module's failure (status WST_OK: none). The verb goes on with
     * the other modules, and output.c reports it in the module's place. */
    struct wst_error error;
};

/* A process for `list`. */
struct wst_process_report {
    DWORD pid;
    char executable[WST_MODULE_PATH_MAX];
    struct wst_module_report *modules;
    size_t count;
};

enum wst_status wst_verb_list(const struct wst_options *o, FILE *out, struct wst_error *err);
enum wst_status wst_verb_dump(const struct wst_options *o, FILE *out, struct wst_error *err);
enum wst_status wst_verb_reset(const struct wst_options *o, FILE *out, struct wst_error *err);
enum wst_status wst_verb_stats(const struct wst_options *o, FILE *out, struct wst_error *err);

/* dump's collection without its output: each selected module's report, as
 * dump would print it (for watch and CSV). Free with wst_reports_free. */
enum wst_status wst_collect_dump(const struct wst_options *o, struct wst_module_report **reports,
                                 size_t *count, struct wst_error *err);
void wst_reports_free(struct wst_module_report *reports, size_t count);

#endif
