/*
 * The module's lifecycle: chooses the mode at process attach, starts it on the
 * first probe hit, and tells module unload from process exit at detach.
 */
#ifndef WST_LIFECYCLE_H
#define WST_LIFECYCLE_H

#include <windows.h>

/* Called by the TLS callback with the loader's arguments, under the loader lock. */
void wst_lifecycle_on_loader_event(void *module, unsigned long reason, void *reserved);

/* Whether process attach has chosen the mode: a probe may run before it (in
 * another module's constructor), and its hit must not start anything yet. */
BOOL wst_lifecycle_attached(void);

/* The module's first probe hit, once per load, after attach: hands it to the
 * mode (which may start its worker). Any thread, maybe under the loader lock. */
void wst_lifecycle_first_hit(void);

/* At DLL_PROCESS_DETACH (reserved: the callback's argument): whether the
 * whole process is exiting (every other thread already gone) rather than the
 * module unloading. Under the loader lock. */
BOOL wst_lifecycle_process_exiting(void *reserved);

/* The mode table chosen for a WINSTRUMENT_MODE value; NULL for an unknown one.
 * An empty or absent value selects the default. */
const struct wst_mode_ops *wst_lifecycle_mode_by_name(const char *value);

#endif
