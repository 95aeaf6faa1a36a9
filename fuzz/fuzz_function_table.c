/*
 * libFuzzer target for src/common/function_table_parse.c: a copy of a
 * module's function table, as wst-inspect functions reads it out of a
 * target. Beyond "no crash", it checks what the inspector relies on after
 * WST_OK: at most `capacity` entries, sorted by address, none at address 0;
 * and that the check of a parsed table (issue 23 F4) only ever answers OK or
 * CORRUPT, with a reason for CORRUPT.
 *
 * Never: writes to the input, keeps state between inputs, or rejects an
 * input itself.
 */
#include <stdlib.h>

#include "fuzz_check.h"
#include "function_table_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wst_fn_table_info info;
    enum wst_status st = wst_fn_table_parse_header(data, size, &info);
    FUZZ_CHECK(st == WST_OK || st == WST_E_CORRUPT || st == WST_E_VERSION ||
               st == WST_E_TRUNCATED);
    if (st != WST_OK)
        return 0;
    FUZZ_CHECK(info.capacity > 0 && info.capacity <= WST_FN_TABLE_MAX_CAPACITY);
    struct wst_fn_entry *entries = malloc(info.capacity * sizeof *entries);
    FUZZ_CHECK(entries != NULL);
    size_t n = 0;
    st = wst_fn_table_parse(data, size, &info, entries, info.capacity, &n);
    FUZZ_CHECK(st == WST_OK && n <= info.capacity);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(entries[i].rva != 0 && (i == 0 || entries[i - 1].rva < entries[i].rva));
    char why[160] = "";
    st = wst_fn_table_check(&info, entries, n, 0x01000000u, why, sizeof why);
    FUZZ_CHECK(st == WST_OK || (st == WST_E_CORRUPT && why[0] != '\0'));
    free(entries);
    return 0;
}
