/*
 * Escaping of strings that come from a target (module names and paths from
 * its PEB, counter names from its region, the executable's path, a pipe name
 * it published) before the inspector prints them. One function decides, for
 * every writer of text and JSON (docs/inspector.md, "Strings from the
 * target"):
 *
 * - text: printable ASCII and valid UTF-8 pass; C0 controls, DEL and every
 *   byte that is not part of valid UTF-8 (raw 0x80..0x9f included) become
 *   \xHH; the C1 controls U+0080..U+009F and the Unicode format controls that
 *   reorder or break lines (U+061C, U+200E, U+200F, U+2028..U+202E,
 *   U+2066..U+2069) become \u{H..}. So no byte that a terminal acts on
 *   reaches it.
 * - JSON: the contents of a string literal (no quotes). Valid UTF-8 passes;
 *   '"' and '\' are escaped; the same controls as above become \u00XX /
 *   \uXXXX, which decode to the very same characters; every invalid byte
 *   becomes U+FFFD (\ufffd). The replacement is lossy on purpose, so the
 *   writer adds a "<field>_hex" member with the exact bytes whenever
 *   wst_utf8_valid() is false: that member's presence is what tells invalid
 *   bytes from a real U+FFFD.
 *
 * Platform-free and allocation-free: the inspector uses it on its main
 * thread, the unit tests natively and under Wine, the fuzzer natively.
 */
#ifndef WST_COMMON_ESCAPE_H
#define WST_COMMON_ESCAPE_H

#include <stddef.h>

enum wst_escape_style {
    WST_ESCAPE_TEXT,
    WST_ESCAPE_JSON,
};

/* Writes the escaped form of the NUL-terminated `s` into out (at most cap
 * bytes, NUL-terminated whenever cap > 0, truncated at a character boundary
 * of the escaped text) and returns the length of the whole escaped form, NUL
 * not counted, as snprintf does: a return >= cap means it was cut. */
size_t wst_escape(char *out, size_t cap, const char *s, enum wst_escape_style style);

/* Longest escaped form of a string of n bytes: 10 output bytes per input
 * byte cover every case (\u{202e} is 8 bytes for 3 input bytes, \xHH 4 for 1). */
#define WST_ESCAPE_MAX(n) ((n) * 10u + 1u)

/* 1 if every byte of `s` belongs to a valid UTF-8 sequence (no overlong
 * form, no surrogate, nothing above U+10FFFF). */
int wst_utf8_valid(const char *s);

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 if the byte at s
 * does not start one. Stops at a NUL. */
size_t wst_utf8_sequence(const unsigned char *s, unsigned long *code_point);

/* Writes the bytes of `s` as lowercase hex pairs, NUL-terminated, within cap;
 * returns 2 * strlen(s). */
size_t wst_hex_bytes(char *out, size_t cap, const char *s);

#endif
