/*
 * Unit tests of src/common/drcov.c and lcov.c on a hand-built coverage
 * model: drcov's exact header, module lines and binary block entries (one
 * per called function, split at the 16-bit size limit), and the lcov
 * records genhtml reads (FN, FNDA with 0 for never-called functions, FNF,
 * FNH, DA, LF, LH, one record per source file), with hostile names and
 * paths kept on their line. The real genhtml reads the verb's output in the
 * coverage-lcov scenario. Single-threaded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bytes_le.h"
#include "drcov.h"
#include "lcov.h"

static const struct wst_cov_module modules[] = {
    {"C:\\app\\one.dll", 0x180000000ull, 0x180020000ull, 0x180001350ull, 0x1234, 0x5f000000},
    {"Z:\\tmp\\two\nlines.dll", 0x10000000ull, 0x10008000ull, 0, 0, 0},
};

static const struct wst_cov_function functions[] = {
    {0, 0x1000, 0x40, "alpha", 3, "/src/a.c", 10},
    {0, 0x1040, 0x20, "beta", 0, "/src/a.c", 20},
    {0, 0x1060, 0x20000, "huge", 1, "/src/b.c", 5},
    {1, 0x2000, 0, "gamma,delta", 7, "/src/b.c", 9},
    {1, 0x3000, 0x10, "nolines", 2, NULL, 0},
};

static const struct wst_coverage cov = {modules, 2, functions, 5};

static void drcov_layout(void **state)
{
    (void)state;
    struct wst_strbuf b = {0};
    wst_drcov_write(&cov, &b);
    assert_false(b.failed);
    static const char header[] =
        "DRCOV VERSION: 2\n"
        "DRCOV FLAVOR: winstrument\n"
        "Module Table: version 2, count 2\n"
        "Columns: id, base, end, entry, checksum, timestamp, path\n"
        "  0, 0x0000000180000000, 0x0000000180020000, 0x0000000180001350, 0x00001234, "
        "0x5f000000, C:\\app\\one.dll\n"
        "  1, 0x0000000010000000, 0x0000000010008000, 0x0000000000000000, 0x00000000, "
        "0x00000000, Z:\\tmp\\two\\x0alines.dll\n"
        /* alpha: 1; beta: none (never called); huge: 0x20000 bytes = 3 entries;
         * gamma: 1 (size unknown: its first byte); nolines: 1. */
        "BB Table: 6 bbs\n";
    size_t hlen = sizeof header - 1;
    assert_true(b.len == hlen + 6 * WST_DRCOV_ENTRY_SIZE);
    assert_memory_equal(b.data, header, hlen);
    const unsigned char *e = (const unsigned char *)b.data + hlen;
    static const struct {
        uint32_t start;
        uint16_t size, module;
    } want[] = {
        {0x1000, 0x40, 0},    {0x1060, 0xffff, 0}, {0x1060 + 0xffff, 0xffff, 0},
        {0x1060 + 0x1fffe, 2, 0}, {0x2000, 1, 1},  {0x3000, 0x10, 1},
    };
    for (size_t i = 0; i < 6; i++, e += WST_DRCOV_ENTRY_SIZE) {
        assert_int_equal(wst_le32(e), want[i].start);
        assert_int_equal(wst_le16(e + 4), want[i].size);
        assert_int_equal(wst_le16(e + 6), want[i].module);
    }
    wst_strbuf_free(&b);
}

static void drcov_empty(void **state)
{
    (void)state;
    struct wst_coverage none = {NULL, 0, NULL, 0};
    struct wst_strbuf b = {0};
    wst_drcov_write(&none, &b);
    static const char want[] = "DRCOV VERSION: 2\nDRCOV FLAVOR: winstrument\n"
                               "Module Table: version 2, count 0\n"
                               "Columns: id, base, end, entry, checksum, timestamp, path\n"
                               "BB Table: 0 bbs\n";
    assert_int_equal(b.len, sizeof want - 1);
    assert_memory_equal(b.data, want, sizeof want - 1);
    wst_strbuf_free(&b);
}

static char *text_of(struct wst_strbuf *b)
{
    char *s = malloc(b->len + 1);
    assert_non_null(s);
    memcpy(s, b->data, b->len);
    s[b->len] = 0;
    return s;
}

