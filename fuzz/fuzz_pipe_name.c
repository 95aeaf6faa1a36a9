/*
 * libFuzzer target for src/common/pipe_name.c: the bytes a region's
 * pipe_name field may hold (up to WST_PIPE_NAME_MAX, NUL or not). Checks the
 * promises the inspector relies on: parse never reads past the cap it is
 * given; a name it accepts is pure ASCII of the documented form and is
 * exactly what wst_pipe_name_format writes for the parsed pid and instance;
 * and formatting any (pid, instance) taken from the input parses back to the
 * same values.
 *
 * Never: writes to the input, keeps state between inputs, or rejects an input
 * itself.
 */
#define _DEFAULT_SOURCE /* strnlen */

#include <string.h>

#include "fuzz_check.h"
#include "pipe_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The input is the field as read, with no NUL added: parse must stop at
     * the cap by itself (ASan sees any read past `size`). */
    uint32_t pid = 0;
    uint64_t instance = 0;
    if (wst_pipe_name_parse((const char *)data, size, &pid, &instance)) {
        char again[WST_PIPE_NAME_MAX];
        size_t len = strnlen((const char *)data, size);
        FUZZ_CHECK(len < size && len < WST_PIPE_NAME_LONGEST);
        wst_pipe_name_format(again, pid, instance);
        FUZZ_CHECK(strlen(again) == len && memcmp(again, data, len) == 0);
        FUZZ_CHECK(pid != 0);
    }
    /* Any pid and instance round-trip. */
    uint8_t raw[12] = {0};
    memcpy(raw, data, size < sizeof raw ? size : sizeof raw);
    uint32_t p;
    uint64_t i;
    memcpy(&p, raw, sizeof p);
    memcpy(&i, raw + 4, sizeof i);
    char name[WST_PIPE_NAME_MAX];
    memset(name, 'x', sizeof name);
    wst_pipe_name_format(name, p, i);
    size_t n = strnlen(name, sizeof name);
    FUZZ_CHECK(n < WST_PIPE_NAME_LONGEST);
    uint32_t p2 = 0;
    uint64_t i2 = 0;
    int ok = wst_pipe_name_parse(name, n + 1, &p2, &i2);
    FUZZ_CHECK(ok == (p != 0));
    if (ok)
        FUZZ_CHECK(p2 == p && i2 == i);
    return 0;
}
