/*
 * What the verbs learn about each module and process: the data that the
 * reading layers (session.c, snapshot.c, control.c, fleet.c) pass to the
 * writers (write_report.c, write_csv.c), and nothing else. Main thread only.
 */
#ifndef WST_INSPECTOR_REPORT_H
#define WST_INSPECTOR_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "discovery.h"
#include "error.h"
#include "region_parse.h"
#include "winstrument/protocol.h"

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
    int unanswered; /* reset: no good reply, but the generation moved (control.c) */
    /* This module's failure (status WST_OK: none). The verb goes on with
     * the other modules, and write_report.c reports it in the module's place. */
    struct wst_error error;
};

/* A process for `list`. */
struct wst_process_report {
    DWORD pid;
    char executable[WST_MODULE_PATH_MAX];
    struct wst_module_report *modules;
    size_t count;
};

#endif
