/*
 * b64.dll's implementation: base64 encode and decode, with winstrument probes
 * at the points a maintainer would want to watch in production (calls, bytes
 * through, rejected inputs, how long an encode takes and how large the
 * inputs are: a time scope and a size distribution). The probes are the only change instrumentation
 * needs: no init call, no registration, and the DLL has no DllMain of its own
 * (the runtime hooks the loader by itself).
 *
 * Any thread may enter any function at the same time; the functions keep no
 * state, and the counters are exact under concurrency. Nothing here may
 * allocate or block: callers use it on hot paths.
 */
#define B64_BUILDING_DLL
#include "b64.h"

#include <stdint.h>

#include <winstrument.h>

static const char alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ------------------------------------------------------------------------ */
/* Encoding                                                                 */
/* ------------------------------------------------------------------------ */

size_t b64_encoded_length(size_t n)
{
    return (n + 2) / 3 * 4;
}

size_t b64_encode(const void *in, size_t n, char *out)
{
    const unsigned char *p = in;
    char *o = out;
    WST_TIME_SCOPE("b64.encode.time");
    WST_COUNT("b64.encode.calls");
    WST_ADD("b64.encode.bytes_in", n);
    WST_RECORD("b64.encode.size", n);

    for (; n >= 3; n -= 3, p += 3) {
        uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = alphabet[v >> 6 & 63];
        *o++ = alphabet[v & 63];
    }
    if (n > 0) {
        /* One or two bytes left: pad to a whole quantum of four. */
        uint32_t v = (uint32_t)p[0] << 16 | (n == 2 ? (uint32_t)p[1] << 8 : 0);
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = n == 2 ? alphabet[v >> 6 & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return (size_t)(o - out);
}

/* ------------------------------------------------------------------------ */
/* Decoding                                                                 */
/* ------------------------------------------------------------------------ */

/* The 6-bit value of c, or -1. Ranges rather than a 256-entry table, so the
 * DLL has no table to initialise and nothing to get wrong at load time. */
static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes one quantum of four characters; `last` allows padding in it.
 * Returns the bytes produced (1..3) or -1. Non-canonical encodings (bits set
 * below the padding) are rejected so that decode(encode(x)) is the only way
 * to produce a given byte string. */
static int decode_quantum(const char q[4], int last, unsigned char *out)
{
    int pad = last && q[3] == '=' ? (q[2] == '=' ? 2 : 1) : 0;
    int s[4];
    for (int i = 0; i < 4 - pad; i++) {
        if ((s[i] = sextet(q[i])) < 0)
            return -1;
    }
    for (int i = 4 - pad; i < 4; i++)
        s[i] = 0;
    uint32_t v = (uint32_t)s[0] << 18 | (uint32_t)s[1] << 12 | (uint32_t)s[2] << 6 | (uint32_t)s[3];
    if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
        return -1;
    out[0] = (unsigned char)(v >> 16);
    if (pad < 2)
        out[1] = (unsigned char)(v >> 8);
    if (pad < 1)
        out[2] = (unsigned char)v;
    return 3 - pad;
}

long b64_decode(const char *in, size_t n, void *out)
{
    unsigned char *o = out;
    long total = 0;
    WST_COUNT("b64.decode.calls");

    if (n % 4 != 0)
        goto rejected;
    for (size_t i = 0; i < n; i += 4) {
        int got = decode_quantum(in + i, i + 4 == n, o + total);
        if (got < 0)
            goto rejected;
        total += got;
    }
    WST_ADD("b64.decode.bytes_out", total);
    return total;

rejected:
    WST_COUNT("b64.decode.rejected");
    return -1;
}
