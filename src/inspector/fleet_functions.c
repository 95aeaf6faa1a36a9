/*
 * See fleet_functions.h. A process is read again through functions.c (one
 * more module discovery, one ReadProcessMemory per table, and each image
 * file read for names) only when one of its collected modules publishes a
 * table: a scrape of processes without --wst-functions costs nothing more.
 * Modules are matched to the collection's by their base address.
 */
#include "fleet_functions.h"

#include <stdlib.h>
#include <string.h>

#include "functions.h"

/* The order the top N is taken in: qsort passes no context. */
static int timed_order;

static int by_weight(const void *a, const void *b)
{
    const struct wst_function *x = a, *y = b;
    uint64_t wx = timed_order ? x->self_ns : x->calls;
    uint64_t wy = timed_order ? y->self_ns : y->calls;
    if (wx != wy)
        return wx > wy ? -1 : 1;
    return x->rva < y->rva ? -1 : x->rva > y->rva;
}

static int has_table(const struct wst_fleet_process *p)
{
    for (size_t i = 0; i < p->count; i++) {
        if (p->modules[i].info.header.functions_rva != 0)
            return 1;
    }
    return 0;
}

/* The top functions of one table into the fleet's module; 0 on no memory. */
static int keep_top(struct wst_fleet_module *m, struct wst_function_module *fm, unsigned long top)
{
    timed_order = fm->timed;
    qsort(fm->functions, fm->count, sizeof *fm->functions, by_weight);
    size_t n = fm->count < top ? fm->count : (size_t)top;
    m->functions = calloc(n ? n : 1, sizeof *m->functions);
    if (m->functions == NULL)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const struct wst_function *f = &fm->functions[i];
        char *name = _strdup(f->name);
        if (name == NULL)
            return 0;
        m->functions[i] = (struct wst_metrics_function){name, f->calls, f->time_ns, f->self_ns};
        m->function_count++;
    }
    m->functions_timed = fm->timed;
    return 1;
}

static void process_functions(struct wst_fleet_process *p, unsigned long top)
{
    struct wst_functions_query q = {0};
    struct wst_functions_result r;
    struct wst_error ignored = {0};
    enum wst_status st = wst_functions_read((uint32_t)p->pid, &q, &r, &ignored);
    if (st != WST_OK && st != WST_E_PARTIAL) {
        wst_functions_free(&r);
        return;
    }
    for (size_t i = 0; i < r.count; i++) {
        struct wst_function_module *fm = &r.modules[i];
        if (fm->error.status != WST_OK)
            continue;
        for (size_t k = 0; k < p->count; k++) {
            struct wst_fleet_module *m = &p->modules[k];
            if (m->module.base == fm->base && m->functions == NULL && !keep_top(m, fm, top))
                break;
        }
    }
    wst_functions_free(&r);
}

void wst_fleet_collect_functions(struct wst_fleet *f, unsigned long top)
{
    if (top == 0)
        return;
    for (size_t i = 0; i < f->count; i++) {
        if (has_table(&f->processes[i]))
            process_functions(&f->processes[i], top);
    }
}
