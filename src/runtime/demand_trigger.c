/*
 * See demand_trigger.h. The event is auto-reset: however many times it is
 * signalled while nobody waits, one wait consumes it all, so a signal storm
 * queues at most one start (the wait that consumes it is one-shot and is
 * armed again only when the worker has ended: mode_threadpool.c).
 */
#include "demand_trigger.h"

#include <stdlib.h>

#include "os_win.h"
#include "pipe_name.h"
#include "pipe_security.h"

HANDLE wst_trigger_create(uint32_t pid, uint64_t instance, DWORD *error)
{
    char name[WST_PIPE_NAME_MAX];
    WCHAR wide[WST_PIPE_NAME_MAX];
    struct wst_pipe_security sec;
    *error = 0;
    wst_trigger_name_format(name, pid, instance);
    if (!wst_pipe_name_widen(name, (uint16_t *)wide)) {
        *error = ERROR_INVALID_NAME;
        return NULL;
    }
    if (!wst_object_security_build(&sec, EVENT_ALL_ACCESS, TRUE)) {
        *error = GetLastError() != 0 ? GetLastError() : ERROR_GEN_FAILURE;
        return NULL;
    }
    HANDLE event = wst_os.CreateEventW(&sec.attributes, FALSE, FALSE, wide);
    if (event == NULL) {
        /* A squatter whose descriptor keeps us out: ERROR_ACCESS_DENIED. */
        *error = GetLastError() != 0 ? GetLastError() : ERROR_GEN_FAILURE;
        return NULL;
    }
    if (GetLastError() == ERROR_ALREADY_EXISTS) {
        CloseHandle(event);
        *error = ERROR_ALREADY_EXISTS;
        return NULL;
    }
    return event;
}

/* How long a worker serves with no client connected before it stops, unless
 * WINSTRUMENT_IDLE_MS says otherwise (0: until unload). Long enough for a
 * `watch` at its default interval to keep one worker. */
#define IDLE_STOP_MS_DEFAULT 10000u
#define IDLE_STOP_MS_MIN 100u
#define IDLE_STOP_MS_MAX 86400000u

/* WINSTRUMENT_IDLE_MS: decimal milliseconds, 0 for never; anything else
 * unreadable gives the default. Read once, at attach. */
DWORD wst_demand_idle_ms(void)
{
    char value[16];
    DWORD n = GetEnvironmentVariableA("WINSTRUMENT_IDLE_MS", value, sizeof value);
    if (n == 0 || n >= sizeof value)
        return IDLE_STOP_MS_DEFAULT;
    char *end = NULL;
    unsigned long v = strtoul(value, &end, 10);
    if (end == value || *end != '\0')
        return IDLE_STOP_MS_DEFAULT;
    if (v == 0)
        return 0;
    return v < IDLE_STOP_MS_MIN ? IDLE_STOP_MS_MIN : v > IDLE_STOP_MS_MAX ? IDLE_STOP_MS_MAX : v;
}
