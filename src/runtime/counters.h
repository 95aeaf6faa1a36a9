/*
 * Reading and resetting the counters of one region span: the WST_LINE-sized
 * lines between the region header and trailer (winstrument/region.h), where
 * a line is a counter site, zero padding, or the trailer.
 *
 * Threads: the worker calls these while any thread may be adding to the
 * stripes. Stripe values are only ever read and exchanged atomically, so a
 * probe's increment is never lost to a torn write; one that lands during a
 * snapshot is either in it or in the next. A reset marks itself in the
 * region's generation (odd while it runs) for readers outside the process.
 *
 * Never: allocates nothing, calls no OS function (the caller passes every
 * buffer), and never trusts the span beyond its bounds: a line that is
 * neither a counter, padding nor the trailer ends the walk.
 */
#ifndef WST_COUNTERS_H
#define WST_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "winstrument/protocol.h"
#include "winstrument/region.h"

/* The number of counter sites in [begin, end): an upper bound on the number of
 * distinct names, for sizing a snapshot. */
size_t wst_counters_site_count(const struct wst_counter *begin, const struct wst_counter *end);

/* Sums each counter and gauge site's stripes and merges sites of the same
 * name, in the order of their first site. Writes at most `cap` entries to
 * `out` and returns how many; sets *truncated when names beyond `cap` were
 * left out. kinds (NULL, or `cap` bytes) gets each entry's WST_KIND_*, with
 * WST_SNAPSHOT_KIND_CONFLICT when the name also had another kind (whose
 * sites are then left out). `index` is scratch space of `index_cap` slots, a
 * power of two of at least 2 * cap (a hash of names to entries). */
size_t wst_counters_snapshot(const struct wst_counter *begin, const struct wst_counter *end,
                             struct wst_msg_counter *out, uint8_t *kinds, size_t cap,
                             uint32_t *index, size_t index_cap, int *truncated);

/* Every distribution site, unmerged, as struct wst_msg_dist and its
 * buckets (winstrument/protocol.h), into out[0 .. room). Returns the bytes
 * written and sets *count; sites that did not fit are left out and set
 * *truncated. */
size_t wst_counters_snapshot_dists(const struct wst_counter *begin, const struct wst_counter *end,
                                   uint8_t *out, size_t room, uint32_t *count, int *truncated);

/* Brings every site's total to zero by adding minus its sum to its shared
 * stripe 0 (atomically; owned stripes are never written but by their owner).
 * *generation is odd while this runs and even again when it returns: it is
 * incremented (atomically) before the first site and after the last, so
 * each reset adds 2. Returns the new, even, value. Only one thread (the
 * worker) may reset a region: two at once would leave the parity wrong. */
uint64_t wst_counters_reset(struct wst_counter *begin, struct wst_counter *end,
                            uint64_t *generation);

/* The first gauge site in [begin, end) with the name of gauge site `g`: where
 * every site of that name keeps the value. `g` itself if it is the first, or
 * if it is not in the span. */
struct wst_counter *wst_counters_home(struct wst_counter *begin, struct wst_counter *end,
                                      struct wst_counter *g);

/* The smallest power of two that is at least 2 * cap (and at least 2). */
size_t wst_counters_index_size(size_t cap);

#endif
