/*
 * Unit tests of src/common/http_request.c: complete, incomplete, malformed
 * and oversized request heads as a table; the bounds (head size, header
 * count) at their edges; Accept negotiation between OpenMetrics and the
 * Prometheus text format. Single-threaded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_request.h"

static const struct parse_case {
    const char *what;
    const char *text;
    enum wst_http_result result;
    const char *method, *path;
} cases[] = {
    {"prometheus' scrape", "GET /metrics HTTP/1.1\r\nHost: h:9464\r\nAccept: */*\r\n\r\n",
     WST_HTTP_DONE, "GET", "/metrics"},
    {"bare LF", "GET /metrics HTTP/1.1\nHost: h\n\n", WST_HTTP_DONE, "GET", "/metrics"},
    {"HTTP/1.0 without Host", "GET /metrics HTTP/1.0\r\n\r\n", WST_HTTP_DONE, "GET", "/metrics"},
    {"query dropped", "HEAD /metrics?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", WST_HTTP_DONE, "HEAD",
     "/metrics"},
    {"absolute form", "GET http://h:1/metrics HTTP/1.1\r\nHost: h\r\n\r\n", WST_HTTP_DONE, "GET",
     "/metrics"},
    {"other method parses", "POST / HTTP/1.1\r\nHost: h\r\n\r\n", WST_HTTP_DONE, "POST", "/"},
    {"empty", "", WST_HTTP_INCOMPLETE, NULL, NULL},
    {"half a line", "GET /met", WST_HTTP_INCOMPLETE, NULL, NULL},
    {"no blank line yet", "GET /metrics HTTP/1.1\r\nHost: h\r\n", WST_HTTP_INCOMPLETE, NULL,
     NULL},
    {"binary at once", "\x16\x03\x01\x02", WST_HTTP_BAD, NULL, NULL},
    {"TLS hello", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", WST_HTTP_BAD, NULL, NULL},
    {"no version", "GET /metrics\r\n\r\n", WST_HTTP_BAD, NULL, NULL},
    {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", WST_HTTP_BAD, NULL, NULL},
    {"HTTP/1.1 without Host", "GET /metrics HTTP/1.1\r\n\r\n", WST_HTTP_BAD, NULL, NULL},
    {"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", WST_HTTP_BAD, NULL, NULL},
    {"space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", WST_HTTP_BAD, NULL, NULL},
    {"folded header", "GET / HTTP/1.1\r\nHost: h\r\n x\r\n\r\n", WST_HTTP_BAD, NULL, NULL},
    {"control byte", "GET / HTTP/1.1\r\nHost: h\x01\r\n\r\n", WST_HTTP_BAD, NULL, NULL},
    {"target not a path", "GET metrics HTTP/1.1\r\nHost: h\r\n\r\n", WST_HTTP_BAD, NULL, NULL},
    {"two spaces", "GET  /metrics HTTP/1.1\r\nHost: h\r\n\r\n", WST_HTTP_BAD, NULL, NULL},
    {"bad content-length", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
     WST_HTTP_BAD, NULL, NULL},
    {"long method", "ABCDEFGHIJKLMNOPQRST / HTTP/1.1\r\n", WST_HTTP_BAD, NULL, NULL},
};

static void table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct wst_http_request req;
        enum wst_http_result r = wst_http_parse(cases[i].text, strlen(cases[i].text), &req);
        if (r != cases[i].result)
            fail_msg("%s: result %d, expected %d", cases[i].what, r, cases[i].result);
        if (cases[i].method != NULL) {
            assert_string_equal(req.method, cases[i].method);
            assert_string_equal(req.path, cases[i].path);
        }
    }
}

static void body_flagged(void **state)
{
    (void)state;
    struct wst_http_request req;
    const char *with = "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n";
    const char *zero = "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n";
    const char *chunked = "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_int_equal(wst_http_parse(with, strlen(with), &req), WST_HTTP_DONE);
    assert_true(req.has_body);
    assert_int_equal(wst_http_parse(zero, strlen(zero), &req), WST_HTTP_DONE);
    assert_false(req.has_body);
    assert_int_equal(wst_http_parse(chunked, strlen(chunked), &req), WST_HTTP_DONE);
    assert_true(req.has_body);
}

/* A head of exactly the limit is parsed; one byte short of its end at the
 * limit is too large; the parser never reads past the limit. */
