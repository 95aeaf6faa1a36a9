/*
 * `wst-inspect dump PID [--module NAME] [--format text|json|csv] [--via
 * pipe|memory|auto]`: a snapshot of every selected module's counters
 * (snapshot.c), printed as text, JSON (write_report.c) or CSV rows
 * (write_csv.c). Text and JSON go module by module and print a failed
 * module in its place (session.c); CSV needs every module.
 * `dump --from FILE...`: the same numbers from files saved by
 * WINSTRUMENT_SAVE, merged (saved_files.c, write_saved.c). Main thread only.
 */
#include "verbs.h"

#include "saved_files.h"
#include "snapshot.h"
#include "write_csv.h"
#include "write_report.h"
#include "write_saved.h"

static enum wst_status dump_csv(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    struct wst_module_report *r;
    size_t n;
    enum wst_status st = wst_collect_dump(o, &r, &n, err);
    if (st != WST_OK)
        return st;
    char time[32];
    wst_time_now(time, sizeof time);
    wst_csv_header(out);
    for (size_t i = 0; i < n; i++)
        wst_csv_module_rows(out, time, o->pid, &r[i], NULL, NULL);
    wst_reports_free(r, n);
    return WST_OK;
}

static enum wst_status dump_report(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    struct wst_session s;
    enum wst_status st = wst_session_open(o, &s, err);
    if (st != WST_OK) {
        wst_session_free(&s);
        return st;
    }
    for (size_t i = 0; i < s.count; i++) {
        struct wst_error module_err = {0};
        enum wst_status mst = wst_snapshot_module(o, &s, &s.reports[i], &module_err);
        if (mst != WST_OK)
            wst_module_failed(&s.reports[i], mst, &module_err);
    }
    st = wst_modules_status(&s, err);
    if (st == WST_OK || st == WST_E_PARTIAL)
        wst_output_dump(out, o->json, o->pid, s.reports, s.count);
    wst_session_free(&s);
    return st;
}

static enum wst_status dump_saved(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    struct wst_saved_set set;
    enum wst_status st = wst_saved_load(o, &set, err);
    if (st == WST_OK)
        wst_output_saved(out, o->json, &set);
    wst_saved_free(&set);
    return st;
}

enum wst_status wst_verb_dump(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    if (o->from_count > 0)
        return dump_saved(o, out, err);
    return o->format == WST_FORMAT_CSV ? dump_csv(o, out, err) : dump_report(o, out, err);
}
