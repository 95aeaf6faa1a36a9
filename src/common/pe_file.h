/*
 * A PE image read whole from disk (not from another process's memory): its
 * sections by their full names, including the long names that mingw's
 * linker stores as "/N" offsets into the COFF string table (".debug_line",
 * ".debug_line_str", ...), its preferred image base, and the bytes behind a
 * range of RVAs. Platform-free and fuzzed (fuzz/fuzz_dwarf_lines.c feeds it
 * whole files). The file is untrusted: every offset and size is checked
 * against the buffer and for overflow, and a malformed image gives
 * WST_E_BAD_IMAGE, never a read outside the buffer.
 *
 * No allocation, no state beyond the struct the caller owns: safe from any
 * thread. The buffer must outlive the struct.
 */
#ifndef WST_PE_FILE_H
#define WST_PE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "pe_image.h"
#include "status.h"

struct wst_pe_file {
    const unsigned char *buf; /* the whole file, borrowed */
    size_t size;
    struct wst_pe_info info; /* the headers (pe_image.h): ImageBase, entry point, ... */
    size_t strtab;           /* offset of the COFF string table, 0 when there is none */
    uint32_t strtab_size;    /* its size, the 4-byte size field included */
};

/* Parses the headers (wst_pe_parse) and locates the string table. */
enum wst_status wst_pe_file_open(const void *buf, size_t size, struct wst_pe_file *out);

/* The file bytes of the first section whose full name is `name`. WST_OK with
 * *data NULL and *len 0 when no section has that name; WST_E_BAD_IMAGE when a
 * section header or name is malformed. The length is the section's
 * VirtualSize when the raw data holds it (the rest is file alignment). */
enum wst_status wst_pe_file_section(const struct wst_pe_file *f, const char *name,
                                    const unsigned char **data, size_t *len);

/* The file bytes of [rva, rva + len) when one section's raw data holds them
 * all; WST_E_BAD_IMAGE otherwise. */
enum wst_status wst_pe_file_rva(const struct wst_pe_file *f, uint32_t rva, size_t len,
                                const unsigned char **data);

#endif
