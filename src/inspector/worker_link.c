/*
 * Reaching a module's worker (worker_link.h). Every verb starts from memory:
 * the region header is the only way to learn the mode, the worker's state
 * and the pipe's name without the target's help. The pipe is then used when
 * the verb needs it (reset, stats, dump --via pipe), waking an idle
 * on-demand worker first, or when --via auto finds a worker serving already
 * (dump: an idle worker is not woken for what memory answers). A worker's
 * reply is accepted only after the pipe's name, its server process and the
 * worker's hello all name the pid, module base and instance found in
 * memory: a squatter on the pipe name cannot answer for the module.
 */
#include "worker_link.h"

#include "pipe_client.h"
#include "region_reader.h"

int wst_worker_serves(const struct wst_region_info *info)
{
    return info->header.worker_state == WST_WORKER_SERVING && info->header.pipe_name[0] != '\0';
}

/* The worker starts when asked (header.trigger_state ARMED): wake_worker
 * signals it. */
int wst_worker_wakes(const struct wst_region_info *info)
{
    return info->header.mode == WST_MODE_THREADPOOL &&
           info->header.trigger_state == WST_TRIGGER_ARMED;
}

enum wst_status wst_worker_absent(const struct wst_module_report *m, struct wst_error *err)
{
    if (m->info.header.mode == WST_MODE_HELPER && m->info.header.worker_state == WST_WORKER_NONE)
        return wst_error_set(err, WST_E_NO_WORKER, 0,
                             "module %s runs in helper mode without its helper (%s): no worker "
                             "runs (docs/modes.md, \"Helper mode\")",
                             m->module.name, wst_helper_state_name(m->info.header.helper_state));
    if (m->info.header.mode == WST_MODE_THREADLESS || m->info.header.mode == WST_MODE_UNSET)
        return wst_error_set(err, WST_E_NO_WORKER, 0,
                             "module %s runs in %s mode; this needs a worker "
                             "(WINSTRUMENT_MODE=threadpool)",
                             m->module.name, wst_mode_name(m->info.header.mode));
    if (m->info.header.worker_state == WST_WORKER_PIPE_FAILED)
        return wst_error_set(err, WST_E_NO_WORKER, m->info.header.worker_error,
                             "module %s: the worker is pipe-failed (win32 error %lu), not serving",
                             m->module.name, (unsigned long)m->info.header.worker_error);
    return wst_error_set(err, WST_E_NO_WORKER, 0, "module %s: the worker is %s, not serving",
                         m->module.name, wst_worker_state_name(m->info.header.worker_state));
}

/* How often wake_worker reads the header, and signals again while the
 * worker still says IDLE (a signal can be dropped by a worker that was just
 * stopping: it drops what came while it served). */
#define WAKE_POLL_MS 2u
#define WAKE_RESIGNAL_MS 100u

/* Wakes the module's idle worker (or, in helper mode, lets the starting
 * thread come) and waits until it serves, bounded by the pipe timeout. m->info is re-read
 * meanwhile. Starting means worker_starts moving: a worker that started after our signal and failed
 * again is pipe-failed now, not before. */
