/*
 * `wst-inspect watch PID --functions`: a live top of the functions of the
 * modules built with `wst-cc --wst-functions`, as `perf top` is of a
 * system's: each interval, every table read again (functions.c), each
 * function's calls per second and self time per second over the interval,
 * and the --top N (default 20) of each module by calls per second. Text
 * (redrawn in place on a console) or JSON Lines. Main thread only.
 *
 * Rates come from two reads of the same load of a module (same base, same
 * name); a function whose calls went down was reset (`wst-inspect reset`)
 * and its rate is its count since, as watch does for counters. The first
 * read is a baseline and is not shown.
 */
#include "verbs.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "demangle.h"
#include "functions.h"
#include "interrupt.h"
#include "output_state.h"
#include "write_csv.h"
#include "write_report.h"

#define DEFAULT_TOP 20u

/* One function's rates over the interval. */
struct fn_rate {
    const struct wst_function *f;
    double calls_per_s;
    double self_ns_per_s; /* timed tables only */
};

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

static const struct wst_function_module *previous(const struct wst_functions_result *prev,
                                                  const struct wst_function_module *m)
{
    for (size_t i = 0; i < prev->count; i++) {
        if (prev->modules[i].base == m->base && strcmp(prev->modules[i].name, m->name) == 0 &&
            prev->modules[i].error.status == WST_OK)
            return &prev->modules[i];
    }
    return NULL;
}

static double rate(uint64_t before, uint64_t now, double seconds)
{
    return (double)(now >= before ? now - before : now) / seconds;
}

static int by_rate(const void *a, const void *b)
{
    const struct fn_rate *x = a, *y = b;
    if (x->calls_per_s != y->calls_per_s)
        return x->calls_per_s > y->calls_per_s ? -1 : 1;
    if (x->self_ns_per_s != y->self_ns_per_s)
        return x->self_ns_per_s > y->self_ns_per_s ? -1 : 1;
    return x->f->rva < y->f->rva ? -1 : x->f->rva > y->f->rva;
}

/* Every function of m with its rates against p (both sorted by rva), the
 * fastest first; NULL on no memory. A function new since p counts whole. */
static struct fn_rate *module_rates(const struct wst_function_module *p,
                                    const struct wst_function_module *m, double seconds)
{
    struct fn_rate *r = calloc(m->count ? m->count : 1, sizeof *r);
    if (r == NULL)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < m->count; i++) {
        const struct wst_function *f = &m->functions[i];
        while (p != NULL && j < p->count && p->functions[j].rva < f->rva)
            j++;
        const struct wst_function *b =
            p != NULL && j < p->count && p->functions[j].rva == f->rva ? &p->functions[j] : NULL;
        r[i].f = f;
        r[i].calls_per_s = rate(b ? b->calls : 0, f->calls, seconds);
        r[i].self_ns_per_s = rate(b ? b->self_ns : 0, f->self_ns, seconds);
    }
    qsort(r, m->count, sizeof *r, by_rate);
    return r;
}

static void write_function_text(FILE *out, const struct wst_function_module *m,
                                const struct fn_rate *r)
{
    char demangled[1024];
    if (m->timed)
        fprintf(out, "    %12.1f %10.3f %12" PRIu64 "  ", r->calls_per_s,
                r->self_ns_per_s / 1e6, r->f->calls);
    else
        fprintf(out, "    %12.1f %12" PRIu64 "  ", r->calls_per_s, r->f->calls);
    wst_text_string(out, wst_demangle(r->f->name, demangled, sizeof demangled) ? demangled
                                                                                : r->f->name);
    fputc('\n', out);
}

static void write_function_json(FILE *out, const struct wst_function_module *m,
                                const struct fn_rate *r, int first)
{
    fputs(first ? "{" : ", {", out);
    wst_json_field(out, "name", r->f->name);
    fprintf(out, ", \"offset\": \"0x%" PRIx32 "\", \"calls\": %" PRIu64 ", \"calls_per_s\": %.3f",
            r->f->rva, r->f->calls, r->calls_per_s);
    if (m->timed)
        fprintf(out, ", \"self_ns_per_s\": %.0f", r->self_ns_per_s);
    fputc('}', out);
}

