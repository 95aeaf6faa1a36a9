/*
 * Reading another process: open it, list its modules, copy bytes out of it.
 * Every Win32 call goes through the OS table (os.h), and every failure is
 * mapped to a status here, in one place:
 *
 *   no such pid                                  -> WST_E_NO_PROCESS
 *   ERROR_ACCESS_DENIED                          -> WST_E_ACCESS_DENIED
 *   a failed or short read, the process exited,
 *   or the module was unmapped under us          -> WST_E_TARGET_GONE
 *
 * A read is one ReadProcessMemory call of the whole range (under Wine each
 * call costs tens of microseconds). Main thread only.
 */
#ifndef WST_INSPECTOR_REMOTE_H
#define WST_INSPECTOR_REMOTE_H

#include <windows.h>

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct wst_remote {
    HANDLE process;
    DWORD pid;
};

enum wst_status wst_remote_open(DWORD pid, struct wst_remote *r, struct wst_error *err);
void wst_remote_close(struct wst_remote *r);

/* 1 while the process has not exited. */
int wst_remote_alive(const struct wst_remote *r);

/* Copies exactly `size` bytes at `address` in one call; `what` names the
 * read in the error detail ("module headers", "region"). */
enum wst_status wst_remote_read(const struct wst_remote *r, uint64_t address, void *buf,
                                size_t size, const char *what, struct wst_error *err);

/* The status for a failed read: `win32` is GetLastError(), `alive` whether
 * the process still runs. Exposed for the unit tests. */
enum wst_status wst_remote_map_read_error(unsigned long win32, int alive);

/* The status for a failed OpenProcess. */
enum wst_status wst_remote_map_open_error(unsigned long win32);

/* The base addresses of all the process's modules (32- and 64-bit), in a
 * malloc'ed array the caller frees. */
enum wst_status wst_remote_modules(const struct wst_remote *r, uint64_t **bases, size_t *count,
                                   struct wst_error *err);

/* The module's base name and full path, as UTF-8 (empty on failure: a
 * module that vanished has no name, and the caller finds out on its read). */
void wst_remote_module_names(const struct wst_remote *r, uint64_t base, char *name,
                             size_t name_size, char *path, size_t path_size);

/* The process's executable path as UTF-8 (empty on failure). */
void wst_remote_image_path(const struct wst_remote *r, char *path, size_t size);

/* UTF-16 to UTF-8, always NUL-terminated, truncated to fit. */
void wst_utf8_from_wide(const wchar_t *w, char *out, size_t size);

#endif
