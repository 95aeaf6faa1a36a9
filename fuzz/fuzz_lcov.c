/*
 * libFuzzer target for src/common/lcov.c: names and source paths a target
 * chose (the input split at NUL bytes: a test name, then for up to three
 * functions a name and a source path; one byte of the input's end gives
 * each a line and a call count). Checks what genhtml needs of the
 * tracefile and what a terminal needs of `coverage` on stdout: every line
 * is one of lcov's records, in the record's order; no byte but LF is a
 * control, and no line break comes from a name; each FN and FNDA line has
 * exactly one comma (so the name is whole); FNF, FNH, LF and LH agree with
 * the lines listed; and the functions left out are those without a line.
 *
 * Never: writes to the input, keeps state between inputs, or rejects one.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "lcov.h"

#define PARTS 7

static int starts(const char *line, const char *tag)
{
    return strncmp(line, tag, strlen(tag)) == 0;
}

static size_t commas(const char *line)
{
    size_t n = 0;
    for (; *line != '\0'; line++)
        n += *line == ',';
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The parts, each NUL-terminated in a copy; the missing ones empty. */
    char *copy = malloc(size + 1);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *part[PARTS];
    const char *p = copy, *end = copy + size;
    for (int i = 0; i < PARTS; i++) {
        part[i] = p <= end ? p : "";
        if (p <= end)
            p += strlen(p) + 1;
    }
    unsigned char knob = size > 0 ? data[size - 1] : 0;

    struct wst_cov_module module = {"C:\\m.dll", 0x180000000u, 0x180010000u, 0, 0, 0};
    struct wst_cov_function fs[3];
    size_t with_line = 0;
    for (int i = 0; i < 3; i++) {
        int has_source = (knob >> i) & 1;
        fs[i] = (struct wst_cov_function){
            .module = 0,
            .rva = 0x1000u * (unsigned)(i + 1),
            .size = 16,
            .name = part[1 + 2 * i],
            .calls = (knob >> (3 + i)) & 1 ? 0 : (uint64_t)knob * (unsigned)(i + 1),
            .source = has_source ? part[2 + 2 * i] : NULL,
            .line = has_source ? (unsigned)(knob % 3 + 1) : 0,
        };
        with_line += has_source;
    }
    struct wst_coverage cov = {&module, 1, fs, 3};
    struct wst_strbuf b = {0};
    size_t skipped = wst_lcov_write(&cov, part[0], &b);
    FUZZ_CHECK(!b.failed && skipped == 3 - with_line);

    /* Walk the lines: each a known record, in order within its record. */
    size_t fn = 0, fnda = 0, da = 0, records = 0;
    char *text = malloc(b.len + 1);
    FUZZ_CHECK(text != NULL);
    if (b.len > 0) /* an empty buffer has no data pointer */
        memcpy(text, b.data, b.len);
    text[b.len] = '\0';
    FUZZ_CHECK(b.len == 0 || text[b.len - 1] == '\n');
    for (size_t i = 0; i < b.len; i++) {
        unsigned char c = (unsigned char)text[i];
        FUZZ_CHECK(c == '\n' || (c >= 0x20 && c != 0x7f));
    }
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (starts(line, "FN:")) {
            FUZZ_CHECK(commas(line) == 1);
            fn++;
        } else if (starts(line, "FNDA:")) {
            FUZZ_CHECK(commas(line) == 1);
            fnda++;
        } else if (starts(line, "DA:")) {
            FUZZ_CHECK(commas(line) == 1);
            da++;
        } else if (starts(line, "end_of_record")) {
            FUZZ_CHECK(strcmp(line, "end_of_record") == 0);
            records++;
        } else {
            FUZZ_CHECK(starts(line, "TN:") || starts(line, "SF:") || starts(line, "FNF:") ||
                       starts(line, "FNH:") || starts(line, "LF:") || starts(line, "LH:"));
        }
    }
    FUZZ_CHECK(fn == with_line && fnda == with_line);
    FUZZ_CHECK(records <= with_line && (with_line == 0) == (records == 0));
    FUZZ_CHECK(da >= records && da <= with_line);

    free(text);
    wst_strbuf_free(&b);
    free(copy);
    return 0;
}
