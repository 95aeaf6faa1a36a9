/*
 * See error.h. Formatting only; never allocates, so it works when memory ran
 * out.
 */
#include "error.h"

#include <stdarg.h>
#include <string.h>

#include "escape.h"

enum wst_status wst_error_set(struct wst_error *e, enum wst_status st, unsigned long win32,
                              const char *fmt, ...)
{
    if (e == NULL)
        return st;
    e->status = st;
    e->win32 = win32;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
    return st;
}

void wst_error_prefix(struct wst_error *e, const char *fmt, ...)
{
    char prefix[256], old[sizeof e->detail];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->detail, sizeof old);
    if (old[0] != '\0')
        snprintf(e->detail, sizeof e->detail, "%s: %s", prefix, old);
    else
        snprintf(e->detail, sizeof e->detail, "%s", prefix);
}

void wst_error_print(FILE *out, const struct wst_error *e)
{
    fprintf(out, "wst-inspect: %s", wst_status_message(e->status));
    /* The detail may name a module or counter of the target: escaped like
     * every other string from it (escape.h), within a fixed buffer. */
    if (e->detail[0] != '\0') {
        char shown[WST_ESCAPE_MAX(sizeof e->detail)];
        wst_escape(shown, sizeof shown, e->detail, WST_ESCAPE_TEXT);
        fprintf(out, ": %s", shown);
    }
    if (e->win32 != 0)
        fprintf(out, " (Win32 error %lu)", e->win32);
    fprintf(out, " (%s)\n", wst_status_name(e->status));
}
