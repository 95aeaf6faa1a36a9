/*
 * `wst-inspect serve`: an HTTP endpoint, GET /metrics, that shows every
 * instrumented process the user can read in the OpenMetrics text format (or
 * Prometheus 0.0.4 when the scraper's Accept asks). One thread, non-blocking
 * Winsock sockets and select(): a slow or silent client holds one slot, up
 * to its deadline, and never the loop. docs/prometheus.md is the user's
 * side. Main thread only; Ctrl+C (the console handler) ends it with 0.
 */
#ifndef WST_INSPECTOR_SERVE_H
#define WST_INSPECTOR_SERVE_H

#include "inspect.h"

#define WST_SERVE_DEFAULT_LISTEN "127.0.0.1:9464"
#define WST_SERVE_DEFAULT_CONNECTIONS 64
#define WST_SERVE_MAX_CONNECTIONS 200

enum wst_status wst_verb_serve(const struct wst_options *o, FILE *out, struct wst_error *err);

#endif
