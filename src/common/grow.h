/*
 * Growth of the arrays that the DWARF readers (dwarf_lines.c, dwarf_units.c)
 * append to one item at a time, whose capacity is not stored: it follows from
 * the count, `first` items and then doubling, so every power of two from
 * `first` on is a moment to grow. Written once because the rule (when to
 * grow, to what size, without overflowing) is easy to get subtly wrong in
 * each copy.
 *
 * No state; the caller owns the array. Any thread, one caller per array.
 */
#ifndef WST_GROW_H
#define WST_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* Makes room for item `count` of an array of `item_size`-byte items that
 * holds `count` items now, `first` (a power of two) being its first
 * capacity. Returns the array, moved or not, or NULL when memory or the
 * size runs out, leaving `items` as it was (the caller still frees it). */
static inline void *wst_grow_for(void *items, size_t count, size_t first, size_t item_size)
{
    if (count != 0 && (count < first || (count & (count - 1)) != 0))
        return items;
    size_t cap = count < first ? first : count * 2;
    if (cap < count || cap > SIZE_MAX / item_size)
        return NULL;
    return realloc(items, cap * item_size);
}

/* Appends v to a list of offsets (*items, *count) that may hold `max` at
 * most: 1, or 0 when it is full or memory runs out (the list unchanged).
 * Both DWARF readers keep their units' offsets this way. */
static inline int wst_offsets_append(uint64_t **items, size_t *count, size_t max, uint64_t v)
{
    if (*count >= max)
        return 0;
    uint64_t *grown = wst_grow_for(*items, *count, 8, sizeof *grown);
    if (grown == NULL)
        return 0;
    *items = grown;
    grown[(*count)++] = v;
    return 1;
}

#endif
