/* TEMPORARY: replaced by the threadpool worker (issue 3). Behaves as threadless. */
#include "mode.h"
static void tp_attach(void *module) { (void)module; }
static void tp_nothing(void) {}
const struct wst_mode_ops wst_mode_threadpool = {
    .name = "threadpool", .mode = WST_MODE_THREADPOOL, .attach = tp_attach,
    .first_hit = tp_nothing, .stop_on_unload = tp_nothing, .stop_at_exit = tp_nothing,
};
