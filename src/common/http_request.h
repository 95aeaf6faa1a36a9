/*
 * A bounded parser for the HTTP/1.x requests that the metrics endpoint
 * (src/inspector/verb_serve.c) accepts: the request line and the headers, never a
 * body. Platform-free (no windows.h) so it builds natively and is fuzzed
 * (fuzz/fuzz_http_request.c).
 *
 * It is fed the bytes received so far and answers "incomplete", "done",
 * "bad" (400) or "too large" (413). Nothing it reads is trusted: the whole
 * head must fit in WST_HTTP_REQUEST_MAX bytes, at most WST_HTTP_MAX_HEADERS
 * header lines, and a request that is already malformed is rejected before
 * its end arrives. No state, no allocation; safe from any thread.
 */
#ifndef WST_HTTP_REQUEST_H
#define WST_HTTP_REQUEST_H

#include <stddef.h>

#define WST_HTTP_REQUEST_MAX 8192
#define WST_HTTP_MAX_HEADERS 64

enum wst_http_result {
    WST_HTTP_INCOMPLETE, /* no end of headers yet; read more */
    WST_HTTP_DONE,       /* *req is filled */
    WST_HTTP_BAD,        /* malformed: answer 400 */
    WST_HTTP_TOO_LARGE,  /* over the bounds: answer 413 */
};

struct wst_http_request {
    char method[16];  /* as sent, e.g. "GET" */
    char path[256];   /* the target's path without the query, e.g. "/metrics" */
    int path_too_long; /* the path did not fit: it is not one we serve */
    int minor;         /* HTTP/1.<minor>: 0 or 1 */
    int has_host;
    int has_body;      /* Content-Length > 0 or Transfer-Encoding: we never read one */
    /* The best q (0..1000) that Accept gave each kind of media range; -1 when
     * none named it. */
    int q_openmetrics; /* application/openmetrics-text */
    int q_text;        /* text/plain */
    int q_wildcard;    /* *\/\* and application/\* */
    size_t head_size;  /* bytes of request line and headers, blank line included */
};

/* Parses buf[0 .. len). WST_HTTP_DONE only once the blank line that ends the
 * headers has arrived. */
enum wst_http_result wst_http_parse(const char *buf, size_t len, struct wst_http_request *req);

/* Whether the request's Accept prefers the Prometheus text format 0.0.4 over
 * OpenMetrics. Without Accept, or when it names neither, OpenMetrics wins. */
int wst_http_wants_prometheus_text(const struct wst_http_request *req);

/* The reason phrase of a status code this server sends. */
const char *wst_http_reason(int status);

#endif
