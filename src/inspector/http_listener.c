/*
 * The metrics endpoint's listening socket (http_listener.h): the --listen
 * address parsed and checked (loopback unless --allow-remote), bound
 * exclusively, non-blocking. Main thread only.
 */
#include <winsock2.h>
#include <ws2tcpip.h>

#include "http_listener.h"

#include <stdlib.h>
#include <string.h>

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        static const unsigned char loop6[16] = {[15] = 1};
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        return memcmp(&in6->sin6_addr, loop6, sizeof loop6) == 0;
    }
    return 0;
}

enum wst_status wst_http_listen(const char *spec, int allow_remote, SOCKET *listener,
                                struct wst_error *err)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (colon == NULL || colon == spec || colon[1] == '\0' || (size_t)(colon - spec) >= sizeof host)
        return wst_error_set(err, WST_E_USAGE, 0, "--listen takes ADDRESS:PORT, not %s", spec);
    /* getaddrinfo would take 99999 modulo 65536: check the port here. */
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || port > 65535)
        return wst_error_set(err, WST_E_USAGE, 0, "--listen %s: the port is 0 to 65535", spec);
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc != 0 || ai == NULL)
        return wst_error_set(err, WST_E_USAGE, (unsigned long)rc, "--listen %s: not an address",
                             spec);
    enum wst_status st = WST_OK;
    if (!is_loopback(ai->ai_addr) && !allow_remote) {
        st = wst_error_set(err, WST_E_USAGE, 0,
                           "--listen %s is not a loopback address: add --allow-remote to "
                           "expose the counters of every readable process to the network",
                           spec);
        goto out;
    }
    *listener = socket(ai->ai_family, SOCK_STREAM, IPPROTO_TCP);
    if (*listener == INVALID_SOCKET) {
        st = wst_error_set(err, WST_E_INTERNAL, (unsigned long)WSAGetLastError(), "socket");
        goto out;
    }
    /* No other process may bind the same port and steal the scrapes. */
    BOOL on = TRUE;
    setsockopt(*listener, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&on, sizeof on);
    u_long nonblocking = 1;
    if (bind(*listener, ai->ai_addr, (int)ai->ai_addrlen) != 0 ||
        listen(*listener, SOMAXCONN) != 0 || ioctlsocket(*listener, FIONBIO, &nonblocking) != 0) {
        st = wst_error_set(err, WST_E_ACCESS_DENIED, (unsigned long)WSAGetLastError(),
                           "cannot listen on %s", spec);
        goto out;
    }
out:
    freeaddrinfo(ai);
    return st;
}

void wst_http_print_listening(FILE *out, SOCKET s)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    char host[64] = "?", port[16] = "?";
    if (getsockname(s, (struct sockaddr *)&ss, &len) == 0)
        getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV);
    fprintf(out,
            ss.ss_family == AF_INET6 ? "serving http://[%s]:%s/metrics\n"
                                     : "serving http://%s:%s/metrics\n",
            host, port);
    fflush(out);
}
