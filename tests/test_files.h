/*
 * What the unit tests of the PE and DWARF readers (test_pe_image.c,
 * test_pe_symbols.c, test_dwarf_lines.c) share: the build directory that
 * holds the images the build produced for them (x86_64/tests/, i686/tests/),
 * a whole image read from there, and little-endian stores for damaging a
 * copy's headers (loads come from src/common/bytes_le.h, as in the code
 * under test).
 *
 * A missing or oversized image fails the calling CMocka test; nothing here
 * returns an error. Single-threaded, like the tests.
 */
#ifndef WST_TEST_FILES_H
#define WST_TEST_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "bytes_le.h"

/* The build directory: "build" unless main() takes argv[1]. */
extern const char *test_build_dir;

/* A whole file, owned by the caller (free(bytes)). */
struct test_file {
    unsigned char *bytes;
    size_t size;
};

/* <test_build_dir>/<arch>/tests/<name>, all of it; the test fails unless it
 * is a plausible image: more than its 4 KiB of headers, less than 4 MiB. */
struct test_file test_file_load(const char *arch, const char *name);

void test_put16(unsigned char *p, uint16_t v);
void test_put32(unsigned char *p, uint32_t v);

#endif
