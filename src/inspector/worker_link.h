/*
 * Reaching a module's worker through its pipe: whether it serves, waking an
 * on-demand worker, and opening a pipe that is proven to be the module's
 * own. Main thread only.
 */
#ifndef WST_INSPECTOR_WORKER_LINK_H
#define WST_INSPECTOR_WORKER_LINK_H

#include "pipe_client.h"
#include "session.h"

/* The header says a worker serves, with its pipe's name. */
int wst_worker_serves(const struct wst_region_info *info);

/* The worker starts when asked (header.trigger_state ARMED). */
int wst_worker_wakes(const struct wst_region_info *info);

/* WST_E_NO_WORKER, with why the module has no serving worker. */
enum wst_status wst_worker_absent(const struct wst_module_report *m, struct wst_error *err);

/* Connects to m's worker, waking it first if it is idle, and checks that it
 * is the module's own; m->info is re-read meanwhile. */
enum wst_status wst_worker_open(const struct wst_options *o, const struct wst_session *s,
                                struct wst_module_report *m, struct wst_pipe_client *c,
                                struct wst_error *err);

#endif
