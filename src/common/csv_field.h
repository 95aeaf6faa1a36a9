/*
 * One CSV field (RFC 4180) from a string a target chose, as every CSV
 * writer of the inspector puts it: first in escape.h's text form, as every
 * other writer shows it (no byte a terminal acts on; CR and LF as \x0d and
 * \x0a, so that a row stays one line whatever the stream does with line
 * ends), then quoted, with quotes doubled, when it holds a comma or a quote,
 * or starts with a space. So the field, unquoted, is exactly the text form.
 * Platform-free (fuzzed natively); no state.
 */
#ifndef WST_CSV_FIELD_H
#define WST_CSV_FIELD_H

#include <stdio.h>

void wst_csv_field(FILE *out, const char *s);

#endif
