/*
 * See functions.h. For each instrumented module: its region header (one
 * small read) says whether it has a function table and where; the table is
 * then copied in one ReadProcessMemory call (a read costs tens of
 * microseconds under Wine; the table is a few hundred KiB) and validated by
 * function_table_parse.c; names come from the image file the module was
 * loaded from (or --symbols), parsed by pe_symbols.c.
 *
 * The table is read without any bracketing: between resets its counts only
 * grow, and a function's three numbers may be a few calls apart from each
 * other in one copy, which no reader of a profile can tell from a moment
 * later. A copy taken during a reset may hold a function's calls cleared
 * and its time not yet (docs/design/functions.md, "Reset").
 */
#include "functions.h"

#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "function_table_parse.h"
#include "region_reader.h"
#include "remote.h"
#include "winstrument/function_table.h"

/* Image files larger than this are not read for names. */
#define MAX_IMAGE_FILE (512u * 1024u * 1024u)

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

enum wst_status wst_symbols_load_file(const char *path, struct wst_symbols *out,
                                      struct wst_error *err)
{
    wchar_t wide[WST_MODULE_PATH_MAX];
    memset(out, 0, sizeof *out);
    if (MultiByteToWideChar(CP_UTF8, 0, path, -1, wide, WST_MODULE_PATH_MAX) == 0)
        return wst_error_set(err, WST_E_BAD_IMAGE, GetLastError(), "%s: not a usable path", path);
    HANDLE f = CreateFileW(wide, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (f == INVALID_HANDLE_VALUE)
        return wst_error_set(err, WST_E_ACCESS_DENIED, GetLastError(), "cannot open %s", path);
    enum wst_status st = WST_OK;
    unsigned char *bytes = NULL;
    LARGE_INTEGER size;
    DWORD got = 0;
    if (!GetFileSizeEx(f, &size) || size.QuadPart <= 0 || size.QuadPart > MAX_IMAGE_FILE) {
        st = wst_error_set(err, WST_E_BAD_IMAGE, 0, "%s: not an image file of a usable size", path);
        goto out;
    }
    bytes = malloc((size_t)size.QuadPart);
    if (bytes == NULL) {
        st = wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
        goto out;
    }
    if (!ReadFile(f, bytes, (DWORD)size.QuadPart, &got, NULL) || got != (DWORD)size.QuadPart) {
        st = wst_error_set(err, WST_E_ACCESS_DENIED, GetLastError(), "cannot read %s", path);
        goto out;
    }
    st = wst_symbols_from_image(bytes, got, out);
    if (st != WST_OK)
        wst_error_set(err, st, 0, "%s: not a PE image this inspector can read", path);
out:
    free(bytes);
    CloseHandle(f);
    return st;
}

int wst_function_name(const struct wst_symbols *s, const char *module, uint32_t rva, char *buf,
                      size_t size)
{
    /* Only a symbol that starts here names the function: the hooks report
     * entry addresses, and a size estimated from the next export would name
     * a static function of a stripped image after its neighbour. */
    const struct wst_symbol *sym = s != NULL ? wst_symbols_find(s, rva) : NULL;
    if (sym != NULL && sym->rva == rva) {
        snprintf(buf, size, "%s", sym->name);
        return 1;
    }
    snprintf(buf, size, "%s+0x%lx", module, (unsigned long)rva);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* One module                                                               */
/* ------------------------------------------------------------------------ */

static enum wst_status add_function(struct wst_function_module *fm, size_t *cap,
                                    const struct wst_symbols *syms, uint32_t rva,
                                    const struct wst_fn_entry *e)
{
    if (fm->count == *cap) {
        size_t grown = *cap ? *cap * 2 : 64;
        struct wst_function *f = realloc(fm->functions, grown * sizeof *f);
        if (f == NULL)
            return WST_E_INTERNAL;
        fm->functions = f;
        *cap = grown;
    }
    char name[WST_MODULE_NAME_MAX + 64];
    struct wst_function *f = &fm->functions[fm->count];
    memset(f, 0, sizeof *f);
    f->rva = rva;
    f->named = wst_function_name(syms, fm->name, rva, name, sizeof name);
    const struct wst_symbol *sym = syms != NULL ? wst_symbols_find(syms, rva) : NULL;
    if (sym != NULL && sym->rva == rva) {
        f->size = sym->size;
        f->exact_size = sym->exact_size;
    }
    f->name = _strdup(name);
    if (f->name == NULL)
        return WST_E_INTERNAL;
    if (e != NULL) {
        f->calls = e->calls;
        f->time_ns = e->time_ns;
        f->self_ns = e->self_ns;
    }
    fm->count++;
    return WST_OK;
}

static int function_by_rva(const void *a, const void *b)
{
    const struct wst_function *x = a, *y = b;
    return x->rva < y->rva ? -1 : x->rva > y->rva;
}

enum wst_status wst_functions_name(struct wst_function_module *fm, const struct wst_symbols *syms,
                                   const struct wst_fn_entry *entries, size_t n,
                                   int include_uncalled, struct wst_error *err)
{
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        if (add_function(fm, &cap, syms, entries[i].rva, &entries[i]) != WST_OK)
            return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
    }
    if (include_uncalled && syms != NULL) {
        size_t j = 0;
        for (size_t i = 0; i < syms->count; i++) {
            uint32_t rva = syms->items[i].rva;
            while (j < n && entries[j].rva < rva)
                j++;
            if (j < n && entries[j].rva == rva)
                continue;
            if (add_function(fm, &cap, syms, rva, NULL) != WST_OK)
                return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
        }
        qsort(fm->functions, fm->count, sizeof *fm->functions, function_by_rva);
    }
    return WST_OK;
}

/* Whether a --symbols file is an image of module m. By build id when either
 * has one (wst-cc links with --build-id; strip keeps it): headers can agree
 * between two builds, and a reproducible build's TimeDateStamp is 0 in
 * all of them. Only images without one are matched by their headers. */
static enum wst_status symbols_match(const struct wst_remote *r, const struct wst_module *m,
                                     const char *symbols_file, const struct wst_symbols *syms,
                                     struct wst_error *err)
{
    struct wst_build_id id;
    char mine[WST_BUILD_ID_TEXT_MAX], theirs[WST_BUILD_ID_TEXT_MAX];
    enum wst_status st = wst_module_build_id(r, m, &id, err);
    if (st != WST_OK)
        return st;
    if (id.present || syms->build_id.present) {
        if (wst_build_id_equal(&id, &syms->build_id))
            return WST_OK;
        wst_build_id_format(&syms->build_id, theirs);
        wst_build_id_format(&id, mine);
        return wst_error_set(err, WST_E_BAD_IMAGE, 0,
                             "%s is not an image of module %s: build id %s, the module's %s",
                             symbols_file, m->name, theirs, mine);
    }
    if (syms->entry_point == m->entry_point && syms->timestamp == m->timestamp &&
        syms->size_of_code == m->size_of_code && syms->bits == m->bits)
        return WST_OK;
    return wst_error_set(err, WST_E_BAD_IMAGE, 0,
                         "%s is not an image of module %s (no build id in either; timestamp "
                         "0x%lx, entry point 0x%lx, code 0x%lx bytes, %u-bit; the module has "
                         "0x%lx, 0x%lx, 0x%lx, %u-bit)",
                         symbols_file, m->name, (unsigned long)syms->timestamp,
                         (unsigned long)syms->entry_point, (unsigned long)syms->size_of_code,
                         syms->bits, (unsigned long)m->timestamp, (unsigned long)m->entry_point,
                         (unsigned long)m->size_of_code, m->bits);
}

/* Names from --symbols (which must be the module's own image) or from the
 * module's file; a file that cannot be read leaves module+offset names. */
static enum wst_status load_names(const struct wst_remote *r, const struct wst_module *m,
                                  const char *symbols_file, struct wst_function_module *fm,
                                  struct wst_symbols *syms, struct wst_error *err)
{
    struct wst_error ignored = {0};
    const char *path = symbols_file != NULL ? symbols_file : m->path;
    enum wst_status st = wst_symbols_load_file(path, syms, symbols_file ? err : &ignored);
    if (st != WST_OK) {
        if (symbols_file != NULL)
            return st;
        fm->symbols_state = WST_FN_SYMBOLS_NONE;
        return WST_OK;
    }
    if (symbols_file != NULL) {
        st = symbols_match(r, m, symbols_file, syms, err);
        if (st != WST_OK) {
            wst_symbols_free(syms);
            return st;
        }
    }
    snprintf(fm->image_path, sizeof fm->image_path, "%s", path);
    fm->symbols_state = syms->stripped ? WST_FN_SYMBOLS_EXPORTS : WST_FN_SYMBOLS_COFF;
    return WST_OK;
}

/* Reads before a table that parses but fails wst_fn_table_check is called
 * corrupt. */
#define FN_TABLE_READS 3

/* One copy of the table, parsed and checked. A failed check is WST_E_CORRUPT
 * with `why` set (err untouched), so that the caller can read again. */
static enum wst_status read_table_once(const struct wst_remote *r, const struct wst_module *m,
                                       const struct wst_region_info *info, unsigned char *bytes,
                                       struct wst_fn_entry **entries, size_t *n,
                                       struct wst_fn_table_info *ti, char *why, size_t why_size,
                                       struct wst_error *err)
{
    uint32_t size = info->header.functions_size;
    enum wst_status st = wst_remote_read(r, m->base + info->header.functions_rva, bytes, size,
                                         "function table", err);
    if (st != WST_OK)
        return st;
    st = wst_fn_table_parse_header(bytes, size, ti);
    if (st == WST_OK) {
        *entries = calloc(ti->capacity, sizeof **entries);
        st = *entries == NULL ? WST_E_INTERNAL
                              : wst_fn_table_parse(bytes, size, ti, *entries, ti->capacity, n);
    }
    if (st != WST_OK)
        return wst_error_set(err, st, 0, "pid %lu, module %s: function table of %lu bytes",
                             (unsigned long)r->pid, m->name, (unsigned long)size);
    return wst_fn_table_check(ti, *entries, *n, m->image_size, why, why_size);
}

static enum wst_status read_table(const struct wst_remote *r, const struct wst_module *m,
                                  const struct wst_region_info *info, struct wst_fn_entry **entries,
                                  size_t *n, struct wst_fn_table_info *ti, struct wst_error *err)
{
    uint64_t end = (uint64_t)info->header.functions_rva + info->header.functions_size;
    if (info->header.functions_size > WST_FN_TABLE_MAX_SIZE || end > m->image_size)
        return wst_error_set(err, WST_E_CORRUPT, 0,
                             "pid %lu, module %s: function table at 0x%lx, %lu bytes, outside "
                             "the image",
                             (unsigned long)r->pid, m->name,
                             (unsigned long)info->header.functions_rva,
                             (unsigned long)info->header.functions_size);
    unsigned char *bytes = malloc(info->header.functions_size ? info->header.functions_size : 1);
    if (bytes == NULL)
        return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
    char why[160];
    enum wst_status st;
    /* A table that parses but fails the check is read again: a copy racing
     * the hooks can show a frame's self time before its inclusive time, or
     * a slot claimed after `used` was copied. A hostile table fails every
     * time. */
    int attempt = 0;
    do {
        free(*entries);
        *entries = NULL;
        why[0] = '\0';
        st = read_table_once(r, m, info, bytes, entries, n, ti, why, sizeof why, err);
    } while (st == WST_E_CORRUPT && why[0] != '\0' && ++attempt < FN_TABLE_READS);
    free(bytes);
    if (st == WST_E_CORRUPT && why[0] != '\0')
        return wst_error_set(err, st, 0, "pid %lu, module %s: corrupt function table: %s",
                             (unsigned long)r->pid, m->name, why);
    return st;
}

static enum wst_status read_module(const struct wst_remote *r, const struct wst_module *m,
                                   const struct wst_region_info *info,
                                   const struct wst_functions_query *q,
                                   struct wst_function_module *fm, struct wst_error *err)
{
    struct wst_fn_entry *entries = NULL;
    struct wst_fn_table_info ti;
    struct wst_symbols syms = {0};
    size_t n = 0;
    enum wst_status st = read_table(r, m, info, &entries, &n, &ti, err);
    if (st == WST_OK)
        st = load_names(r, m, q->symbols, fm, &syms, err);
    if (st == WST_OK) {
        fm->timed = (ti.flags & WST_FN_FLAG_TIMED) != 0;
        fm->clock_source = info->header.clock_source;
        fm->capacity = ti.capacity;
        fm->used = ti.used;
        fm->overflow_calls = ti.overflow_calls;
        fm->unwound_frames = ti.unwound_frames;
        fm->untimed_calls = ti.untimed_calls;
        fm->unmatched_exits = ti.unmatched_exits;
        fm->threads = ti.threads;
        fm->threads_live = ti.threads_live;
        st = wst_functions_name(fm, fm->symbols_state == WST_FN_SYMBOLS_NONE ? NULL : &syms, entries,
                            n, q->include_uncalled, err);
    }
    wst_symbols_free(&syms);
    free(entries);
    return st;
}

/* ------------------------------------------------------------------------ */
/* The process                                                              */
/* ------------------------------------------------------------------------ */

static void module_init(struct wst_function_module *fm, const struct wst_module *m)
{
    memset(fm, 0, sizeof *fm);
    snprintf(fm->name, sizeof fm->name, "%s", m->name);
    snprintf(fm->path, sizeof fm->path, "%s", m->path);
    fm->base = m->base;
    fm->size = m->image_size;
    fm->bits = m->bits;
}

enum wst_status wst_functions_read(uint32_t pid, const struct wst_functions_query *q,
                                   struct wst_functions_result *out, struct wst_error *err)
{
    struct wst_remote r;
    struct wst_module *mods = NULL;
    size_t n = 0, failed = 0;
    memset(out, 0, sizeof *out);
    out->pid = pid;
    if (q->symbols != NULL && q->module == NULL)
        return wst_error_set(err, WST_E_USAGE, 0, "--symbols needs --module: it names one image");
    enum wst_status st = wst_remote_open(pid, &r, err);
    if (st != WST_OK)
        return st;
    st = wst_discover_modules(&r, q->module, &mods, &n, err);
    if (st == WST_OK && (out->modules = calloc(n ? n : 1, sizeof *out->modules)) == NULL)
        st = wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
    for (size_t i = 0; st == WST_OK && i < n; i++) {
        struct wst_region_info info;
        struct wst_function_module *fm = &out->modules[out->count];
        module_init(fm, &mods[i]);
        enum wst_status mst = wst_read_region_header(&r, &mods[i], &info, &fm->error);
        if (mst == WST_OK && info.header.functions_rva == 0)
            continue; /* built without --wst-functions, or not attached yet */
        if (mst == WST_OK)
            mst = read_module(&r, &mods[i], &info, q, fm, &fm->error);
        if (mst != WST_OK) {
            fm->error.status = mst;
            failed++;
        }
        out->count++;
    }
    free(mods);
    wst_remote_close(&r);
    if (st != WST_OK)
        return st;
    if (out->count == 0) {
        if (q->module != NULL)
            return wst_error_set(err, WST_E_NOT_INSTRUMENTED, 0,
                                 "pid %lu: module %s has no function table (built without "
                                 "wst-cc --wst-functions?)",
                                 (unsigned long)pid, q->module);
        return wst_error_set(err, WST_E_NOT_INSTRUMENTED, 0,
                             "pid %lu: no module has a function table (built without wst-cc "
                             "--wst-functions?)",
                             (unsigned long)pid);
    }
    if (failed == out->count) {
        *err = out->modules[0].error;
        return err->status;
    }
    if (failed > 0)
        return wst_error_set(err, WST_E_PARTIAL, 0, "%zu of %zu modules failed", failed,
                             out->count);
    return WST_OK;
}

void wst_functions_free(struct wst_functions_result *r)
{
    for (size_t i = 0; i < r->count; i++) {
        for (size_t j = 0; j < r->modules[i].count; j++)
            free((char *)r->modules[i].functions[j].name);
        free(r->modules[i].functions);
    }
    free(r->modules);
    memset(r, 0, sizeof *r);
}
