/*
 * libFuzzer target for src/common/escape.c: any bytes as a name from a
 * target (the input up to its first NUL). Checks what the inspector's
 * writers rely on: the escaped text holds no byte a terminal acts on (no C0
 * but nothing at all below 0x20, no DEL, no raw byte that is not valid UTF-8,
 * no C1 or bidi control as a character); JSON holds no raw control, no
 * unescaped quote and is valid UTF-8; the counting pass and the writing pass
 * agree; a cut output is a prefix of the whole one; and wst_utf8_valid
 * agrees with whether JSON needed U+FFFD.
 *
 * Never: writes to the input, keeps state between inputs, or rejects an input
 * itself.
 */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fuzz_check.h"

static int is_terminal_control(unsigned long cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static void check_clean(const char *out, int json)
{
    const unsigned char *p = (const unsigned char *)out;
    while (*p != '\0') {
        unsigned long cp = 0;
        size_t n = wst_utf8_sequence(p, &cp);
        FUZZ_CHECK(n != 0);
        FUZZ_CHECK(!is_terminal_control(cp));
        if (json && cp == '\\') {
            FUZZ_CHECK(p[1] != '\0'); /* never a dangling escape */
            p += 2;
            continue;
        }
        if (json)
            FUZZ_CHECK(cp != '"');
        p += n;
    }
}

static void check_style(const char *s, enum wst_escape_style style)
{
    size_t need = wst_escape(NULL, 0, s, style);
    FUZZ_CHECK(need <= WST_ESCAPE_MAX(strlen(s)));
    char *full = malloc(need + 1);
    FUZZ_CHECK(full != NULL);
    FUZZ_CHECK(wst_escape(full, need + 1, s, style) == need);
    FUZZ_CHECK(strlen(full) == need);
    check_clean(full, style == WST_ESCAPE_JSON);
    /* Invalid bytes always show as U+FFFD in JSON (the writer then adds the
     * exact bytes as a _hex member). */
    if (style == WST_ESCAPE_JSON && !wst_utf8_valid(s))
        FUZZ_CHECK(strstr(full, "\\ufffd") != NULL);
    /* A cut keeps a prefix made of whole escapes. */
    size_t cap = need / 2 + 1;
    char *cut = malloc(cap);
    FUZZ_CHECK(cut != NULL);
    FUZZ_CHECK(wst_escape(cut, cap, s, style) == need);
    FUZZ_CHECK(strlen(cut) < cap && memcmp(cut, full, strlen(cut)) == 0);
    check_clean(cut, style == WST_ESCAPE_JSON);
    free(cut);
    free(full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    FUZZ_CHECK(s != NULL);
    memcpy(s, data, size);
    s[size] = '\0';
    check_style(s, WST_ESCAPE_TEXT);
    check_style(s, WST_ESCAPE_JSON);
    size_t hex = wst_hex_bytes(NULL, 0, s);
    FUZZ_CHECK(hex == 2 * strlen(s));
    free(s);
    return 0;
}
