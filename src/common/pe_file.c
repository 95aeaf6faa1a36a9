/*
 * See pe_file.h. Offsets follow the PE/COFF specification: the COFF file
 * header's PointerToSymbolTable and NumberOfSymbols (18-byte records) locate
 * the string table, whose first 4 bytes are its size; a section name "/123"
 * means the NUL-terminated string at offset 123 of that table. Fields are read
 * byte by byte at checked offsets because the buffer has no alignment
 * guarantee.
 */
#include "pe_file.h"

#include <string.h>

#define DOS_LFANEW_OFFSET 0x3cu
#define FILE_HEADER_SIZE 20u
#define SECTION_HEADER_SIZE 40u
#define COFF_SYMBOL_SIZE 18u
#define DIR_EXCEPTION 3u
/* ImageBase and the data directories sit at different offsets in PE32 and PE32+. */
#define OPT_IMAGE_BASE_PE32 28u
#define OPT_IMAGE_BASE_PE32_PLUS 24u
#define OPT_DIR_COUNT_PE32 92u
#define OPT_DIR_COUNT_PE32_PLUS 108u
#define OPT_ENTRY_POINT 16u
#define OPT_CHECKSUM 64u

static int fits(size_t size, size_t offset, size_t len)
{
    return offset <= size && len <= size - offset;
}

static uint16_t get16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The string table is optional (a stripped image has none); a pointer to
 * one that does not fit is corruption. */
static enum wst_status locate_strtab(struct wst_pe_file *f, const unsigned char *fh)
{
    uint32_t symptr = get32(fh + 8);
    uint32_t nsyms = get32(fh + 12);
    if (symptr == 0)
        return WST_OK;
    uint64_t at = (uint64_t)symptr + (uint64_t)nsyms * COFF_SYMBOL_SIZE;
    if (at > f->size || !fits(f->size, (size_t)at, 4))
        return WST_E_BAD_IMAGE;
    uint32_t tsize = get32(f->buf + at);
    if (tsize < 4 || !fits(f->size, (size_t)at, tsize))
        return WST_E_BAD_IMAGE;
    f->strtab = (size_t)at;
    f->strtab_size = tsize;
    return WST_OK;
}

static void read_optional(struct wst_pe_file *f, size_t opt, uint16_t opt_size)
{
    const unsigned char *o = f->buf + opt;
    size_t count_at = f->info.bits == 64 ? OPT_DIR_COUNT_PE32_PLUS : OPT_DIR_COUNT_PE32;
    if (f->info.bits == 64)
        f->image_base = (uint64_t)get32(o + OPT_IMAGE_BASE_PE32_PLUS) |
                        (uint64_t)get32(o + OPT_IMAGE_BASE_PE32_PLUS + 4) << 32;
    else
        f->image_base = get32(o + OPT_IMAGE_BASE_PE32);
    f->entry_rva = get32(o + OPT_ENTRY_POINT);
    f->checksum = get32(o + OPT_CHECKSUM);
    /* wst_pe_parse checked that the optional header holds the count. */
    uint32_t dirs = get32(o + count_at);
    size_t dir = count_at + 4 + (size_t)DIR_EXCEPTION * 8;
    if (dirs > DIR_EXCEPTION && dir + 8 <= opt_size) {
        f->pdata_rva = get32(o + dir);
        f->pdata_size = get32(o + dir + 4);
    }
}

enum wst_status wst_pe_file_open(const void *buf, size_t size, struct wst_pe_file *out)
{
    memset(out, 0, sizeof *out);
    out->buf = buf;
    out->size = size;
    enum wst_status st = wst_pe_parse(buf, size, &out->info);
    if (st != WST_OK)
        return st;
    size_t nt = get32(out->buf + DOS_LFANEW_OFFSET);
    const unsigned char *fh = out->buf + nt + 4;
    uint16_t opt_size = get16(fh + 16);
    out->timestamp = get32(fh + 4);
    read_optional(out, nt + 4 + FILE_HEADER_SIZE, opt_size);
    return locate_strtab(out, fh);
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

static enum wst_status raw_bytes(const struct wst_pe_file *f, const unsigned char *sh,
                                 const unsigned char **data, size_t *len)
{
    uint32_t vsize = get32(sh + 8);
    uint32_t raw_size = get32(sh + 16);
    uint32_t raw_off = get32(sh + 20);
    size_t n = vsize != 0 && vsize < raw_size ? vsize : raw_size;
    if (!fits(f->size, raw_off, n))
        return WST_E_BAD_IMAGE;
    *data = f->buf + raw_off;
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
            return raw_bytes(f, sh, data, len);
    }
    return WST_OK;
}

enum wst_status wst_pe_file_rva(const struct wst_pe_file *f, uint32_t rva, size_t len,
                                const unsigned char **data)
{
    for (uint16_t i = 0; i < f->info.section_count; i++) {
        const unsigned char *sh = f->buf + f->info.section_table + (size_t)i * SECTION_HEADER_SIZE;
        uint32_t start = get32(sh + 12);
        uint32_t raw_size = get32(sh + 16);
        uint32_t raw_off = get32(sh + 20);
        if (rva < start || (uint64_t)rva + len > (uint64_t)start + raw_size)
            continue;
        uint64_t at = (uint64_t)raw_off + (rva - start);
        if (at > f->size || !fits(f->size, (size_t)at, len))
            return WST_E_BAD_IMAGE;
        *data = f->buf + (size_t)at;
        return WST_OK;
    }
    return WST_E_BAD_IMAGE;
}
