/*
 * reset and stats (control.h): every selected module must have a serving
 * worker, or one that starts when asked (which is woken just before its
 * request); this is checked for all of them before any request, so a reset
 * is not half-done because the last module turned out to be threadless. A
 * module whose request then fails (its worker stopped, its pipe broke) is
 * reported in its place and the others still get theirs: a reset of several
 * modules can be half-applied, but never silently.
 */
#include "control.h"

#include "pipe_client.h"
#include "region_reader.h"
#include "worker_link.h"

enum wst_status wst_control(const struct wst_options *o, uint16_t type, struct wst_session *s,
                            struct wst_error *err)
{
    enum wst_status st = wst_session_open(o, s, err);
    for (size_t i = 0; st == WST_OK && i < s->count; i++) {
        struct wst_module_report *m = &s->reports[i];
        st = wst_read_region_header(&s->remote, &m->module, &m->info, err);
        if (st == WST_OK && !wst_worker_serves(&m->info) && !wst_worker_wakes(&m->info))
            st = wst_worker_absent(m, err);
    }
    if (st != WST_OK)
        return st;
    for (size_t i = 0; i < s->count; i++) {
        struct wst_module_report *m = &s->reports[i];
        struct wst_pipe_client c;
        struct wst_error module_err = {0};
        m->via = "pipe";
        enum wst_status mst = wst_worker_open(o, s, m, &c, &module_err);
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
            wst_module_failed(m, mst, &module_err);
    }
    return wst_modules_status(s, err);
}
