/*
 * What src/inspector/write_report.c writes when the target is hostile: module
 * names, paths, the executable's path and counter names that carry terminal
 * controls (ESC, the 8-bit CSI byte 0x9b, U+009B, a bidi override) and bytes
 * that are not UTF-8. Text output must hold no byte a terminal acts on; JSON
 * must stay valid UTF-8 and must tell an invalid byte from the same value as a
 * valid character. Every verb's writer is run, in both formats, and the
 * one-line error of main.c (error.c).
 *
 * Runs on the test thread only; writes to a tmpfile and reads it back.
 */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "escape.h"
#include "write_csv.h"
#include "write_report.h"

/* ESC [ 2 J (clear screen), 8-bit CSI as a raw byte, U+009B as UTF-8, and a
 * right-to-left override, between ordinary letters. */
#define HOSTILE "a\x1b[2Jb\x9b" "31mc\xc2\x9b" "31md\xe2\x80\xae" "e\x7f" "f\xff"
/* The same characters, but the 0x9b and 0xff as valid UTF-8 (U+009B, U+00FF). */
#define HOSTILE_VALID "a\x1b[2Jb\xc2\x9b" "31mc\xc2\x9b" "31md\xe2\x80\xae" "e\x7f" "f\xc3\xbf"

static struct wst_region_counter counters[2];
static struct wst_module_report report;
static struct wst_process_report process;

static void fill(const char *hostile)
{
    memset(&report, 0, sizeof report);
    snprintf(report.module.name, sizeof report.module.name, "%s.dll", hostile);
    snprintf(report.module.path, sizeof report.module.path, "C:\\x\\%s.dll", hostile);
    report.module.base = 0x10000000;
    report.module.bits = 64;
    report.info.header.mode = WST_MODE_THREADPOOL;
    report.info.header.worker_state = WST_WORKER_SERVING;
    snprintf(report.info.header.pipe_name, sizeof report.info.header.pipe_name, "\\\\.\\pipe\\%s",
             hostile);
    report.via = "memory";
    snprintf(counters[0].name, sizeof counters[0].name, "%s", hostile);
    counters[0].value = 7;
    snprintf(counters[1].name, sizeof counters[1].name, "plain");
    counters[1].value = 8;
    report.counters = counters;
    report.count = 2;
    memset(&process, 0, sizeof process);
    process.pid = 42;
    snprintf(process.executable, sizeof process.executable, "C:\\%s.exe", hostile);
    process.modules = &report;
    process.count = 1;
}

/* Runs every writer in one format into a malloc'ed, NUL-terminated text. */
static char *write_all(int json)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    wst_output_dump(f, json, 42, &report, 1);
    wst_output_list(f, json, &process, 1);
    wst_output_reset(f, json, 42, &report, 1);
    wst_output_stats(f, json, 42, &report, 1);
    long size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    fclose(f);
    return text;
}

/* The first byte (or UTF-8 sequence) that a terminal would act on, or NULL.
 * Newlines are the writers' own. */
static const unsigned char *first_control(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p != '\0') {
        unsigned long cp = 0;
        size_t n = wst_utf8_sequence(p, &cp);
        if (n == 0)
            return p; /* a raw 0x80..0xff byte: 0x9b is CSI on 8-bit terminals */
        if ((cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp <= 0x9f) || cp == 0x202e)
            return p;
        p += n;
    }
    return NULL;
}

static void text_has_no_controls(void **state)
{
    (void)state;
    fill(HOSTILE);
    char *text = write_all(0);
    const unsigned char *bad = first_control(text);
    if (bad != NULL)
        fail_msg("text output passes byte 0x%02x at offset %ld: %.40s", *bad,
                 (long)((const char *)bad - text), (const char *)bad);
    /* Each control is shown, not dropped. */
    assert_non_null(strstr(text, "a\\x1b[2Jb\\x9b31mc\\u{9b}31md\\u{202e}e\\x7ff\\xff.dll"));
    free(text);
}

