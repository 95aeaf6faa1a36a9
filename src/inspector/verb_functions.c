/*
 * `wst-inspect functions PID [--module M] [--sort calls|time|self] [--top N]
 * [--all] [--json] [--symbols FILE]`, or `functions --from FILE...` (saved
 * files, functions_saved.c): the per-function view that functions.c reads,
 * sorted, cut to the top N per module, and printed as text or JSON (schema
 * in docs/inspector.md). Main thread only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "demangle.h"
#include "functions.h"
#include "verbs.h"
#include "winstrument/region.h"
#include "write_report.h"

/* The key of the sort in progress: qsort passes its comparator no context. */
static int sort_key;

static uint64_t key_of(const struct wst_function *f)
{
    if (sort_key == WST_SORT_TIME)
        return f->time_ns;
    if (sort_key == WST_SORT_SELF)
        return f->self_ns;
    return f->calls;
}

/* Largest first; ties by offset, so that the order never depends on qsort. */
static int by_key(const void *a, const void *b)
{
    const struct wst_function *x = a, *y = b;
    uint64_t kx = key_of(x), ky = key_of(y);
    if (kx != ky)
        return kx > ky ? -1 : 1;
    return x->rva < y->rva ? -1 : x->rva > y->rva;
}

static const char *symbols_name(int state)
{
    if (state == WST_FN_SYMBOLS_COFF)
        return "coff";
    if (state == WST_FN_SYMBOLS_EXPORTS)
        return "exports";
    return "none";
}

static size_t shown(const struct wst_options *o, const struct wst_function_module *m)
{
    return o->top != 0 && o->top < m->count ? (size_t)o->top : m->count;
}

static void json_module(FILE *out, const struct wst_options *o, const struct wst_function_module *m)
{
    fputc('{', out);
    wst_json_field(out, "name", m->name);
    fputs(", ", out);
    wst_json_field(out, "path", m->path);
    fprintf(out, ", \"base\": \"0x%" PRIx64 "\", \"bits\": %u", m->base, m->bits);
    if (m->error.status != WST_OK) {
        fprintf(out, ", \"error\": {\"status\": \"%s\", \"exit\": %d, \"message\": ",
                wst_status_name(m->error.status), wst_status_exit_code(m->error.status));
        wst_json_string(out, m->error.detail);
        fputs("}}", out);
        return;
    }
    fprintf(out, ", \"timed\": %s, \"symbols\": \"%s\", ", m->timed ? "true" : "false",
            symbols_name(m->symbols_state));
    wst_json_field(out, "image", m->image_path);
    fprintf(out,
            ", \"capacity\": %" PRIu32 ", \"used\": %" PRIu32 ", \"overflow_calls\": %" PRIu64
            ", \"unwound_frames\": %" PRIu64 ", \"untimed_calls\": %" PRIu64
            ", \"unmatched_exits\": %" PRIu64 ", \"threads\": %" PRIu64
            ", \"threads_live\": %" PRIu64 ", \"functions\": [",
            m->capacity, m->used, m->overflow_calls, m->unwound_frames, m->untimed_calls,
            m->unmatched_exits, m->threads, m->threads_live);
    for (size_t i = 0; i < shown(o, m); i++) {
        const struct wst_function *f = &m->functions[i];
        char demangled[1024];
        fputs(i ? ", {" : "{", out);
        wst_json_field(out, "name", f->name);
        if (wst_demangle(f->name, demangled, sizeof demangled)) {
            fputs(", ", out);
            wst_json_field(out, "demangled", demangled);
        }
        fprintf(out,
                ", \"offset\": \"0x%" PRIx32 "\", \"size\": %" PRIu32 ", \"named\": %s"
                ", \"calls\": %" PRIu64 ", \"time_ns\": %" PRIu64 ", \"self_ns\": %" PRIu64 "}",
                f->rva, f->size, f->named ? "true" : "false", f->calls, f->time_ns, f->self_ns);
    }
    fputs("]}", out);
}

/* "12.3%" of total, or "-" when the total is 0. */
static void percent(uint64_t part, uint64_t total, char *buf, size_t size)
{
    if (total == 0)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.1f%%", 100.0 * (double)part / (double)total);
}

/* What the timed hooks' numbers are: wall-clock time between a function's
 * entry and its return on its thread, read from the module's clock (the
 * region header's clock_source; the hooks and the time scopes share it). */
static const char *clock_label(uint16_t source)
{
    switch (source) {
    case WST_CLOCK_TSC:
        return "wall-clock ns (TSC) from entry to return, waits and time off the CPU included";
    case WST_CLOCK_QPC:
    case WST_CLOCK_CALIBRATING:
        return "wall-clock ns (QueryPerformanceCounter) from entry to return, waits and time "
               "off the CPU included";
    default:
        return "wall-clock ns from entry to return, waits and time off the CPU included";
    }
}

