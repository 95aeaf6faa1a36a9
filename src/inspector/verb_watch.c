/*
 * `wst-inspect watch PID`: dump's snapshot taken again every interval, with
 * each counter's rate per second over the last interval. On a console the
 * table is redrawn in place (Win32 console API); otherwise one block (text),
 * one JSON object per line (json: JSON Lines) or CSV rows per interval.
 * Ends after --count intervals, at Ctrl+C (exit 0), once the reader of its
 * output pipe has gone (exit 0), or with the error of a snapshot that fails
 * (the process exited: no-process or target-gone).
 * Main thread only.
 *
 * The first snapshot is a baseline and is not shown, so every
 * interval printed has rates. Intervals are scheduled from the start
 * (start + k * interval), so a slow snapshot does not make the series drift,
 * and measured with QueryPerformanceCounter, so a rate divides by the time
 * that really passed between the two snapshots.
 */
#include "verbs.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "dist_math.h"
#include "entry_kind.h"
#include "interrupt.h"
#include "output_state.h"
#include "snapshot.h"
#include "write_csv.h"
#include "write_report.h"

struct frame {
    struct wst_module_report *r;
    size_t n;
    double at; /* seconds since the start */
};

/* Per entry of one module: its rate, and for a distribution what was
 * recorded in the interval (count, p50, p99, from its buckets' growth). */
struct rates {
    double *rate;
    unsigned char *have;
    struct interval_dist *dist;
};

struct interval_dist {
    uint64_t count, p50, p99;
};

double wst_watch_rate(uint64_t before, uint64_t gen_before, uint64_t now, uint64_t gen_now,
                      double seconds)
{
    if (seconds <= 0)
        return 0;
    if (gen_now != gen_before || now < before)
        return (double)now / seconds;
    return (double)(now - before) / seconds;
}

static double seconds_now(void)
{
    static LARGE_INTEGER freq, start;
    LARGE_INTEGER t;
    if (freq.QuadPart == 0) {
        QueryPerformanceFrequency(&freq);
        QueryPerformanceCounter(&start);
    }
    QueryPerformanceCounter(&t);
    return (double)(t.QuadPart - start.QuadPart) / (double)freq.QuadPart;
}

static const struct wst_module_report *previous_module(const struct frame *prev,
                                                       const struct wst_module_report *m)
{
    for (size_t i = 0; prev != NULL && i < prev->n; i++) {
        if (prev->r[i].info.header.instance == m->info.header.instance &&
            prev->r[i].module.base == m->module.base)
            return &prev->r[i];
    }
    return NULL;
}

static int by_name(const void *a, const void *b)
{
    const struct wst_region_counter *x = a, *y = b;
    return strncmp(x->name, y->name, WST_NAME_MAX);
}

/* What a distribution recorded since `before`: its buckets' growth, or all
 * of them when it is new, was reset (another generation) or shrank. The
 * percentiles come from those counts alone, so they describe the interval,
 * not the whole run; each is within the buckets' 3.125% of the true value. */
static void interval_dist(const struct wst_region_counter *before, uint64_t gen_before,
                          const struct wst_region_counter *now, uint64_t gen_now,
                          struct interval_dist *out)
{
    uint64_t grown[WST_DIST_BUCKETS];
    memset(out, 0, sizeof *out);
    if (now->buckets == NULL)
        return;
    int fresh = before == NULL || before->buckets == NULL || gen_now != gen_before ||
                now->value < before->value;
    for (unsigned i = 0; !fresh && i < WST_DIST_BUCKETS; i++)
        fresh = now->buckets[i] < before->buckets[i];
    for (unsigned i = 0; i < WST_DIST_BUCKETS; i++) {
        grown[i] = fresh ? now->buckets[i] : now->buckets[i] - before->buckets[i];
        out->count += grown[i];
    }
    if (out->count == 0)
        return;
    out->p50 = wst_dist_percentile(grown, 500, 0, UINT64_MAX);
    out->p99 = wst_dist_percentile(grown, 990, 0, UINT64_MAX);
}

