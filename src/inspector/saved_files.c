/*
 * See saved_files.h. Trusts nothing in a file: the container is validated
 * by saved_parse.c, the region by region_parse.c, and the identity must
 * agree with the region it carries (pid, instance) before any number of it
 * is added to another file's.
 */
#include "saved_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "pe_build_id.h"

/* A saved file holds at most a 64 MiB region and a 64 MiB table. */
#define SAVED_FILE_LIMIT ((size_t)160 << 20)

static enum wst_status parse_region(struct wst_saved_input *in, struct wst_error *err)
{
    size_t size = in->saved.region_size;
    size_t capacity = wst_region_max_counters(size);
    size_t dists = wst_region_max_dists(size);
    in->counters =
        malloc(capacity * sizeof *in->counters + dists * WST_DIST_BUCKETS * sizeof(uint64_t));
    if (in->counters == NULL)
        return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory reading %s", in->file);
    enum wst_status st =
        wst_region_parse_pool(in->saved.region, size, &in->info, in->counters, capacity,
                              (uint64_t *)(in->counters + capacity), dists, &in->count);
    if (st != WST_OK)
        return wst_error_set(err, st, 0, "%s: its region: %s", in->file, wst_status_message(st));
    if (in->info.header.pid != in->saved.identity.pid ||
        in->info.header.instance != in->saved.identity.instance)
        return wst_error_set(err, WST_E_CORRUPT, 0,
                             "%s: the region's pid and instance are not the identity's", in->file);
    return WST_OK;
}

static enum wst_status read_one(struct wst_saved_input *in, struct wst_error *err)
{
    size_t size;
    enum wst_status st = wst_read_file(in->file, SAVED_FILE_LIMIT, &in->bytes, &size, err);
    if (st != WST_OK)
        return st == WST_E_BAD_IMAGE ? wst_error_set(err, WST_E_CORRUPT, 0,
                                                     "%s: larger than any saved file", in->file)
                                     : st;
    st = wst_saved_parse(in->bytes, size, &in->saved);
    if (st != WST_OK)
        return wst_error_set(err, st, 0, "%s: not a readable saved file: %s", in->file,
                             wst_status_message(st));
    return parse_region(in, err);
}

static int same_name(const struct wst_saved_input *a, const struct wst_saved_input *b)
{
    const char *x = wst_saved_module_name(&a->saved.identity);
    const char *y = wst_saved_module_name(&b->saved.identity);
    for (; *x != '\0' && *y != '\0'; x++, y++) {
        char cx = *x >= 'A' && *x <= 'Z' ? (char)(*x + 32) : *x;
        char cy = *y >= 'A' && *y <= 'Z' ? (char)(*y + 32) : *y;
        if (cx != cy)
            return 0;
    }
    return *x == *y;
}

/* One build: the build ids when both have one, else the headers. */
static int same_build(const struct wst_saved_identity *a, const struct wst_saved_identity *b)
{
    if (a->machine != b->machine || a->build_id_present != b->build_id_present)
        return 0;
    if (a->build_id_present)
        return memcmp(a->build_id, b->build_id, sizeof a->build_id) == 0;
    return a->timestamp == b->timestamp && a->size_of_image == b->size_of_image;
}

static void build_text(const struct wst_saved_identity *id, char *out)
{
    struct wst_build_id b = {.present = id->build_id_present};
    memcpy(b.bytes, id->build_id, sizeof b.bytes);
    wst_build_id_format(&b, out);
}

static enum wst_status mismatch(const struct wst_saved_input *a, const struct wst_saved_input *b,
                                struct wst_error *err)
{
    char x[WST_BUILD_ID_TEXT_MAX], y[WST_BUILD_ID_TEXT_MAX];
    build_text(&a->saved.identity, x);
    build_text(&b->saved.identity, y);
    return wst_error_set(err, WST_E_BUILD_MISMATCH, 0,
                         "%s and %s hold different builds of %s (build id %s, timestamp 0x%08lx; "
                         "build id %s, timestamp 0x%08lx): their counts are not merged",
                         a->file, b->file, wst_saved_module_name(&a->saved.identity), x,
                         (unsigned long)a->saved.identity.timestamp, y,
                         (unsigned long)b->saved.identity.timestamp);
}

