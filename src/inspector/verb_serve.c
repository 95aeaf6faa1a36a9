/*
 * `wst-inspect serve`: an HTTP endpoint, GET /metrics, that shows every
 * instrumented process the user can read in the OpenMetrics text format (or
 * Prometheus 0.0.4 when the scraper's Accept asks). One thread, non-blocking
 * Winsock sockets and select(): a slow or silent client holds one slot, up
 * to its deadline, and never the loop. docs/prometheus.md is the user's
 * side. Main thread only; Ctrl+C (the console handler) ends it with 0.
 *
 * The bounds, and why:
 *   - at most o->max_connections clients at once. When every slot is held,
 *     a new client takes the slot of one whose answer is sent (only being
 *     drained), else of the one that has waited longest without sending
 *     its whole request: a slow or silent client holds its slot only until
 *     someone needs it, so a flood of silent connections, reopened as they
 *     are cut, cannot make an honest scraper wait for their deadlines. A
 *     client with a request in hand (pending or being answered) is never
 *     evicted; when all have one, the kernel's backlog holds the newcomer;
 *   - a request head of at most WST_HTTP_REQUEST_MAX bytes (http_request.c),
 *     which must arrive within REQUEST_TIMEOUT_MS of the connect;
 *   - a response that must be taken within RESPONSE_TIMEOUT_MS: a client
 *     that never reads loses its connection then, and meanwhile costs only
 *     its slot, its share of the body and SEND_BUFFER bytes of kernel
 *     memory, because every socket is non-blocking and the loop only sends
 *     what the kernel accepts;
 *   - after the response, the socket is half-closed and its unread input
 *     drained for at most DRAIN_TIMEOUT_MS, so that closing it does not
 *     reset the connection before the client has read the answer.
 * Requests that complete in the same turn of the loop share one collection
 * of the fleet and one body per format, which the responses reference
 * counted: fifty concurrent scrapes cost one walk of the processes.
 */
#define FD_SETSIZE 256 /* Winsock's default is 64; must precede winsock2.h */
#include <winsock2.h>
#include <ws2tcpip.h>

#include "verbs.h"

#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "fleet_functions.h"
#include "http_listener.h"
#include "http_request.h"
#include "interrupt.h"
#include "openmetrics.h"

#define REQUEST_TIMEOUT_MS 5000
#define RESPONSE_TIMEOUT_MS 10000
#define DRAIN_TIMEOUT_MS 2000
#define POLL_MS 200
#define SEND_CHUNK (64 * 1024)
#define SEND_BUFFER (64 * 1024)

_Static_assert(WST_SERVE_MAX_CONNECTIONS + 1 <= FD_SETSIZE, "select() must hold every socket");

struct body {
    long refs;
    struct wst_strbuf text;
};

enum conn_state { CONN_FREE, CONN_READING, CONN_PENDING, CONN_WRITING, CONN_DRAINING };

struct conn {
    SOCKET s;
    enum conn_state state;
    ULONGLONG deadline; /* GetTickCount64() */
    ULONGLONG accepted; /* GetTickCount64(): the longest waiter is evicted first */
    char in[WST_HTTP_REQUEST_MAX];
    size_t in_len;
    int head_only; /* HEAD */
    enum wst_metrics_format format;
    char head[512];
    size_t head_len, head_sent;
    struct body *body; /* shared, or an error's own */
    size_t body_sent;
};

struct server {
    SOCKET listener;
    struct conn *conns;
    size_t max;
    size_t scrapes;
    unsigned long functions_top; /* per module; 0: no function families */
};

/* ------------------------------------------------------------ connections */

static void body_release(struct body *b)
{
    if (b != NULL && --b->refs == 0) {
        wst_strbuf_free(&b->text);
        free(b);
    }
}

static void conn_close(struct conn *c)
{
    if (c->state == CONN_FREE)
        return;
    closesocket(c->s);
    body_release(c->body);
    c->body = NULL;
    c->state = CONN_FREE;
}

/* The slot a newcomer would take: a free one, else that of a client only
 * being drained, else that of the one that has waited longest without a
 * whole request; NULL when every client has a request in hand. */
static struct conn *slot_for_newcomer(struct server *srv)
{
    struct conn *draining = NULL, *reading = NULL;
    for (size_t i = 0; i < srv->max; i++) {
        struct conn *c = &srv->conns[i];
        if (c->state == CONN_FREE)
            return c;
        if (c->state == CONN_DRAINING && (draining == NULL || c->accepted < draining->accepted))
            draining = c;
        if (c->state == CONN_READING && (reading == NULL || c->accepted < reading->accepted))
            reading = c;
    }
    return draining != NULL ? draining : reading;
}

