/*
 * The names of one load of an instrumented module, in one place: its pipe,
 *
 *     \\.\pipe\winstrument-<pid>-<instance>
 *
 * <pid> in decimal without leading zeros, <instance> as exactly 16 lowercase
 * hexadecimal digits (docs/protocol.md, "Finding the pipe"). The runtime's
 * worker formats it, the inspector parses what a region claims and accepts
 * only this exact form for the pid it opened and the region's instance, and
 * the scenario programs build it the same way. And its trigger (below),
 * which the inspector derives rather than reads.
 *
 * Platform-free (no Windows header, no CRT call beyond nothing at all), so the
 * runtime may call it from any thread, under the loader lock or at process
 * exit, and the fuzzer may build it natively. Never allocates, never reads
 * past the cap it is given.
 */
#ifndef WST_COMMON_PIPE_NAME_H
#define WST_COMMON_PIPE_NAME_H

#include <stddef.h>
#include <stdint.h>

#include "winstrument/protocol.h"

/* "\\.\pipe\winstrument-" (21) + 10 digits + "-" + 16 hex digits + NUL. */
#define WST_PIPE_NAME_LONGEST (21u + 10u + 1u + 16u + 1u)
_Static_assert(WST_PIPE_NAME_LONGEST <= WST_PIPE_NAME_MAX, "a pipe name fits the region");

/* Writes the name of (pid, instance) into out, NUL-terminated. */
void wst_pipe_name_format(char out[WST_PIPE_NAME_MAX], uint32_t pid, uint64_t instance);

/* 1 if the first `cap` bytes of `name` hold exactly a name that
 * wst_pipe_name_format can write (NUL within cap, nothing after the last hex
 * digit), and then stores its pid and instance; 0 otherwise, and the outputs
 * are left alone. Either output may be NULL. */
int wst_pipe_name_parse(const char *name, size_t cap, uint32_t *pid, uint64_t *instance);

/* Writes an ASCII name as UTF-16, byte by byte (exact for ASCII), for the
 * Win32 calls: 1 on success; 0, with out untouched, if it holds a byte
 * above 0x7f or does not fit WST_PIPE_NAME_MAX. Checks nothing else: a
 * reader parses a name before it trusts it. */
int wst_pipe_name_widen(const char *name, uint16_t out[WST_PIPE_NAME_MAX]);

/* The trigger of the same load (docs/protocol.md, "Waking the worker"): the
 * named event that an inspector signals to start an idle worker,
 *
 *     Global\winstrument-trigger-<pid>-<instance>
 *
 * with <pid> and <instance> written as in the pipe name. In the global
 * namespace, so that an inspector in another session (a service's target)
 * derives the same name. The runtime creates it; the inspector only opens it
 * by a name it derives from the pid it opened and the instance it read. */
#define WST_TRIGGER_PREFIX "Global\\winstrument-trigger-"
#define WST_TRIGGER_NAME_LONGEST (27u + 10u + 1u + 16u + 1u)
_Static_assert(WST_TRIGGER_NAME_LONGEST <= WST_PIPE_NAME_MAX, "a trigger name fits a name buffer");
void wst_trigger_name_format(char out[WST_PIPE_NAME_MAX], uint32_t pid, uint64_t instance);

#endif