static void size_bounds(void **state)
{
    (void)state;
    size_t max = WST_HTTP_REQUEST_MAX;
    char *buf = malloc(max + 64);
    assert_non_null(buf);
    const char *start = "GET /metrics HTTP/1.1\r\nHost: h\r\nX: ";
    size_t fill = max - strlen(start) - 4;
    memcpy(buf, start, strlen(start));
    memset(buf + strlen(start), 'a', fill);
    memcpy(buf + strlen(start) + fill, "\r\n\r\n", 4);
    struct wst_http_request req;
    assert_int_equal(wst_http_parse(buf, max, &req), WST_HTTP_DONE);
    assert_int_equal(req.head_size, max);
    buf[max - 1] = 'a'; /* the blank line's last LF is gone */
    memset(buf + max, 'a', 64);
    assert_int_equal(wst_http_parse(buf, max, &req), WST_HTTP_TOO_LARGE);
    assert_int_equal(wst_http_parse(buf, max + 64, &req), WST_HTTP_TOO_LARGE);
    assert_int_equal(wst_http_parse(buf, max - 1, &req), WST_HTTP_INCOMPLETE);
    /* A request line that never ends. */
    memcpy(buf, "GET /", 5);
    memset(buf + 5, 'a', max - 5);
    assert_int_equal(wst_http_parse(buf, max, &req), WST_HTTP_TOO_LARGE);
    free(buf);
}

static void header_count_bound(void **state)
{
    (void)state;
    char buf[WST_HTTP_REQUEST_MAX];
    size_t n = (size_t)snprintf(buf, sizeof buf, "GET / HTTP/1.0\r\n");
    for (int i = 0; i < WST_HTTP_MAX_HEADERS; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "X%d: y\r\n", i);
    memcpy(buf + n, "\r\n", 2);
    struct wst_http_request req;
    assert_int_equal(wst_http_parse(buf, n + 2, &req), WST_HTTP_DONE);
    n += (size_t)snprintf(buf + n, sizeof buf - n, "One: more\r\n\r\n");
    assert_int_equal(wst_http_parse(buf, n, &req), WST_HTTP_TOO_LARGE);
}

static const struct accept_case {
    const char *accept; /* NULL: no Accept header */
    int prometheus_text;
} accepts[] = {
    {NULL, 0},
    {"*/*", 0},
    /* Prometheus 2.x's default. */
    {"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
     "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
     0},
    /* Prometheus with OpenMetrics negotiation off. */
    {"text/plain;version=0.0.4;q=1,*/*;q=0.1", 1},
    {"text/plain", 1},
    {"TEXT/PLAIN; version=0.0.4", 1},
    {"application/openmetrics-text; version=1.0.0", 0},
    {"text/plain;q=0.5, application/openmetrics-text;q=0.6", 0},
    {"text/plain;q=0.7, application/openmetrics-text;q=0.6", 1},
    {"text/plain;q=0, */*", 0},
    {"text/plain;q=2", 0},
    {"text/plain;q=0.5x", 0},
    {"application/json", 0},
};

static void negotiation(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof accepts / sizeof accepts[0]; i++) {
        char buf[512];
        struct wst_http_request req;
        int n = accepts[i].accept
                    ? snprintf(buf, sizeof buf, "GET /metrics HTTP/1.1\r\nHost: h\r\nAccept: %s\r\n\r\n",
                               accepts[i].accept)
                    : snprintf(buf, sizeof buf, "GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_int_equal(wst_http_parse(buf, (size_t)n, &req), WST_HTTP_DONE);
        if (wst_http_wants_prometheus_text(&req) != accepts[i].prometheus_text)
            fail_msg("Accept: %s: expected %s", accepts[i].accept ? accepts[i].accept : "(none)",
                     accepts[i].prometheus_text ? "0.0.4" : "OpenMetrics");
    }
}

/* Every prefix of a good request is incomplete, never bad. */
static void prefixes(void **state)
{
    (void)state;
    const char *good = "GET /metrics HTTP/1.1\r\nHost: h\r\nAccept: text/plain\r\n\r\n";
    struct wst_http_request req;
    for (size_t n = 0; n < strlen(good); n++) {
        if (wst_http_parse(good, n, &req) != WST_HTTP_INCOMPLETE)
            fail_msg("prefix of %u bytes was not incomplete", (unsigned)n);
    }
    assert_int_equal(wst_http_parse(good, strlen(good), &req), WST_HTTP_DONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(body_flagged),
        cmocka_unit_test(size_bounds),
        cmocka_unit_test(header_count_bound),
        cmocka_unit_test(negotiation),
        cmocka_unit_test(prefixes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
