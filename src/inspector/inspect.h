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

struct wst_options {
    DWORD pid;
    const char *module; /* NULL: every instrumented module */
    int json;
    enum wst_via via;
    DWORD timeout_ms;
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

#endif
