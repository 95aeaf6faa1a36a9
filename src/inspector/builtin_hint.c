/*
 * See builtin_hint.h. The system directories are the inspector's own
 * (GetSystemDirectoryW, GetSystemWow64DirectoryW): the same for every
 * process of the machine or prefix, and for 32-bit targets the WOW64 one.
 * Under Wine a builtin DLL reports its path in C:\windows\system32 (or
 * syswow64), which is what makes the hint exact there.
 */
#include "builtin_hint.h"

#include <stdlib.h>
#include <string.h>

#include "discovery.h"

#define MAX_HINTS 3

static int fold(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 'a';
    return c == '/' ? '\\' : c;
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
    char path[WST_MODULE_PATH_MAX + WST_MODULE_NAME_MAX];
    wchar_t w[WST_MODULE_PATH_MAX + WST_MODULE_NAME_MAX];
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

static void add_hint(struct wst_error *err, const char *name, const char *path)
{
    char stem[WST_MODULE_NAME_MAX];
    snprintf(stem, sizeof stem, "%s", name);
    char *dot = strrchr(stem, '.');
    if (dot != NULL && wst_name_equals(dot, ".dll"))
        *dot = '\0';
    size_t used = strlen(err->detail);
    snprintf(err->detail + used, sizeof err->detail - used,
             "; %s is loaded from %.*s: a builtin or system copy, not the one next to the "
             "program (under Wine: WINEDLLOVERRIDES=%s=n,b for this program)",
             name, (int)(strrchr(path, '\\') != NULL ? strrchr(path, '\\') - path : 0), path,
             stem);
}

void wst_hint_system_copies(const struct wst_remote *r, const char *only, struct wst_error *err)
{
    char dirs[2][MAX_PATH * 3];
    const char *dir_list[2];
    char exe[WST_MODULE_PATH_MAX];
    uint64_t *bases;
    size_t n, hints = 0;
    struct wst_error ignored = {0};
    size_t ndirs = system_dirs(dirs);
    for (size_t i = 0; i < ndirs; i++)
        dir_list[i] = dirs[i];
    if (ndirs == 0 || wst_remote_modules(r, &bases, &n, &ignored) != WST_OK)
        return;
    wst_remote_image_path(r, exe, sizeof exe);
    for (size_t i = 0; i < n && hints < MAX_HINTS; i++) {
        char name[WST_MODULE_NAME_MAX], path[WST_MODULE_PATH_MAX];
        wst_remote_module_names(r, bases[i], name, sizeof name, path, sizeof path);
        if (name[0] == '\0' || !wst_path_in_dir(path, dir_list, ndirs))
            continue;
        int wanted = only != NULL ? wst_name_equals(name, only) : next_to_exe(exe, name);
        if (wanted) {
            add_hint(err, name, path);
            hints++;
        }
    }
    free(bases);
}