static void lcov_records(void **state)
{
    (void)state;
    struct wst_strbuf b = {0};
    size_t skipped = wst_lcov_write(&cov, "run1", &b);
    assert_int_equal(skipped, 1);
    char *s = text_of(&b);
    static const char want[] = "TN:run1\n"
                               "SF:/src/a.c\n"
                               "FN:10,alpha\n"
                               "FN:20,beta\n"
                               "FNDA:3,alpha\n"
                               "FNDA:0,beta\n"
                               "FNF:2\n"
                               "FNH:1\n"
                               "DA:10,3\n"
                               "DA:20,0\n"
                               "LF:2\n"
                               "LH:1\n"
                               "end_of_record\n"
                               "TN:run1\n"
                               "SF:/src/b.c\n"
                               "FN:5,huge\n"
                               "FN:9,gamma?delta\n"
                               "FNDA:1,huge\n"
                               "FNDA:7,gamma?delta\n"
                               "FNF:2\n"
                               "FNH:2\n"
                               "DA:5,1\n"
                               "DA:9,7\n"
                               "LF:2\n"
                               "LH:2\n"
                               "end_of_record\n";
    assert_string_equal(s, want);
    free(s);
    wst_strbuf_free(&b);
}

/* Two functions on one line share one DA with their calls added. */
static void lcov_shared_line(void **state)
{
    (void)state;
    static const struct wst_cov_function two[] = {
        {0, 0x10, 4, "f", 2, "x.c", 3},
        {0, 0x20, 4, "g", 5, "x.c", 3},
    };
    struct wst_coverage c = {modules, 1, two, 2};
    struct wst_strbuf b = {0};
    assert_int_equal(wst_lcov_write(&c, NULL, &b), 0);
    char *s = text_of(&b);
    assert_non_null(strstr(s, "TN:\nSF:x.c\n"));
    assert_non_null(strstr(s, "DA:3,7\nLF:1\nLH:1\n"));
    assert_null(strstr(s, "DA:3,2"));
    free(s);
    wst_strbuf_free(&b);
}

/* Issue 23 F2: names and paths from the image and the target reach the
 * tracefile and the module table in escape.h's text form, as in every other
 * writer: no ESC, no C1 control, no line or paragraph separator, no byte
 * that is not UTF-8. */
static const struct wst_cov_module hostile_modules[] = {
    {"C:\\x\x1b[2J\xe2\x80\xa8.dll", 0x10000000ull, 0x10008000ull, 0, 0, 0},
};
static const struct wst_cov_function hostile_functions[] = {
    {0, 0x1000, 0x10, "f\x1b]0;x\x07\xc2\x85g", 1, "/s/\x9b\xe2\x81\xa6.c", 3},
};

/* The first byte a terminal acts on (a line feed apart), or -1. */
static long first_control(const struct wst_strbuf *b, size_t upto)
{
    for (size_t i = 0; i < upto; i++) {
        unsigned char c = (unsigned char)b->data[i];
        if ((c < 0x20 && c != '\n') || c >= 0x7f)
            return (long)i;
    }
    return -1;
}

static void hostile_strings(void **state)
{
    (void)state;
    struct wst_coverage hostile = {hostile_modules, 1, hostile_functions, 1};
    struct wst_strbuf b = {0};
    wst_lcov_write(&hostile, "run1", &b);
    char *s = text_of(&b);
    print_message("%s", s);
    assert_int_equal(first_control(&b, b.len), -1);
    assert_non_null(strstr(s, "FN:3,f\\x1b]0;x\\x07\\u{85}g\n"));
    assert_non_null(strstr(s, "SF:/s/\\x9b\\u{2066}.c\n"));
    free(s);
    wst_strbuf_free(&b);
    wst_drcov_write(&hostile, &b);
    s = text_of(&b);
    char *table = strstr(s, "BB Table");
    assert_non_null(table);
    assert_int_equal(first_control(&b, (size_t)(table - s)), -1);
    assert_non_null(strstr(s, "C:\\x\\x1b[2J\\u{2028}.dll\n"));
    free(s);
    wst_strbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(drcov_layout),
        cmocka_unit_test(drcov_empty),
        cmocka_unit_test(lcov_records),
        cmocka_unit_test(lcov_shared_line),
        cmocka_unit_test(hostile_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
