/*
 * See text.h: allocation-free text building.
 */
#include "text.h"

char *wst_text_append(char *out, const char *text)
{
    while (*text != '\0')
        *out++ = *text++;
    *out = '\0';
    return out;
}

char *wst_text_append_decimal(char *out, uint64_t value)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (n > 0)
        *out++ = digits[--n];
    *out = '\0';
    return out;
}

char *wst_text_append_hex64(char *out, uint64_t value)
{
    static const char hex[] = "0123456789abcdef";
    for (int shift = 60; shift >= 0; shift -= 4)
        *out++ = hex[(value >> shift) & 0xf];
    *out = '\0';
    return out;
}
