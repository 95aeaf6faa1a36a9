/*
 * libFuzzer target for src/common/csv_field.c: any bytes as a name from a
 * target (the input up to its first NUL), written as one CSV field. Checks
 * what `dump --format csv`, `watch --format csv` and `ps --format csv`
 * promise: the field is on one line (no CR or LF, whatever the stream does
 * with line ends), holds no byte a terminal acts on, is well quoted per RFC
 * 4180 (quoted exactly when it needs to be, quotes doubled inside), and,
 * unquoted, is exactly escape.h's text form of the name: it round-trips.
 *
 * Never: writes to the input, keeps state between inputs, or rejects one.
 */
#include <stdlib.h>
#include <string.h>

#include "csv_field.h"
#include "escape.h"
#include "fuzz_check.h"

/* The field, unquoted as a CSV reader would; NULL if it is not well formed. */
static char *unquote(const char *f, size_t n)
{
    char *out = malloc(n + 1);
    FUZZ_CHECK(out != NULL);
    if (n == 0 || f[0] != '"') {
        FUZZ_CHECK(memchr(f, ',', n) == NULL && memchr(f, '"', n) == NULL);
        memcpy(out, f, n);
        out[n] = '\0';
        return out;
    }
    FUZZ_CHECK(n >= 2 && f[n - 1] == '"');
    size_t k = 0;
    for (size_t i = 1; i < n - 1; i++) {
        if (f[i] == '"') {
            FUZZ_CHECK(i + 1 < n - 1 && f[i + 1] == '"'); /* a quote inside is doubled */
            i++;
        }
        out[k++] = f[i];
    }
    out[k] = '\0';
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *name = malloc(size + 1);
    FUZZ_CHECK(name != NULL);
    memcpy(name, data, size);
    name[size] = '\0';

    /* Through a real stream, as the writers use it (tmpfile: plain C11). */
    FILE *out = tmpfile();
    FUZZ_CHECK(out != NULL);
    wst_csv_field(out, name);
    long len = ftell(out);
    FUZZ_CHECK(len >= 0);
    size_t n = (size_t)len;
    char *field = malloc(n + 1);
    FUZZ_CHECK(field != NULL);
    rewind(out);
    FUZZ_CHECK(fread(field, 1, n, out) == n);
    field[n] = '\0';
    FUZZ_CHECK(fclose(out) == 0);

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)field[i];
        FUZZ_CHECK(c >= 0x20 && c != 0x7f); /* no CR, LF, ESC or other control */
    }
    size_t need = wst_escape(NULL, 0, name, WST_ESCAPE_TEXT);
    char *text = malloc(need + 1);
    FUZZ_CHECK(text != NULL);
    wst_escape(text, need + 1, name, WST_ESCAPE_TEXT);
    /* Quoted exactly when a reader needs it. */
    int must_quote = strpbrk(text, ",\"") != NULL || text[0] == ' ';
    FUZZ_CHECK((n > 0 && field[0] == '"') == must_quote);
    char *back = unquote(field, n);
    FUZZ_CHECK(strcmp(back, text) == 0);

    free(back);
    free(text);
    free(field);
    free(name);
    return 0;
}
