/*
 * See inspect.h. Every verb starts from memory: the region header is the
 * only way to learn the mode, the worker's state and the pipe's name without
 * the target's help. The pipe is then used when the verb needs it (reset,
 * stats) or when --via allows and a worker serves (dump). A worker's reply
 * is accepted only after its hello names the same pid and module instance
 * as the region: a squatter on the pipe name cannot answer for the module.
 */
#include "inspect.h"

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
    return info->worker_state == WST_WORKER_SERVING && info->pipe_name[0] != '\0';
}

static enum wst_status no_worker(const struct wst_module_report *m, struct wst_error *err)
{
    if (m->info.mode == WST_MODE_THREADLESS || m->info.mode == WST_MODE_UNSET)
        return wst_error_set(err, WST_E_NO_WORKER, 0,
                             "module %s runs in %s mode; this needs a worker "
                             "(WINSTRUMENT_MODE=threadpool or helper)",
                             m->module.name, wst_mode_name(m->info.mode));
    return wst_error_set(err, WST_E_NO_WORKER, 0, "module %s: the worker is %s, not serving",
                         m->module.name, wst_worker_state_name(m->info.worker_state));
}

/* Connects to the module's worker and checks with hello that it is the
 * module's own. */
static enum wst_status pipe_open(const struct wst_options *o, const struct session *s,
                                 const struct wst_module_report *m, struct wst_pipe_client *c,
                                 struct wst_error *err)
{
    struct wst_msg_hello hello;
    enum wst_status st = wst_pipe_connect(c, m->info.pipe_name, o->timeout_ms, err);
    if (st != WST_OK)
        goto fail;
    st = wst_pipe_hello(c, &hello, err);
    if (st != WST_OK)
        goto fail;
    if (hello.pid != s->remote.pid || hello.instance != m->info.instance) {
        st = wst_error_set(err, WST_E_PIPE, 0,
                           "the pipe answers for pid %lu instance %016llx, not this module",
                           (unsigned long)hello.pid, (unsigned long long)hello.instance);
        goto fail;
    }
    return WST_OK;
fail:
    wst_pipe_close(c);
    wst_error_prefix(err, "pid %lu, module %s", (unsigned long)s->remote.pid, m->module.name);
    return st;
}

static enum wst_status dump_via_pipe(const struct wst_options *o, const struct session *s,
                                     struct wst_module_report *m, struct wst_error *err)
{
    struct wst_pipe_client c;
    struct wst_region_counter *counters;
    size_t count;
    uint64_t generation;
    enum wst_status st = pipe_open(o, s, m, &c, err);
    if (st != WST_OK)
        return st;
    st = wst_pipe_snapshot(&c, &generation, &counters, &count, err);
    wst_pipe_close(&c);
    if (st != WST_OK)
        return st;
    free(m->counters);
    m->counters = counters;
    m->count = count;
    m->generation = generation;
    m->via = "pipe";
    return WST_OK;
}

static enum wst_status dump_module(const struct wst_options *o, const struct session *s,
                                   struct wst_module_report *m, struct wst_error *err)
{
    enum wst_status st =
        wst_read_region(&s->remote, &m->module, &m->info, &m->counters, &m->count, err);
    if (st != WST_OK)
        return st;
    m->via = "memory";
    m->generation = m->info.generation;
    if (o->via == WST_VIA_MEMORY)
        return WST_OK;
    if (!worker_serves(&m->info))
        return o->via == WST_VIA_PIPE ? no_worker(m, err) : WST_OK;
    struct wst_error pipe_err = {0};
    st = dump_via_pipe(o, s, m, &pipe_err);
    if (st != WST_OK && o->via == WST_VIA_PIPE) {
        *err = pipe_err;
        return st;
    }
    return WST_OK; /* auto: the memory snapshot stands */
}

enum wst_status wst_verb_dump(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    struct session s;
    enum wst_status st = session_open(o, &s, err);
    for (size_t i = 0; st == WST_OK && i < s.count; i++)
        st = dump_module(o, &s, &s.reports[i], err);
    if (st == WST_OK)
        wst_output_dump(out, o->json, o->pid, s.reports, s.count);
    session_free(&s);
    return st;
}

/* reset and stats: every selected module must have a serving worker; this is
 * checked for all of them before any request, so a reset is not half-done
 * because the last module turned out to be threadless. */
static enum wst_status control(const struct wst_options *o, FILE *out, struct wst_error *err,
                               uint16_t type)
{
    struct session s;
    enum wst_status st = session_open(o, &s, err);
    for (size_t i = 0; st == WST_OK && i < s.count; i++) {
        struct wst_module_report *m = &s.reports[i];
        st = wst_read_region_header(&s.remote, &m->module, &m->info, err);
        if (st == WST_OK && !worker_serves(&m->info))
            st = no_worker(m, err);
    }
    for (size_t i = 0; st == WST_OK && i < s.count; i++) {
        struct wst_module_report *m = &s.reports[i];
        struct wst_pipe_client c;
        m->via = "pipe";
        st = pipe_open(o, &s, m, &c, err);
        if (st != WST_OK)
            break;
        if (type == WST_MSG_RESET)
            st = wst_pipe_reset(&c, &m->generation, err);
        else
            st = wst_pipe_stats(&c, &m->stats, err);
        wst_pipe_close(&c);
    }
    if (st == WST_OK && type == WST_MSG_RESET)
        wst_output_reset(out, o->json, o->pid, s.reports, s.count);
    else if (st == WST_OK)
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
