/*
 * One module's counters, the snapshot that dump, watch and CSV show
 * (snapshot.h): read from memory, or asked of the worker through its pipe
 * (--via), with --via auto preferring a serving worker's complete reply.
 */
#include "snapshot.h"

#include <stdlib.h>

#include "region_reader.h"
#include "worker_link.h"

static enum wst_status dump_via_pipe(const struct wst_options *o, const struct wst_session *s,
                                     struct wst_module_report *m, int *complete,
                                     struct wst_error *err)
{
    struct wst_pipe_client c;
    struct wst_region_counter *counters;
    size_t count;
    uint64_t generation;
    enum wst_status st = wst_worker_open(o, s, m, &c, err);
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
static enum wst_status dump_module_via_pipe(const struct wst_options *o,
                                            const struct wst_session *s,
                                            struct wst_module_report *m, struct wst_error *err)
{
    int complete = 0;
    enum wst_status st = wst_read_region_header(&s->remote, &m->module, &m->info, err);
    if (st != WST_OK)
        return st;
    return dump_via_pipe(o, s, m, &complete, err);
}

enum wst_status wst_snapshot_module(const struct wst_options *o, const struct wst_session *s,
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
    if (o->via == WST_VIA_MEMORY || !wst_worker_serves(&m->info))
        return WST_OK;
    struct wst_error pipe_err = {0};
    int complete = 0;
    dump_via_pipe(o, s, m, &complete, &pipe_err);
    return WST_OK; /* auto: if the pipe fails, the memory snapshot stands */
}

enum wst_status wst_collect_dump(const struct wst_options *o, struct wst_module_report **reports,
                                 size_t *count, struct wst_error *err)
{
    struct wst_session s;
    enum wst_status st = wst_session_open(o, &s, err);
    for (size_t i = 0; st == WST_OK && i < s.count; i++)
        st = wst_snapshot_module(o, &s, &s.reports[i], err);
    *reports = NULL;
    *count = 0;
    if (st == WST_OK) {
        *reports = s.reports;
        *count = s.count;
        s.reports = NULL;
        s.count = 0;
    }
    wst_session_free(&s);
    return st;
}

void wst_reports_free(struct wst_module_report *reports, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(reports[i].counters);
    free(reports);
}
