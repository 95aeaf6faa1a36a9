/*
 * A bounds-checked reader of PE/COFF headers (PE32 and PE32+), the project's
 * only one: the inspector uses it on the first bytes of a module that it
 * copied out of another process, and pe_file.c and pe_symbols.c on whole
 * image files, so that the DOS, file and optional headers are validated and
 * decoded in one place. Platform-free: it includes no windows.h and builds
 * natively for fuzzing. The buffer is untrusted: every offset and size is
 * checked against the buffer and for overflow before use, and a malformed
 * image gives WST_E_BAD_IMAGE, never a read outside the buffer.
 *
 * No state, no allocation: safe from any thread.
 */
#ifndef WST_PE_IMAGE_H
#define WST_PE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define WST_PE_HEADERS_READ 4096u /* what the inspector copies from a module's base */

#define WST_PE_MACHINE_I386 0x014cu
#define WST_PE_MACHINE_AMD64 0x8664u

/* The loader refuses more sections; a larger count is corruption, not a big
 * image, and a reader may size its own table of sections by it. */
#define WST_PE_MAX_SECTIONS 96u

/* The data directories the optional header can hold (IMAGE_NUMBEROF_DIRECTORY_ENTRIES). */
#define WST_PE_DIRS 16u
#define WST_PE_DIR_EXPORT 0u
#define WST_PE_DIR_EXCEPTION 3u /* x64: the RUNTIME_FUNCTION table (.pdata) */

/* What the headers say about the image as a whole. */
struct wst_pe_info {
    uint16_t machine;       /* IMAGE_FILE_HEADER.Machine */
    unsigned bits;          /* 32 (PE32) or 64 (PE32+), from the optional header's magic */
    uint16_t section_count; /* entries in the section table */
    uint32_t timestamp;     /* IMAGE_FILE_HEADER.TimeDateStamp (matches a --symbols file) */
    uint32_t entry_point;   /* AddressOfEntryPoint (with the timestamp, matches a --symbols file) */
    uint32_t size_of_code;  /* SizeOfCode (likewise) */
    uint32_t size_of_image; /* mapped size, from the optional header */
    uint32_t size_of_headers;
    uint64_t image_base;   /* ImageBase, the preferred address: DWARF addresses are VAs */
    uint32_t checksum;     /* the optional header's CheckSum (0 unless the linker set one) */
    uint32_t symbol_table; /* PointerToSymbolTable: file offset of the COFF symbols, 0 if none */
    uint32_t symbol_count; /* NumberOfSymbols (18-byte records; unchecked against the buffer) */
    /* The data directories: RVA and size of each one that NumberOfRvaAndSizes
     * declares and the optional header holds; 0 for the others. */
    uint32_t dir_rva[WST_PE_DIRS];
    uint32_t dir_size[WST_PE_DIRS];
    size_t section_table; /* offset of the section table in the buffer */
};

/* One section, as its header describes it. */
struct wst_pe_section {
    uint32_t rva;          /* VirtualAddress: offset from the image base once mapped */
    uint32_t virtual_size; /* VirtualSize, or SizeOfRawData when a linker left it 0 */
    uint32_t raw_offset;   /* PointerToRawData: offset in the file */
    uint32_t raw_size;     /* SizeOfRawData */
};

/* Validates the DOS header, the NT signature, the file header, the optional
 * header's magic and the section table's bounds within [buf, buf + size). */
enum wst_status wst_pe_parse(const void *buf, size_t size, struct wst_pe_info *out);

/* The header of section `index` (< info->section_count) of the buffer that
 * wst_pe_parse accepted into `info`, as it stands: no check against
 * SizeOfImage or the file's size, which depend on what the caller does with
 * it. */
void wst_pe_section_at(const void *buf, const struct wst_pe_info *info, uint16_t index,
                       struct wst_pe_section *out);

/* Finds the first section called `name` (at most 8 bytes, compared like the
 * loader: the field is NUL-padded). Checks that the section lies inside
 * SizeOfImage. WST_E_NOT_INSTRUMENTED when no section has that name. */
enum wst_status wst_pe_find_section(const void *buf, size_t size, const char *name,
                                    struct wst_pe_info *info, struct wst_pe_section *out);

#endif
