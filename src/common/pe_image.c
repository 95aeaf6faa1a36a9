/*
 * See pe_image.h. Fields are read byte by byte at checked offsets
 * (bytes_le.h), never through casts of the buffer, because the buffer has no
 * alignment guarantee and comes from another process or a file. Offsets
 * follow the PE/COFF specification; only the fields the inspector needs are
 * decoded.
 */
#include "pe_image.h"

#include <string.h>

#include "bytes_le.h"

#define DOS_MAGIC 0x5a4du        /* "MZ" */
#define NT_SIGNATURE 0x00004550u /* "PE\0\0" */
#define DOS_LFANEW_OFFSET 0x3cu
#define DOS_HEADER_SIZE 0x40u
#define FILE_HEADER_SIZE 20u
#define OPT_MAGIC_PE32 0x10bu
#define OPT_MAGIC_PE32_PLUS 0x20bu
/* The optional header up to and including NumberOfRvaAndSizes; the data
 * directories follow it. */
#define OPT_MIN_PE32 96u
#define OPT_MIN_PE32_PLUS 112u
#define OPT_SIZE_OF_CODE 4u
#define OPT_ENTRY_POINT 16u
/* ImageBase is 4 bytes at 28 in PE32 (BaseOfData comes first), 8 at 24 in PE32+. */
#define OPT_IMAGE_BASE_PE32 28u
#define OPT_IMAGE_BASE_PE32_PLUS 24u
#define OPT_SIZE_OF_IMAGE 56u
#define OPT_SIZE_OF_HEADERS 60u
#define OPT_CHECKSUM 64u
#define SECTION_HEADER_SIZE 40u

static enum wst_status parse_optional(const unsigned char *b, size_t size, size_t opt,
                                      uint16_t opt_size, struct wst_pe_info *out)
{
    if (!wst_le_fits(size, opt, 2))
        return WST_E_BAD_IMAGE;
    uint16_t magic = wst_le16(b + opt);
    size_t minimum;
    if (magic == OPT_MAGIC_PE32) {
        out->bits = 32;
        minimum = OPT_MIN_PE32;
    } else if (magic == OPT_MAGIC_PE32_PLUS) {
        out->bits = 64;
        minimum = OPT_MIN_PE32_PLUS;
    } else {
        return WST_E_BAD_IMAGE;
    }
    if (opt_size < minimum || !wst_le_fits(size, opt, opt_size))
        return WST_E_BAD_IMAGE;
    const unsigned char *o = b + opt;
    out->size_of_image = wst_le32(o + OPT_SIZE_OF_IMAGE);
    out->size_of_headers = wst_le32(o + OPT_SIZE_OF_HEADERS);
    out->entry_point = wst_le32(o + OPT_ENTRY_POINT);
    out->size_of_code = wst_le32(o + OPT_SIZE_OF_CODE);
    out->checksum = wst_le32(o + OPT_CHECKSUM);
    out->image_base = out->bits == 64 ? wst_le64(o + OPT_IMAGE_BASE_PE32_PLUS)
                                      : wst_le32(o + OPT_IMAGE_BASE_PE32);
    /* NumberOfRvaAndSizes is the last field of the minimum; a directory it
     * declares but the header is too short to hold stays 0. */
    uint32_t dirs = wst_le32(o + minimum - 4);
    for (uint32_t d = 0; d < WST_PE_DIRS && d < dirs && minimum + 8u * (d + 1u) <= opt_size; d++) {
        out->dir_rva[d] = wst_le32(o + minimum + 8u * d);
        out->dir_size[d] = wst_le32(o + minimum + 8u * d + 4u);
    }
    return WST_OK;
}

/* A known machine must agree with the optional header's width; an unknown
 * machine is left to the caller (the inspector reads only x86 targets). */
static int machine_matches_bits(uint16_t machine, unsigned bits)
{
    if (machine == WST_PE_MACHINE_I386)
        return bits == 32;
    if (machine == WST_PE_MACHINE_AMD64)
        return bits == 64;
    return 1;
}

enum wst_status wst_pe_parse(const void *buf, size_t size, struct wst_pe_info *out)
{
    const unsigned char *b = buf;
    memset(out, 0, sizeof *out);
    if (b == NULL || size < DOS_HEADER_SIZE || wst_le16(b) != DOS_MAGIC)
        return WST_E_BAD_IMAGE;
    size_t nt = wst_le32(b + DOS_LFANEW_OFFSET);
    if (!wst_le_fits(size, nt, 4 + FILE_HEADER_SIZE) || wst_le32(b + nt) != NT_SIGNATURE)
        return WST_E_BAD_IMAGE;
    const unsigned char *fh = b + nt + 4;
    out->machine = wst_le16(fh);
    out->section_count = wst_le16(fh + 2);
    out->timestamp = wst_le32(fh + 4);
    out->symbol_table = wst_le32(fh + 8);
    out->symbol_count = wst_le32(fh + 12);
    uint16_t opt_size = wst_le16(fh + 16);
    size_t opt = nt + 4 + FILE_HEADER_SIZE;
    enum wst_status st = parse_optional(b, size, opt, opt_size, out);
    if (st != WST_OK)
        return st;
    if (!machine_matches_bits(out->machine, out->bits) || out->section_count > WST_PE_MAX_SECTIONS)
        return WST_E_BAD_IMAGE;
    out->section_table = opt + opt_size;
    if (!wst_le_fits(size, out->section_table, (size_t)out->section_count * SECTION_HEADER_SIZE))
        return WST_E_BAD_IMAGE;
    return WST_OK;
}

static int name_equals(const unsigned char field[8], const char *name)
{
    size_t len = strlen(name);
    if (len > 8)
        return 0;
    if (memcmp(field, name, len) != 0)
        return 0;
    for (size_t i = len; i < 8; i++) {
        if (field[i] != 0)
            return 0;
    }
    return 1;
}

void wst_pe_section_at(const void *buf, const struct wst_pe_info *info, uint16_t index,
                       struct wst_pe_section *out)
{
    const unsigned char *sh =
        (const unsigned char *)buf + info->section_table + (size_t)index * SECTION_HEADER_SIZE;
    out->virtual_size = wst_le32(sh + 8);
    out->rva = wst_le32(sh + 12);
    out->raw_size = wst_le32(sh + 16);
    out->raw_offset = wst_le32(sh + 20);
    if (out->virtual_size == 0)
        out->virtual_size = out->raw_size;
}

enum wst_status wst_pe_find_section(const void *buf, size_t size, const char *name,
                                    struct wst_pe_info *info, struct wst_pe_section *out)
{
    struct wst_pe_info local;
    if (info == NULL)
        info = &local;
    memset(out, 0, sizeof *out);
    enum wst_status st = wst_pe_parse(buf, size, info);
    if (st != WST_OK)
        return st;
    const unsigned char *table = (const unsigned char *)buf + info->section_table;
    for (uint16_t i = 0; i < info->section_count; i++) {
        if (!name_equals(table + (size_t)i * SECTION_HEADER_SIZE, name))
            continue;
        wst_pe_section_at(buf, info, i, out);
        /* 64-bit sum: a 32-bit rva + size can wrap and pass a naive check. */
        if ((uint64_t)out->rva + out->virtual_size > info->size_of_image)
            return WST_E_BAD_IMAGE;
        return WST_OK;
    }
    return WST_E_NOT_INSTRUMENTED;
}
