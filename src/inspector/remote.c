/*
 * See remote.h. Why each mapping: OpenProcess on an unknown pid fails with
 * ERROR_INVALID_PARAMETER; a process that exited but is not yet reaped can
 * still be opened, so its exit code is checked too. ReadProcessMemory on a
 * range that was unmapped (the module unloaded) fails with
 * ERROR_PARTIAL_COPY or ERROR_NOACCESS, and on a dead process with one of
 * several codes depending on the Windows or Wine version, so "dead or
 * unmapped" is decided by asking whether the process still runs, not by
 * trusting the code alone.
 */
#include "remote.h"

#include <psapi.h>
#include <stdlib.h>

#include "os.h"

/* Modules: a process with more is possible but not one we should chase in
 * an ever-growing loop while it loads more. */
#define MAX_MODULES 65536u
#define ENUM_ATTEMPTS 8

enum wst_status wst_remote_map_open_error(unsigned long win32)
{
    if (win32 == ERROR_ACCESS_DENIED)
        return WST_E_ACCESS_DENIED;
    /* INVALID_PARAMETER is what Windows and Wine give for an unknown pid;
     * anything else also means we could not reach a process by that id. */
    return WST_E_NO_PROCESS;
}

enum wst_status wst_remote_map_read_error(unsigned long win32, int alive)
{
    if (!alive)
        return WST_E_TARGET_GONE;
    if (win32 == ERROR_ACCESS_DENIED)
        return WST_E_ACCESS_DENIED;
    /* PARTIAL_COPY, NOACCESS, INVALID_ADDRESS: the pages went away. */
    return WST_E_TARGET_GONE;
}

int wst_remote_alive(const struct wst_remote *r)
{
    DWORD code = 0;
    if (!wst_inspector_os.GetExitCodeProcess(r->process, &code))
        return 1; /* cannot tell: let the caller's own error speak */
    return code == STILL_ACTIVE;
}

enum wst_status wst_remote_open(DWORD pid, struct wst_remote *r, struct wst_error *err)
{
    r->pid = pid;
    r->process = NULL;
    if (pid == 0)
        return wst_error_set(err, WST_E_NO_PROCESS, 0, "pid 0");
    /* QUERY_INFORMATION and VM_READ are what EnumProcessModulesEx needs. */
    HANDLE h =
        wst_inspector_os.OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid);
    if (h == NULL) {
        DWORD e = GetLastError();
        return wst_error_set(err, wst_remote_map_open_error(e), e, "pid %lu", (unsigned long)pid);
    }
    r->process = h;
    if (!wst_remote_alive(r)) {
        wst_remote_close(r);
        return wst_error_set(err, WST_E_NO_PROCESS, 0, "pid %lu has exited", (unsigned long)pid);
    }
    return WST_OK;
}

void wst_remote_close(struct wst_remote *r)
{
    if (r->process != NULL)
        wst_inspector_os.CloseHandle(r->process);
    r->process = NULL;
}

enum wst_status wst_remote_read(const struct wst_remote *r, uint64_t address, void *buf,
                                size_t size, const char *what, struct wst_error *err)
{
    SIZE_T got = 0;
    if (address > (uint64_t)UINTPTR_MAX || (uint64_t)size > (uint64_t)UINTPTR_MAX - address)
        return wst_error_set(err, WST_E_CORRUPT, 0, "pid %lu: %s at 0x%llx + %zu is out of reach",
                             (unsigned long)r->pid, what, (unsigned long long)address, size);
    BOOL ok = wst_inspector_os.ReadProcessMemory(r->process, (LPCVOID)(uintptr_t)address, buf,
                                                   size, &got);
    DWORD e = ok ? 0 : GetLastError();
    if (ok && got == size)
        return WST_OK;
    enum wst_status st = ok ? WST_E_TARGET_GONE : wst_remote_map_read_error(e, wst_remote_alive(r));
    return wst_error_set(err, st, e, "pid %lu: reading %s at 0x%llx: %zu of %zu bytes",
                         (unsigned long)r->pid, what, (unsigned long long)address, (size_t)got,
                         size);
}

