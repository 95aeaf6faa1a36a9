/*
 * The on-demand worker's trigger (docs/modes.md, "The on-demand worker"):
 * one named, auto-reset event per load of a module, which an inspector
 * signals to start the module's idle worker.
 *
 * Its name comes from the pid and the load's instance
 * (src/common/pipe_name.h, wst_trigger_name_format), so an inspector derives
 * it from what it reads in the region. Its descriptor is the pipe's
 * (pipe_security.h): the process token's user and LocalSystem may signal it,
 * nobody else, and no process below the target's integrity level.
 *
 * Threads: process attach only, under the loader lock (creating an event and
 * reading the token take no loader lock).
 * Never: opens an event that someone else created first. Whoever made the
 * name first chose its descriptor and could signal it at will or never, so
 * an existing name is refused (ERROR_ALREADY_EXISTS) and the caller falls
 * back to starting the worker at the first probe hit.
 */
#ifndef WST_DEMAND_TRIGGER_H
#define WST_DEMAND_TRIGGER_H

#include <windows.h>

#include <stdint.h>

/* The event of (pid, instance), created here and now; NULL with *error set
 * (ERROR_ALREADY_EXISTS when the name was taken) if it cannot be ours. */
HANDLE wst_trigger_create(uint32_t pid, uint64_t instance, DWORD *error);

/* How long a started worker serves with no client before it stops (0:
 * until unload): WINSTRUMENT_IDLE_MS, bounded, or the default. */
DWORD wst_demand_idle_ms(void);

#endif