static void json_is_valid_and_exact(void **state)
{
    (void)state;
    fill(HOSTILE);
    char *invalid = write_all(1);
    fill(HOSTILE_VALID);
    char *valid = write_all(1);
    /* Both documents are UTF-8 with no raw control at all (newline aside). */
    assert_null(first_control(invalid));
    assert_null(first_control(valid));
    /* An invalid byte and the same value as a character must not print the same. */
    if (strcmp(invalid, valid) == 0)
        fail_msg("JSON cannot tell byte 0x9b from U+009B: %.200s", invalid);
    /* The name with invalid bytes carries its exact bytes in a _hex member. */
    assert_non_null(strstr(invalid, "\"name_hex\": \"611b5b324a629b33316d63c29b33316d64e280ae657f66ff\""));
    assert_null(strstr(valid, "_hex\""));
    free(invalid);
    free(valid);
}

/* The one-line error names modules too (e.g. "module <name>: ..."). */
static void error_line_has_no_controls(void **state)
{
    (void)state;
    struct wst_error err = {0};
    char text[2048] = {0};
    wst_error_set(&err, WST_E_NO_WORKER, 0, "module %s: the worker is idle", HOSTILE);
    FILE *f = tmpfile();
    assert_non_null(f);
    wst_error_print(f, &err);
    rewind(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_null(first_control(text));
    assert_non_null(strstr(text, "module a\\x1b[2Jb\\x9b31m"));
}

static void escape_units(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(wst_escape(out, sizeof out, "plain \\ text", WST_ESCAPE_TEXT), 12);
    assert_string_equal(out, "plain \\ text");
    wst_escape(out, sizeof out, "\t\x1b\x7f\x80\x9b\xc2\x9b\xc2\x80\xc3\xa9\xe2\x81\xa6", WST_ESCAPE_TEXT);
    assert_string_equal(out, "\\x09\\x1b\\x7f\\x80\\x9b\\u{9b}\\u{80}\xc3\xa9\\u{2066}");
    /* Overlong, surrogate and above U+10FFFF forms are invalid bytes. */
    wst_escape(out, sizeof out, "\xc0\x9b\xed\xa0\x80\xf4\x90\x80\x80", WST_ESCAPE_TEXT);
    assert_string_equal(out, "\\xc0\\x9b\\xed\\xa0\\x80\\xf4\\x90\\x80\\x80");
    wst_escape(out, sizeof out, "a\"b\\c\n\x01\xc3\xa9\xff\xc2\x9b\xe2\x80\xa8", WST_ESCAPE_JSON);
    assert_string_equal(out, "a\\\"b\\\\c\\u000a\\u0001\xc3\xa9\\ufffd\\u009b\\u2028");
    /* A cut never splits an escape, and the return is the full length. */
    assert_int_equal(wst_escape(out, 6, "ab\x1b", WST_ESCAPE_TEXT), 6);
    assert_string_equal(out, "ab");
    assert_int_equal(wst_escape(NULL, 0, "\x9b", WST_ESCAPE_TEXT), 4);
    assert_true(wst_utf8_valid("caf\xc3\xa9 \xc2\x9b"));
    assert_false(wst_utf8_valid("caf\xe9"));
    assert_int_equal(wst_hex_bytes(out, sizeof out, "\x9b" "A"), 4);
    assert_string_equal(out, "9b41");
}

/* stats shows the time scopes' clock from the header, in both formats. */
static char *write_stats(int json)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    wst_output_stats(f, json, 42, &report, 1);
    long size = ftell(f);
    rewind(f);
    char *text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    return text;
}

