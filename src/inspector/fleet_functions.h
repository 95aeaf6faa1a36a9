/*
 * The function tables of a collected fleet (fleet.h), for the metrics
 * endpoint: each instrumented module's table read and named as `functions`
 * reads it (functions.c), and only its top N functions kept, so that a
 * scrape's series stay bounded however many functions a module has. Main
 * thread only.
 */
#ifndef WST_INSPECTOR_FLEET_FUNCTIONS_H
#define WST_INSPECTOR_FLEET_FUNCTIONS_H

#include "fleet.h"

/* The default of serve --functions-top: functions per module. */
#define WST_SERVE_DEFAULT_FUNCTIONS_TOP 20u

/* For every module of *f whose region header publishes a function table,
 * keeps its `top` functions (largest self time in a timed table, most
 * calls in a calls-only one; ties by offset) with their calls and times.
 * top 0 reads nothing. A process or module whose table cannot be read
 * keeps its counters and shows no functions, as a failed read leaves a
 * module out of the collection. */
void wst_fleet_collect_functions(struct wst_fleet *f, unsigned long top);

#endif
