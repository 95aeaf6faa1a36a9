/*
 * A bounds-checked reader of PE/COFF headers (PE32 and PE32+). Platform-free:
 * it includes no windows.h, builds natively for fuzzing, and is used by the
 * inspector on the first bytes of a module that it copied out of another
 * process. The buffer is untrusted: every offset and size is checked against
 * the buffer and for overflow before use, and a malformed image gives
 * WST_E_BAD_IMAGE, never a read outside the buffer.
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

/* Finds the first section called `name` (at most 8 bytes, compared like the
 * loader: the field is NUL-padded). Checks that the section lies inside
 * SizeOfImage. WST_E_NOT_INSTRUMENTED when no section has that name. */
enum wst_status wst_pe_find_section(const void *buf, size_t size, const char *name,
                                    struct wst_pe_info *info, struct wst_pe_section *out);

#endif
