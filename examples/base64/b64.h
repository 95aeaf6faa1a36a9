/*
 * b64.dll: a small base64 codec (RFC 4648, standard alphabet, '=' padding),
 * the "real library" that the example instruments. Its API knows nothing of
 * winstrument; only its implementation (b64.c) carries probes.
 *
 * Every function is reentrant and may be called from any number of threads at
 * once: there is no state but the probes' counters.
 */
#ifndef B64_H
#define B64_H

#include <stddef.h>

#ifdef B64_BUILDING_DLL
#define B64_API __declspec(dllexport)
#else
#define B64_API __declspec(dllimport)
#endif

/* Characters b64_encode writes for n input bytes, NUL excluded. */
B64_API size_t b64_encoded_length(size_t n);

/* Encodes n bytes of in into out (b64_encoded_length(n) + 1 bytes, NUL
 * terminated). Returns the number of characters written before the NUL. */
B64_API size_t b64_encode(const void *in, size_t n, char *out);

/* Decodes n characters of in into out (at least n / 4 * 3 bytes). Returns the
 * number of bytes written, or -1 when in is not canonical base64 (length not
 * a multiple of 4, a character outside the alphabet, misplaced padding). */
B64_API long b64_decode(const char *in, size_t n, void *out);

#endif
