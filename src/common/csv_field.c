/* See csv_field.h. */
#include "csv_field.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"

static void put_quoted(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ') {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s != '\0'; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void wst_csv_field(FILE *out, const char *s)
{
    size_t n = wst_escape(NULL, 0, s, WST_ESCAPE_TEXT);
    char *shown = malloc(n + 1);
    if (shown == NULL) {
        fputs("?", out); /* out of memory: never the raw bytes */
        return;
    }
    wst_escape(shown, n + 1, s, WST_ESCAPE_TEXT);
    put_quoted(out, shown);
    free(shown);
}
