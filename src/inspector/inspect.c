/*
 * See inspect.h. Every verb starts from memory: the region header is the
 * only way to learn the mode, the worker's state and the pipe's name without
 * the target's help. The pipe is then used when the verb needs it (reset,
 * stats, dump --via pipe), waking an idle on-demand worker first, or when
 * --via auto finds a worker serving already (dump: an idle worker is not
 * woken for what memory answers). A worker's reply
 * is accepted only after the pipe's name, its server process and the
 * worker's hello all name the pid, module base and instance found in memory:
 * a squatter on the pipe name cannot answer for the module.
 *
 * dump, reset and stats go module by module: one module's failure (it
 * unloaded mid-read, its worker stopped) is kept in its report and the
 * others are still done and printed; the verb then returns WST_E_PARTIAL,
 * or the module's own error when every module failed.
 */
#include "inspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "pipe_client.h"
#include "region_reader.h"

struct session {
    struct wst_remote remote;
    struct wst_module_report *reports;
    size_t count;
};

static void session_free(struct session *s)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->reports[i].counters);
    free(s->reports);
    wst_remote_close(&s->remote);
}

/* Opens the process and finds the selected modules. */
static enum wst_status session_open(const struct wst_options *o, struct session *s,
                                    struct wst_error *err)
{
    struct wst_module *mods = NULL;
    size_t n = 0;
    memset(s, 0, sizeof *s);
    enum wst_status st = wst_remote_open(o->pid, &s->remote, err);
    if (st == WST_OK)
        st = wst_discover_modules(&s->remote, o->module, &mods, &n, err);
    if (st != WST_OK)
        return st;
    s->reports = calloc(n, sizeof *s->reports);
    if (s->reports == NULL) {
        free(mods);
        return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        s->reports[i].module = mods[i];
    s->count = n;
    free(mods);
    return WST_OK;
}

static int worker_serves(const struct wst_region_info *info)
{
    return info->header.worker_state == WST_WORKER_SERVING && info->header.pipe_name[0] != '\0';
}

/* The worker starts when asked (header.trigger_state ARMED): wake_worker
 * signals it. */
static int worker_wakes(const struct wst_region_info *info)
{
    return info->header.mode == WST_MODE_THREADPOOL && info->header.trigger_state == WST_TRIGGER_ARMED;
}

static enum wst_status no_worker(const struct wst_module_report *m, struct wst_error *err)
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
 * thread come) and waits until it serves, bounded by the pipe timeout. m->info is re-read meanwhile. Starting means worker_starts
 * moving: a worker that started after our signal and failed again is
 * pipe-failed now, not before. */
