/*
 * `wst-inspect list [--json]`: every process that has an instrumented
 * module, with each such module's header (mode, worker, pipe). A process
 * that cannot be read (exited, denied, not instrumented) is left out, not
 * an error. Main thread only.
 */
#include "verbs.h"

#include <stdlib.h>
#include <string.h>

#include "region_reader.h"
#include "session.h"
#include "write_report.h"

/* One process for `list`: its instrumented modules' headers. Any failure
 * (exited, denied, not instrumented) just leaves it out. */
static int list_process(DWORD pid, struct wst_process_report *p)
{
    struct wst_options o = {.pid = pid};
    struct wst_error ignored = {0};
    struct wst_session s;
    memset(p, 0, sizeof *p);
    if (wst_session_open(&o, &s, &ignored) != WST_OK) {
        wst_session_free(&s);
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
    wst_session_free(&s);
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
