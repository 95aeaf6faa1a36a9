/*
 * One module's counters as dump shows them, by memory or through the
 * worker's pipe (o->via). Main thread only.
 */
#ifndef WST_INSPECTOR_SNAPSHOT_H
#define WST_INSPECTOR_SNAPSHOT_H

#include "session.h"

/* Fills m's counters, via, generation, complete and settled. */
enum wst_status wst_snapshot_module(const struct wst_options *o, const struct wst_session *s,
                                    struct wst_module_report *m, struct wst_error *err);

/* dump's collection without its output: each selected module's report, as
 * dump would print it (for watch and CSV). Free with wst_reports_free. */
enum wst_status wst_collect_dump(const struct wst_options *o, struct wst_module_report **reports,
                                 size_t *count, struct wst_error *err);
void wst_reports_free(struct wst_module_report *reports, size_t count);

#endif
