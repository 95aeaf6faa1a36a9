/*
 * The metrics endpoint's body: instrumented modules' entries in the
 * OpenMetrics 1.0 text format, or in the Prometheus text format 0.0.4 for a
 * scraper that asks for it. The mapping from winstrument's names to metric
 * names and labels is docs/prometheus.md's; in short, every counter is a
 * sample of the one family `winstrument` (sample `winstrument_total`), and
 * its own name, which may hold any bytes, is the `name` label, mapped so
 * that two different names never give one label value. Function tables
 * add three counter families, labelled by `function` the same way.
 *
 * Platform-free (builds natively and is unit-tested there and under Wine).
 * Writes into a strbuf; no state; safe from any thread.
 */
#ifndef WST_OPENMETRICS_H
#define WST_OPENMETRICS_H

#include <stddef.h>
#include <stdint.h>

#include "region_parse.h"
#include "strbuf.h"

enum wst_metrics_format {
    WST_METRICS_OPENMETRICS, /* application/openmetrics-text 1.0.0, ends with # EOF */
    WST_METRICS_PROMETHEUS,  /* text/plain 0.0.4 */
};

/* The Content-Type header value of each format. */
const char *wst_metrics_content_type(enum wst_metrics_format format);

/* One function of a module's function table (wst-cc --wst-functions). */
struct wst_metrics_function {
    const char *name; /* its symbol, or "module+0x1234" */
    uint64_t calls;
    uint64_t time_ns; /* inclusive; unused unless the module is timed */
    uint64_t self_ns;
};

/* One instrumented module of one process, as the body shows it. */
struct wst_metrics_module {
    uint32_t pid;
    const char *exe;    /* the executable's file name */
    const char *module; /* the module's file name, unique within the process */
    const char *mode;   /* wst_mode_name() */
    const struct wst_region_counter *entries;
    size_t count;
    /* The functions to show (the caller's choice: serve keeps the top N),
     * and whether the table records time; none when function_count is 0. */
    const struct wst_metrics_function *functions;
    size_t function_count;
    int functions_timed;
};

/* The whole body: each family's metadata, then all its samples across the
 * modules (a family is never interleaved with another), then "# EOF" for
 * OpenMetrics. A format error is impossible; memory failure shows in
 * b->failed. */
void wst_metrics_render(struct wst_strbuf *b, enum wst_metrics_format format,
                        const struct wst_metrics_module *modules, size_t count);

/* A label value, quoted: `\`, `"` and newline escaped as both formats
 * require, and any byte that is not part of valid UTF-8 replaced by U+FFFD
 * (label values must be UTF-8). For names the target does not choose
 * freely: paths and file names. */
void wst_metrics_label_value(struct wst_strbuf *b, const char *s);

/* The `name` label of an entry, quoted. The mapping is injective, so two
 * entries never merge: a backslash becomes two, a byte that is not valid
 * UTF-8 becomes `\xNN` (two upper-case hex digits), everything else stays;
 * the result is then escaped like any label value. */
void wst_metrics_name_label(struct wst_strbuf *b, const char *name);

#endif
