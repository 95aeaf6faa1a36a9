/*
 * `wst-inspect stats PID [--module NAME] [--json]`: the worker's statistics
 * of every selected module, asked through its pipe (control.c); each
 * module's failure is printed in its place. Main thread only.
 */
#include "verbs.h"

#include "control.h"
#include "write_report.h"

enum wst_status wst_verb_stats(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    struct wst_session s;
    enum wst_status st = wst_control(o, WST_MSG_STATS, &s, err);
    if (st == WST_OK || st == WST_E_PARTIAL)
        wst_output_stats(out, o->json, o->pid, s.reports, s.count);
    wst_session_free(&s);
    return st;
}
