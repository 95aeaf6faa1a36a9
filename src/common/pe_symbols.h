/*
 * Function names and extents from a PE image file (the bytes on disk, not a
 * mapped module): the COFF symbol table that mingw's linker keeps unless the
 * image is stripped, the export directory, and on x64 the exception
 * directory (.pdata), whose RUNTIME_FUNCTION entries give the exact extent of
 * every function that has unwind data. Platform-free: no windows.h, builds
 * natively for fuzzing and unit tests. The file is untrusted: every offset
 * and count is checked against the buffer and for overflow; a malformed
 * image gives WST_E_BAD_IMAGE, never a read outside the buffer.
 *
 * A symbol set is built once and then read only; no global state.
 */
#ifndef WST_PE_SYMBOLS_H
#define WST_PE_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

#include "pe_build_id.h"
#include "status.h"

/* Where a name came from (struct wst_symbol.source). */
enum wst_symbol_source {
    WST_SYMBOL_COFF = 1,   /* the COFF symbol table (function symbols) */
    WST_SYMBOL_EXPORT = 2, /* the export directory */
};

struct wst_symbol {
    uint32_t rva;  /* the function's first byte, from the image base */
    uint32_t size; /* bytes; exact from .pdata, else up to the next symbol; 0 unknown */
    const char *name; /* in the set's own storage; i686's leading '_' removed */
    uint8_t source;   /* enum wst_symbol_source */
    uint8_t exact_size; /* 1 when size came from .pdata */
};

/* A sorted (by rva), de-duplicated set: one entry per function start; the
 * COFF name wins over an export's name for the same rva. */
struct wst_symbols {
    struct wst_symbol *items;
    size_t count;
    char *strings; /* owns every name */
    /* What the image's headers say, to match a --symbols file to a module. */
    uint32_t size_of_image;
    uint32_t timestamp; /* IMAGE_FILE_HEADER.TimeDateStamp */
    uint32_t entry_point; /* AddressOfEntryPoint: strip keeps it and the timestamp, but
                           * not SizeOfImage (mingw maps the -g debug sections) */
    uint32_t size_of_code; /* SizeOfCode: kept by strip too */
    struct wst_build_id build_id; /* the CodeView record (wst-cc links with --build-id) */
    unsigned bits;      /* 32 or 64 */
    int stripped;       /* no COFF symbol table (names from exports only) */
};

/* Builds the set from a whole image file. A stripped image is not an
 * error: it gives the exports (maybe none) and stripped = 1. Frees nothing
 * on failure but what it allocated. */
enum wst_status wst_symbols_from_image(const void *file, size_t size, struct wst_symbols *out);

/* The function that contains rva: the last symbol at or below it, when rva
 * lies inside its size (or its size is unknown); NULL otherwise. */
const struct wst_symbol *wst_symbols_find(const struct wst_symbols *s, uint32_t rva);

void wst_symbols_free(struct wst_symbols *s);

#endif
