/*
 * Resetting a module's function table (winstrument/function_table.h) to
 * zero, for the worker's RESET, while the hooks keep adding to it.
 *
 * Threads: the worker only (threadpool mode's callback, or helper mode's
 * thread, which serves the module from wsthelper.dll: so the table is found
 * through the region header, never through the runtime's own symbols, and
 * this file names nothing of function_table.c).
 *
 * Never: writes a stripe a thread owns (owners add to theirs without
 * atomics), a slot's key, or the table's levels (used, threads,
 * threads_live); allocates nothing; calls no OS function.
 */
#ifndef WST_FUNCTION_RESET_H
#define WST_FUNCTION_RESET_H

#include <stdint.h>

#include "winstrument/region.h"

/* Brings every function's calls, inclusive and self time, and the header's
 * run-time counts (overflow_calls, unwound_frames, untimed_calls,
 * unmatched_exits), to zero by adding minus each sum to the shared stripe 0
 * atomically, as counters.c resets a counter. The table is the one the
 * region publishes at module_base + functions_rva; a region without one, or
 * a table whose header does not describe a table that fits in
 * functions_size, is left alone. Returns 1 when a table was reset.
 *
 * A frame open across the reset (timed hooks) is counted in the phase it
 * entered, and its whole time, from its entry, in the phase it returns in
 * (docs/design/functions.md, "Reset"). */
int wst_fn_table_reset(const struct wst_region_header *region, uint64_t module_base);

#endif
