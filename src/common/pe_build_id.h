/*
 * The build id of a PE image: the CodeView ("RSDS") record that GNU ld's
 * --build-id (and MSVC's linker, for its PDB) writes in the debug directory.
 * It identifies one build's content, and strip keeps it, so it is how a
 * --symbols file is matched to a module that was loaded stripped, and how
 * Windows symbol servers match images. The TimeDateStamp alone does not:
 * a reproducible build (ld --no-insert-timestamp) gives every build 0.
 *
 * Two steps, because the inspector reads the pieces from another process
 * and pe_symbols.c from a file: find the record in the debug directory's
 * entries, then decode the record. Platform-free, no state, no allocation;
 * the bytes are untrusted and bounds-checked like pe_image.c's.
 */
#ifndef WST_PE_BUILD_ID_H
#define WST_PE_BUILD_ID_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define WST_PE_DIR_DEBUG 6u
#define WST_PE_DEBUG_ENTRY_SIZE 28u /* IMAGE_DEBUG_DIRECTORY */
/* More entries than this is corruption: linkers write one to a handful. */
#define WST_PE_DEBUG_ENTRIES_MAX 16u
/* "RSDS", the GUID (16) and the age (4); a PDB path follows, unread. */
#define WST_PE_CODEVIEW_READ 24u

/* GUID and age as stored: 20 bytes. */
#define WST_BUILD_ID_SIZE 20u
/* Its text: 32 hex digits of the GUID's bytes, '-', the age in decimal. */
#define WST_BUILD_ID_TEXT_MAX 48u

struct wst_build_id {
    int present; /* 0: the image has no CodeView record */
    uint8_t bytes[WST_BUILD_ID_SIZE];
};

/* Where an image's CodeView record is, from its debug directory entries
 * (`dir`, `size` bytes, as the data directory gives them). */
struct wst_pe_codeview_at {
    uint32_t rva;         /* AddressOfRawData: where it is once mapped (0: not mapped) */
    uint32_t file_offset; /* PointerToRawData: where it is in the file */
    uint32_t size;        /* SizeOfData */
};

/* WST_OK, with out->size 0 when no entry is of type CodeView;
 * WST_E_BAD_IMAGE when the directory is malformed (its size not a multiple
 * of an entry, too many entries, a CodeView record too short for its
 * header). */
enum wst_status wst_pe_codeview_find(const void *dir, size_t size, struct wst_pe_codeview_at *out);

/* Decodes a CodeView record's first WST_PE_CODEVIEW_READ bytes (fewer:
 * WST_E_BAD_IMAGE). A record of another format (the old "NB10") gives
 * present = 0: it carries no GUID. */
enum wst_status wst_pe_build_id_parse(const void *record, size_t size, struct wst_build_id *out);

int wst_build_id_equal(const struct wst_build_id *a, const struct wst_build_id *b);

/* "none" when absent. `out` holds WST_BUILD_ID_TEXT_MAX bytes. */
void wst_build_id_format(const struct wst_build_id *id, char *out);

#endif