/* Rates of one module's entries against the previous frame. */
static void module_rates(const struct frame *prev, const struct wst_module_report *m,
                         double seconds, struct rates *out)
{
    const struct wst_module_report *p = previous_module(prev, m);
    for (size_t c = 0; c < m->count; c++) {
        const struct wst_region_counter *e = &m->counters[c];
        const struct wst_region_counter *before =
            p ? bsearch(e, p->counters, p->count, sizeof *e, by_name) : NULL;
        out->have[c] = 0;
        if (wst_entry_kind_of(e) == WST_ENTRY_DISTRIBUTION)
            interval_dist(before, p ? p->generation : 0, e, m->generation, &out->dist[c]);
        if (before == NULL)
            continue;
        switch (wst_entry_kind_of(e)) {
        case WST_ENTRY_COUNTER:
        case WST_ENTRY_DISTRIBUTION: /* its count: records per second */
            out->rate[c] =
                wst_watch_rate(before->value, p->generation, e->value, m->generation, seconds);
            out->have[c] = 1;
            break;
        case WST_ENTRY_GAUGE: /* a level has no rate */
            break;
        }
    }
}

/* ------------------------------------------------------------ writers */

static void write_text(FILE *out, DWORD pid, const struct wst_module_report *m,
                       const struct rates *r)
{
    char why[WST_DIST_WHY_MAX];
    fputs("  ", out);
    wst_text_string(out, m->module.name);
    fprintf(out, "  mode %s  via %s  generation %" PRIu64 "\n", wst_mode_name(m->info.header.mode),
            m->via, m->generation);
    wst_output_functions_hint(out, pid, m, "    ");
    for (size_t c = 0; c < m->count; c++) {
        const struct wst_region_counter *e = &m->counters[c];
        fputs("    ", out);
        wst_text_string(out, e->name);
        switch (wst_entry_kind_of(e)) {
        case WST_ENTRY_COUNTER:
        case WST_ENTRY_DISTRIBUTION:
            fprintf(out, "  %" PRIu64, e->value);
            if (wst_entry_kind_of(e) == WST_ENTRY_DISTRIBUTION)
                fputs(" recorded", out);
            if (r->have[c])
                fprintf(out, "  %.3f/s", r->rate[c]);
            else
                fputs("  -/s", out);
            if (wst_entry_kind_of(e) == WST_ENTRY_DISTRIBUTION && r->dist[c].count > 0)
                fprintf(out, "  interval p50 %" PRIu64 "  p99 %" PRIu64 "%s", r->dist[c].p50,
                        r->dist[c].p99, e->flags & WST_DIST_UNIT_NS ? " ns" : "");
            if (wst_entry_kind_of(e) == WST_ENTRY_DISTRIBUTION &&
                !wst_dist_check(e->value, e->buckets, why, sizeof why))
                fprintf(out, "  INCONSISTENT: %s", why);
            break;
        case WST_ENTRY_GAUGE:
            fprintf(out, "  %" PRId64 "  (gauge)", (int64_t)e->value);
            break;
        }
        fputc('\n', out);
    }
}

static void write_json_module(FILE *out, const struct wst_module_report *m, const struct rates *r)
{
    char why[WST_DIST_WHY_MAX];
    fputc('{', out);
    wst_json_field(out, "name", m->module.name);
    fprintf(out, ", \"mode\": \"%s\", \"via\": \"%s\", \"generation\": %" PRIu64 ", \"entries\": [",
            wst_mode_name(m->info.header.mode), m->via, m->generation);
    for (size_t c = 0; c < m->count; c++) {
        const struct wst_region_counter *e = &m->counters[c];
        enum wst_entry_kind kind = wst_entry_kind_of(e);
        fputs(c ? ", {" : "{", out);
        wst_json_field(out, "name", e->name);
        fprintf(out, ", \"kind\": \"%s\"", wst_entry_kind_name(kind));
        switch (kind) {
        case WST_ENTRY_COUNTER:
            fprintf(out, ", \"value\": %" PRIu64, e->value);
            break;
        case WST_ENTRY_GAUGE:
            fprintf(out, ", \"value\": %" PRId64, (int64_t)e->value);
            break;
        case WST_ENTRY_DISTRIBUTION:
            fprintf(out, ", \"count\": %" PRIu64 ", \"sum\": %" PRIu64, e->value, e->sum);
            fprintf(out, ", \"unit\": \"%s\", \"interval_count\": %" PRIu64,
                    e->flags & WST_DIST_UNIT_NS ? "ns" : "", r->dist[c].count);
            if (r->dist[c].count > 0)
                fprintf(out, ", \"interval_p50\": %" PRIu64 ", \"interval_p99\": %" PRIu64,
                        r->dist[c].p50, r->dist[c].p99);
            else
                fputs(", \"interval_p50\": null, \"interval_p99\": null", out);
            if (!wst_dist_check(e->value, e->buckets, why, sizeof why))
                fprintf(out, ", \"inconsistent\": \"%s\"", why);
            break;
        }
        /* counters: increase per second; distributions: records per second */
        if (r->have[c])
            fprintf(out, ", \"rate\": %.3f}", r->rate[c]);
        else
            fputs(", \"rate\": null}", out);
    }
    fputs("]}", out);
}

