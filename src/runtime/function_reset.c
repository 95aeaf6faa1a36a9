/*
 * See function_reset.h. A reset must stay exact while hooks add on other
 * threads: a thread that owns stripe s adds to it with a plain add, so the
 * reset never writes there; it reads each function's sum over the stripes
 * and adds minus that sum to stripe 0, where only atomic adds happen. A call
 * that lands between the read and the subtraction is then counted after the
 * reset, and the total (modulo 2^64) never goes below zero: every stripe
 * only grows between its read here and any later read.
 */
#include "function_reset.h"

#include <stddef.h>

#include "winstrument/function_table.h"

/* The header's offsets and sizes, checked against the region's size before
 * any cell is touched: 64-bit arithmetic, so that no sum wraps. */
static int table_fits(const struct wst_fn_table_header *h, uint32_t size)
{
    uint64_t cells = (uint64_t)h->stripes * h->capacity * sizeof(uint64_t);
    if (h->magic != WST_FN_TABLE_MAGIC || h->version != WST_FN_TABLE_VERSION ||
        h->header_size != sizeof *h || h->capacity == 0 || h->stripes == 0 ||
        h->table_size > size)
        return 0;
    return (uint64_t)h->keys_offset + (uint64_t)h->capacity * sizeof(uint32_t) <= h->table_size &&
           (uint64_t)h->calls_offset + cells <= h->table_size &&
           (uint64_t)h->time_offset + cells <= h->table_size &&
           (uint64_t)h->self_offset + cells <= h->table_size;
}

/* One slot of one cell array: minus the stripes' sum into stripe 0. */
static void reset_cell(char *table, uint32_t offset, uint32_t capacity, uint32_t stripes,
                       uint32_t slot)
{
    uint64_t *cells = (uint64_t *)(void *)(table + offset);
    uint64_t sum = 0;
    for (uint32_t s = 0; s < stripes; s++)
        sum += __atomic_load_n(&cells[(size_t)s * capacity + slot], __ATOMIC_RELAXED);
    if (sum != 0)
        __atomic_fetch_sub(&cells[slot], sum, __ATOMIC_RELAXED);
}

static void reset_count(uint64_t *field)
{
    uint64_t n = __atomic_load_n(field, __ATOMIC_RELAXED);
    if (n != 0)
        __atomic_fetch_sub(field, n, __ATOMIC_RELAXED);
}

int wst_fn_table_reset(const struct wst_region_header *region, uint64_t module_base)
{
    /* The rva is stored last at attach (release): a table it names is whole. */
    uint32_t rva = __atomic_load_n(&region->functions_rva, __ATOMIC_ACQUIRE);
    if (rva == 0)
        return 0;
    char *table = (char *)(uintptr_t)(module_base + rva);
    struct wst_fn_table_header *h = (struct wst_fn_table_header *)(void *)table;
    if (!table_fits(h, region->functions_size))
        return 0;
    const uint32_t *keys = (const uint32_t *)(const void *)(table + h->keys_offset);
    int timed = (h->flags & WST_FN_FLAG_TIMED) != 0;
    for (uint32_t i = 0; i < h->capacity; i++) {
        /* An empty slot has no cells to clear; one claimed after this read
         * starts at zero anyway. */
        if (__atomic_load_n(&keys[i], __ATOMIC_ACQUIRE) == 0)
            continue;
        reset_cell(table, h->calls_offset, h->capacity, h->stripes, i);
        if (timed) {
            reset_cell(table, h->time_offset, h->capacity, h->stripes, i);
            reset_cell(table, h->self_offset, h->capacity, h->stripes, i);
        }
    }
    reset_count(&h->overflow_calls);
    reset_count(&h->unwound_frames);
    reset_count(&h->untimed_calls);
    reset_count(&h->unmatched_exits);
    return 1;
}
