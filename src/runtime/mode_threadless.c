/*
 * Threadless mode: nothing runs in the target. No thread, no handle, no
 * callback; the inspector reads the region with ReadProcessMemory. Every
 * operation is therefore empty, and unload or exit has nothing to stop.
 */
#include "mode.h"

static void threadless_attach(void *module)
{
    (void)module;
}

static void threadless_nothing(void)
{
}

const struct wst_mode_ops wst_mode_threadless = {
    .name = "threadless",
    .mode = WST_MODE_THREADLESS,
    .attach = threadless_attach,
    .first_hit = threadless_nothing,
    .stop_on_unload = threadless_nothing,
    .stop_at_exit = threadless_nothing,
};