static void accept_clients(struct server *srv)
{
    /* One round of the slots per turn at most: a flood of newcomers, each
     * evicting another, cannot keep the loop from its other clients. */
    for (size_t k = 0; k < srv->max; k++) {
        struct conn *c = slot_for_newcomer(srv);
        if (c == NULL)
            return;
        SOCKET s = accept(srv->listener, NULL, NULL);
        if (s == INVALID_SOCKET)
            return; /* WSAEWOULDBLOCK: no one else waits */
        conn_close(c); /* the evicted client, if the slot was held */
        u_long nonblocking = 1;
        if (ioctlsocket(s, FIONBIO, &nonblocking) != 0) {
            closesocket(s);
            continue;
        }
        /* A fixed send buffer: what a client that stops reading pins in the
         * kernel stays bounded, instead of growing with autotuning. */
        int sndbuf = SEND_BUFFER;
        setsockopt(s, SOL_SOCKET, SO_SNDBUF, (const char *)&sndbuf, sizeof sndbuf);
        memset(c, 0, sizeof *c);
        c->s = s;
        c->state = CONN_READING;
        c->accepted = GetTickCount64();
        c->deadline = c->accepted + REQUEST_TIMEOUT_MS;
    }
}

static void respond(struct conn *c, int status, const char *content_type, struct body *body)
{
    size_t length = body ? body->text.len : 0;
    int n = snprintf(c->head, sizeof c->head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Cache-Control: no-store\r\n%sConnection: close\r\n\r\n",
                     status, wst_http_reason(status), content_type, length,
                     status == 405 ? "Allow: GET, HEAD\r\n" : "");
    c->head_len = n > 0 && (size_t)n < sizeof c->head ? (size_t)n : 0;
    c->head_sent = 0;
    c->body = body;
    if (body != NULL)
        body->refs++;
    c->body_sent = 0;
    c->state = CONN_WRITING;
    c->deadline = GetTickCount64() + RESPONSE_TIMEOUT_MS;
}

static void respond_error(struct conn *c, int status)
{
    struct body *b = calloc(1, sizeof *b);
    if (b != NULL) {
        wst_strbuf_printf(&b->text, "%d %s\n", status, wst_http_reason(status));
        if (b->text.failed) {
            wst_strbuf_free(&b->text);
            free(b);
            b = NULL;
        }
    }
    if (b == NULL) {
        conn_close(c);
        return;
    }
    b->refs = 1;
    c->head_only = 0;
    respond(c, status, "text/plain; charset=utf-8", b);
    body_release(b);
}

/* A complete or broken request: decide the answer, or leave it pending a
 * scrape. */
static void route(struct conn *c)
{
    struct wst_http_request req;
    enum wst_http_result r = wst_http_parse(c->in, c->in_len, &req);
    if (r == WST_HTTP_INCOMPLETE)
        return;
    if (r == WST_HTTP_BAD)
        return respond_error(c, 400);
    if (r == WST_HTTP_TOO_LARGE || req.has_body)
        return respond_error(c, 413);
    int get = strcmp(req.method, "GET") == 0, head = strcmp(req.method, "HEAD") == 0;
    if (req.path_too_long || strcmp(req.path, "/metrics") != 0)
        return respond_error(c, 404);
    if (!get && !head)
        return respond_error(c, 405);
    c->head_only = head;
    c->format = wst_http_wants_prometheus_text(&req) ? WST_METRICS_PROMETHEUS
                                                     : WST_METRICS_OPENMETRICS;
    c->state = CONN_PENDING;
}

static void read_request(struct conn *c)
{
    if (c->in_len == sizeof c->in)
        return route(c);
    int n = recv(c->s, c->in + c->in_len, (int)(sizeof c->in - c->in_len), 0);
    if (n == 0 || (n < 0 && WSAGetLastError() != WSAEWOULDBLOCK))
        return conn_close(c);
    if (n > 0) {
        c->in_len += (size_t)n;
        route(c);
    }
}

static void drain(struct conn *c)
{
    char scratch[4096];
    int n = recv(c->s, scratch, sizeof scratch, 0);
    if (n == 0 || (n < 0 && WSAGetLastError() != WSAEWOULDBLOCK))
        conn_close(c);
}

/* Sends what the kernel takes now; never waits. */
static void write_response(struct conn *c)
{
    while (c->head_sent < c->head_len) {
        int n = send(c->s, c->head + c->head_sent, (int)(c->head_len - c->head_sent), 0);
        if (n <= 0) {
            if (n < 0 && WSAGetLastError() == WSAEWOULDBLOCK)
                return;
            return conn_close(c);
        }
        c->head_sent += (size_t)n;
    }
    size_t length = c->body && !c->head_only ? c->body->text.len : 0;
    while (c->body_sent < length) {
        size_t chunk = length - c->body_sent;
        if (chunk > SEND_CHUNK)
            chunk = SEND_CHUNK;
        int n = send(c->s, c->body->text.data + c->body_sent, (int)chunk, 0);
        if (n <= 0) {
            if (n < 0 && WSAGetLastError() == WSAEWOULDBLOCK)
                return;
            return conn_close(c);
        }
        c->body_sent += (size_t)n;
    }
    body_release(c->body);
    c->body = NULL;
    shutdown(c->s, SD_SEND);
    c->state = CONN_DRAINING;
    c->deadline = GetTickCount64() + DRAIN_TIMEOUT_MS;
}

