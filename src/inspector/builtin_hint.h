/*
 * A hint for "not instrumented" that is really "not yours": the module of
 * that name is Wine's builtin or the system's copy, loaded instead of the
 * instrumented DLL next to the program. Wine 8 ships a builtin zlib1.dll
 * and, unless WINEDLLOVERRIDES says zlib1=n,b for that program, loads it in
 * place of the program's own copy while reporting the own copy's path; a
 * Wine builtin is recognised by the "Wine builtin DLL" mark that Wine puts
 * after its DOS header. The discovery adds the hint to the error of a failed
 * search. Main thread only; reads the target's module list, names and first
 * header bytes.
 */
#ifndef WST_INSPECTOR_BUILTIN_HINT_H
#define WST_INSPECTOR_BUILTIN_HINT_H

#include <stddef.h>

#include "error.h"
#include "remote.h"

/* Where Wine marks its builtin PE modules, and how. */
#define WST_WINE_BUILTIN_MARK_OFFSET 0x40u
#define WST_WINE_BUILTIN_MARK "Wine builtin DLL"

/* With `only`: when the module of that name is a Wine builtin or comes from
 * the system directory. Without: each Wine builtin reported outside the
 * system directory (it replaced a file there), and each module from the
 * system directory whose name also exists next to the executable. Appends
 * "; NAME ..." with what was loaded and what to set (WINEDLLOVERRIDES=STEM=n,b
 * under Wine) to err's detail, for at most a few modules. */
void wst_hint_system_copies(const struct wst_remote *r, const char *only, struct wst_error *err);

/* The hint's decisions, without the OS, for unit tests: whether `path` (a
 * module's full path) lies directly in one of the `dirs` (without case,
 * either slash), and whether `headers` carry Wine's builtin mark. */
int wst_path_in_dir(const char *path, const char *const *dirs, size_t ndirs);
int wst_is_wine_builtin(const unsigned char *headers, size_t size);

#endif