static enum wst_status wake_worker(const struct wst_options *o, const struct session *s,
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
    const int can_signal = worker_wakes(&m->info);
    for (;;) {
        if (worker_serves(&m->info))
            return WST_OK;
        if (m->info.header.instance != id.instance)
            return wst_error_set(err, WST_E_TARGET_GONE, 0,
                                 "module %s was unloaded while its worker started", m->module.name);
        if (m->info.header.worker_starts != starts && m->info.header.worker_state == WST_WORKER_PIPE_FAILED)
            return no_worker(m, err);
        if (m->info.header.worker_state == WST_WORKER_STOPPED)
            return no_worker(m, err);
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
static enum wst_status ensure_worker(const struct wst_options *o, const struct session *s,
                                     struct wst_module_report *m, struct wst_error *err)
{
    if (worker_serves(&m->info))
        return WST_OK;
    if (!worker_wakes(&m->info) && !worker_on_its_way(&m->info))
        return no_worker(m, err);
    return wake_worker(o, s, m, err);
}

/* Connects to the module's worker and checks that it is the module's own:
 * the exact pipe name, the server's process, and the hello's pid, module
 * base and instance (pipe_client.h). */
static enum wst_status pipe_open(const struct wst_options *o, const struct session *s,
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
static enum wst_status worker_open(const struct wst_options *o, const struct session *s,
                                   struct wst_module_report *m, struct wst_pipe_client *c,
                                   struct wst_error *err)
{
    for (int attempt = 0;; attempt++) {
        enum wst_status st = ensure_worker(o, s, m, err);
        if (st != WST_OK)
            return st;
        st = pipe_open(o, s, m, c, err);
        if (st == WST_OK || attempt == 1 || !worker_wakes(&m->info) || !stopped_meanwhile(err))
            return st;
        struct wst_error again = {0};
        if (wst_read_region_header(&s->remote, &m->module, &m->info, &again) != WST_OK)
            return st;
    }
}

static enum wst_status dump_via_pipe(const struct wst_options *o, const struct session *s,
                                     struct wst_module_report *m, int *complete,
                                     struct wst_error *err)
{
    struct wst_pipe_client c;
    struct wst_region_counter *counters;
    size_t count;
    uint64_t generation;
    enum wst_status st = worker_open(o, s, m, &c, err);
    if (st != WST_OK)
        return st;
    st = wst_pipe_snapshot(&c, &generation, &counters, &count, complete, err);
    wst_pipe_close(&c);
    if (st != WST_OK)
        return st;
    /* auto: a reply that could not hold every name loses to the memory
     * snapshot, which has them all (docs/protocol.md, SNAPSHOT). */
    if (!*complete && o->via == WST_VIA_AUTO) {
        free(counters);
        return WST_OK;
    }
    free(m->counters);
    m->counters = counters;
    m->count = count;
    m->generation = generation;
    m->via = "pipe";
    m->complete = *complete;
    m->settled = 1; /* the worker reads each stripe atomically, never during its own reset */
    return WST_OK;
}

/* --via pipe: the worker's snapshot, with only the header read from memory
 * (for the pipe's name and the worker's state; an idle worker is woken). The counters in memory are
 * not parsed: a damaged line there must not fail a dump that the worker,
 * which walks its own region, can answer. */
static enum wst_status dump_module_via_pipe(const struct wst_options *o, const struct session *s,
                                            struct wst_module_report *m, struct wst_error *err)
{
    int complete = 0;
    enum wst_status st = wst_read_region_header(&s->remote, &m->module, &m->info, err);
    if (st != WST_OK)
        return st;
    return dump_via_pipe(o, s, m, &complete, err);
}

static enum wst_status dump_module(const struct wst_options *o, const struct session *s,
                                   struct wst_module_report *m, struct wst_error *err)
{
    if (o->via == WST_VIA_PIPE)
        return dump_module_via_pipe(o, s, m, err);
    enum wst_status st = wst_read_region(&s->remote, &m->module, &m->info, &m->counters, &m->count,
                                         &m->settled, err);
    if (st != WST_OK)
        return st;
    m->via = "memory";
    m->generation = m->info.header.generation;
    m->complete = 1;
    if (o->via == WST_VIA_MEMORY || !worker_serves(&m->info))
        return WST_OK;
    struct wst_error pipe_err = {0};
    int complete = 0;
    dump_via_pipe(o, s, m, &complete, &pipe_err);
    return WST_OK; /* auto: if the pipe fails, the memory snapshot stands */
}

/* Records module m's failure in its report, so the verb can go on with the
 * others. */
static void module_failed(struct wst_module_report *m, enum wst_status st,
                          const struct wst_error *err)
{
    m->error = *err;
    m->error.status = st;
    if (m->error.detail[0] == '\0')
        snprintf(m->error.detail, sizeof m->error.detail, "%s", wst_status_message(st));
}

/* The verb's status once every module had its turn: OK if none failed,
 * target-gone if the process exited, the first module's own error if all
 * failed (so one selected module fails as it always did), WST_E_PARTIAL if
 * some did. The output, printed for OK and WST_E_PARTIAL, carries each
 * failure in its module's place. */
static enum wst_status modules_status(const struct session *s, struct wst_error *err)
{
    size_t failed = 0, first = 0;
    for (size_t i = s->count; i-- > 0;) {
        if (s->reports[i].error.status != WST_OK) {
            failed++;
            first = i;
        }
    }
    if (failed == 0)
        return WST_OK;
    /* A process that died during the verb fails it as a whole: the modules
     * read before the death are no reason to report success in part. */
    if (!wst_remote_alive(&s->remote))
        return wst_error_set(err, WST_E_TARGET_GONE, 0, "pid %lu exited during the read",
                             (unsigned long)s->remote.pid);
    const struct wst_module_report *f = &s->reports[first];
    if (failed == s->count) {
        *err = f->error;
        return f->error.status;
    }
    return wst_error_set(err, WST_E_PARTIAL, f->error.win32,
                         "%zu of %zu modules failed; first %s: %s: %s", failed, s->count,
                         f->module.name, wst_status_name(f->error.status), f->error.detail);
}

enum wst_status wst_verb_dump(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    struct session s;
    enum wst_status st = session_open(o, &s, err);
    if (st != WST_OK) {
        session_free(&s);
        return st;
    }
    for (size_t i = 0; i < s.count; i++) {
        struct wst_error module_err = {0};
        enum wst_status mst = dump_module(o, &s, &s.reports[i], &module_err);
        if (mst != WST_OK)
            module_failed(&s.reports[i], mst, &module_err);
    }
    st = modules_status(&s, err);
    if (st == WST_OK || st == WST_E_PARTIAL)
        wst_output_dump(out, o->json, o->pid, s.reports, s.count);
    session_free(&s);
    return st;
}

/* reset and stats: every selected module must have a serving worker, or one
 * that starts when asked (which is woken just before its request); this is
 * checked for all of them before any request, so a reset is not half-done
 * because the last module turned out to be threadless. A module whose
 * request then fails (its worker stopped, its pipe broke) is reported in
 * its place and the others still get theirs: a reset of several modules
 * can be half-applied, but never silently. */
static enum wst_status control(const struct wst_options *o, FILE *out, struct wst_error *err,
                               uint16_t type)
{
    struct session s;
    enum wst_status st = session_open(o, &s, err);
    for (size_t i = 0; st == WST_OK && i < s.count; i++) {
        struct wst_module_report *m = &s.reports[i];
        st = wst_read_region_header(&s.remote, &m->module, &m->info, err);
        if (st == WST_OK && !worker_serves(&m->info) && !worker_wakes(&m->info))
            st = no_worker(m, err);
    }
    if (st != WST_OK) {
        session_free(&s);
        return st;
    }
    for (size_t i = 0; i < s.count; i++) {
        struct wst_module_report *m = &s.reports[i];
        struct wst_pipe_client c;
        struct wst_error module_err = {0};
        m->via = "pipe";
        enum wst_status mst = worker_open(o, &s, m, &c, &module_err);
        if (mst == WST_OK) {
            if (type == WST_MSG_RESET)
                mst = wst_pipe_reset(&c, &m->generation, &module_err);
            else
                mst = wst_pipe_stats(&c, &m->stats, &module_err);
            wst_pipe_close(&c);
            if (mst != WST_OK)
                wst_error_prefix(&module_err, "module %s", m->module.name);
        }
        if (mst != WST_OK)
            module_failed(m, mst, &module_err);
    }
    st = modules_status(&s, err);
    if ((st == WST_OK || st == WST_E_PARTIAL) && type == WST_MSG_RESET)
        wst_output_reset(out, o->json, o->pid, s.reports, s.count);
    else if (st == WST_OK || st == WST_E_PARTIAL)
        wst_output_stats(out, o->json, o->pid, s.reports, s.count);
    session_free(&s);
    return st;
}

enum wst_status wst_verb_reset(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    return control(o, out, err, WST_MSG_RESET);
}

enum wst_status wst_verb_stats(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    return control(o, out, err, WST_MSG_STATS);
}

/* One process for `list`: its instrumented modules' headers. Any failure
 * (exited, denied, not instrumented) just leaves it out. */
static int list_process(DWORD pid, struct wst_process_report *p)
{
    struct wst_options o = {.pid = pid};
    struct wst_error ignored = {0};
    struct session s;
    memset(p, 0, sizeof *p);
    if (session_open(&o, &s, &ignored) != WST_OK) {
        session_free(&s);
        return 0;
    }
    size_t kept = 0;
    for (size_t i = 0; i < s.count; i++) {
        if (wst_read_region_header(&s.remote, &s.reports[i].module, &s.reports[i].info, &ignored) ==
            WST_OK)
            s.reports[kept++] = s.reports[i];
    }
    p->pid = pid;
    wst_remote_image_path(&s.remote, p->executable, sizeof p->executable);
    p->modules = s.reports;
    p->count = kept;
    s.reports = NULL;
    s.count = 0;
    session_free(&s);
    if (kept == 0) {
        free(p->modules);
        return 0;
    }
    return 1;
}

enum wst_status wst_verb_list(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    DWORD *pids;
    size_t n, found = 0;
    enum wst_status st = wst_discover_processes(&pids, &n, err);
    if (st != WST_OK)
        return st;
    struct wst_process_report *procs = calloc(n ? n : 1, sizeof *procs);
    if (procs == NULL) {
        free(pids);
        return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (pids[i] != 0 && list_process(pids[i], &procs[found]))
            found++;
    }
    wst_output_list(out, o->json, procs, found);
    for (size_t i = 0; i < found; i++)
        free(procs[i].modules);
    free(procs);
    free(pids);
    return WST_OK;
}

enum wst_status wst_collect_dump(const struct wst_options *o, struct wst_module_report **reports,
                                 size_t *count, struct wst_error *err)
{
    struct session s;
    enum wst_status st = session_open(o, &s, err);
    for (size_t i = 0; st == WST_OK && i < s.count; i++)
        st = dump_module(o, &s, &s.reports[i], err);
    *reports = NULL;
    *count = 0;
    if (st == WST_OK) {
        *reports = s.reports;
        *count = s.count;
        s.reports = NULL;
        s.count = 0;
    }
    session_free(&s);
    return st;
}

void wst_reports_free(struct wst_module_report *reports, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(reports[i].counters);
    free(reports);
}
