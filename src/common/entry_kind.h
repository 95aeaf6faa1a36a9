/*
 * What kind of number an entry of a region is. Every writer (text, JSON and
 * CSV in src/inspector/output*.c, OpenMetrics in openmetrics.c) switches on
 * the kind, so that a new kind is one case in each. Today every entry is a
 * counter: the region holds nothing else yet (gauges and distributions are
 * issue 11). Platform-free; constant data only.
 */
#ifndef WST_ENTRY_KIND_H
#define WST_ENTRY_KIND_H

#include "region_parse.h"

enum wst_entry_kind {
    WST_KIND_COUNTER, /* only grows, except through a reset (generation) */
};

/* The kind's name in CSV and JSON ("kind" column and field). */
static inline const char *wst_entry_kind_name(enum wst_entry_kind kind)
{
    switch (kind) {
    case WST_KIND_COUNTER:
        return "counter";
    }
    return "unknown";
}

/* The kind of a parsed entry. The region's records are all counters today;
 * when the layout gains other kinds this reads the record's own field. */
static inline enum wst_entry_kind wst_entry_kind_of(const struct wst_region_counter *entry)
{
    (void)entry;
    return WST_KIND_COUNTER;
}

#endif