static void text_module(FILE *out, const struct wst_options *o, const struct wst_function_module *m)
{
    fputs("  ", out);
    wst_text_string(out, m->name);
    if (m->error.status != WST_OK) {
        fprintf(out, "  FAILED (%s): ", wst_status_name(m->error.status));
        wst_text_string(out, m->error.detail);
        fputc('\n', out);
        return;
    }
    fprintf(out, "  %s  names: %s  functions %" PRIu32 " of %" PRIu32 "\n",
            m->timed ? "calls and time" : "calls only", symbols_name(m->symbols_state), m->used,
            m->capacity);
    if (m->overflow_calls != 0)
        fprintf(out, "    OVERFLOW: %" PRIu64 " calls of functions the table had no room for\n",
                m->overflow_calls);
    if (m->unwound_frames || m->untimed_calls || m->unmatched_exits)
        fprintf(out,
                "    shadow stack: %" PRIu64 " frames unwound without exit, %" PRIu64
                " calls untimed, %" PRIu64 " unmatched exits\n",
                m->unwound_frames, m->untimed_calls, m->unmatched_exits);
    if (m->timed)
        fprintf(out, "    time: %s\n", clock_label(m->clock_source));
    /* Shares of the module's whole table, not of the rows --top keeps. */
    uint64_t total = 0;
    for (size_t i = 0; i < m->count; i++)
        total += m->timed ? m->functions[i].self_ns : m->functions[i].calls;
    if (m->timed)
        fprintf(out, "    %12s %14s %14s %6s %12s  %-10s %s\n", "calls", "time_ns", "self_ns",
                "self%", "ns/call", "offset", "function");
    else
        fprintf(out, "    %12s %6s  %-10s %s\n", "calls", "calls%", "offset", "function");
    for (size_t i = 0; i < shown(o, m); i++) {
        const struct wst_function *f = &m->functions[i];
        char demangled[1024], share[16], mean[24];
        percent(m->timed ? f->self_ns : f->calls, total, share, sizeof share);
        if (m->timed) {
            if (f->calls != 0)
                snprintf(mean, sizeof mean, "%" PRIu64, f->time_ns / f->calls);
            else
                snprintf(mean, sizeof mean, "-"); /* open across a reset: time, no call */
            fprintf(out, "    %12" PRIu64 " %14" PRIu64 " %14" PRIu64 " %6s %12s  0x%-8" PRIx32 " ",
                    f->calls, f->time_ns, f->self_ns, share, mean, f->rva);
        } else {
            fprintf(out, "    %12" PRIu64 " %6s  0x%-8" PRIx32 " ", f->calls, share, f->rva);
        }
        wst_text_string(out, wst_demangle(f->name, demangled, sizeof demangled) ? demangled
                                                                                 : f->name);
        fputc('\n', out);
    }
}

/* --sort time or self asks every module for a time: a calls-only module has
 * none (its time columns are zeros, and sorting them would sort by offset),
 * so it fails in its place with not-timed, and the verb's status is
 * recomputed over the modules as wst_functions_read computes it. */
static enum wst_status refuse_untimed(const struct wst_options *o, struct wst_functions_result *r,
                                      enum wst_status st, struct wst_error *err)
{
    if (o->sort != WST_SORT_TIME && o->sort != WST_SORT_SELF)
        return st;
    size_t failed = 0;
    for (size_t i = 0; i < r->count; i++) {
        struct wst_function_module *m = &r->modules[i];
        if (m->error.status == WST_OK && !m->timed)
            wst_error_set(&m->error, WST_E_NOT_TIMED, 0,
                          "pid %lu, module %s: built with wst-cc --wst-functions=calls, it "
                          "records no time to sort by %s (--sort calls, or rebuild with "
                          "--wst-functions)",
                          (unsigned long)o->pid, m->name,
                          o->sort == WST_SORT_TIME ? "time" : "self");
        failed += m->error.status != WST_OK;
    }
    if (failed == 0)
        return st;
    if (failed == r->count) {
        *err = r->modules[0].error;
        for (size_t i = 0; i < r->count; i++) {
            if (r->modules[i].error.status == WST_E_NOT_TIMED) {
                *err = r->modules[i].error; /* the refusal, rather than another failure */
                break;
            }
        }
        return err->status;
    }
    *err = (struct wst_error){0};
    return wst_error_set(err, WST_E_PARTIAL, 0, "%zu of %zu modules failed", failed, r->count);
}

enum wst_status wst_verb_functions(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    struct wst_functions_query q = {.module = o->module, .symbols = o->symbols,
                                    .include_uncalled = o->all_functions};
    struct wst_functions_result r;
    enum wst_status st = o->from_count > 0 ? wst_functions_read_saved(o, &q, &r, err)
                                           : wst_functions_read((uint32_t)o->pid, &q, &r, err);
    if (st != WST_OK && st != WST_E_PARTIAL) {
        wst_functions_free(&r);
        return st;
    }
    st = refuse_untimed(o, &r, st, err);
    if (st != WST_OK && st != WST_E_PARTIAL) {
        wst_functions_free(&r);
        return st;
    }
    sort_key = o->sort;
    for (size_t i = 0; i < r.count; i++) {
        if (r.modules[i].count > 1)
            qsort(r.modules[i].functions, r.modules[i].count, sizeof *r.modules[i].functions,
                  by_key);
    }
    if (o->json) {
        fprintf(out, "{\"pid\": %lu, \"modules\": [", (unsigned long)o->pid);
        for (size_t i = 0; i < r.count; i++) {
            fputs(i ? ", " : "", out);
            json_module(out, o, &r.modules[i]);
        }
        fputs("]}\n", out);
    } else {
        fprintf(out, "pid %lu\n", (unsigned long)o->pid);
        for (size_t i = 0; i < r.count; i++)
            text_module(out, o, &r.modules[i]);
    }
    wst_functions_free(&r);
    return st;
}
