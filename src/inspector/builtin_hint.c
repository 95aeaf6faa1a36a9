/*
 * See builtin_hint.h. The system directories are the inspector's own
 * (GetSystemDirectoryW, GetSystemWow64DirectoryW): the same for every
 * process of the machine or prefix, and for 32-bit targets the WOW64 one.
 * A Wine builtin loaded in place of a program's own DLL reports the own
 * DLL's path, so under Wine the mark in its headers is what tells.
 */
#include "builtin_hint.h"

#include <stdlib.h>
#include <string.h>

#define MAX_HINTS 3
/* Local bounds: discovery.c calls this file, so it cannot include
 * discovery.h (scripts/check-includes.py refuses the cycle). */
#define NAME_MAX_UTF8 512
#define PATH_MAX_UTF8 1600

static int fold(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 'a';
    return c == '/' ? '\\' : c;
}

static int same_name(const char *a, const char *b)
{
    for (; fold((unsigned char)*a) == fold((unsigned char)*b); a++, b++) {
        if (*a == '\0')
            return 1;
    }
    return 0;
}

int wst_path_in_dir(const char *path, const char *const *dirs, size_t ndirs)
{
    const char *slash = NULL;
    for (const char *p = path; *p; p++) {
        if (*p == '\\' || *p == '/')
            slash = p;
    }
    if (slash == NULL)
        return 0;
    size_t len = (size_t)(slash - path);
    for (size_t d = 0; d < ndirs; d++) {
        size_t dl = strlen(dirs[d]);
        while (dl > 0 && (dirs[d][dl - 1] == '\\' || dirs[d][dl - 1] == '/'))
            dl--;
        if (dl != len || dl == 0)
            continue;
        size_t i = 0;
        while (i < len && fold((unsigned char)path[i]) == fold((unsigned char)dirs[d][i]))
            i++;
        if (i == len)
            return 1;
    }
    return 0;
}

int wst_is_wine_builtin(const unsigned char *headers, size_t size)
{
    size_t n = sizeof WST_WINE_BUILTIN_MARK - 1;
    return size >= WST_WINE_BUILTIN_MARK_OFFSET + n &&
           memcmp(headers + WST_WINE_BUILTIN_MARK_OFFSET, WST_WINE_BUILTIN_MARK, n) == 0;
}

static size_t system_dirs(char out[2][MAX_PATH * 3])
{
    wchar_t w[MAX_PATH];
    size_t n = 0;
    UINT len = GetSystemDirectoryW(w, MAX_PATH);
    if (len > 0 && len < MAX_PATH)
        wst_utf8_from_wide(w, out[n++], sizeof out[0]);
    len = GetSystemWow64DirectoryW(w, MAX_PATH);
    if (len > 0 && len < MAX_PATH)
        wst_utf8_from_wide(w, out[n++], sizeof out[0]);
    return n;
}

/* Whether the executable's directory holds a file of that name. */
static int next_to_exe(const char *exe_path, const char *name)
{
    char path[PATH_MAX_UTF8 + NAME_MAX_UTF8];
    wchar_t w[PATH_MAX_UTF8 + NAME_MAX_UTF8];
    const char *slash = strrchr(exe_path, '\\');
    if (slash == NULL)
        return 0;
    int dir = (int)(slash - exe_path);
    snprintf(path, sizeof path, "%.*s\\%s", dir, exe_path, name);
    if (MultiByteToWideChar(CP_UTF8, 0, path, -1, w, (int)(sizeof w / sizeof w[0])) <= 0)
        return 0;
    DWORD attr = GetFileAttributesW(w);
    return attr != INVALID_FILE_ATTRIBUTES && !(attr & FILE_ATTRIBUTE_DIRECTORY);
}

static void stem_of(const char *name, char *stem, size_t size)
{
    snprintf(stem, size, "%s", name);
    char *dot = strrchr(stem, '.');
    if (dot != NULL && same_name(dot, ".dll"))
        *dot = '\0';
}

static void add_hint(struct wst_error *err, const char *name, const char *path, int builtin)
{
    char stem[NAME_MAX_UTF8];
    stem_of(name, stem, sizeof stem);
    size_t used = strlen(err->detail);
    if (builtin)
        snprintf(err->detail + used, sizeof err->detail - used,
                 "; %s is Wine's builtin, loaded in place of %s: set "
                 "WINEDLLOVERRIDES=%s=n,b for this program (not for the whole prefix)",
                 name, path, stem);
    else
        snprintf(err->detail + used, sizeof err->detail - used,
                 "; %s is loaded from the system directory (%s): a builtin or system copy, "
                 "not the program's own (under Wine: WINEDLLOVERRIDES=%s=n,b for this program)",
                 name, path, stem);
}

/* Whether the module at `base` carries Wine's builtin mark. */
static int loaded_builtin(const struct wst_remote *r, uint64_t base)
{
    unsigned char head[WST_WINE_BUILTIN_MARK_OFFSET + sizeof WST_WINE_BUILTIN_MARK];
    struct wst_error ignored = {0};
    return wst_remote_read(r, base, head, sizeof head, "module headers", &ignored) == WST_OK &&
           wst_is_wine_builtin(head, sizeof head);
}

void wst_hint_system_copies(const struct wst_remote *r, const char *only, struct wst_error *err)
{
    char dirs[2][MAX_PATH * 3];
    const char *dir_list[2];
    char exe[PATH_MAX_UTF8];
    uint64_t *bases;
    size_t n, hints = 0;
    struct wst_error ignored = {0};
    size_t ndirs = system_dirs(dirs);
    for (size_t i = 0; i < ndirs; i++)
        dir_list[i] = dirs[i];
    if (wst_remote_modules(r, &bases, &n, &ignored) != WST_OK)
        return;
    wst_remote_image_path(r, exe, sizeof exe);
    for (size_t i = 0; i < n && hints < MAX_HINTS; i++) {
        char name[NAME_MAX_UTF8], path[PATH_MAX_UTF8];
        wst_remote_module_names(r, bases[i], name, sizeof name, path, sizeof path);
        if (name[0] == '\0' || (only != NULL && !same_name(name, only)))
            continue;
        int in_system = wst_path_in_dir(path, dir_list, ndirs);
        int builtin = loaded_builtin(r, bases[i]);
        int hint = only != NULL ? builtin || in_system
                                : (builtin && !in_system) || (in_system && next_to_exe(exe, name));
        if (hint) {
            add_hint(err, name, path, builtin && !in_system);
            hints++;
        }
    }
    free(bases);
}
