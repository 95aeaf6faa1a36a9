/*
 * See file_read.h. CreateFileW with FILE_SHARE_READ | FILE_SHARE_WRITE |
 * FILE_SHARE_DELETE: the image of a running module is open by the loader,
 * and a reader must not stop anyone from replacing or deleting it.
 */
#include "file_read.h"

#include <stdlib.h>
#include <windows.h>

static WCHAR *widen(const char *path)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    WCHAR *w = malloc((size_t)n * sizeof *w);
    if (w != NULL && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, w, n) != n) {
        free(w);
        return NULL;
    }
    return w;
}

enum wst_status wst_read_file(const char *path, size_t limit, unsigned char **data, size_t *size,
                              struct wst_error *err)
{
    enum wst_status st = WST_OK;
    unsigned char *buf = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    LARGE_INTEGER len;
    *data = NULL;
    *size = 0;
    WCHAR *w = widen(path);
    if (w == NULL)
        return wst_error_set(err, WST_E_USAGE, 0, "%s: not a valid UTF-8 path", path);
    h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        st = wst_error_set(err, WST_E_ACCESS_DENIED, GetLastError(), "opening %s", path);
        goto out;
    }
    if (!GetFileSizeEx(h, &len)) {
        st = wst_error_set(err, WST_E_ACCESS_DENIED, GetLastError(), "size of %s", path);
        goto out;
    }
    if (len.QuadPart < 0 || (unsigned long long)len.QuadPart > limit) {
        st = wst_error_set(err, WST_E_BAD_IMAGE, 0, "%s: larger than %zu bytes", path, limit);
        goto out;
    }
    buf = malloc(len.QuadPart > 0 ? (size_t)len.QuadPart : 1);
    if (buf == NULL) {
        st = wst_error_set(err, WST_E_INTERNAL, 0, "out of memory reading %s", path);
        goto out;
    }
    size_t done = 0;
    while (done < (size_t)len.QuadPart) {
        DWORD chunk = (size_t)len.QuadPart - done > (1u << 24) ? 1u << 24
                                                               : (DWORD)((size_t)len.QuadPart - done);
        DWORD got = 0;
        if (!ReadFile(h, buf + done, chunk, &got, NULL) || got == 0) {
            st = wst_error_set(err, WST_E_ACCESS_DENIED, GetLastError(), "reading %s", path);
            goto out;
        }
        done += got;
    }
    *data = buf;
    *size = done;
    buf = NULL;
out:
    free(buf);
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    free(w);
    return st;
}

enum wst_status wst_write_file(const char *path, const void *data, size_t size,
                               struct wst_error *err)
{
    enum wst_status st = WST_OK;
    WCHAR *w = widen(path);
    if (w == NULL)
        return wst_error_set(err, WST_E_USAGE, 0, "%s: not a valid UTF-8 path", path);
    HANDLE h = CreateFileW(w, GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        st = wst_error_set(err, WST_E_ACCESS_DENIED, GetLastError(), "creating %s", path);
        goto out;
    }
    const unsigned char *p = data;
    while (size > 0) {
        DWORD chunk = size > (1u << 24) ? 1u << 24 : (DWORD)size;
        DWORD put = 0;
        if (!WriteFile(h, p, chunk, &put, NULL) || put == 0) {
            st = wst_error_set(err, WST_E_ACCESS_DENIED, GetLastError(), "writing %s", path);
            goto out;
        }
        p += put;
        size -= put;
    }
out:
    if (h != INVALID_HANDLE_VALUE && !CloseHandle(h) && st == WST_OK)
        st = wst_error_set(err, WST_E_ACCESS_DENIED, GetLastError(), "closing %s", path);
    free(w);
    return st;
}
