/*
 * The saved-file ABI: what an instrumented module writes when it ends, with
 * WINSTRUMENT_SAVE=DIR in its environment (src/runtime/save.c), and what
 * `wst-inspect dump --from FILE...` reads (src/common/saved_parse.c).
 * docs/design/saved-file.md describes every field and the versioning.
 *
 *   struct wst_saved_header                  64 bytes
 *   record: struct wst_saved_record_head     16 bytes, then `size` bytes,
 *           then zero bytes up to a multiple of 8
 *   ... `records` records, in any order, then the end of the file
 *
 * Records: exactly one IDENTITY (struct wst_saved_identity), exactly one
 * REGION (a copy of the module's ".wst" section from its header to the end
 * of its trailer, as region.h lays it out), at most one FUNCTIONS (a copy of
 * the module's function table, winstrument/function_table.h). A reader
 * skips a record kind it does not know (a newer writer may add kinds
 * without a new version); a new version means a changed layout of the
 * header, the record head or the identity.
 *
 * Only fixed-width little-endian fields, so a 64-bit reader reads a 32-bit
 * module's file with the same declarations.
 */
#ifndef WINSTRUMENT_SAVED_H
#define WINSTRUMENT_SAVED_H

#include <stddef.h>
#include <stdint.h>

#include "winstrument/region.h"

#define WST_SAVED_MAGIC 0x46545357u /* "WSTF" */
#define WST_SAVED_VERSION 1u
#define WST_SAVED_RECORDS_MAX 16u
#define WST_SAVED_PATH_MAX 1024u /* UTF-8 with its NUL */

enum wst_saved_kind {
    WST_SAVED_IDENTITY = 1,
    WST_SAVED_REGION = 2,
    WST_SAVED_FUNCTIONS = 3,
};

/* identity.end_reason: which detach wrote the file. */
enum wst_saved_end {
    WST_SAVED_END_UNLOAD = 1,       /* FreeLibrary: DLL_PROCESS_DETACH, not at exit */
    WST_SAVED_END_PROCESS_EXIT = 2, /* ExitProcess, return from main, last ExitThread */
};

struct wst_saved_header {
    uint32_t magic;            /* WST_SAVED_MAGIC */
    uint16_t version;          /* WST_SAVED_VERSION */
    uint16_t header_size;      /* 64 */
    uint32_t records;          /* how many records follow, 1 .. WST_SAVED_RECORDS_MAX */
    uint32_t runtime_version;  /* WST_VERSION_NUMBER of the writing runtime */
    uint64_t file_size;        /* the whole file: a shorter file was cut short */
    uint8_t reserved[64 - 24]; /* zero */
};

struct wst_saved_record_head {
    uint32_t kind;     /* enum wst_saved_kind */
    uint32_t reserved; /* zero */
    uint64_t size;     /* payload bytes, padding excluded */
};

struct wst_saved_identity {
    uint16_t machine;          /* IMAGE_FILE_MACHINE_*: 0x14c i386, 0x8664 AMD64 */
    uint16_t build_id_present; /* 1: build_id holds the CodeView GUID and age */
    uint32_t pid;
    uint64_t instance;                    /* the region header's instance of this load */
    uint64_t loaded_at;                   /* process attach, FILETIME ticks (100 ns since 1601) */
    uint64_t ended_at;                    /* the detach that wrote the file, FILETIME ticks */
    uint32_t timestamp;                   /* the image's TimeDateStamp */
    uint32_t size_of_image;               /* its SizeOfImage */
    uint32_t end_reason;                  /* enum wst_saved_end */
    uint32_t reserved;                    /* zero */
    uint8_t build_id[20];                 /* GUID (16) and age (4), as in the image's RSDS record */
    uint8_t reserved2[12];                /* zero */
    char module_path[WST_SAVED_PATH_MAX]; /* UTF-8, NUL-terminated */
    char exe_path[WST_SAVED_PATH_MAX];    /* the process's executable, UTF-8 */
};

WST_STATIC_ASSERT_(sizeof(struct wst_saved_header) == 64, "saved header size");
WST_STATIC_ASSERT_(offsetof(struct wst_saved_header, file_size) == 16, "saved header offsets");
WST_STATIC_ASSERT_(sizeof(struct wst_saved_record_head) == 16, "saved record head size");
WST_STATIC_ASSERT_(offsetof(struct wst_saved_identity, loaded_at) == 16, "identity offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_saved_identity, build_id) == 48, "identity offsets");
WST_STATIC_ASSERT_(offsetof(struct wst_saved_identity, module_path) == 80, "identity offsets");
WST_STATIC_ASSERT_(sizeof(struct wst_saved_identity) == 80 + 2 * WST_SAVED_PATH_MAX,
                   "identity size");

#endif