static void stats_shows_the_clock(void **state)
{
    (void)state;
    fill("m");
    report.info.header.clock_source = WST_CLOCK_TSC;
    report.info.header.clock_tsc_hz = 2596144000u;
    report.info.header.clock_interval_ms = 10;
    report.info.header.clock_error_ppb = 29000;
    char *text = write_stats(0), *json = write_stats(1);
    assert_non_null(strstr(text, "clock tsc: 2596144000 Hz, calibrated over 10 ms, "
                                 "error bound 29000 ppb"));
    assert_non_null(strstr(json, "\"clock\": {\"source\": \"tsc\", \"tsc_hz\": 2596144000, "
                                 "\"calibration_ms\": 10, \"error_ppb\": 29000}"));
    free(text);
    free(json);
    /* dump --json carries it too (threadless modules have no stats). */
    FILE *f = tmpfile();
    assert_non_null(f);
    wst_output_dump(f, 1, 42, &report, 1);
    long size = ftell(f);
    rewind(f);
    json = calloc(1, (size_t)size + 1);
    assert_non_null(json);
    assert_int_equal(fread(json, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    assert_non_null(strstr(json, "\"clock\": {\"source\": \"tsc\", \"tsc_hz\": 2596144000"));
    free(json);
    report.info.header.clock_source = WST_CLOCK_QPC;
    text = write_stats(0);
    assert_non_null(strstr(text, "clock qpc: no usable invariant TSC"));
    free(text);
}

/* Issue 23 F5: a distribution whose count its buckets contradict is
 * flagged in text and in JSON; a sound one is not. */
static void inconsistent_distribution_flagged(void **state)
{
    (void)state;
    static uint64_t buckets[WST_DIST_BUCKETS];
    fill("plain");
    counters[0].kind = WST_KIND_DISTRIBUTION;
    counters[0].value = 1;
    counters[0].min = counters[0].max = 5;
    counters[0].buckets = buckets;
    buckets[5] = (uint64_t)1 << 63;
    for (int json = 0; json <= 1; json++) {
        char *text = write_all(json);
        print_message("%s", text);
        assert_non_null(strstr(text, json ? "\"inconsistent\": \"count 1, its buckets hold "
                                            "9223372036854775808\""
                                          : "INCONSISTENT: count 1, its buckets hold "
                                            "9223372036854775808"));
        free(text);
    }
    buckets[5] = 1;
    char *text = write_all(1);
    assert_null(strstr(text, "inconsistent"));
    free(text);
    memset(counters, 0, sizeof counters);
}

/* A character a terminal acts on or that breaks or reorders a line: C0
 * but LF, DEL, C1, U+2028..U+202E, U+2066..U+2069, or a raw byte that is
 * not UTF-8. */
static int shown_raw(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p != '\0') {
        unsigned long cp = 0;
        size_t n = wst_utf8_sequence(p, &cp);
        if (n == 0 || (cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp <= 0x9f) ||
            (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
            return 1;
        p += n;
    }
    return 0;
}

/* Issue 23 F2: CSV writes a name from the target in the text form every
 * other writer uses: no ESC, no 0x9b, no U+0085, U+2028 or U+2066, and no
 * CR or LF, so a row stays one line (quoted LF and CR LF were written raw,
 * and Windows' text mode turned them into CR LF and CR CR LF). */
static void csv_escapes_target_strings(void **state)
{
    (void)state;
    fill(HOSTILE);
    snprintf(counters[1].name, sizeof counters[1].name,
             "a,b\r\nc\nd\xc2\x85" "e\xe2\x80\xa8" "f\xe2\x81\xa6" "g\"h");
    FILE *f = tmpfile();
    assert_non_null(f);
    wst_csv_header(f);
    wst_csv_module_rows(f, "T", 42, &report, NULL, NULL);
    rewind(f);
    static char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    print_message("%s", text);
    assert_false(shown_raw(text));
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 3); /* the header and one row per entry */
    assert_non_null(strstr(text, ",\"a,b\\x0d\\x0ac\\x0ad\\u{85}e\\u{2028}f\\u{2066}g\"\"h\","));
    assert_non_null(strstr(text, ",a\\x1b[2Jb\\x9b31mc\\u{9b}31md\\u{202e}e\\x7ff\\xff,"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_has_no_controls),
        cmocka_unit_test(json_is_valid_and_exact),
        cmocka_unit_test(stats_shows_the_clock),
        cmocka_unit_test(error_line_has_no_controls),
        cmocka_unit_test(escape_units),
        cmocka_unit_test(inconsistent_distribution_flagged),
        cmocka_unit_test(csv_escapes_target_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
