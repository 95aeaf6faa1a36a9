/*
 * Finds this module's ".wst" section through its own PE headers and sums one
 * counter's stripes. The headers are read by src/common/pe_image.c and the
 * region is checked by src/common/region_parse.c, the inspector's own
 * validators, so the benchmark accepts exactly the regions the inspector
 * accepts and walks only records that they have already checked.
 *
 * Called from the benchmark's main thread while workers may still be adding,
 * so the stripes it returns are read with relaxed atomic loads: a torn 64-bit
 * read is impossible, a slightly stale one is harmless. (The validation pass
 * reads the region with plain copies, as the inspector's ReadProcessMemory
 * does; it uses no counter value from that pass.) Never writes anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pe_image.h"
#include "region_parse.h"
#include "self_region.h"

/* The linker's symbol for the first byte of the image that holds this code:
 * the EXE or DLL we are part of, with no call and no loader lock. Declared as
 * an array of unknown size, because the image extends far beyond the DOS
 * header that the usual IMAGE_DOS_HEADER declaration would claim. The first
 * WST_PE_HEADERS_READ bytes are the headers, always mapped whole. */
extern const unsigned char __ImageBase[];

static void add_counter(const struct wst_counter *c, struct bench_counter_read *out)
{
    for (unsigned s = 0; s < WST_STRIPES; s++) {
        uint64_t v = __atomic_load_n(&c->stripes[s].value, __ATOMIC_RELAXED);
        out->stripes[s] += v;
        out->total += v;
    }
    out->sites++;
}

/* The buckets are read with relaxed atomic loads, like the stripes: workers
 * may still be recording (the record is this module's own, of our layout). */
static void add_distribution(const unsigned char *record, uint16_t layout,
                             struct bench_counter_read *out)
{
    const struct wst_distribution *d = (const struct wst_distribution *)(const void *)record;
    for (unsigned k = 0; k < wst_region_dist_shards(layout); k++) {
        for (unsigned i = 0; i < WST_DIST_BUCKETS; i++)
            out->total += __atomic_load_n(&d->shards[k][i], __ATOMIC_RELAXED);
    }
    out->sites++;
}

/* wst_region_parse() has checked every line from the header to the trailer:
 * each is a whole counter or distribution with a terminated name, or a line
 * of zeros. */
static void sum_named(const unsigned char *region, const struct wst_region_info *info,
                      const char *name, struct bench_counter_read *out)
{
    size_t off = sizeof(struct wst_region_header);
    while (off < info->trailer_offset) {
        const struct wst_counter *c = (const struct wst_counter *)(region + off);
        if (c->magic == WST_DIST_MAGIC) {
            /* A distribution's count is its buckets' total, over its shards
             * (layout 3 writes no count words). */
            if (strncmp(c->name, name, WST_NAME_MAX) == 0)
                add_distribution(region + off, info->header.layout_version, out);
            off += wst_region_dist_size(info->header.layout_version);
            continue;
        }
        if (c->magic != WST_COUNTER_MAGIC) {
            off += WST_LINE; /* linker padding between two objects' counters */
            continue;
        }
        if (strncmp(c->name, name, WST_NAME_MAX) == 0)
            add_counter(c, out);
        off += sizeof *c;
    }
}

/* Validates the region of `size` bytes at `region` and fills *info. */
static enum wst_status validate(const unsigned char *region, size_t size,
                                struct wst_region_info *info)
{
    size_t capacity = wst_region_max_counters(size), count;
    struct wst_region_counter *counters = calloc(capacity, sizeof *counters);
    if (counters == NULL)
        return WST_E_INTERNAL;
    enum wst_status st = wst_region_parse(region, size, info, counters, capacity, &count);
    free(counters);
    return st;
}

int bench_read_own_counter(const char *name, struct bench_counter_read *out)
{
    memset(out, 0, sizeof *out);
    const unsigned char *base = __ImageBase;
    struct wst_pe_info pe;
    struct wst_pe_section sec;
    enum wst_status st =
        wst_pe_find_section(base, WST_PE_HEADERS_READ, WST_SECTION_NAME, &pe, &sec);
    if (st == WST_E_NOT_INSTRUMENTED) {
        fprintf(stderr, "bench: this module has no %s section\n", WST_SECTION_NAME);
        return -1;
    }
    if (st != WST_OK) {
        fprintf(stderr, "bench: cannot read this module's PE headers: %s\n",
                wst_status_message(st));
        return -1;
    }
    const unsigned char *region = base + sec.rva;
    struct wst_region_info info;
    st = validate(region, sec.virtual_size, &info);
    if (st != WST_OK) {
        fprintf(stderr, "bench: the %s section has no valid region: %s\n", WST_SECTION_NAME,
                wst_status_message(st));
        return -1;
    }
    out->mode = info.header.mode;
    out->info = info;
    sum_named(region, &info, name, out);
    if (out->sites == 0) {
        fprintf(stderr, "bench: no counter '%s' in this module\n", name);
        return -1;
    }
    return 0;
}
