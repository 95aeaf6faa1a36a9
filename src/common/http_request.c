/*
 * See http_request.h. The grammar is RFC 9112's, narrowed to what a scraper
 * sends: a token method, an origin-form target (or absolute-form, whose path
 * is kept), HTTP/1.0 or 1.1, and header lines "name: value" ended by CRLF (a
 * bare LF is accepted, as RFC 9112 section 2.2 allows). Obsolete line
 * folding, whitespace before the colon and control bytes are rejected,
 * because two parsers that disagree on them is how request smuggling starts.
 */
#include "http_request.h"

#include <string.h>

static int is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive comparison of s[0 .. n) with the NUL-terminated word. */
static int equals_word(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    for (; i < n && word[i] != '\0'; i++) {
        if (lower((unsigned char)s[i]) != word[i])
            return 0;
    }
    return i == n && word[i] == '\0';
}

/* One line: [*start, end of line), without its CR LF or LF. Returns 0 when
 * no LF is in buf[pos .. len). */
static int next_line(const char *buf, size_t len, size_t pos, size_t *line_len, size_t *next)
{
    const char *lf = memchr(buf + pos, '\n', len - pos);
    if (lf == NULL)
        return 0;
    size_t end = (size_t)(lf - buf);
    *next = end + 1;
    if (end > pos && buf[end - 1] == '\r')
        end--;
    *line_len = end - pos;
    return 1;
}

/* The request line "METHOD SP target SP HTTP/1.x". `complete` says whether
 * the whole line arrived: a partial line is only checked as far as it goes. */
static enum wst_http_result parse_request_line(const char *s, size_t n, int complete,
                                               struct wst_http_request *req)
{
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)s[i]))
        i++;
    if (i >= sizeof req->method)
        return WST_HTTP_BAD;
    if (i == n)
        return complete ? WST_HTTP_BAD : WST_HTTP_INCOMPLETE;
    if (s[i] != ' ' || i == 0)
        return WST_HTTP_BAD;
    memcpy(req->method, s, i);
    req->method[i] = '\0';
    size_t t = ++i;
    while (i < n && (unsigned char)s[i] > 0x20 && (unsigned char)s[i] < 0x7f)
        i++;
    if (i == n)
        return complete ? WST_HTTP_BAD : WST_HTTP_INCOMPLETE;
    if (s[i] != ' ' || i == t)
        return WST_HTTP_BAD;
    size_t target_end = i++;
    if (!complete)
        return WST_HTTP_INCOMPLETE;
    if (n - i != 8 || memcmp(s + i, "HTTP/1.", 7) != 0 || (s[i + 7] != '0' && s[i + 7] != '1'))
        return WST_HTTP_BAD;
    req->minor = s[i + 7] - '0';
    /* absolute-form (a proxy's): keep the path after the authority. */
    const char *target = s + t;
    size_t target_len = target_end - t;
    if (target_len > 7 && equals_word(target, 7, "http://")) {
        const char *slash = memchr(target + 7, '/', target_len - 7);
        if (slash == NULL)
            return WST_HTTP_BAD;
        target_len -= (size_t)(slash - target);
        target = slash;
    } else if (target[0] != '/' && !(target_len == 1 && target[0] == '*')) {
        return WST_HTTP_BAD;
    }
    const char *query = memchr(target, '?', target_len);
    size_t path_len = query ? (size_t)(query - target) : target_len;
    if (path_len >= sizeof req->path) {
        req->path_too_long = 1;
        path_len = 0;
    }
    memcpy(req->path, target, path_len);
    req->path[path_len] = '\0';
    return WST_HTTP_DONE;
}

/* q=0.5 as 500; 1000 when absent, -2 when malformed. */
static int parse_q(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ';' || s[i] == ' ' || s[i] == '\t'))
            i++;
        size_t p = i;
        while (i < n && s[i] != ';')
            i++;
        size_t plen = i - p;
        while (plen > 0 && (s[p + plen - 1] == ' ' || s[p + plen - 1] == '\t'))
            plen--;
        if (plen < 2 || lower((unsigned char)s[p]) != 'q' || s[p + 1] != '=')
            continue;
        const char *v = s + p + 2;
        size_t vn = plen - 2;
        if (vn == 0 || (v[0] != '0' && v[0] != '1'))
            return -2;
        int q = (v[0] - '0') * 1000, scale = 100;
        if (vn > 1 && (v[1] != '.' || vn > 5))
            return -2;
        for (size_t k = 2; k < vn; k++, scale /= 10) {
            if (v[k] < '0' || v[k] > '9')
                return -2;
            q += (v[k] - '0') * scale;
        }
        return q > 1000 ? -2 : q;
    }
    return 1000;
}

