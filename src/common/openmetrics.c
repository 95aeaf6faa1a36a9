/*
 * See openmetrics.h. Facts from the OpenMetrics 1.0 specification and
 * Prometheus' exposition formats (DESIGN.md, "Formats that other tools
 * read"): a counter family `foo` has the sample `foo_total` in OpenMetrics,
 * while 0.0.4 names the family after the sample itself; metadata comes
 * TYPE then HELP in OpenMetrics; no blank lines; no timestamps; label values
 * escape backslash, double quote and newline.
 *
 * Why one fixed family instead of a metric name per counter: counter names
 * hold dots and any bytes, so any mapping to [a-zA-Z0-9_:] merges some
 * names ("a.b" and "a_b"), and a type's name inside a metric name is what
 * promtool's lint rejects. A label carries any UTF-8, so the name goes
 * there, and an injective mapping keeps every counter apart.
 */
#include "openmetrics.h"

#include "escape.h"

#include <stdio.h>

#include "dist_math.h"
#include "entry_kind.h"

/* One family per kind: name, OpenMetrics type, help. Adding a kind adds a
 * row here and a case in write_sample(). */
static const struct family {
    enum wst_entry_kind kind;
    const char *name;
    const char *type;
    const char *help;
} families[] = {
    {WST_ENTRY_COUNTER, "winstrument", "counter",
     "winstrument counters (WST_COUNT, WST_ADD); the name label is the counter's name"},
    {WST_ENTRY_GAUGE, "winstrument_level", "gauge",
     "winstrument gauges (WST_SET, WST_GAUGE_ADD); the name label is the gauge's name"},
    {WST_ENTRY_DISTRIBUTION, "winstrument_distribution", "histogram",
     "winstrument distributions (WST_TIME_SCOPE in ns, WST_RECORD); the name label is the "
     "distribution's name"},
};

const char *wst_metrics_content_type(enum wst_metrics_format format)
{
    return format == WST_METRICS_PROMETHEUS
               ? "text/plain; version=0.0.4; charset=utf-8"
               : "application/openmetrics-text; version=1.0.0; charset=utf-8";
}

/* Appends one byte of a label value with the formats' escapes. */
static void escaped_byte(struct wst_strbuf *b, unsigned char c)
{
    if (c == '\\')
        wst_strbuf_puts(b, "\\\\");
    else if (c == '"')
        wst_strbuf_puts(b, "\\\"");
    else if (c == '\n')
        wst_strbuf_puts(b, "\\n");
    else
        wst_strbuf_putc(b, (char)c);
}

/* A label value with the formats' escapes. Valid UTF-8 passes as it is.
 * Invalid bytes become U+FFFD, or, for a counter's name (`exact`), `\xNN`
 * with the name's own backslashes doubled first, so that two names never
 * map to one value (docs/prometheus.md). */
static void label(struct wst_strbuf *b, const char *s, int exact)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;
    wst_strbuf_putc(b, '"');
    while (*p != '\0') {
        size_t n = wst_utf8_sequence(p, NULL);
        if (n == 0 && !exact) {
            wst_strbuf_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
            p++;
        } else if (n == 0) {
            /* `\xNN` in the label's value: its backslash escaped once more
             * for the format. */
            char esc[6] = {'\\', '\\', 'x', hex[*p >> 4], hex[*p & 15], 0};
            wst_strbuf_puts(b, esc);
            p++;
        } else if (exact && *p == '\\') {
            wst_strbuf_puts(b, "\\\\\\\\"); /* doubled in the value, then escaped */
            p++;
        } else if (n == 1) {
            escaped_byte(b, *p++);
        } else {
            wst_strbuf_append(b, p, n);
            p += n;
        }
    }
    wst_strbuf_putc(b, '"');
}

void wst_metrics_label_value(struct wst_strbuf *b, const char *s)
{
    label(b, s, 0);
}

void wst_metrics_name_label(struct wst_strbuf *b, const char *name)
{
    label(b, name, 1);
}

static void write_labels_le(struct wst_strbuf *b, const struct wst_metrics_module *m,
                            const struct wst_region_counter *e, const char *le);

static void write_labels(struct wst_strbuf *b, const struct wst_metrics_module *m,
                         const struct wst_region_counter *e)
{
    write_labels_le(b, m, e, NULL);
}

