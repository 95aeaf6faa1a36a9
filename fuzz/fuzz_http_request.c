/*
 * libFuzzer target for src/common/http_request.c: the bytes a client sent
 * the metrics endpoint (verb_serve.c), fed whole and also byte by byte the way a
 * slow client delivers them. Besides "no crash", it checks the parser's
 * promises: a result is one of the four; DONE fills a NUL-terminated method
 * and path and a head_size within the input and the bound; a result that
 * was final (done, bad, too large) for a prefix stays final when more bytes
 * arrive, except that a DONE head never changes with what follows it; and
 * the Accept decision is a plain yes or no.
 *
 * Never: writes to the input, keeps state between inputs, or rejects an input
 * itself.
 */
#include <string.h>

#include "fuzz_check.h"
#include "http_request.h"

static void check_done(const struct wst_http_request *req, size_t size)
{
    FUZZ_CHECK(memchr(req->method, '\0', sizeof req->method) != NULL);
    FUZZ_CHECK(memchr(req->path, '\0', sizeof req->path) != NULL);
    FUZZ_CHECK(req->method[0] != '\0');
    FUZZ_CHECK(req->head_size > 0 && req->head_size <= size &&
               req->head_size <= WST_HTTP_REQUEST_MAX);
    FUZZ_CHECK(req->minor == 0 || req->minor == 1);
    FUZZ_CHECK(req->q_openmetrics >= -1 && req->q_openmetrics <= 1000);
    FUZZ_CHECK(req->q_text >= -1 && req->q_text <= 1000);
    int wants = wst_http_wants_prometheus_text(req);
    FUZZ_CHECK(wants == 0 || wants == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct wst_http_request whole, part;
    enum wst_http_result r = wst_http_parse(buf, size, &whole);
    FUZZ_CHECK(r == WST_HTTP_INCOMPLETE || r == WST_HTTP_DONE || r == WST_HTTP_BAD ||
               r == WST_HTTP_TOO_LARGE);
    if (r == WST_HTTP_DONE)
        check_done(&whole, size);
    if (r == WST_HTTP_INCOMPLETE)
        FUZZ_CHECK(size < WST_HTTP_REQUEST_MAX);
    /* Delivered in pieces: the first final answer is the answer. Every
     * prefix of a short input; of a long one, those that end a line (where
     * the parser decides) and the input's end, to keep the run fast. */
    for (size_t n = 0; n <= size && n <= WST_HTTP_REQUEST_MAX; n++) {
        if (size > 512 && n < size && n < WST_HTTP_REQUEST_MAX && n > 0 && buf[n - 1] != '\n')
            continue;
        enum wst_http_result p = wst_http_parse(buf, n, &part);
        if (p == WST_HTTP_INCOMPLETE)
            continue;
        if (p == WST_HTTP_DONE) {
            check_done(&part, n);
            FUZZ_CHECK(r == WST_HTTP_DONE && whole.head_size == part.head_size);
            FUZZ_CHECK(strcmp(whole.path, part.path) == 0);
        } else if (size <= WST_HTTP_REQUEST_MAX || p == WST_HTTP_BAD) {
            FUZZ_CHECK(p == r);
        }
        break;
    }
    return 0;
}
