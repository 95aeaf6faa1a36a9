/*
 * What every fuzz target shares: the libFuzzer entry point's prototype and a
 * check that stops the run on a broken invariant. The targets are built both
 * by clang with libFuzzer (make fuzz, fuzz-regress) and by the native
 * sanitizer build with replay.c as main (make native-check), so nothing here
 * may depend on libFuzzer itself.
 *
 * A check is for the parsers' own promises (a parse that says OK left the
 * outputs in range), never a way to reject input: rejecting input is the
 * parsers' job, and a target must accept every byte string.
 */
#ifndef WST_FUZZ_CHECK_H
#define WST_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort(), not assert(): it must stay armed in every build, and the sanitizers
 * and libFuzzer both turn an abort into a reported crash with the input saved. */
#define FUZZ_CHECK(cond)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);       \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

#endif
