/*
 * See pe_build_id.h. Offsets are IMAGE_DEBUG_DIRECTORY's and the "RSDS"
 * CodeView record's, from the PE/COFF specification.
 */
#include "pe_build_id.h"

#include <stdio.h>
#include <string.h>

#include "bytes_le.h"

#define DEBUG_TYPE 12u           /* IMAGE_DEBUG_DIRECTORY.Type */
#define DEBUG_SIZE_OF_DATA 16u   /* .SizeOfData */
#define DEBUG_RVA 20u            /* .AddressOfRawData */
#define DEBUG_FILE_OFFSET 24u    /* .PointerToRawData */
#define DEBUG_TYPE_CODEVIEW 2u   /* IMAGE_DEBUG_TYPE_CODEVIEW */
#define RSDS 0x53445352u         /* "RSDS", little-endian */
#define RSDS_GUID 4u

enum wst_status wst_pe_codeview_find(const void *dir, size_t size, struct wst_pe_codeview_at *out)
{
    const unsigned char *b = dir;
    memset(out, 0, sizeof *out);
    if (size % WST_PE_DEBUG_ENTRY_SIZE != 0 ||
        size / WST_PE_DEBUG_ENTRY_SIZE > WST_PE_DEBUG_ENTRIES_MAX)
        return WST_E_BAD_IMAGE;
    for (size_t at = 0; at < size; at += WST_PE_DEBUG_ENTRY_SIZE) {
        const unsigned char *e = b + at;
        if (wst_le32(e + DEBUG_TYPE) != DEBUG_TYPE_CODEVIEW)
            continue;
        uint32_t data_size = wst_le32(e + DEBUG_SIZE_OF_DATA);
        if (data_size < WST_PE_CODEVIEW_READ)
            return WST_E_BAD_IMAGE;
        out->size = data_size;
        out->rva = wst_le32(e + DEBUG_RVA);
        out->file_offset = wst_le32(e + DEBUG_FILE_OFFSET);
        return WST_OK;
    }
    return WST_OK;
}

enum wst_status wst_pe_build_id_parse(const void *record, size_t size, struct wst_build_id *out)
{
    const unsigned char *b = record;
    memset(out, 0, sizeof *out);
    if (size < WST_PE_CODEVIEW_READ)
        return WST_E_BAD_IMAGE;
    if (wst_le32(b) != RSDS)
        return WST_OK;
    memcpy(out->bytes, b + RSDS_GUID, WST_BUILD_ID_SIZE);
    out->present = 1;
    return WST_OK;
}

int wst_build_id_equal(const struct wst_build_id *a, const struct wst_build_id *b)
{
    if (a->present != b->present)
        return 0;
    return !a->present || memcmp(a->bytes, b->bytes, WST_BUILD_ID_SIZE) == 0;
}

void wst_build_id_format(const struct wst_build_id *id, char *out)
{
    if (!id->present) {
        snprintf(out, WST_BUILD_ID_TEXT_MAX, "none");
        return;
    }
    char *p = out;
    for (unsigned i = 0; i < 16; i++)
        p += sprintf(p, "%02x", id->bytes[i]);
    snprintf(p, WST_BUILD_ID_TEXT_MAX - 32, "-%lu", (unsigned long)wst_le32(id->bytes + 16));
}
