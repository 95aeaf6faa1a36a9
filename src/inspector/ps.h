/*
 * `wst-inspect ps`: every process of the system, instrumented or not, with
 * its pid, executable, bitness and whether it has an instrumented module,
 * so that a user can find the Windows pid of any program. A process that
 * cannot be opened is still listed (from the Toolhelp snapshot), with what
 * could not be learnt left unknown. Main thread only.
 */
#ifndef WST_INSPECTOR_PS_H
#define WST_INSPECTOR_PS_H

#include "inspect.h"

enum wst_status wst_verb_ps(const struct wst_options *o, FILE *out, struct wst_error *err);

#endif
