/*
 * Reading a whole file named by a UTF-8 path (a module's path as the
 * target's loader gave it, or a path from the command line) into memory,
 * and writing a buffer to a file. Windows paths are UTF-16, so the name is
 * converted first; the size is bounded so that a huge file cannot make the
 * inspector allocate without end. Main thread only.
 */
#ifndef WST_INSPECTOR_FILE_READ_H
#define WST_INSPECTOR_FILE_READ_H

#include <stddef.h>

#include "error.h"

#define WST_FILE_READ_LIMIT ((size_t)1 << 30)

/* The file's bytes in a malloc'ed buffer. A file that cannot be opened or
 * read is WST_E_ACCESS_DENIED with its Win32 error; a file over `limit`
 * bytes is WST_E_BAD_IMAGE. */
enum wst_status wst_read_file(const char *path, size_t limit, unsigned char **data, size_t *size,
                              struct wst_error *err);

/* Creates or truncates the file and writes the bytes; WST_E_ACCESS_DENIED
 * with the Win32 error when that fails. */
enum wst_status wst_write_file(const char *path, const void *data, size_t size,
                               struct wst_error *err);

#endif
