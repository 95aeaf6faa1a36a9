/*
 * A control request (reset or stats) to the worker of every selected
 * module, for verb_reset.c and verb_stats.c. Main thread only.
 */
#ifndef WST_INSPECTOR_CONTROL_H
#define WST_INSPECTOR_CONTROL_H

#include <stdint.h>

#include "session.h"

/* Sends the request `type` (WST_MSG_RESET or WST_MSG_STATS) to each
 * selected module's worker; each report holds its reply or its failure.
 * Returns the verb's status; the caller prints the reports for WST_OK and
 * WST_E_PARTIAL, then frees the session (in every case). */
enum wst_status wst_control(const struct wst_options *o, uint16_t type, struct wst_session *s,
                            struct wst_error *err);

#endif
