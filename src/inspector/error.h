/*
 * An error as the inspector reports it: a status (which decides the exit
 * code), the Win32 error behind it if any, and a detail line naming the pid,
 * module or address concerned. Single-threaded: the inspector runs its verbs
 * on the main thread only.
 */
#ifndef WST_INSPECTOR_ERROR_H
#define WST_INSPECTOR_ERROR_H

#include <stdio.h>

#include "status.h"

/* mingw's printf checks follow the printf in use; the inspector builds with
 * __USE_MINGW_ANSI_STDIO (module.mk) so %zu and %llu work on old msvcrt. */
#ifdef __MINGW_PRINTF_FORMAT
#define WST_PRINTF_FORMAT __MINGW_PRINTF_FORMAT
#else
#define WST_PRINTF_FORMAT printf
#endif

struct wst_error {
    enum wst_status status;
    unsigned long win32; /* 0: no Win32 error involved */
    char detail[512];
};

/* Records the error (the first detail wins if called twice) and returns st. */
enum wst_status wst_error_set(struct wst_error *e, enum wst_status st, unsigned long win32,
                              const char *fmt, ...)
    __attribute__((format(WST_PRINTF_FORMAT, 4, 5)));

/* Adds "context: " in front of the detail, e.g. the module's name. */
void wst_error_prefix(struct wst_error *e, const char *fmt, ...)
    __attribute__((format(WST_PRINTF_FORMAT, 2, 3)));

/* "wst-inspect: <message>: <detail> (Win32 error N) (<status name>)\n" */
void wst_error_print(FILE *out, const struct wst_error *e);

#endif
