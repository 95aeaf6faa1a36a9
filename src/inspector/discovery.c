/*
 * See discovery.h. A module that disappears between the listing and the
 * header read is skipped: it is gone, so it is no longer instrumented, and
 * `list` and `dump` must not fail because another DLL unloaded meanwhile.
 * Only when the process itself died does the whole operation fail.
 */
#include "discovery.h"

#include <stdlib.h>
#include <string.h>

#include "builtin_hint.h"
#include "os.h"
#include "winstrument/region.h"

#define MAX_PROCESSES (1u << 20)

int wst_name_equals(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
        if (x == '\0')
            return 1;
    }
}

/* Looks at one module: WST_OK and *found = 1 when it has a section. */
static enum wst_status inspect_module(const struct wst_remote *r, uint64_t base,
                                      struct wst_module *m, int *found, struct wst_error *err)
{
    static unsigned char headers[WST_PE_HEADERS_READ];
    struct wst_pe_info info;
    *found = 0;
    enum wst_status st = wst_remote_read(r, base, headers, sizeof headers, "module headers", err);
    if (st != WST_OK)
        return st;
    st = wst_pe_find_section(headers, sizeof headers, WST_SECTION_NAME, &info, &m->section);
    if (st == WST_E_NOT_INSTRUMENTED)
        return WST_OK;
    if (st != WST_OK)
        return wst_error_set(err, st, 0, "pid %lu: module at 0x%llx", (unsigned long)r->pid,
                             (unsigned long long)base);
    m->base = base;
    m->bits = info.bits;
    m->image_size = info.size_of_image;
    m->timestamp = info.timestamp;
    m->entry_point = info.entry_point;
    m->size_of_code = info.size_of_code;
    m->debug_dir_rva = info.dir_rva[WST_PE_DIR_DEBUG];
    m->debug_dir_size = info.dir_size[WST_PE_DIR_DEBUG];
    *found = 1;
    return WST_OK;
}

/* Whether [rva, rva + size) lies inside the module's image. */
static int in_image(const struct wst_module *m, uint32_t rva, uint32_t size)
{
    return rva < m->image_size && size <= m->image_size - rva;
}

enum wst_status wst_module_build_id(const struct wst_remote *r, const struct wst_module *m,
                                    struct wst_build_id *out, struct wst_error *err)
{
    unsigned char dir[WST_PE_DEBUG_ENTRY_SIZE * WST_PE_DEBUG_ENTRIES_MAX];
    unsigned char record[WST_PE_CODEVIEW_READ];
    struct wst_pe_codeview_at at;
    memset(out, 0, sizeof *out);
    if (m->debug_dir_size == 0 || m->debug_dir_size > sizeof dir ||
        !in_image(m, m->debug_dir_rva, m->debug_dir_size))
        return WST_OK;
    enum wst_status st = wst_remote_read(r, m->base + m->debug_dir_rva, dir, m->debug_dir_size,
                                         "debug directory", err);
    if (st != WST_OK)
        return st;
    if (wst_pe_codeview_find(dir, m->debug_dir_size, &at) != WST_OK || at.size == 0 ||
        at.rva == 0 || !in_image(m, at.rva, sizeof record))
        return WST_OK;
    st = wst_remote_read(r, m->base + at.rva, record, sizeof record, "build id", err);
    if (st != WST_OK)
        return st;
    wst_pe_build_id_parse(record, sizeof record, out);
    return WST_OK;
}

static enum wst_status append(struct wst_module **list, size_t *count, size_t *capacity,
                              const struct wst_module *m, struct wst_error *err)
{
    if (*count == *capacity) {
        size_t cap = *capacity ? *capacity * 2 : 4;
        struct wst_module *grown = realloc(*list, cap * sizeof *grown);
        if (grown == NULL)
            return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
        *list = grown;
        *capacity = cap;
    }
    (*list)[(*count)++] = *m;
    return WST_OK;
}

/* A per-module failure: fatal if the process died, or if the user named
 * this very module; otherwise the module is skipped. */
static int module_error_is_fatal(const struct wst_remote *r, const char *only,
                                 const struct wst_module *m)
{
    return !wst_remote_alive(r) || (only != NULL && wst_name_equals(m->name, only));
}

enum wst_status wst_discover_modules(const struct wst_remote *r, const char *only,
                                     struct wst_module **modules, size_t *count,
                                     struct wst_error *err)
{
    uint64_t *bases;
    size_t n, capacity = 0;
    struct wst_module m;
    *modules = NULL;
    *count = 0;
    enum wst_status st = wst_remote_modules(r, &bases, &n, err);
    if (st != WST_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        memset(&m, 0, sizeof m);
        /* Names cost a walk of the target's loader list each (psapi reads
         * it remotely, per call: under Wine half a millisecond), so without
         * --module they are asked only of the modules that are
         * instrumented, or whose error must name them. */
        if (only != NULL) {
            wst_remote_module_names(r, bases[i], m.name, sizeof m.name, m.path, sizeof m.path);
            if (!wst_name_equals(m.name, only))
                continue;
        }
        int found;
        struct wst_error local = {0};
        st = inspect_module(r, bases[i], &m, &found, &local);
        if (only == NULL && (found || (st != WST_OK && !wst_remote_alive(r))))
            wst_remote_module_names(r, bases[i], m.name, sizeof m.name, m.path, sizeof m.path);
        if (st != WST_OK) {
            if (!module_error_is_fatal(r, only, &m))
                continue;
            *err = local;
            if (!wst_remote_alive(r))
                err->status = st = WST_E_TARGET_GONE;
            wst_error_prefix(err, "module %s", m.name[0] ? m.name : "(unnamed)");
            goto fail;
        }
        if (found && (st = append(modules, count, &capacity, &m, err)) != WST_OK)
            goto fail;
    }
    free(bases);
    if (*count > 0)
        return WST_OK;
    if (only != NULL)
        st = wst_error_set(err, WST_E_NO_MODULE, 0, "pid %lu has no instrumented module %s",
                           (unsigned long)r->pid, only);
    else
        st = wst_error_set(err, WST_E_NOT_INSTRUMENTED, 0, "pid %lu", (unsigned long)r->pid);
    wst_hint_system_copies(r, only, err);
    return st;
fail:
    free(bases);
    free(*modules);
    *modules = NULL;
    *count = 0;
    return st;
}

enum wst_status wst_discover_processes(DWORD **pids, size_t *count, struct wst_error *err)
{
    DWORD capacity = 1024, needed = 0;
    *pids = NULL;
    *count = 0;
    for (;;) {
        DWORD *buf = malloc(capacity * sizeof *buf);
        if (buf == NULL)
            return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
        if (!wst_inspector_os.EnumProcesses(buf, capacity * sizeof *buf, &needed)) {
            DWORD e = GetLastError();
            free(buf);
            return wst_error_set(err, WST_E_ACCESS_DENIED, e, "listing processes");
        }
        /* EnumProcesses cannot say "more": a full buffer means try bigger. */
        if (needed < capacity * sizeof *buf || capacity >= MAX_PROCESSES) {
            *pids = buf;
            *count = needed / sizeof *buf;
            return WST_OK;
        }
        free(buf);
        capacity *= 4;
    }
}
