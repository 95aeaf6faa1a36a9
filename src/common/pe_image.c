/*
 * See pe_image.h. Fields are read with memcpy at checked offsets, never
 * through casts of the buffer, because the buffer has no alignment guarantee
 * and comes from another process. Offsets follow the PE/COFF specification;
 * only the fields the inspector needs are decoded.
 */
#include "pe_image.h"

#include <string.h>

#define DOS_MAGIC 0x5a4du        /* "MZ" */
#define NT_SIGNATURE 0x00004550u /* "PE\0\0" */
#define DOS_LFANEW_OFFSET 0x3cu
#define DOS_HEADER_SIZE 0x40u
#define FILE_HEADER_SIZE 20u
#define OPT_MAGIC_PE32 0x10bu
#define OPT_MAGIC_PE32_PLUS 0x20bu
/* The optional header up to and including NumberOfRvaAndSizes. */
#define OPT_MIN_PE32 96u
#define OPT_MIN_PE32_PLUS 112u
#define OPT_SIZE_OF_IMAGE 56u
#define OPT_SIZE_OF_HEADERS 60u
#define SECTION_HEADER_SIZE 40u
/* The loader refuses more; a larger count is corruption, not a big image. */
#define MAX_SECTIONS 96u

/* 1 if [offset, offset + len) lies inside a buffer of `size` bytes. */
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

static enum wst_status parse_optional(const unsigned char *b, size_t size, size_t opt,
                                      uint16_t opt_size, struct wst_pe_info *out)
{
    if (!fits(size, opt, 2))
        return WST_E_BAD_IMAGE;
    uint16_t magic = get16(b + opt);
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
    if (opt_size < minimum || !fits(size, opt, opt_size))
        return WST_E_BAD_IMAGE;
    out->size_of_image = get32(b + opt + OPT_SIZE_OF_IMAGE);
    out->size_of_headers = get32(b + opt + OPT_SIZE_OF_HEADERS);
    out->entry_point = get32(b + opt + 16);
    out->size_of_code = get32(b + opt + 4);
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
    if (b == NULL || size < DOS_HEADER_SIZE || get16(b) != DOS_MAGIC)
        return WST_E_BAD_IMAGE;
    size_t nt = get32(b + DOS_LFANEW_OFFSET);
    if (!fits(size, nt, 4 + FILE_HEADER_SIZE) || get32(b + nt) != NT_SIGNATURE)
        return WST_E_BAD_IMAGE;
    const unsigned char *fh = b + nt + 4;
    out->machine = get16(fh);
    out->section_count = get16(fh + 2);
    out->timestamp = get32(fh + 4);
    uint16_t opt_size = get16(fh + 16);
    size_t opt = nt + 4 + FILE_HEADER_SIZE;
    enum wst_status st = parse_optional(b, size, opt, opt_size, out);
    if (st != WST_OK)
        return st;
    if (!machine_matches_bits(out->machine, out->bits) || out->section_count > MAX_SECTIONS)
        return WST_E_BAD_IMAGE;
    out->section_table = opt + opt_size;
    if (!fits(size, out->section_table, (size_t)out->section_count * SECTION_HEADER_SIZE))
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

static enum wst_status decode_section(const unsigned char *sh, uint32_t size_of_image,
                                      struct wst_pe_section *out)
{
    out->virtual_size = get32(sh + 8);
    out->rva = get32(sh + 12);
    out->raw_size = get32(sh + 16);
    out->raw_offset = get32(sh + 20);
    if (out->virtual_size == 0)
        out->virtual_size = out->raw_size;
    /* 64-bit sum: a 32-bit rva + size can wrap and pass a naive check. */
    if ((uint64_t)out->rva + out->virtual_size > size_of_image)
        return WST_E_BAD_IMAGE;
    return WST_OK;
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
        const unsigned char *sh = table + (size_t)i * SECTION_HEADER_SIZE;
        if (name_equals(sh, name))
            return decode_section(sh, info->size_of_image, out);
    }
    return WST_E_NOT_INSTRUMENTED;
}
