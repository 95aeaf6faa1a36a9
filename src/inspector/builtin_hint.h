/*
 * A hint for "not instrumented" that is really "not yours": the module of
 * that name was loaded from the system directory, a builtin or system copy
 * (Wine 8 ships a builtin zlib1.dll, and loads it instead of the one next to
 * the program unless WINEDLLOVERRIDES says name=n,b for that program). The
 * discovery adds it to the error of a failed search. Main thread only; reads
 * the target's module list and names, never its memory.
 */
#ifndef WST_INSPECTOR_BUILTIN_HINT_H
#define WST_INSPECTOR_BUILTIN_HINT_H

#include "error.h"
#include "remote.h"

/* With `only`: when a module of that name is loaded from the system
 * directory. Without: each module loaded from there whose file name also
 * exists in the executable's directory (the copy the program meant). Appends
 * "; NAME is loaded from DIR: a builtin or system copy, not the one next to
 * the program (under Wine: WINEDLLOVERRIDES=STEM=n,b for this program)" to
 * err's detail, for at most a few modules. */
void wst_hint_system_copies(const struct wst_remote *r, const char *only, struct wst_error *err);

/* The hint's decision, without the OS: whether `path` (a module's full path)
 * lies directly in one of the `dirs` (compared without case, either slash). */
int wst_path_in_dir(const char *path, const char *const *dirs, size_t ndirs);

#endif
