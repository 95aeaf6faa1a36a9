/*
 * See pe_file.h. The headers are pe_image.c's to parse; this file adds what
 * only a whole file has. Offsets follow the PE/COFF specification: the COFF
 * file header's PointerToSymbolTable and NumberOfSymbols (18-byte records)
 * locate the string table, whose first 4 bytes are its size; a section name
 * "/123" means the NUL-terminated string at offset 123 of that table. Fields
 * are read byte by byte at checked offsets (bytes_le.h) because the buffer
 * has no alignment guarantee.
 */
#include "pe_file.h"

#include <string.h>

#include "bytes_le.h"

#define SECTION_HEADER_SIZE 40u
#define COFF_SYMBOL_SIZE 18u

/* The string table is optional (a stripped image has none); a pointer to
 * one that does not fit is corruption. */
static enum wst_status locate_strtab(struct wst_pe_file *f)
{
    uint32_t symptr = f->info.symbol_table;
    uint32_t nsyms = f->info.symbol_count;
    if (symptr == 0)
        return WST_OK;
    uint64_t at = (uint64_t)symptr + (uint64_t)nsyms * COFF_SYMBOL_SIZE;
    if (at > f->size || !wst_le_fits(f->size, (size_t)at, 4))
        return WST_E_BAD_IMAGE;
    uint32_t tsize = wst_le32(f->buf + at);
    if (tsize < 4 || !wst_le_fits(f->size, (size_t)at, tsize))
        return WST_E_BAD_IMAGE;
    f->strtab = (size_t)at;
    f->strtab_size = tsize;
    return WST_OK;
}

enum wst_status wst_pe_file_open(const void *buf, size_t size, struct wst_pe_file *out)
{
    memset(out, 0, sizeof *out);
    out->buf = buf;
    out->size = size;
    enum wst_status st = wst_pe_parse(buf, size, &out->info);
    if (st != WST_OK)
        return st;
    return locate_strtab(out);
}

/* The section header's full name: the 8-byte field, or the string-table
 * entry that "/N" names. */
static enum wst_status full_name(const struct wst_pe_file *f, const unsigned char *sh,
                                 const char **name, size_t *len)
{
    if (sh[0] != '/') {
        size_t n = 0;
        while (n < 8 && sh[n] != 0)
            n++;
        *name = (const char *)sh;
        *len = n;
        return WST_OK;
    }
    uint32_t off = 0;
    size_t i = 1;
    for (; i < 8 && sh[i] >= '0' && sh[i] <= '9'; i++)
        off = off * 10 + (uint32_t)(sh[i] - '0');
    if (i == 1 || (i < 8 && sh[i] != 0) || f->strtab == 0 || off < 4 || off >= f->strtab_size)
        return WST_E_BAD_IMAGE;
    const unsigned char *s = f->buf + f->strtab + off;
    const unsigned char *nul = memchr(s, 0, f->strtab_size - off);
    if (nul == NULL)
        return WST_E_BAD_IMAGE;
    *name = (const char *)s;
    *len = (size_t)(nul - s);
    return WST_OK;
}

/* The raw data of section `index`, cut to its VirtualSize: the rest is file
 * alignment (a VirtualSize of 0 means the raw size, pe_image.c). */
static enum wst_status raw_bytes(const struct wst_pe_file *f, uint16_t index,
                                 const unsigned char **data, size_t *len)
{
    struct wst_pe_section s;
    wst_pe_section_at(f->buf, &f->info, index, &s);
    size_t n = s.virtual_size < s.raw_size ? s.virtual_size : s.raw_size;
    if (!wst_le_fits(f->size, s.raw_offset, n))
        return WST_E_BAD_IMAGE;
    *data = f->buf + s.raw_offset;
    *len = n;
    return WST_OK;
}

enum wst_status wst_pe_file_section(const struct wst_pe_file *f, const char *name,
                                    const unsigned char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    size_t want = strlen(name);
    for (uint16_t i = 0; i < f->info.section_count; i++) {
        const unsigned char *sh = f->buf + f->info.section_table + (size_t)i * SECTION_HEADER_SIZE;
        const char *have;
        size_t have_len;
        enum wst_status st = full_name(f, sh, &have, &have_len);
        if (st != WST_OK)
            return st;
        if (have_len == want && memcmp(have, name, want) == 0)
            return raw_bytes(f, i, data, len);
    }
    return WST_OK;
}

enum wst_status wst_pe_file_rva(const struct wst_pe_file *f, uint32_t rva, size_t len,
                                const unsigned char **data)
{
    for (uint16_t i = 0; i < f->info.section_count; i++) {
        struct wst_pe_section s;
        wst_pe_section_at(f->buf, &f->info, i, &s);
        if (rva < s.rva || (uint64_t)rva + len > (uint64_t)s.rva + s.raw_size)
            continue;
        uint64_t at = (uint64_t)s.raw_offset + (rva - s.rva);
        if (at > f->size || !wst_le_fits(f->size, (size_t)at, len))
            return WST_E_BAD_IMAGE;
        *data = f->buf + (size_t)at;
        return WST_OK;
    }
    return WST_E_BAD_IMAGE;
}
