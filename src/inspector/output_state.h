/*
 * Whether the reader of a verb's output has gone: `wst-inspect functions
 * PID | head -1` closes the pipe after one line, and the rest of the output
 * then fails to write. That is the reader's choice, not a failure of the
 * verb: main.c ends quietly with exit 0, and watch stops at the next
 * interval. Main thread only.
 */
#ifndef WST_INSPECTOR_OUTPUT_STATE_H
#define WST_INSPECTOR_OUTPUT_STATE_H

#include <stdio.h>

/* 1 when a write to `out` failed (its error flag is set) and `out` is a
 * pipe: a write to a pipe fails only when its reader has closed it
 * (ERROR_NO_DATA or ERROR_BROKEN_PIPE; a pipe is never full for good, as a
 * disk is), so the failure is taken for that whatever errno the C runtime
 * left. 0 otherwise: no failed write, or a file or console that failed. */
int wst_output_reader_gone(FILE *out);

#endif
