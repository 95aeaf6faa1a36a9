/*
 * libFuzzer target for src/common/pe_image.c: the first bytes of a module
 * that the inspector copied out of another process. Every public entry point
 * sees the input exactly as given (libFuzzer hands over a heap block of
 * exactly `size` bytes, so AddressSanitizer catches a read one byte past it).
 * Beyond "no crash", it checks what a caller relies on after WST_OK: the
 * section table and a found section lie where the parser said they do.
 *
 * Never: writes to the input, keeps state between inputs, or rejects an
 * input itself.
 */
#include <string.h>

#include "fuzz_check.h"
#include "pe_image.h"

#define SECTION_HEADER_SIZE 40u

static void check_parse(const uint8_t *data, size_t size, enum wst_status st,
                        const struct wst_pe_info *info)
{
    FUZZ_CHECK(st == WST_OK || st == WST_E_BAD_IMAGE);
    if (st != WST_OK)
        return;
    FUZZ_CHECK(info->bits == 32 || info->bits == 64);
    FUZZ_CHECK(info->section_table <= size);
    FUZZ_CHECK((size_t)info->section_count * SECTION_HEADER_SIZE <= size - info->section_table);
    (void)data;
}

/* Looks up `name` with and without an info block: both must agree, and a
 * found section must lie inside SizeOfImage, as the header promises. */
static void check_find(const uint8_t *data, size_t size, const char *name)
{
    struct wst_pe_info info;
    struct wst_pe_section a, b;
    enum wst_status st = wst_pe_find_section(data, size, name, &info, &a);
    enum wst_status st2 = wst_pe_find_section(data, size, name, NULL, &b);
    FUZZ_CHECK(st == st2);
    FUZZ_CHECK(st == WST_OK || st == WST_E_BAD_IMAGE || st == WST_E_NOT_INSTRUMENTED);
    if (st != WST_OK)
        return;
    FUZZ_CHECK(memcmp(&a, &b, sizeof a) == 0);
    FUZZ_CHECK((uint64_t)a.rva + a.virtual_size <= info.size_of_image);
    FUZZ_CHECK(a.virtual_size != 0 || a.raw_size == 0);
    FUZZ_CHECK(strlen(name) <= 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {".wst", ".text", "", "12345678", "123456789"};
    struct wst_pe_info info;
    enum wst_status st = wst_pe_parse(data, size, &info);
    check_parse(data, size, st, &info);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        check_find(data, size, names[i]);
    /* The first section's own name, so that a lookup can also succeed on
     * inputs whose sections are not called .wst. */
    if (st == WST_OK && info.section_count > 0) {
        char first[9] = {0};
        memcpy(first, data + info.section_table, 8);
        check_find(data, size, first);
    }
    /* What the inspector does: parse no more than it copies. */
    if (size > WST_PE_HEADERS_READ) {
        st = wst_pe_parse(data, WST_PE_HEADERS_READ, &info);
        check_parse(data, WST_PE_HEADERS_READ, st, &info);
    }
    return 0;
}
