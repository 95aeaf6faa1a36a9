/*
 * What kind of number an entry of a region is. Every writer (text, JSON and
 * CSV in src/inspector/write_*.c, OpenMetrics in openmetrics.c) switches on
 * the kind, so that a new kind is one case in each. The values are the
 * region's own (WST_KIND_*, winstrument/region.h), which the parser stores in
 * each entry. Platform-free; constant data only.
 */
#ifndef WST_ENTRY_KIND_H
#define WST_ENTRY_KIND_H

#include "region_parse.h"

enum wst_entry_kind {
    WST_ENTRY_COUNTER = WST_KIND_COUNTER,           /* only grows, except through a reset */
    WST_ENTRY_GAUGE = WST_KIND_GAUGE,               /* a level: goes up and down */
    WST_ENTRY_DISTRIBUTION = WST_KIND_DISTRIBUTION, /* count, sum, extremes, buckets */
};

/* The kind's name in CSV and JSON ("kind" column and field). */
static inline const char *wst_entry_kind_name(enum wst_entry_kind kind)
{
    switch (kind) {
    case WST_ENTRY_COUNTER:
        return "counter";
    case WST_ENTRY_GAUGE:
        return "gauge";
    case WST_ENTRY_DISTRIBUTION:
        return "distribution";
    }
    return "unknown";
}

/* The kind of a parsed entry (region_parse.c and the pipe client fill it
 * from the record; an unknown value reads as a counter). */
static inline enum wst_entry_kind wst_entry_kind_of(const struct wst_region_counter *entry)
{
    switch (entry->kind) {
    case WST_KIND_GAUGE:
        return WST_ENTRY_GAUGE;
    case WST_KIND_DISTRIBUTION:
        return WST_ENTRY_DISTRIBUTION;
    default:
        return WST_ENTRY_COUNTER;
    }
}

#endif
