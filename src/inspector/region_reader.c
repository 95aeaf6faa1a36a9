/*
 * See region_reader.h. The section's size comes from the target's PE
 * headers, so it is bounded (WST_REGION_MAX_SIZE) before anything is
 * allocated. When a parse fails, the process is asked whether it still
 * runs: a region that reads as garbage because the module was unloaded and
 * its pages reused is "target gone", not "corrupt".
 */
#include "region_reader.h"

#include <stdlib.h>

static enum wst_status parse_failed(const struct wst_remote *r, const struct wst_module *m,
                                    enum wst_status st, const struct wst_region_info *info,
                                    struct wst_error *err)
{
    if (!wst_remote_alive(r))
        return wst_error_set(err, WST_E_TARGET_GONE, 0, "pid %lu exited during the read",
                             (unsigned long)r->pid);
    if (st == WST_E_CORRUPT && info->error_offset != 0)
        return wst_error_set(err, st, 0, "pid %lu, module %s: bad line at offset %zu of %lu",
                             (unsigned long)r->pid, m->name, info->error_offset,
                             (unsigned long)m->section.virtual_size);
    return wst_error_set(err, st, 0, "pid %lu, module %s: region of %lu bytes",
                         (unsigned long)r->pid, m->name, (unsigned long)m->section.virtual_size);
}

enum wst_status wst_read_region_header(const struct wst_remote *r, const struct wst_module *m,
                                       struct wst_region_info *info, struct wst_error *err)
{
    struct wst_region_header h;
    if (m->section.virtual_size < sizeof h)
        return wst_error_set(err, WST_E_TRUNCATED, 0, "pid %lu, module %s: region of %lu bytes",
                             (unsigned long)r->pid, m->name,
                             (unsigned long)m->section.virtual_size);
    enum wst_status st =
        wst_remote_read(r, m->base + m->section.rva, &h, sizeof h, "region header", err);
    if (st != WST_OK)
        return st;
    st = wst_region_parse_header(&h, sizeof h, info);
    return st == WST_OK ? st : parse_failed(r, m, st, info, err);
}

enum wst_status wst_read_region(const struct wst_remote *r, const struct wst_module *m,
                                struct wst_region_info *info, struct wst_region_counter **counters,
                                size_t *count, struct wst_error *err)
{
    size_t size = m->section.virtual_size;
    *counters = NULL;
    *count = 0;
    if (size > WST_REGION_MAX_SIZE)
        return wst_error_set(err, WST_E_CORRUPT, 0, "pid %lu, module %s: region of %zu bytes",
                             (unsigned long)r->pid, m->name, size);
    unsigned char *bytes = malloc(size ? size : 1);
    size_t capacity = wst_region_max_counters(size);
    struct wst_region_counter *out = malloc(capacity * sizeof *out);
    enum wst_status st;
    if (bytes == NULL || out == NULL) {
        st = wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
        goto out;
    }
    st = wst_remote_read(r, m->base + m->section.rva, bytes, size, "region", err);
    if (st != WST_OK)
        goto out;
    st = wst_region_parse(bytes, size, info, out, capacity, count);
    if (st != WST_OK) {
        st = parse_failed(r, m, st, info, err);
        goto out;
    }
    *counters = out;
    out = NULL;
out:
    free(bytes);
    free(out);
    return st;
}
