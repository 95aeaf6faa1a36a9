/*
 * Every instrumented process the user can read, with each module's entries,
 * read from memory: what the metrics endpoint (verb_serve.c) shows at each
 * scrape. Processes are discovered anew at each collection; one that cannot
 * be opened, is not instrumented, or exits halfway is left out, and a
 * module whose read fails is left out, so a process that comes or goes
 * never fails the whole collection. Main thread only.
 */
#ifndef WST_INSPECTOR_FLEET_H
#define WST_INSPECTOR_FLEET_H

#include "discovery.h"
#include "openmetrics.h"
#include "region_parse.h"

struct wst_fleet_module {
    struct wst_module module;
    struct wst_region_info info;
    struct wst_region_counter *entries; /* malloc'ed */
    size_t count;
    /* The module label: its name, with "@0x<base>" added when two modules
     * of one process share a name, so their series stay apart. */
    char label[WST_MODULE_NAME_MAX + 24];
    /* Its function table's top functions (fleet_functions.c), names
     * malloc'ed; none until wst_fleet_collect_functions. */
    struct wst_metrics_function *functions;
    size_t function_count;
    int functions_timed;
};

struct wst_fleet_process {
    DWORD pid;
    char exe[WST_MODULE_NAME_MAX]; /* the executable's file name, UTF-8 */
    struct wst_fleet_module *modules;
    size_t count;
};

struct wst_fleet {
    struct wst_fleet_process *processes;
    size_t count;
    size_t skipped; /* processes or modules that failed to read */
};

/* Fails only when the process list itself cannot be had, or on memory. */
enum wst_status wst_fleet_collect(struct wst_fleet *f, struct wst_error *err);
void wst_fleet_free(struct wst_fleet *f);

/* The fleet as the OpenMetrics writer takes it: a malloc'ed array whose
 * strings point into *f (valid until wst_fleet_free). NULL on no memory. */
struct wst_metrics_module *wst_fleet_metrics(const struct wst_fleet *f, size_t *count);

#endif