static enum wst_status show_module(FILE *out, const struct wst_options *o,
                                   const struct wst_functions_result *prev,
                                   const struct wst_function_module *m, double seconds, int first)
{
    if (o->json) {
        fputs(first ? "{" : ", {", out);
        wst_json_field(out, "name", m->name);
    } else {
        fputs("  ", out);
        wst_text_string(out, m->name);
    }
    if (m->error.status != WST_OK) {
        if (o->json) {
            fprintf(out, ", \"error\": {\"status\": \"%s\", \"exit\": %d, \"message\": ",
                    wst_status_name(m->error.status), wst_status_exit_code(m->error.status));
            wst_json_string(out, m->error.detail);
            fputs("}}", out);
        } else {
            fputs("  FAILED: ", out);
            wst_text_string(out, m->error.detail);
            fputc('\n', out);
        }
        return WST_OK;
    }
    struct fn_rate *r = module_rates(previous(prev, m), m, seconds);
    if (r == NULL)
        return WST_E_INTERNAL;
    size_t top = o->top ? o->top : DEFAULT_TOP;
    size_t n = m->count < top ? m->count : top;
    if (o->json) {
        fprintf(out, ", \"timed\": %s, \"functions\": [", m->timed ? "true" : "false");
        for (size_t i = 0; i < n; i++)
            write_function_json(out, m, &r[i], i == 0);
        fputs("]}", out);
    } else {
        fprintf(out, "  %s\n", m->timed ? "calls and time" : "calls only");
        if (m->timed)
            fprintf(out, "    %12s %10s %12s  %s\n", "calls/s", "self ms/s", "calls", "function");
        else
            fprintf(out, "    %12s %12s  %s\n", "calls/s", "calls", "function");
        for (size_t i = 0; i < n; i++)
            write_function_text(out, m, &r[i]);
    }
    free(r);
    return WST_OK;
}

static enum wst_status show(FILE *out, const struct wst_options *o,
                            const struct wst_functions_result *prev,
                            const struct wst_functions_result *now, double seconds, int console,
                            struct wst_error *err)
{
    char time[32];
    wst_time_now(time, sizeof time);
    if (console)
        wst_console_home(out);
    if (o->json)
        fprintf(out, "{\"time\": \"%s\", \"interval_s\": %.3f, \"pid\": %lu, \"modules\": [", time,
                seconds, (unsigned long)o->pid);
    else
        fprintf(out, "%s  pid %lu  interval %.3f s  functions by calls/s%s\n", time,
                (unsigned long)o->pid, seconds, console ? "  (Ctrl+C quits)" : "");
    for (size_t i = 0; i < now->count; i++) {
        if (show_module(out, o, prev, &now->modules[i], seconds, i == 0) != WST_OK)
            return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
    }
    if (o->json)
        fputs("]}\n", out);
    fflush(out);
    return WST_OK;
}

static enum wst_status read_tables(const struct wst_options *o, struct wst_functions_result *r,
                                   double *at, struct wst_error *err)
{
    struct wst_functions_query q = {.module = o->module};
    enum wst_status st = wst_functions_read((uint32_t)o->pid, &q, r, err);
    *at = seconds_now();
    if (st == WST_E_PARTIAL) {
        *err = (struct wst_error){0}; /* each failure shows in its module's place */
        st = WST_OK;
    }
    return st;
}

enum wst_status wst_watch_functions(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    if (o->format == WST_FORMAT_CSV)
        return wst_error_set(err, WST_E_USAGE, 0, "watch --functions writes text or json");
    struct wst_functions_result prev = {0}, now = {0};
    double prev_at, now_at, interval = o->interval_s > 0 ? o->interval_s : 1.0;
    int console = !o->json && wst_console_out();
    wst_interrupt_install();
    double start = seconds_now();
    enum wst_status st = read_tables(o, &prev, &prev_at, err);
    for (unsigned long k = 1; st == WST_OK && (o->count == 0 || k <= o->count); k++) {
        double wait = start + (double)k * interval - seconds_now();
        if (wait > 0 && wst_interrupt_wait((DWORD)(wait * 1000 + 0.5)))
            break;
        if (wst_interrupted())
            break;
        st = read_tables(o, &now, &now_at, err);
        if (st == WST_OK)
            st = show(out, o, &prev, &now, now_at - prev_at, console, err);
        wst_functions_free(&prev);
        prev = now;
        prev_at = now_at;
        memset(&now, 0, sizeof now);
        if (wst_output_reader_gone(out))
            break;
    }
    wst_functions_free(&prev);
    return st;
}