static enum wst_status wake_worker(const struct wst_options *o, const struct wst_session *s,
                                   struct wst_module_report *m, struct wst_error *err)
{
    const struct wst_pipe_identity id = {
        .pid = (uint32_t)s->remote.pid,
        .module_base = m->module.base,
        .instance = m->info.header.instance,
    };
    uint32_t starts = m->info.header.worker_starts;
    DWORD begin = GetTickCount(), signalled = 0;
    int signals = 0;
    /* Helper mode has no trigger: its starting thread is only waited for. */
    const int can_signal = wst_worker_wakes(&m->info);
    for (;;) {
        if (wst_worker_serves(&m->info))
            return WST_OK;
        if (m->info.header.instance != id.instance)
            return wst_error_set(err, WST_E_TARGET_GONE, 0,
                                 "module %s was unloaded while its worker started", m->module.name);
        if (m->info.header.worker_starts != starts &&
            m->info.header.worker_state == WST_WORKER_PIPE_FAILED)
            return wst_worker_absent(m, err);
        if (m->info.header.worker_state == WST_WORKER_STOPPED)
            return wst_worker_absent(m, err);
        DWORD now = GetTickCount();
        if (now - begin >= o->timeout_ms)
            return wst_error_set(err, WST_E_NO_WORKER, 0,
                                 "module %s: the worker did not serve within %lu ms of the "
                                 "trigger (it is %s)",
                                 m->module.name, (unsigned long)o->timeout_ms,
                                 wst_worker_state_name(m->info.header.worker_state));
        if (can_signal && (signals == 0 || (m->info.header.worker_state == WST_WORKER_IDLE &&
                                            now - signalled >= WAKE_RESIGNAL_MS))) {
            enum wst_status st = wst_pipe_wake(&id, err);
            if (st != WST_OK) {
                wst_error_prefix(err, "module %s", m->module.name);
                return st;
            }
            signals++;
            signalled = now;
        }
        Sleep(WAKE_POLL_MS);
        enum wst_status st = wst_read_region_header(&s->remote, &m->module, &m->info, err);
        if (st != WST_OK)
            return st;
    }
}

/* A worker on its way that needs no signal: helper mode's thread starts by
 * itself once the module's first hit has loaded the helper, a moment later
 * (a deferred work item, docs/modes.md "Helper mode"). */
static int worker_on_its_way(const struct wst_region_info *info)
{
    return info->header.mode == WST_MODE_HELPER && info->header.worker_state == WST_WORKER_STARTING;
}

/* Serving already, woken now, or waited for while it starts; else why not. */
static enum wst_status ensure_worker(const struct wst_options *o, const struct wst_session *s,
                                     struct wst_module_report *m, struct wst_error *err)
{
    if (wst_worker_serves(&m->info))
        return WST_OK;
    if (!wst_worker_wakes(&m->info) && !worker_on_its_way(&m->info))
        return wst_worker_absent(m, err);
    return wake_worker(o, s, m, err);
}

/* Connects to the module's worker and checks that it is the module's own:
 * the exact pipe name, the server's process, and the hello's pid, module
 * base and instance (pipe_client.h). */
static enum wst_status pipe_open(const struct wst_options *o, const struct wst_session *s,
                                 const struct wst_module_report *m, struct wst_pipe_client *c,
                                 struct wst_error *err)
{
    const struct wst_pipe_identity id = {
        .pid = (uint32_t)s->remote.pid,
        .module_base = m->module.base,
        .instance = m->info.header.instance,
    };
    enum wst_status st = wst_pipe_open(c, m->info.header.pipe_name, &id, o->timeout_ms, err);
    if (st != WST_OK)
        wst_error_prefix(err, "pid %lu, module %s", (unsigned long)s->remote.pid, m->module.name);
    return st;
}

/* The errors of a worker that stopped (idle) between our read and our
 * connect or hello: its name is gone, or its instance closed under us. Any
 * other failure is the pipe's own, and is reported as it is. */
static int stopped_meanwhile(const struct wst_error *err)
{
    return err->win32 == ERROR_FILE_NOT_FOUND || err->win32 == ERROR_BROKEN_PIPE ||
           err->win32 == ERROR_PIPE_NOT_CONNECTED || err->win32 == ERROR_NO_DATA;
}

/* pipe_open, waking the worker first if it is idle. An on-demand worker may
 * stop (idle) between our read of SERVING and our connect or hello: then the
 * name is gone or the pipe breaks, and one more wake and open answers it. */
enum wst_status wst_worker_open(const struct wst_options *o, const struct wst_session *s,
                                struct wst_module_report *m, struct wst_pipe_client *c,
                                struct wst_error *err)
{
    for (int attempt = 0;; attempt++) {
        enum wst_status st = ensure_worker(o, s, m, err);
        if (st != WST_OK)
            return st;
        st = pipe_open(o, s, m, c, err);
        if (st == WST_OK || attempt == 1 || !wst_worker_wakes(&m->info) || !stopped_meanwhile(err))
            return st;
        struct wst_error again = {0};
        if (wst_read_region_header(&s->remote, &m->module, &m->info, &again) != WST_OK)
            return st;
    }
}
