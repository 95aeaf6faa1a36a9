/*
 * The operations every collector mode provides. lifecycle.c picks one table by
 * name and calls it; it knows nothing of a mode's insides. Each function says
 * under which conditions it is called, and therefore what it must never do.
 */
#ifndef WST_MODE_H
#define WST_MODE_H

#include "winstrument/region.h"

struct wst_mode_ops {
    const char *name;   /* the WINSTRUMENT_MODE value that selects it */
    enum wst_mode mode; /* published in the region header */
    /* Process attach, under the loader lock: prepare, start nothing. */
    void (*attach)(void *module);
    /* First probe hit in the module, possibly under the loader lock (a probe
     * in the host's DllMain): may submit work, must never wait for it. */
    void (*first_hit)(void);
    /* FreeLibrary while the process lives, under the loader lock: stop the
     * worker and return only when none of the module's code can run again. */
    void (*stop_on_unload)(void);
    /* Process exit: every other thread is gone already. Block on nothing. */
    void (*stop_at_exit)(void);
    /* Optional (NULL: none). DLL_THREAD_DETACH of any thread, on that thread,
     * under the loader lock: may arm a wait, must never wait; runs for every
     * thread's end, so it must cost next to nothing when it has no work. */
    void (*thread_detach)(void);
};

extern const struct wst_mode_ops wst_mode_threadless;
extern const struct wst_mode_ops wst_mode_threadpool;
extern const struct wst_mode_ops wst_mode_helper;

#endif
