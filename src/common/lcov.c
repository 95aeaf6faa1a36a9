/*
 * See lcov.h. Records are grouped by source file: the functions are sorted
 * by (file, line, name) into a private index, and each run of one file
 * becomes one record. Names and paths come from the image and the target,
 * so each is written in escape.h's text form, as every other writer shows
 * them (a line break would end the record's line, and a terminal acts on
 * ESC and its kin: `\x1b`, `\u{2028}`), and a comma in a name as '?' (FN
 * and FNDA split at the first comma after the number, and genhtml would
 * misread the name otherwise).
 */
#include "lcov.h"

#include <stdlib.h>
#include <string.h>

static void put_safe(struct wst_strbuf *b, const char *s, int comma_too)
{
    if (!comma_too) {
        wst_strbuf_text(b, s);
        return;
    }
    struct wst_strbuf shown = {0};
    wst_strbuf_text(&shown, s);
    for (size_t i = 0; i < shown.len; i++)
        wst_strbuf_putc(b, shown.data[i] == ',' ? '?' : shown.data[i]);
    if (shown.failed)
        b->failed = 1;
    wst_strbuf_free(&shown);
}

static const struct wst_cov_function *sort_base;

static int by_file_line(const void *a, const void *b)
{
    const struct wst_cov_function *x = &sort_base[*(const size_t *)a];
    const struct wst_cov_function *y = &sort_base[*(const size_t *)b];
    int c = strcmp(x->source, y->source);
    if (c != 0)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    c = strcmp(x->name != NULL ? x->name : "", y->name != NULL ? y->name : "");
    if (c != 0)
        return c;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static void put_function_lines(struct wst_strbuf *b, const struct wst_cov_function *const *fs,
                               size_t n)
{
    size_t hit = 0;
    for (size_t i = 0; i < n; i++) {
        wst_strbuf_printf(b, "FN:%u,", (unsigned)fs[i]->line);
        put_safe(b, fs[i]->name, 1);
        wst_strbuf_putc(b, '\n');
    }
    for (size_t i = 0; i < n; i++) {
        wst_strbuf_puts(b, "FNDA:");
        wst_strbuf_u64(b, fs[i]->calls);
        wst_strbuf_putc(b, ',');
        put_safe(b, fs[i]->name, 1);
        wst_strbuf_putc(b, '\n');
        hit += fs[i]->calls > 0;
    }
    wst_strbuf_printf(b, "FNF:%u\nFNH:%u\n", (unsigned)n, (unsigned)hit);
}

/* One DA per distinct first line (sorted already), with the calls of the
 * functions that start there added up. */
static void put_line_data(struct wst_strbuf *b, const struct wst_cov_function *const *fs, size_t n)
{
    size_t lines = 0, hit = 0;
    for (size_t i = 0; i < n;) {
        uint64_t calls = 0;
        size_t j = i;
        for (; j < n && fs[j]->line == fs[i]->line; j++)
            calls += fs[j]->calls;
        wst_strbuf_printf(b, "DA:%u,", (unsigned)fs[i]->line);
        wst_strbuf_u64(b, calls);
        wst_strbuf_putc(b, '\n');
        lines++;
        hit += calls > 0;
        i = j;
    }
    wst_strbuf_printf(b, "LF:%u\nLH:%u\n", (unsigned)lines, (unsigned)hit);
}

static void put_record(struct wst_strbuf *b, const char *test_name,
                       const struct wst_cov_function *const *fs, size_t n)
{
    wst_strbuf_puts(b, "TN:");
    put_safe(b, test_name, 0);
    wst_strbuf_puts(b, "\nSF:");
    put_safe(b, fs[0]->source, 0);
    wst_strbuf_putc(b, '\n');
    put_function_lines(b, fs, n);
    put_line_data(b, fs, n);
    wst_strbuf_puts(b, "end_of_record\n");
}

size_t wst_lcov_write(const struct wst_coverage *cov, const char *test_name,
                      struct wst_strbuf *out)
{
    size_t n = 0, skipped = 0;
    size_t *order = malloc((cov->function_count + 1) * sizeof *order);
    const struct wst_cov_function **fs = malloc((cov->function_count + 1) * sizeof *fs);
    if (order == NULL || fs == NULL) {
        free(order);
        free(fs);
        return (size_t)-1;
    }
    for (size_t i = 0; i < cov->function_count; i++) {
        const struct wst_cov_function *f = &cov->functions[i];
        if (f->source == NULL || f->line == 0)
            skipped++;
        else
            order[n++] = i;
    }
    /* qsort takes no context argument in C11; the exporter is single-threaded. */
    sort_base = cov->functions;
    qsort(order, n, sizeof *order, by_file_line);
    for (size_t i = 0; i < n; i++)
        fs[i] = &cov->functions[order[i]];
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && strcmp(fs[j]->source, fs[i]->source) == 0)
            j++;
        put_record(out, test_name, fs + i, j - i);
        i = j;
    }
    free(order);
    free(fs);
    return skipped;
}