/* The labels, with a histogram bucket's `le` last when le is not NULL. */
static void write_labels_le(struct wst_strbuf *b, const struct wst_metrics_module *m,
                            const struct wst_region_counter *e, const char *le)
{
    wst_strbuf_printf(b, "{pid=\"%lu\",exe=", (unsigned long)m->pid);
    wst_metrics_label_value(b, m->exe);
    wst_strbuf_puts(b, ",module=");
    wst_metrics_label_value(b, m->module);
    wst_strbuf_puts(b, ",mode=");
    wst_metrics_label_value(b, m->mode);
    wst_strbuf_puts(b, ",name=");
    wst_metrics_name_label(b, e->name);
    if (le != NULL)
        wst_strbuf_printf(b, ",le=\"%s\"", le);
    wst_strbuf_putc(b, '}');
}

/* A histogram: cumulative `_bucket` samples at each non-empty bucket's
 * upper bound, `+Inf`, then `_count` (equal to +Inf's) and `_sum`.
 *
 * A distribution whose count its buckets contradict (wst_dist_check: a
 * forged or damaged region, issue 23 F5) has no samples at all. Its
 * cumulative buckets could go down (a sum past 2^64), which promtool accepts
 * and histogram_quantile turns into nonsense; clamping them would invent
 * counts no probe made. An absent series is visibly absent, and `dump` and
 * `watch` say why (OpenMetrics has no comment line to say it here). */
static void write_histogram(struct wst_strbuf *b, const struct family *f,
                            const struct wst_metrics_module *m, const struct wst_region_counter *e)
{
    uint64_t seen = 0;
    char le[24], why[WST_DIST_WHY_MAX];
    if (!wst_dist_check(e->value, e->buckets, why, sizeof why))
        return;
    for (unsigned i = 0; e->buckets != NULL && i < WST_DIST_BUCKETS; i++) {
        if (e->buckets[i] == 0)
            continue;
        seen += e->buckets[i];
        snprintf(le, sizeof le, "%llu", (unsigned long long)wst_dist_bucket_upper(i));
        wst_strbuf_printf(b, "%s_bucket", f->name);
        write_labels_le(b, m, e, le);
        wst_strbuf_putc(b, ' ');
        wst_strbuf_u64(b, seen);
        wst_strbuf_putc(b, '\n');
    }
    if (e->buckets == NULL)
        seen = e->value;
    wst_strbuf_printf(b, "%s_bucket", f->name);
    write_labels_le(b, m, e, "+Inf");
    wst_strbuf_putc(b, ' ');
    wst_strbuf_u64(b, seen);
    wst_strbuf_printf(b, "\n%s_count", f->name);
    write_labels(b, m, e);
    wst_strbuf_putc(b, ' ');
    wst_strbuf_u64(b, seen);
    wst_strbuf_printf(b, "\n%s_sum", f->name);
    write_labels(b, m, e);
    wst_strbuf_putc(b, ' ');
    wst_strbuf_u64(b, e->sum);
    wst_strbuf_putc(b, '\n');
}

static void write_sample(struct wst_strbuf *b, const struct family *f,
                         const struct wst_metrics_module *m, const struct wst_region_counter *e)
{
    switch (f->kind) {
    case WST_ENTRY_COUNTER:
        wst_strbuf_puts(b, f->name);
        wst_strbuf_puts(b, "_total");
        write_labels(b, m, e);
        wst_strbuf_putc(b, ' ');
        wst_strbuf_u64(b, e->value);
        wst_strbuf_putc(b, '\n');
        break;
    case WST_ENTRY_GAUGE:
        wst_strbuf_puts(b, f->name);
        write_labels(b, m, e);
        wst_strbuf_printf(b, " %lld\n", (long long)(int64_t)e->value);
        break;
    case WST_ENTRY_DISTRIBUTION:
        write_histogram(b, f, m, e);
        break;
    }
}

/* TYPE and HELP. 0.0.4 names a counter family after its sample. */
static void write_metadata(struct wst_strbuf *b, enum wst_metrics_format format,
                           const struct family *f)
{
    const char *suffix = "";
    if (format == WST_METRICS_PROMETHEUS && f->kind == WST_ENTRY_COUNTER)
        suffix = "_total";
    if (format == WST_METRICS_OPENMETRICS) {
        wst_strbuf_printf(b, "# TYPE %s %s\n", f->name, f->type);
        wst_strbuf_printf(b, "# HELP %s %s\n", f->name, f->help);
    } else {
        wst_strbuf_printf(b, "# HELP %s%s %s\n", f->name, suffix, f->help);
        wst_strbuf_printf(b, "# TYPE %s%s %s\n", f->name, suffix, f->type);
    }
}