static void raise_q(int *best, int q)
{
    if (q > *best)
        *best = q;
}

/* One Accept header value: media ranges separated by commas. A malformed
 * range is ignored, as most servers do, rather than failing the scrape. */
static void parse_accept(const char *s, size_t n, struct wst_http_request *req)
{
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        while (i < n && s[i] != ',')
            i++;
        const char *r = s + start;
        size_t rn = i - start;
        i++;
        while (rn > 0 && (r[0] == ' ' || r[0] == '\t'))
            r++, rn--;
        const char *semi = memchr(r, ';', rn);
        size_t type_len = semi ? (size_t)(semi - r) : rn;
        while (type_len > 0 && (r[type_len - 1] == ' ' || r[type_len - 1] == '\t'))
            type_len--;
        int q = semi ? parse_q(semi, rn - (size_t)(semi - r)) : 1000;
        if (q < 0)
            continue;
        if (equals_word(r, type_len, "application/openmetrics-text"))
            raise_q(&req->q_openmetrics, q);
        else if (equals_word(r, type_len, "text/plain"))
            raise_q(&req->q_text, q);
        else if (equals_word(r, type_len, "*/*") || equals_word(r, type_len, "application/*"))
            raise_q(&req->q_wildcard, q);
    }
}

static enum wst_http_result parse_header(const char *s, size_t n, struct wst_http_request *req)
{
    if (n > 0 && (s[0] == ' ' || s[0] == '\t'))
        return WST_HTTP_BAD; /* obsolete line folding */
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)s[i]))
        i++;
    if (i == 0 || i == n || s[i] != ':')
        return WST_HTTP_BAD;
    size_t name_len = i++;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    const char *v = s + i;
    size_t vn = n - i;
    while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
        vn--;
    for (size_t k = 0; k < vn; k++) {
        unsigned char c = (unsigned char)v[k];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return WST_HTTP_BAD;
    }
    if (equals_word(s, name_len, "host")) {
        if (req->has_host)
            return WST_HTTP_BAD; /* RFC 9112 3.2: more than one Host is a 400 */
        req->has_host = 1;
    } else if (equals_word(s, name_len, "accept")) {
        parse_accept(v, vn, req);
    } else if (equals_word(s, name_len, "transfer-encoding")) {
        req->has_body = 1;
    } else if (equals_word(s, name_len, "content-length")) {
        if (vn == 0)
            return WST_HTTP_BAD;
        for (size_t k = 0; k < vn; k++) {
            if (v[k] < '0' || v[k] > '9')
                return WST_HTTP_BAD;
            if (v[k] != '0')
                req->has_body = 1;
        }
    }
    return WST_HTTP_DONE;
}

enum wst_http_result wst_http_parse(const char *buf, size_t len, struct wst_http_request *req)
{
    memset(req, 0, sizeof *req);
    req->q_openmetrics = req->q_text = req->q_wildcard = -1;
    if (len > WST_HTTP_REQUEST_MAX)
        len = WST_HTTP_REQUEST_MAX; /* what lies beyond decides nothing */
    size_t n, next;
    if (!next_line(buf, len, 0, &n, &next)) {
        enum wst_http_result r = parse_request_line(buf, len, 0, req);
        if (r == WST_HTTP_INCOMPLETE && len >= WST_HTTP_REQUEST_MAX)
            return WST_HTTP_TOO_LARGE;
        return r;
    }
    enum wst_http_result r = parse_request_line(buf, n, 1, req);
    if (r != WST_HTTP_DONE)
        return r;
    for (size_t headers = 0;; headers++) {
        size_t pos = next;
        if (!next_line(buf, len, pos, &n, &next))
            return len >= WST_HTTP_REQUEST_MAX ? WST_HTTP_TOO_LARGE : WST_HTTP_INCOMPLETE;
        if (n == 0)
            break;
        if (headers >= WST_HTTP_MAX_HEADERS)
            return WST_HTTP_TOO_LARGE;
        r = parse_header(buf + pos, n, req);
        if (r != WST_HTTP_DONE)
            return r;
    }
    if (req->minor == 1 && !req->has_host)
        return WST_HTTP_BAD; /* RFC 9112 3.2: HTTP/1.1 requires Host */
    req->head_size = next;
    return WST_HTTP_DONE;
}

int wst_http_wants_prometheus_text(const struct wst_http_request *req)
{
    int om = req->q_openmetrics >= 0 ? req->q_openmetrics : req->q_wildcard;
    return req->q_text > 0 && req->q_text > om;
}

const char *wst_http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}
