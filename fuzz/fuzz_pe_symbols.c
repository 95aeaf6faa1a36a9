/*
 * libFuzzer target for src/common/pe_symbols.c: an image file from disk,
 * which wst-inspect functions reads for names (the module's own file or a
 * --symbols file: anything a user points it at). Beyond "no crash", it
 * checks what the inspector relies on after WST_OK: the set is sorted with
 * one entry per address, every name is a NUL-terminated string, and find()
 * returns a symbol at or below the address asked for.
 *
 * Never: writes to the input, keeps state between inputs, or rejects an
 * input itself.
 */
#include <string.h>

#include "fuzz_check.h"
#include "pe_symbols.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wst_symbols s;
    enum wst_status st = wst_symbols_from_image(data, size, &s);
    FUZZ_CHECK(st == WST_OK || st == WST_E_BAD_IMAGE || st == WST_E_INTERNAL);
    if (st != WST_OK)
        return 0;
    FUZZ_CHECK(s.bits == 32 || s.bits == 64);
    for (size_t i = 0; i < s.count; i++) {
        FUZZ_CHECK(s.items[i].name != NULL && strlen(s.items[i].name) <= 1024);
        FUZZ_CHECK(i == 0 || s.items[i - 1].rva < s.items[i].rva);
        const struct wst_symbol *f = wst_symbols_find(&s, s.items[i].rva);
        FUZZ_CHECK(f == &s.items[i]);
        f = wst_symbols_find(&s, s.items[i].rva + 1);
        FUZZ_CHECK(f == NULL || f->rva <= s.items[i].rva + 1);
    }
    wst_symbols_free(&s);
    return 0;
}
