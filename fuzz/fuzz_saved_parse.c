/*
 * libFuzzer target for src/common/saved_parse.c: a file saved by
 * WINSTRUMENT_SAVE, which anyone may have written or cut short. Beyond "no
 * crash", it checks what `dump --from` relies on after WST_OK: the region
 * and the function table lie inside the input, both paths are terminated,
 * and the region then goes to the region parser as the inspector hands it
 * over (src/inspector/saved_files.c).
 *
 * Never: writes to the input, keeps state between inputs, or rejects an
 * input itself.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "region_parse.h"
#include "saved_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wst_saved_file f;
    enum wst_status st = wst_saved_parse(data, size, &f);
    FUZZ_CHECK(st == WST_OK || st == WST_E_CORRUPT || st == WST_E_VERSION || st == WST_E_TRUNCATED);
    if (st != WST_OK)
        return 0;
    FUZZ_CHECK(f.region != NULL && f.region >= data && f.region_size <= size &&
               (size_t)(f.region - data) <= size - f.region_size);
    if (f.functions != NULL)
        FUZZ_CHECK(f.functions >= data && f.functions_size <= size &&
                   (size_t)(f.functions - data) <= size - f.functions_size);
    FUZZ_CHECK(memchr(f.identity.module_path, '\0', WST_SAVED_PATH_MAX) != NULL);
    FUZZ_CHECK(memchr(f.identity.exe_path, '\0', WST_SAVED_PATH_MAX) != NULL);
    FUZZ_CHECK(strlen(wst_saved_module_name(&f.identity)) < WST_SAVED_PATH_MAX);
    size_t capacity = wst_region_max_counters(f.region_size);
    struct wst_region_counter *c = malloc(capacity * sizeof *c);
    FUZZ_CHECK(c != NULL);
    struct wst_region_info info;
    size_t n = 0;
    st = wst_region_parse(f.region, f.region_size, &info, c, capacity, &n);
    FUZZ_CHECK(st != WST_E_INTERNAL && n <= capacity);
    free(c);
    return 0;
}
