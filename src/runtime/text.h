/*
 * Building short ASCII texts (pipe names, stderr warnings) inside the
 * runtime, and writing one line to stderr.
 *
 * Any thread may call these, including under the loader lock and at process
 * exit. They never call wsprintf (that would make every instrumented module
 * import user32) nor the CRT's printf family (which may take CRT locks that a
 * thread killed at exit could have held), and never allocate.
 */
#ifndef WST_TEXT_H
#define WST_TEXT_H

#include <stdint.h>

/* Each appends at `out`, NUL-terminates, and returns the new end. The caller
 * sizes the buffer: a decimal takes at most 20 bytes, a hex64 exactly 16. */
char *wst_text_append(char *out, const char *text);
char *wst_text_append_decimal(char *out, uint64_t value);
char *wst_text_append_hex64(char *out, uint64_t value);

/* Writes `text` to the process's stderr, if it has one. Writing to a pipe
 * whose reader has stopped could block, so callers say things at most once. */
void wst_text_write_stderr(const char *text);

#endif
