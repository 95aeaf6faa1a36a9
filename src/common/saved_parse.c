/*
 * See saved_parse.h. Every field is read with the bounded little-endian
 * readers of bytes_le.h at checked offsets, never through a cast of the
 * buffer; sizes are compared against what remains before any addition.
 */
#include "saved_parse.h"

#include <string.h>

#include "bytes_le.h"
#include "region_parse.h"

static int terminated(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}

static enum wst_status parse_header(const unsigned char *p, size_t size, struct wst_saved_header *h)
{
    if (size < sizeof *h)
        return WST_E_TRUNCATED;
    h->magic = wst_le32(p);
    h->version = wst_le16(p + 4);
    h->header_size = wst_le16(p + 6);
    h->records = wst_le32(p + 8);
    h->runtime_version = wst_le32(p + 12);
    h->file_size = wst_le64(p + 16);
    memcpy(h->reserved, p + 24, sizeof h->reserved);
    if (h->magic != WST_SAVED_MAGIC)
        return WST_E_CORRUPT;
    if (h->version == 0 || h->version > WST_SAVED_VERSION)
        return WST_E_VERSION;
    if (h->header_size != sizeof *h || h->records == 0 || h->records > WST_SAVED_RECORDS_MAX)
        return WST_E_CORRUPT;
    if (h->file_size > size)
        return WST_E_TRUNCATED;
    if (h->file_size < size)
        return WST_E_CORRUPT; /* bytes after the last record: not this format */
    return WST_OK;
}

static enum wst_status parse_identity(const unsigned char *p, size_t size,
                                      struct wst_saved_identity *id)
{
    if (size != sizeof *id)
        return WST_E_CORRUPT;
    id->machine = wst_le16(p);
    id->build_id_present = wst_le16(p + 2);
    id->pid = wst_le32(p + 4);
    id->instance = wst_le64(p + 8);
    id->loaded_at = wst_le64(p + 16);
    id->ended_at = wst_le64(p + 24);
    id->timestamp = wst_le32(p + 32);
    id->size_of_image = wst_le32(p + 36);
    id->end_reason = wst_le32(p + 40);
    id->reserved = wst_le32(p + 44);
    memcpy(id->build_id, p + 48, sizeof id->build_id);
    memcpy(id->reserved2, p + 68, sizeof id->reserved2);
    memcpy(id->module_path, p + 80, WST_SAVED_PATH_MAX);
    memcpy(id->exe_path, p + 80 + WST_SAVED_PATH_MAX, WST_SAVED_PATH_MAX);
    if (id->build_id_present > 1 ||
        (id->end_reason != WST_SAVED_END_UNLOAD && id->end_reason != WST_SAVED_END_PROCESS_EXIT))
        return WST_E_CORRUPT;
    if (!terminated(id->module_path, WST_SAVED_PATH_MAX) ||
        !terminated(id->exe_path, WST_SAVED_PATH_MAX) || id->module_path[0] == '\0')
        return WST_E_CORRUPT;
    return WST_OK;
}

/* One record at `at` (a multiple of 8, before `size`): its kind, its payload
 * and the offset after its padding. */
static enum wst_status parse_record(const unsigned char *p, size_t size, size_t at, uint32_t *kind,
                                    size_t *payload, size_t *payload_size, size_t *next)
{
    if (!wst_le_fits(size, at, sizeof(struct wst_saved_record_head)))
        return WST_E_CORRUPT; /* the header's file_size matched: the count lied */
    *kind = wst_le32(p + at);
    uint64_t n = wst_le64(p + at + 8);
    if (wst_le32(p + at + 4) != 0)
        return WST_E_CORRUPT;
    size_t start = at + sizeof(struct wst_saved_record_head);
    uint64_t rest = size - start;
    if (n > rest || (n + 7) / 8 * 8 > rest)
        return WST_E_CORRUPT;
    *payload = start;
    *payload_size = (size_t)n;
    *next = start + (size_t)((n + 7) / 8 * 8);
    return WST_OK;
}

enum wst_status wst_saved_parse(const void *bytes, size_t size, struct wst_saved_file *out)
{
    const unsigned char *p = bytes;
    memset(out, 0, sizeof *out);
    enum wst_status st = parse_header(p, size, &out->header);
    if (st != WST_OK)
        return st;
    int have_identity = 0;
    size_t at = sizeof out->header;
    for (uint32_t r = 0; r < out->header.records; r++) {
        uint32_t kind;
        size_t payload, n;
        st = parse_record(p, size, at, &kind, &payload, &n, &at);
        if (st != WST_OK)
            return st;
        if (kind == WST_SAVED_IDENTITY) {
            if (have_identity)
                return WST_E_CORRUPT;
            st = parse_identity(p + payload, n, &out->identity);
            if (st != WST_OK)
                return st;
            have_identity = 1;
        } else if (kind == WST_SAVED_REGION) {
            if (out->region != NULL || n == 0 || n > WST_REGION_MAX_SIZE)
                return WST_E_CORRUPT;
            out->region = p + payload;
            out->region_size = n;
        } else if (kind == WST_SAVED_FUNCTIONS) {
            if (out->functions != NULL || n == 0 || n > WST_SAVED_FUNCTIONS_MAX)
                return WST_E_CORRUPT;
            out->functions = p + payload;
            out->functions_size = n;
        } /* else: a kind of a newer writer, skipped */
    }
    if (at != size || !have_identity || out->region == NULL)
        return WST_E_CORRUPT;
    return WST_OK;
}

const char *wst_saved_module_name(const struct wst_saved_identity *id)
{
    const char *name = id->module_path;
    for (const char *c = id->module_path; *c != '\0'; c++) {
        if (*c == '\\' || *c == '/')
            name = c + 1;
    }
    return name;
}
