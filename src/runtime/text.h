/*
 * Building short ASCII texts (pipe names) inside the runtime. There is
 * deliberately no way to write them anywhere: the runtime never writes
 * output, since a write to a full pipe that nobody drains blocks, from the
 * worker (which FreeLibrary waits for under the loader lock) or under the
 * loader lock itself. Failures go into the region header instead.
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

#endif
