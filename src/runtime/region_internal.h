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

/* The worker's published state (region.h says who writes which field). */
void wst_region_set_worker_state(enum wst_worker_state state);
/* worker_error (never 0: ERROR_GEN_FAILURE stands for an unknown error),
 * then PIPE_FAILED. */
void wst_region_worker_failed(unsigned long error);
/* pipe_name, then SERVING: a reader that sees SERVING sees the name. */
void wst_region_publish_serving(const char *name);
/* The state leaves SERVING first, then the name is cleared. */
void wst_region_unpublish(enum wst_worker_state state);
/* started_at: now, in FILETIME ticks. */
void wst_region_note_start(void);

#endif