/* Counters and distributions of every file of m, merged by name; gauges are
 * left out (reported per file). */
static enum wst_status merge_module(struct wst_saved_set *set, struct wst_saved_module *m,
                                    struct wst_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < m->file_count; i++)
        total += set->inputs[m->files[i]].count;
    m->merged = malloc((total ? total : 1) * sizeof *m->merged);
    if (m->merged == NULL)
        return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory merging");
    size_t n = 0;
    for (size_t i = 0; i < m->file_count; i++) {
        const struct wst_saved_input *in = &set->inputs[m->files[i]];
        for (size_t c = 0; c < in->count; c++) {
            if (in->counters[c].kind != WST_KIND_GAUGE)
                m->merged[n++] = in->counters[c];
        }
    }
    m->merged_count = wst_region_sort_merge(m->merged, n);
    return WST_OK;
}

/* The module of input i: an existing one of its name (same build, else
 * refused), or a new one. */
static enum wst_status group(struct wst_saved_set *set, size_t i, struct wst_error *err)
{
    const struct wst_saved_input *in = &set->inputs[i];
    struct wst_saved_module *m = NULL;
    for (size_t k = 0; k < set->module_count && m == NULL; k++) {
        if (same_name(&set->inputs[set->modules[k].first], in))
            m = &set->modules[k];
    }
    if (m == NULL) {
        m = &set->modules[set->module_count++];
        m->first = i;
        m->files = calloc(set->input_count, sizeof *m->files);
        if (m->files == NULL)
            return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
    }
    for (size_t k = 0; k < m->file_count; k++) {
        const struct wst_saved_input *other = &set->inputs[m->files[k]];
        if (!same_build(&other->saved.identity, &in->saved.identity))
            return mismatch(other, in, err);
        if (other->saved.identity.pid == in->saved.identity.pid &&
            other->saved.identity.instance == in->saved.identity.instance)
            return wst_error_set(err, WST_E_USAGE, 0,
                                 "%s and %s are the same save (pid %lu, instance %016llx)",
                                 other->file, in->file, (unsigned long)in->saved.identity.pid,
                                 (unsigned long long)in->saved.identity.instance);
    }
    m->files[m->file_count++] = i;
    return WST_OK;
}

static int selected(const struct wst_options *o, const struct wst_saved_input *in)
{
    if (o->module == NULL)
        return 1;
    struct wst_saved_input probe = {0};
    snprintf(probe.saved.identity.module_path, sizeof probe.saved.identity.module_path, "%s",
             o->module);
    return same_name(&probe, in);
}

enum wst_status wst_saved_load(const struct wst_options *o, struct wst_saved_set *set,
                               struct wst_error *err)
{
    memset(set, 0, sizeof *set);
    set->inputs = calloc(o->from_count, sizeof *set->inputs);
    set->modules = calloc(o->from_count, sizeof *set->modules);
    if (set->inputs == NULL || set->modules == NULL)
        return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
    set->input_count = o->from_count;
    for (size_t i = 0; i < o->from_count; i++) {
        set->inputs[i].file = o->from[i];
        enum wst_status st = read_one(&set->inputs[i], err);
        if (st != WST_OK)
            return st;
    }
    for (size_t i = 0; i < set->input_count; i++) {
        if (!selected(o, &set->inputs[i]))
            continue;
        enum wst_status st = group(set, i, err);
        if (st != WST_OK)
            return st;
    }
    if (set->module_count == 0)
        return wst_error_set(err, WST_E_NO_MODULE, 0, "no saved file is of module %s", o->module);
    for (size_t k = 0; k < set->module_count; k++) {
        enum wst_status st = merge_module(set, &set->modules[k], err);
        if (st != WST_OK)
            return st;
    }
    return WST_OK;
}

void wst_saved_free(struct wst_saved_set *set)
{
    for (size_t i = 0; i < set->input_count; i++) {
        free(set->inputs[i].bytes);
        free(set->inputs[i].counters);
    }
    for (size_t k = 0; k < set->module_count; k++) {
        free(set->modules[k].files);
        free(set->modules[k].merged);
    }
    free(set->inputs);
    free(set->modules);
    memset(set, 0, sizeof *set);
}
