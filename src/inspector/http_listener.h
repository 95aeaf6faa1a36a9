/*
 * The metrics endpoint's listening socket, for verb_serve.c. Main thread
 * only; Winsock must be started.
 */
#ifndef WST_INSPECTOR_HTTP_LISTENER_H
#define WST_INSPECTOR_HTTP_LISTENER_H

#include <winsock2.h>

#include <stdio.h>

#include "error.h"

/* "HOST:PORT" or "[V6]:PORT" into a bound, listening, non-blocking socket
 * that no other process may bind too. A non-loopback address needs
 * allow_remote. WST_E_USAGE for a bad address, WST_E_ACCESS_DENIED when it
 * cannot be bound. */
enum wst_status wst_http_listen(const char *spec, int allow_remote, SOCKET *listener,
                                struct wst_error *err);

/* "serving http://HOST:PORT/metrics", with the address actually bound (the
 * port may have been 0). */
void wst_http_print_listening(FILE *out, SOCKET s);

#endif