enum wst_status wst_remote_modules(const struct wst_remote *r, uint64_t **bases, size_t *count,
                                   struct wst_error *err)
{
    *bases = NULL;
    *count = 0;
    DWORD capacity = 256, needed = 0, e = 0;
    for (int attempt = 0; attempt < ENUM_ATTEMPTS; attempt++) {
        HMODULE *mods = malloc(capacity * sizeof *mods);
        if (mods == NULL)
            return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
        if (!wst_inspector_os.EnumProcessModulesEx(r->process, mods, capacity * sizeof *mods,
                                                      &needed, LIST_MODULES_ALL)) {
            e = GetLastError();
            free(mods);
            /* A process that is still starting has no module list yet
             * (ERROR_PARTIAL_COPY): try again, a bounded number of times. */
            if (!wst_remote_alive(r))
                break;
            if (e == ERROR_ACCESS_DENIED)
                return wst_error_set(err, WST_E_ACCESS_DENIED, e, "pid %lu: listing modules",
                                     (unsigned long)r->pid);
            Sleep(10);
            continue;
        }
        size_t n = needed / sizeof *mods;
        if (n <= capacity) {
            uint64_t *out = malloc((n ? n : 1) * sizeof *out);
            if (out == NULL) {
                free(mods);
                return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
            }
            for (size_t i = 0; i < n; i++)
                out[i] = (uint64_t)(uintptr_t)mods[i];
            free(mods);
            *bases = out;
            *count = n;
            return WST_OK;
        }
        free(mods);
        if (n > MAX_MODULES)
            break;
        capacity = (DWORD)n + 64; /* it may load more before the next call */
    }
    /* Still alive yet never listable: typically a 32-bit inspector facing a
     * 64-bit process, which only the 64-bit inspector can read. */
    if (wst_remote_alive(r))
        return wst_error_set(err, WST_E_ACCESS_DENIED, e,
                             "pid %lu: cannot list its modules (use the 64-bit inspector "
                             "for a 64-bit process)",
                             (unsigned long)r->pid);
    return wst_error_set(err, WST_E_TARGET_GONE, e, "pid %lu exited while listing modules",
                         (unsigned long)r->pid);
}

void wst_utf8_from_wide(const wchar_t *w, char *out, size_t size)
{
    if (size == 0)
        return;
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)size, NULL, NULL);
    if (n <= 0)
        out[0] = '\0';
    out[size - 1] = '\0';
}

void wst_remote_module_names(const struct wst_remote *r, uint64_t base, char *name,
                             size_t name_size, char *path, size_t path_size)
{
    wchar_t w[MAX_PATH * 2];
    HMODULE m = (HMODULE)(uintptr_t)base;
    DWORD n = wst_inspector_os.GetModuleBaseNameW(r->process, m, w, sizeof w / sizeof w[0]);
    w[n < sizeof w / sizeof w[0] ? n : 0] = 0;
    wst_utf8_from_wide(w, name, name_size);
    n = wst_inspector_os.GetModuleFileNameExW(r->process, m, w, sizeof w / sizeof w[0]);
    w[n < sizeof w / sizeof w[0] ? n : 0] = 0;
    wst_utf8_from_wide(w, path, path_size);
}

void wst_remote_image_path(const struct wst_remote *r, char *path, size_t size)
{
    wchar_t w[MAX_PATH * 2];
    DWORD n = sizeof w / sizeof w[0];
    if (!wst_inspector_os.QueryFullProcessImageNameW(r->process, 0, w, &n) ||
        n >= sizeof w / sizeof w[0])
        n = 0;
    w[n] = 0;
    wst_utf8_from_wide(w, path, size);
}
