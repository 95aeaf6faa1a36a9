/*
 * The per-function view of a process (`wst-inspect functions`, and the
 * coverage export that builds on it): for every module built with
 * `wst-cc --wst-functions`, its function table read out of the target in one
 * ReadProcessMemory call, summed over stripes, and each function named from
 * the module's own image file on disk (COFF symbols, exports; or a
 * --symbols file), else "module+0xOFFSET". Main thread only.
 *
 * This header is the model other verbs build on: keep it stable; a change
 * is announced in a commit message starting with "functions.h:".
 */
#ifndef WST_INSPECTOR_FUNCTIONS_H
#define WST_INSPECTOR_FUNCTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "discovery.h"
#include "error.h"
#include "pe_symbols.h"

struct wst_function {
    uint32_t rva;     /* the function's entry, from the module's base ("offset") */
    uint32_t size;    /* bytes, 0 when unknown (see exact_size) */
    int exact_size;   /* 1: from x64 .pdata (RUNTIME_FUNCTION), the function's exact extent */
    const char *name; /* its symbol, or "module+0x1234"; owned by the result */
    int named;        /* 1 when name came from a symbol or an export */
    uint64_t calls;
    uint64_t time_ns; /* inclusive; 0 in a calls-only module */
    uint64_t self_ns; /* inclusive minus the time in instrumented callees */
};

struct wst_function_module {
    char name[WST_MODULE_NAME_MAX]; /* base name, UTF-8 */
    char path[WST_MODULE_PATH_MAX]; /* full path of the loaded module, UTF-8 */
    char image_path[WST_MODULE_PATH_MAX]; /* the file names were read from: path, or
                                           * --symbols; empty if none could be read */
    uint64_t base;     /* load address in the target */
    uint32_t size;     /* SizeOfImage */
    unsigned bits;     /* 32 or 64 */
    int timed;         /* the hooks record time (not --wst-functions=calls) */
    uint16_t clock_source; /* the region header's WST_CLOCK_*: the clock timed hooks read */
    int symbols_state; /* WST_FN_SYMBOLS_*: how names were found */
    /* The table header's run-time counts (winstrument/function_table.h). */
    uint32_t capacity, used;
    uint64_t overflow_calls, unwound_frames, untimed_calls, unmatched_exits, threads;
    uint64_t threads_live; /* shadow stacks not yet freed at their thread's detach */
    struct wst_function *functions; /* malloc'ed, sorted by rva */
    size_t count;
    /* This module's failure (WST_OK: none); the others are still reported. */
    struct wst_error error;
};

/* struct wst_function_module.symbols_state */
#define WST_FN_SYMBOLS_COFF 1     /* the image has its COFF symbol table */
#define WST_FN_SYMBOLS_EXPORTS 2  /* stripped: exports only, others are module+offset */
#define WST_FN_SYMBOLS_NONE 3     /* no image file could be read: every name is module+offset */

struct wst_functions_query {
    const char *module;  /* NULL: every module with a function table */
    const char *symbols; /* --symbols FILE: an unstripped copy of that (one) module, or NULL */
    int include_uncalled; /* 1: also list every function symbol of the image with 0 calls
                           * (coverage: functions never called) */
};

struct wst_functions_result {
    uint32_t pid;
    struct wst_function_module *modules; /* malloc'ed */
    size_t count;
};

/* Reads every selected module's table and names its functions. No module
 * with a table is WST_E_NOT_INSTRUMENTED (with `module`: WST_E_NO_MODULE when
 * no instrumented module has that name, WST_E_NOT_INSTRUMENTED when it has
 * no function table). A module whose read fails carries its own error and
 * the call returns WST_E_PARTIAL if another succeeded. --symbols that does
 * not match the module (timestamp, entry point, SizeOfCode, bits) is
 * WST_E_BAD_IMAGE. */
enum wst_status wst_functions_read(uint32_t pid, const struct wst_functions_query *q,
                                   struct wst_functions_result *out, struct wst_error *err);
void wst_functions_free(struct wst_functions_result *r);

/* `functions --from`: the same result from files saved by WINSTRUMENT_SAVE
 * (functions_saved.c); pid is 0. */
struct wst_options;
enum wst_status wst_functions_read_saved(const struct wst_options *o,
                                         const struct wst_functions_query *q,
                                         struct wst_functions_result *out, struct wst_error *err);

/* fm's functions from a table's entries (sorted by rva), named from syms
 * (NULL: module+offset); with include_uncalled, every other function symbol
 * of the image too, with zeros. */
struct wst_fn_entry;
enum wst_status wst_functions_name(struct wst_function_module *fm, const struct wst_symbols *syms,
                                   const struct wst_fn_entry *entries, size_t n,
                                   int include_uncalled, struct wst_error *err);

/* Reads an image file (a UTF-8 path, as the module's path or --symbols
 * gives it) and builds its symbol set. WST_E_BAD_IMAGE for a file that is
 * not a PE image, WST_E_NO_PROCESS never; a file that cannot be opened is
 * WST_E_ACCESS_DENIED with its Win32 error. */
enum wst_status wst_symbols_load_file(const char *path, struct wst_symbols *out,
                                      struct wst_error *err);

/* The name of the function at rva in an image's symbol set, written into
 * buf: the name of the symbol that starts at rva, else "module+0xRVA".
 * Returns 1 when a symbol named it. */
int wst_function_name(const struct wst_symbols *s, const char *module, uint32_t rva, char *buf,
                      size_t size);

#endif
