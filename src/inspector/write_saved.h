/*
 * `dump --from`'s output: the saved files read (each one's identity) and
 * each module's merged counters and distributions, with its gauges per
 * file; as text or JSON. Main thread only.
 */
#ifndef WST_INSPECTOR_WRITE_SAVED_H
#define WST_INSPECTOR_WRITE_SAVED_H

#include <stdio.h>

#include "saved_files.h"

void wst_output_saved(FILE *out, int json, const struct wst_saved_set *set);

#endif
