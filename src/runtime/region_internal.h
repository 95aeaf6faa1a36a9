/*
 * The runtime's own view of its region (region.c): the header and trailer
 * objects and the span of counter lines between them. Not part of the ABI.
 */
#ifndef WST_REGION_INTERNAL_H
#define WST_REGION_INTERNAL_H

#include "winstrument/region.h"

extern struct wst_region_header wst_region_;

/* The counter span: WST_LINE-sized lines, each a counter start or padding. */
struct wst_counter *wst_region_counters_begin(void);
struct wst_counter *wst_region_counters_end(void);

void wst_region_set_worker_state(enum wst_worker_state state);

#endif
