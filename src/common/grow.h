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

#endif
