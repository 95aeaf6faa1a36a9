/*
 * A verb's hold on one process: the process opened for reading, and a
 * report (report.h) for each selected instrumented module, filled by the
 * reading layers (snapshot.c, worker_link.c, control.c). Main thread only.
 */
#ifndef WST_INSPECTOR_SESSION_H
#define WST_INSPECTOR_SESSION_H

#include "error.h"
#include "options.h"
#include "remote.h"
#include "report.h"

struct wst_session {
    struct wst_remote remote;
    struct wst_module_report *reports; /* one per selected module */
    size_t count;
};

/* Opens o->pid and finds the modules o->module selects. Free the session
 * with wst_session_free even when this fails. */
enum wst_status wst_session_open(const struct wst_options *o, struct wst_session *s,
                                 struct wst_error *err);
void wst_session_free(struct wst_session *s);

/* Records module m's failure in its report, so the verb goes on with the
 * others. */
void wst_module_failed(struct wst_module_report *m, enum wst_status st,
                       const struct wst_error *err);

/* The verb's status once every module had its turn: WST_OK, WST_E_PARTIAL,
 * target-gone, or the one error every module had. */
enum wst_status wst_modules_status(const struct wst_session *s, struct wst_error *err);

#endif
