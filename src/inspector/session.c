/*
 * The process that a verb works on (session.h): opened, its selected
 * modules found, one report each; and the verb's status once every module
 * had its turn.
 *
 * dump, reset and stats go module by module: one module's failure (it
 * unloaded mid-read, its worker stopped) is kept in its report and the
 * others are still done and printed; the verb then returns WST_E_PARTIAL,
 * or the module's own error when every module failed.
 */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wst_session_free(struct wst_session *s)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->reports[i].counters);
    free(s->reports);
    wst_remote_close(&s->remote);
}

/* Opens the process and finds the selected modules. */
enum wst_status wst_session_open(const struct wst_options *o, struct wst_session *s,
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

/* Records module m's failure in its report, so the verb can go on with the
 * others. */
void wst_module_failed(struct wst_module_report *m, enum wst_status st, const struct wst_error *err)
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
enum wst_status wst_modules_status(const struct wst_session *s, struct wst_error *err)
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
