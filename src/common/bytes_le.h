/*
 * Little-endian fields read from untrusted bytes: the PE/COFF parsers, the
 * DWARF cursor, and the readers of a region or function table copied out of
 * another process all decode through these. The bytes have no alignment
 * guarantee (a field of a file, or of a copy of another process's memory),
 * so each read assembles its value byte by byte instead of casting the
 * pointer; the compiler turns that into one load on x86.
 *
 * The caller bounds every read: wst_le_fits() is the one check, written once
 * so that its overflow-safe form (no `offset + len`) is not re-derived in
 * each parser. Platform-free, no state: safe from any thread.
 */
#ifndef WST_BYTES_LE_H
#define WST_BYTES_LE_H

#include <stddef.h>
#include <stdint.h>

/* 1 if [offset, offset + len) lies inside a buffer of `size` bytes. */
static inline int wst_le_fits(size_t size, size_t offset, size_t len)
{
    return offset <= size && len <= size - offset;
}

/* The n-byte (n <= 8) little-endian value at p: DWARF's fields come in
 * widths that its header chooses at run time. */
static inline uint64_t wst_le_n(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

static inline uint16_t wst_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t wst_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t wst_le64(const unsigned char *p)
{
    return (uint64_t)wst_le32(p) | (uint64_t)wst_le32(p + 4) << 32;
}

#endif
