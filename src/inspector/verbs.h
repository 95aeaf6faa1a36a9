/*
 * The verbs of wst-inspect, one file each (verb_<name>.c), called by main.c
 * with the parsed options (options.h). Each writes its result to `out` and
 * returns a status that main.c turns into the exit code. Main thread only.
 */
#ifndef WST_INSPECTOR_VERBS_H
#define WST_INSPECTOR_VERBS_H

#include <stdio.h>

#include "error.h"
#include "options.h"

enum wst_status wst_verb_list(const struct wst_options *o, FILE *out, struct wst_error *err);
enum wst_status wst_verb_ps(const struct wst_options *o, FILE *out, struct wst_error *err);
enum wst_status wst_verb_dump(const struct wst_options *o, FILE *out, struct wst_error *err);
enum wst_status wst_verb_watch(const struct wst_options *o, FILE *out, struct wst_error *err);
/* watch --functions (verb_watch_functions.c), which wst_verb_watch hands over to. */
enum wst_status wst_watch_functions(const struct wst_options *o, FILE *out, struct wst_error *err);
enum wst_status wst_verb_reset(const struct wst_options *o, FILE *out, struct wst_error *err);
enum wst_status wst_verb_stats(const struct wst_options *o, FILE *out, struct wst_error *err);
enum wst_status wst_verb_coverage(const struct wst_options *o, FILE *out, struct wst_error *err);
enum wst_status wst_verb_serve(const struct wst_options *o, FILE *out, struct wst_error *err);
enum wst_status wst_verb_functions(const struct wst_options *o, FILE *out, struct wst_error *err);

/* watch: a counter's rate over an interval of `seconds`. A reset between the
 * two samples (the module's generation changed, or the value went down)
 * makes the rate what was counted since the reset, over the whole interval:
 * the reset happened inside it, so this never overstates and is never
 * negative. */
double wst_watch_rate(uint64_t before, uint64_t gen_before, uint64_t now, uint64_t gen_now,
                      double seconds);

#endif