/* One interval in the chosen format. */
static enum wst_status show(FILE *out, const struct wst_options *o, const struct frame *prev,
                            const struct frame *now, int console, struct wst_error *err)
{
    char time[32];
    wst_time_now(time, sizeof time);
    double seconds = now->at - prev->at;
    if (console)
        wst_console_home(out);
    if (o->format == WST_FORMAT_JSON)
        fprintf(out, "{\"time\": \"%s\", \"interval_s\": %.3f, \"pid\": %lu, \"modules\": [", time,
                seconds, (unsigned long)o->pid);
    else if (o->format == WST_FORMAT_TEXT)
        fprintf(out, "%s  pid %lu  interval %.3f s%s\n", time, (unsigned long)o->pid, seconds,
                console ? "  (Ctrl+C quits)" : "");
    for (size_t i = 0; i < now->n; i++) {
        const struct wst_module_report *m = &now->r[i];
        size_t cap = m->count ? m->count : 1;
        struct rates r = {calloc(cap, sizeof *r.rate), calloc(cap, 1), calloc(cap, sizeof *r.dist)};
        if (r.rate == NULL || r.have == NULL || r.dist == NULL) {
            free(r.rate);
            free(r.have);
            free(r.dist);
            return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
        }
        module_rates(prev, m, seconds, &r);
        if (o->format == WST_FORMAT_JSON) {
            fputs(i ? ", " : "", out);
            write_json_module(out, m, &r);
        } else if (o->format == WST_FORMAT_CSV) {
            wst_csv_module_rows(out, time, o->pid, m, r.rate, r.have);
        } else {
            write_text(out, o->pid, m, &r);
        }
        free(r.rate);
        free(r.have);
        free(r.dist);
    }
    if (o->format == WST_FORMAT_JSON)
        fputs("]}\n", out);
    fflush(out);
    return WST_OK;
}

enum wst_status wst_verb_watch(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    if (o->watch_functions)
        return wst_watch_functions(o, out, err);
    struct frame prev = {0}, now = {0};
    int console = o->format == WST_FORMAT_TEXT && wst_console_out();
    double interval = o->interval_s > 0 ? o->interval_s : 1.0;
    wst_interrupt_install();
    double start = seconds_now();
    enum wst_status st = wst_collect_dump(o, &prev.r, &prev.n, err);
    prev.at = seconds_now();
    if (st == WST_OK && o->format == WST_FORMAT_CSV)
        wst_csv_header(out);
    for (unsigned long k = 1; st == WST_OK && (o->count == 0 || k <= o->count); k++) {
        double wait = start + (double)k * interval - seconds_now();
        if (wait > 0 && wst_interrupt_wait((DWORD)(wait * 1000 + 0.5)))
            break;
        if (wst_interrupted())
            break;
        st = wst_collect_dump(o, &now.r, &now.n, err);
        now.at = seconds_now();
        if (st == WST_OK)
            st = show(out, o, &prev, &now, console, err);
        wst_reports_free(prev.r, prev.n);
        prev = now;
        memset(&now, 0, sizeof now);
        if (wst_output_reader_gone(out))
            break; /* `watch PID | head`: the reader has what it wanted */
    }
    wst_reports_free(prev.r, prev.n);
    return st;
}
