/*
 * `functions --from FILE...`: the per-function view of files saved by
 * WINSTRUMENT_SAVE. The files are read, validated and grouped by module by
 * saved_files.c (one build per module, or build-mismatch); each file's
 * function table is validated by function_table_parse.c, and the tables of
 * one module add by RVA (calls, inclusive and self time; the run-time
 * counts too). Names come from --symbols or from the image at the saved
 * module path, used only when it is the saved build (its build id, else its
 * TimeDateStamp and SizeOfImage): a file rebuilt since the run would name
 * the wrong functions, so its names are not used. Main thread only.
 */
#include "functions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "function_table_parse.h"
#include "options.h"
#include "saved_files.h"
#include "winstrument/function_table.h"

static int by_rva(const void *a, const void *b)
{
    const struct wst_fn_entry *x = a, *y = b;
    return x->rva < y->rva ? -1 : x->rva > y->rva;
}

/* Adds one file's table into fm's counts and *entries (unsorted, merged
 * later). */
static enum wst_status add_table(const struct wst_saved_input *in, struct wst_function_module *fm,
                                 struct wst_fn_entry **entries, size_t *n, struct wst_error *err)
{
    struct wst_fn_table_info ti;
    enum wst_status st =
        wst_fn_table_parse_header(in->saved.functions, in->saved.functions_size, &ti);
    struct wst_fn_entry *got = NULL, *all = NULL;
    size_t count = 0;
    if (st == WST_OK && (got = calloc(ti.capacity, sizeof *got)) == NULL)
        st = WST_E_INTERNAL;
    if (st == WST_OK)
        st = wst_fn_table_parse(in->saved.functions, in->saved.functions_size, &ti, got,
                                ti.capacity, &count);
    if (st == WST_OK && (all = realloc(*entries, (*n + count + 1) * sizeof *all)) == NULL)
        st = WST_E_INTERNAL;
    if (st != WST_OK) {
        free(got);
        return wst_error_set(err, st, 0, "%s: its function table: %s", in->file,
                             wst_status_message(st));
    }
    memcpy(all + *n, got, count * sizeof *got);
    *entries = all;
    *n += count;
    free(got);
    fm->timed = (ti.flags & WST_FN_FLAG_TIMED) != 0;
    fm->capacity = ti.capacity;
    fm->used = ti.used > fm->used ? ti.used : fm->used; /* of the fullest file */
    fm->overflow_calls += ti.overflow_calls;
    fm->unwound_frames += ti.unwound_frames;
    fm->untimed_calls += ti.untimed_calls;
    fm->unmatched_exits += ti.unmatched_exits;
    fm->threads += ti.threads;
    fm->threads_live += ti.threads_live;
    return WST_OK;
}

/* Sorted by RVA, equal RVAs added; returns the merged count. */
static size_t merge_entries(struct wst_fn_entry *e, size_t n)
{
    if (n == 0)
        return 0;
    qsort(e, n, sizeof *e, by_rva);
    size_t out = 0;
    for (size_t i = 1; i < n; i++) {
        if (e[i].rva == e[out].rva) {
            e[out].calls += e[i].calls;
            e[out].time_ns += e[i].time_ns;
            e[out].self_ns += e[i].self_ns;
        } else {
            e[++out] = e[i];
        }
    }
    return out + 1;
}

static int image_is_saved_build(const struct wst_symbols *s, const struct wst_saved_identity *id)
{
    if (s->build_id.present || id->build_id_present)
        return s->build_id.present && id->build_id_present &&
               memcmp(s->build_id.bytes, id->build_id, sizeof id->build_id) == 0;
    return s->timestamp == id->timestamp && s->size_of_image == id->size_of_image;
}

/* Names from --symbols (which must be the saved build) or from the image
 * at the saved path (used only if it still is that build). */
static enum wst_status load_names(const struct wst_saved_identity *id, const char *symbols_file,
                                  struct wst_function_module *fm, struct wst_symbols *syms,
                                  struct wst_error *err)
{
    struct wst_error ignored = {0};
    const char *path = symbols_file != NULL ? symbols_file : id->module_path;
    fm->symbols_state = WST_FN_SYMBOLS_NONE;
    enum wst_status st = wst_symbols_load_file(path, syms, symbols_file ? err : &ignored);
    if (st != WST_OK)
        return symbols_file != NULL ? st : WST_OK;
    if (!image_is_saved_build(syms, id)) {
        wst_symbols_free(syms);
        if (symbols_file != NULL)
            return wst_error_set(err, WST_E_BAD_IMAGE, 0,
                                 "%s is not the build the saved files of %s were made by",
                                 symbols_file, fm->name);
        return WST_OK; /* rebuilt since: module+offset names, never wrong ones */
    }
    snprintf(fm->image_path, sizeof fm->image_path, "%s", path);
    fm->symbols_state = syms->stripped ? WST_FN_SYMBOLS_EXPORTS : WST_FN_SYMBOLS_COFF;
    return WST_OK;
}

static enum wst_status read_module(const struct wst_saved_set *set,
                                   const struct wst_saved_module *m,
                                   const struct wst_functions_query *q,
                                   struct wst_function_module *fm, struct wst_error *err)
{
    const struct wst_saved_identity *id = &set->inputs[m->first].saved.identity;
    struct wst_fn_entry *entries = NULL;
    struct wst_symbols syms = {0};
    size_t n = 0;
    enum wst_status st = WST_OK;
    snprintf(fm->name, sizeof fm->name, "%s", wst_saved_module_name(id));
    snprintf(fm->path, sizeof fm->path, "%s", id->module_path);
    fm->size = id->size_of_image;
    fm->bits = id->machine == 0x14c ? 32 : 64;
    for (size_t i = 0; st == WST_OK && i < m->file_count; i++) {
        const struct wst_saved_input *in = &set->inputs[m->files[i]];
        if (in->saved.functions != NULL)
            st = add_table(in, fm, &entries, &n, err);
    }
    n = merge_entries(entries, n);
    if (st == WST_OK)
        st = load_names(id, q->symbols, fm, &syms, err);
    if (st == WST_OK)
        st = wst_functions_name(fm, fm->symbols_state == WST_FN_SYMBOLS_NONE ? NULL : &syms,
                                entries, n, q->include_uncalled, err);
    wst_symbols_free(&syms);
    free(entries);
    return st;
}

static int has_table(const struct wst_saved_set *set, const struct wst_saved_module *m)
{
    for (size_t i = 0; i < m->file_count; i++) {
        if (set->inputs[m->files[i]].saved.functions != NULL)
            return 1;
    }
    return 0;
}

enum wst_status wst_functions_read_saved(const struct wst_options *o,
                                         const struct wst_functions_query *q,
                                         struct wst_functions_result *out, struct wst_error *err)
{
    struct wst_saved_set set;
    memset(out, 0, sizeof *out);
    enum wst_status st = wst_saved_load(o, &set, err);
    if (st == WST_OK && (out->modules = calloc(set.module_count, sizeof *out->modules)) == NULL)
        st = wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
    for (size_t k = 0; st == WST_OK && k < set.module_count; k++) {
        if (!has_table(&set, &set.modules[k]))
            continue; /* built without --wst-functions */
        st = read_module(&set, &set.modules[k], q, &out->modules[out->count], err);
        out->count++;
    }
    wst_saved_free(&set);
    if (st == WST_OK && out->count == 0)
        st = wst_error_set(err, WST_E_NOT_INSTRUMENTED, 0,
                           "no saved file has a function table (built without wst-cc "
                           "--wst-functions?)");
    return st;
}
