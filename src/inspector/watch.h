/*
 * `wst-inspect watch PID`: dump's snapshot taken again every interval, with
 * each counter's rate per second over the last interval. On a console the
 * table is redrawn in place (Win32 console API); otherwise one block (text),
 * one JSON object per line (json: JSON Lines) or CSV rows per interval.
 * Ends after --count intervals, at Ctrl+C (exit 0), or with the error of a
 * snapshot that fails (the process exited: no-process or target-gone).
 * Main thread only.
 */
#ifndef WST_INSPECTOR_WATCH_H
#define WST_INSPECTOR_WATCH_H

#include "inspect.h"

enum wst_status wst_verb_watch(const struct wst_options *o, FILE *out, struct wst_error *err);

/* A counter's rate over an interval of `seconds`. A reset between the two
 * samples (the module's generation changed, or the value went down) makes
 * the rate what was counted since the reset, over the whole interval: the
 * reset happened inside it, so this never overstates and is never negative. */
double wst_watch_rate(uint64_t before, uint64_t gen_before, uint64_t now, uint64_t gen_now,
                      double seconds);

#endif