static int family_has_samples(const struct family *f, const struct wst_metrics_module *modules,
                              size_t count)
{
    for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; k < modules[i].count; k++) {
            if (wst_entry_kind_of(&modules[i].entries[k]) == f->kind)
                return 1;
        }
    }
    return 0;
}

/* ---- function tables ------------------------------------------------------ */

/* The function families, all counters, in the order function_sample's
 * `which` counts them: calls, inclusive seconds, self seconds. A calls-only
 * table has only the first. */
static const struct function_family {
    const char *name;
    const char *help;
    int timed_only;
} function_families[] = {
    {"winstrument_function_calls",
     "calls of functions of modules built with wst-cc --wst-functions; top N per module "
     "(serve --functions-top)",
     0},
    {"winstrument_function_seconds",
     "inclusive wall-clock seconds of those functions (timed tables only)", 1},
    {"winstrument_function_self_seconds",
     "self wall-clock seconds of those functions: inclusive minus instrumented callees", 1},
};

static void function_metadata(struct wst_strbuf *b, enum wst_metrics_format format,
                              const struct function_family *f)
{
    if (format == WST_METRICS_OPENMETRICS) {
        wst_strbuf_printf(b, "# TYPE %s counter\n# HELP %s %s\n", f->name, f->name, f->help);
    } else {
        wst_strbuf_printf(b, "# HELP %s_total %s\n# TYPE %s_total counter\n", f->name, f->help,
                          f->name);
    }
}

/* ns as seconds, exactly: "12.000345678". */
static void seconds(struct wst_strbuf *b, uint64_t ns)
{
    wst_strbuf_printf(b, "%llu.%09llu", (unsigned long long)(ns / 1000000000u),
                      (unsigned long long)(ns % 1000000000u));
}

static void function_sample(struct wst_strbuf *b, const struct function_family *f, size_t which,
                            const struct wst_metrics_module *m, const struct wst_metrics_function *fn)
{
    wst_strbuf_printf(b, "%s_total{pid=\"%lu\",exe=", f->name, (unsigned long)m->pid);
    wst_metrics_label_value(b, m->exe);
    wst_strbuf_puts(b, ",module=");
    wst_metrics_label_value(b, m->module);
    wst_strbuf_puts(b, ",mode=");
    wst_metrics_label_value(b, m->mode);
    wst_strbuf_puts(b, ",function=");
    wst_metrics_name_label(b, fn->name);
    wst_strbuf_puts(b, "} ");
    if (which == 0)
        wst_strbuf_u64(b, fn->calls);
    else
        seconds(b, which == 1 ? fn->time_ns : fn->self_ns);
    wst_strbuf_putc(b, '\n');
}

static void render_functions(struct wst_strbuf *b, enum wst_metrics_format format,
                             const struct wst_metrics_module *modules, size_t count)
{
    for (size_t f = 0; f < sizeof function_families / sizeof function_families[0]; f++) {
        const struct function_family *ff = &function_families[f];
        int any = 0;
        for (size_t i = 0; i < count && !any; i++)
            any = modules[i].function_count > 0 && (!ff->timed_only || modules[i].functions_timed);
        if (!any)
            continue;
        function_metadata(b, format, ff);
        for (size_t i = 0; i < count; i++) {
            if (ff->timed_only && !modules[i].functions_timed)
                continue;
            for (size_t k = 0; k < modules[i].function_count; k++)
                function_sample(b, ff, f, &modules[i], &modules[i].functions[k]);
        }
    }
}

void wst_metrics_render(struct wst_strbuf *b, enum wst_metrics_format format,
                        const struct wst_metrics_module *modules, size_t count)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        if (!family_has_samples(&families[f], modules, count))
            continue;
        write_metadata(b, format, &families[f]);
        for (size_t i = 0; i < count; i++) {
            for (size_t k = 0; k < modules[i].count; k++) {
                if (wst_entry_kind_of(&modules[i].entries[k]) == families[f].kind)
                    write_sample(b, &families[f], &modules[i], &modules[i].entries[k]);
            }
        }
    }
    render_functions(b, format, modules, count);
    if (format == WST_METRICS_OPENMETRICS)
        wst_strbuf_puts(b, "# EOF\n");
}
