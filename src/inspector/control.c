/*
 * reset and stats (control.h): every selected module must have a serving
 * worker, or one that starts when asked (which is woken just before its
 * request); this is checked for all of them before any request, so a reset
 * is not half-done because the last module turned out to be threadless. A
 * module whose request then fails (its worker stopped, its pipe broke) is
 * reported in its place and the others still get theirs: a reset of several
 * modules can be half-applied, but never silently.
 *
 * A reset whose reply never came is not simply a failure: the worker may
 * have applied it (issue 23 F3: `--timeout 3` reported exit 11 while the
 * generation went 50 to 52, and a user who retries resets twice). So once
 * any byte of the request may have left, the answer comes from the region's
 * generation, read before the request and again after the failure: moved,
 * the reset was applied (exit 0, marked unanswered); unchanged, it may still
 * be (unknown-outcome, 17, naming the generation). docs/inspector.md, "reset
 * without a reply", has the answers; docs/design/protocol.md says why this
 * and not a reset id in the protocol.
 */
#include "control.h"

#include <inttypes.h>
#include <string.h>

#include "pipe_client.h"
#include "region_reader.h"
#include "worker_link.h"

/* The reset failed after its request may have been sent (err says how):
 * what the generation, read before (`before`) and now, says happened. */
static enum wst_status reset_outcome(struct wst_session *s, struct wst_module_report *m,
                                     uint64_t before, struct wst_error *err)
{
    char why[sizeof err->detail];
    struct wst_error read_err = {0};
    struct wst_region_info now;
    memcpy(why, err->detail, sizeof why);
    if (wst_read_region_header(&s->remote, &m->module, &now, &read_err) != WST_OK)
        return wst_error_set(err, WST_E_UNKNOWN_OUTCOME, err->win32,
                             "%s after the reset was sent, and the generation could not be "
                             "read again: the reset may have been applied",
                             why);
    uint64_t after = now.header.generation;
    if (after != before) {
        /* Odd: the reset is running; it ends at the next even value. */
        m->generation = after + (after & 1);
        m->unanswered = 1;
        *err = (struct wst_error){0};
        return WST_OK;
    }
    return wst_error_set(err, WST_E_UNKNOWN_OUTCOME, err->win32,
                         "%s after the reset was sent, and the generation is still %" PRIu64
                         ": the worker may yet apply it (read the generation before retrying)",
                         why, after);
}

/* One module's reset: its generation before, the request, and, if the
 * request may have left but got no good reply, the generation after. */
static enum wst_status reset_module(struct wst_session *s, struct wst_module_report *m,
                                    struct wst_pipe_client *c, struct wst_error *err)
{
    enum wst_status st = wst_read_region_header(&s->remote, &m->module, &m->info, err);
    if (st != WST_OK)
        return st;
    uint64_t before = m->info.header.generation;
    st = wst_pipe_reset(c, &m->generation, err);
    if (st != WST_OK && c->sent)
        return reset_outcome(s, m, before, err);
    return st;
}

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
                mst = reset_module(s, m, &c, &module_err);
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
