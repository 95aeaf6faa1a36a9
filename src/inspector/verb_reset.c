/*
 * `wst-inspect reset PID [--module NAME] [--json]`: zeroes the counters of every
 * selected module through its worker (control.c); prints each module's new
 * generation, or its failure in its place. Main thread only.
 */
#include "verbs.h"

#include "control.h"
#include "write_report.h"

enum wst_status wst_verb_reset(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    struct wst_session s;
    enum wst_status st = wst_control(o, WST_MSG_RESET, &s, err);
    if (st == WST_OK || st == WST_E_PARTIAL)
        wst_output_reset(out, o->json, o->pid, s.reports, s.count);
    wst_session_free(&s);
    return st;
}
