/*
 * See test_files.h. The file is read into a buffer of the largest size any
 * of these tests expects, and a file that fills it is refused rather than
 * silently cut short: a truncated image would fail the tests for a reason
 * that has nothing to do with the code under test.
 */
#include "test_files.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define TEST_FILE_MAX (4u << 20)
#define TEST_FILE_MIN 4096u

const char *test_build_dir = "build";

struct test_file test_file_load(const char *arch, const char *name)
{
    char path[1024];
    struct test_file f = {0};
    snprintf(path, sizeof path, "%s/%s/tests/%s", test_build_dir, arch, name);
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        fail_msg("cannot open %s (run make cross first)", path);
    f.bytes = malloc(TEST_FILE_MAX);
    assert_non_null(f.bytes);
    f.size = fread(f.bytes, 1, TEST_FILE_MAX, in);
    fclose(in);
    if (f.size <= TEST_FILE_MIN || f.size >= TEST_FILE_MAX)
        fail_msg("%s: %lu bytes, not an image of %u B to %u MiB", path, (unsigned long)f.size,
                 TEST_FILE_MIN, TEST_FILE_MAX >> 20);
    return f;
}

void test_put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

void test_put32(unsigned char *p, uint32_t v)
{
    test_put16(p, (uint16_t)v);
    test_put16(p + 2, (uint16_t)(v >> 16));
}