/* ------------------------------------------------------------ scrapes */

static struct body *render(const struct wst_metrics_module *mods, size_t n,
                           enum wst_metrics_format format)
{
    struct body *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->refs = 1; /* the caller's; each response adds its own */
    wst_metrics_render(&b->text, format, mods, n);
    if (b->text.failed) {
        wst_strbuf_free(&b->text);
        free(b);
        return NULL;
    }
    return b;
}

/* One collection of the fleet for every pending request of this turn. */
static void answer_pending(struct server *srv)
{
    size_t pending = 0;
    for (size_t i = 0; i < srv->max; i++)
        pending += srv->conns[i].state == CONN_PENDING;
    if (pending == 0)
        return;
    struct wst_fleet fleet;
    struct wst_error ignored = {0};
    struct body *bodies[2] = {NULL, NULL};
    size_t n = 0;
    struct wst_metrics_module *mods = NULL;
    if (wst_fleet_collect(&fleet, &ignored) == WST_OK) {
        wst_fleet_collect_functions(&fleet, srv->functions_top);
        mods = wst_fleet_metrics(&fleet, &n);
    }
    srv->scrapes++;
    for (size_t i = 0; i < srv->max; i++) {
        struct conn *c = &srv->conns[i];
        if (c->state != CONN_PENDING)
            continue;
        if (mods != NULL && bodies[c->format] == NULL)
            bodies[c->format] = render(mods, n, c->format);
        if (bodies[c->format] == NULL) {
            respond_error(c, 500);
            continue;
        }
        int head = c->head_only;
        respond(c, 200, wst_metrics_content_type(c->format), bodies[c->format]);
        c->head_only = head;
    }
    body_release(bodies[0]);
    body_release(bodies[1]);
    free(mods);
    wst_fleet_free(&fleet);
}

/* ------------------------------------------------------------ the loop */

static void expire(struct server *srv)
{
    ULONGLONG now = GetTickCount64();
    for (size_t i = 0; i < srv->max; i++) {
        struct conn *c = &srv->conns[i];
        if (c->state != CONN_FREE && c->state != CONN_PENDING && now >= c->deadline)
            conn_close(c);
    }
}

static void turn(struct server *srv)
{
    fd_set readable, writable;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    for (size_t i = 0; i < srv->max; i++) {
        struct conn *c = &srv->conns[i];
        if (c->state == CONN_READING || c->state == CONN_DRAINING)
            FD_SET(c->s, &readable);
        else if (c->state == CONN_WRITING)
            FD_SET(c->s, &writable);
    }
    if (slot_for_newcomer(srv) != NULL)
        FD_SET(srv->listener, &readable);
    struct timeval tv = {0, POLL_MS * 1000};
    int ready = select(0, &readable, &writable, NULL, &tv);
    if (ready == SOCKET_ERROR)
        Sleep(POLL_MS); /* never spin on a failing select */
    if (ready > 0) {
        if (FD_ISSET(srv->listener, &readable))
            accept_clients(srv);
        for (size_t i = 0; i < srv->max; i++) {
            struct conn *c = &srv->conns[i];
            if (c->state == CONN_READING && FD_ISSET(c->s, &readable))
                read_request(c);
            else if (c->state == CONN_DRAINING && FD_ISSET(c->s, &readable))
                drain(c);
        }
        answer_pending(srv);
        for (size_t i = 0; i < srv->max; i++) {
            struct conn *c = &srv->conns[i];
            /* A fresh response is tried at once: most fit the socket buffer. */
            if (c->state == CONN_WRITING)
                write_response(c);
        }
    }
    expire(srv);
}

enum wst_status wst_verb_serve(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    WSADATA wsa;
    struct server srv = {.listener = INVALID_SOCKET};
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
        return wst_error_set(err, WST_E_INTERNAL, 0, "WSAStartup failed");
    srv.max = o->max_connections ? o->max_connections : WST_SERVE_DEFAULT_CONNECTIONS;
    srv.functions_top = o->functions_top_given ? o->functions_top : WST_SERVE_DEFAULT_FUNCTIONS_TOP;
    srv.conns = calloc(srv.max, sizeof *srv.conns);
    const char *listen = o->listen ? o->listen : WST_SERVE_DEFAULT_LISTEN;
    enum wst_status st = srv.conns ? wst_http_listen(listen, o->allow_remote, &srv.listener, err)
                                   : wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
    if (st == WST_OK) {
        wst_interrupt_install();
        wst_http_print_listening(out, srv.listener);
        while (!wst_interrupted())
            turn(&srv);
    }
    for (size_t i = 0; srv.conns != NULL && i < srv.max; i++)
        conn_close(&srv.conns[i]);
    if (srv.listener != INVALID_SOCKET)
        closesocket(srv.listener);
    free(srv.conns);
    WSACleanup();
    return st;
}
