/*
 * See fleet.h. Each module costs one ReadProcessMemory for its PE headers
 * (discovery.c, also paid for every module that turns out not to be
 * instrumented) and one for its whole region (region_reader.c): O(1) reads
 * per module, whatever its number of entries. The pipe is never used: a
 * scrape needs no worker and never competes with a worker's clients.
 */
#include "fleet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "region_reader.h"

static void process_free(struct wst_fleet_process *p)
{
    for (size_t i = 0; i < p->count; i++) {
        free(p->modules[i].entries);
        for (size_t k = 0; k < p->modules[i].function_count; k++)
            free((char *)p->modules[i].functions[k].name);
        free(p->modules[i].functions);
    }
    free(p->modules);
    p->modules = NULL;
    p->count = 0;
}

void wst_fleet_free(struct wst_fleet *f)
{
    for (size_t i = 0; i < f->count; i++)
        process_free(&f->processes[i]);
    free(f->processes);
    memset(f, 0, sizeof *f);
}

static void base_name(const char *path, char *out, size_t size)
{
    const char *name = path;
    for (const char *p = path; *p != '\0'; p++) {
        if (*p == '\\' || *p == '/')
            name = p + 1;
    }
    snprintf(out, size, "%s", name);
}

static void unique_labels(struct wst_fleet_process *p)
{
    for (size_t i = 0; i < p->count; i++) {
        struct wst_fleet_module *m = &p->modules[i];
        int shared = 0;
        for (size_t k = 0; k < p->count && !shared; k++)
            shared = k != i && wst_name_equals(m->module.name, p->modules[k].module.name);
        if (shared)
            snprintf(m->label, sizeof m->label, "%s@0x%llx", m->module.name,
                     (unsigned long long)m->module.base);
        else
            snprintf(m->label, sizeof m->label, "%s", m->module.name);
    }
}

/* 1 when the process had at least one readable instrumented module. */
static int collect_process(DWORD pid, struct wst_fleet_process *p, size_t *skipped)
{
    struct wst_remote r;
    struct wst_error ignored = {0};
    struct wst_module *mods = NULL;
    size_t n = 0;
    memset(p, 0, sizeof *p);
    if (wst_remote_open(pid, &r, &ignored) != WST_OK)
        return 0;
    if (wst_discover_modules(&r, NULL, &mods, &n, &ignored) != WST_OK || n == 0)
        goto out;
    p->modules = calloc(n, sizeof *p->modules);
    if (p->modules == NULL)
        goto out;
    for (size_t i = 0; i < n; i++) {
        struct wst_fleet_module *m = &p->modules[p->count];
        m->module = mods[i];
        int settled; /* a scrape shows an unsettled copy as it is, like dump */
        if (wst_read_region(&r, &m->module, &m->info, &m->entries, &m->count, &settled,
                            &ignored) == WST_OK)
            p->count++;
        else
            ++*skipped;
    }
    if (p->count > 0) {
        char path[WST_MODULE_PATH_MAX];
        wst_remote_image_path(&r, path, sizeof path);
        base_name(path, p->exe, sizeof p->exe);
        p->pid = pid;
        unique_labels(p);
    }
out:
    free(mods);
    wst_remote_close(&r);
    if (p->count == 0) {
        process_free(p);
        return 0;
    }
    return 1;
}

enum wst_status wst_fleet_collect(struct wst_fleet *f, struct wst_error *err)
{
    DWORD *pids;
    size_t n;
    memset(f, 0, sizeof *f);
    enum wst_status st = wst_discover_processes(&pids, &n, err);
    if (st != WST_OK)
        return st;
    f->processes = calloc(n ? n : 1, sizeof *f->processes);
    if (f->processes == NULL) {
        free(pids);
        return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (pids[i] != 0 && collect_process(pids[i], &f->processes[f->count], &f->skipped))
            f->count++;
    }
    free(pids);
    return WST_OK;
}

struct wst_metrics_module *wst_fleet_metrics(const struct wst_fleet *f, size_t *count)
{
    size_t total = 0;
    for (size_t i = 0; i < f->count; i++)
        total += f->processes[i].count;
    struct wst_metrics_module *out = calloc(total ? total : 1, sizeof *out);
    if (out == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < f->count; i++) {
        const struct wst_fleet_process *p = &f->processes[i];
        for (size_t j = 0; j < p->count; j++, k++) {
            out[k].pid = p->pid;
            out[k].exe = p->exe;
            out[k].module = p->modules[j].label;
            out[k].mode = wst_mode_name(p->modules[j].info.header.mode);
            out[k].entries = p->modules[j].entries;
            out[k].count = p->modules[j].count;
            out[k].functions = p->modules[j].functions;
            out[k].function_count = p->modules[j].function_count;
            out[k].functions_timed = p->modules[j].functions_timed;
        }
    }
    *count = total;
    return out;
}
