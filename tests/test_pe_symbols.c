/*
 * Unit tests of src/common/pe_symbols.c: names and extents from real images
 * (tests/symbols_dll.c, built for x86_64 and i686, and a stripped copy of
 * each), then from damaged copies: every truncation of the file, and
 * headers that point outside it. A damaged image is an error or fewer
 * names, never a read outside the buffer. Single-threaded.
 *
 * Usage: test_pe_symbols.exe DIR, where DIR holds x86_64/ and i686/ (default: build/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pe_symbols.h"
#include "test_files.h"

static const struct wst_symbol *named(const struct wst_symbols *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++) {
        if (strcmp(s->items[i].name, name) == 0)
            return &s->items[i];
    }
    return NULL;
}

static void check_full(const char *arch, unsigned bits)
{
    struct test_file f = test_file_load(arch, "wst_symbols.dll");
    struct wst_symbols s;
    assert_int_equal(wst_symbols_from_image(f.bytes, f.size, &s), WST_OK);
    assert_int_equal(s.bits, bits);
    assert_false(s.stripped);
    const struct wst_symbol *e = named(&s, "symbols_exported");
    const struct wst_symbol *st = named(&s, "symbols_static");
    assert_non_null(e);
    assert_non_null(st); /* COFF only: i686's leading underscore is gone too */
    assert_int_equal(e->source, WST_SYMBOL_COFF);
    assert_true(e->size > 0 && st->size > 0);
    if (bits == 64)
        assert_true(e->exact_size && st->exact_size); /* .pdata */
    /* Sorted, one entry per address, and find() answers inside a function. */
    for (size_t i = 1; i < s.count; i++)
        assert_true(s.items[i - 1].rva < s.items[i].rva);
    assert_ptr_equal(wst_symbols_find(&s, e->rva), e);
    assert_ptr_equal(wst_symbols_find(&s, e->rva + e->size - 1), e);
    wst_symbols_free(&s);
    free(f.bytes);
}

static void full_x86_64(void **state)
{
    (void)state;
    check_full("x86_64", 64);
}

static void full_i686(void **state)
{
    (void)state;
    check_full("i686", 32);
}

static void check_stripped(const char *arch)
{
    struct test_file f = test_file_load(arch, "wst_symbols_stripped.dll");
    struct test_file full = test_file_load(arch, "wst_symbols.dll");
    struct wst_symbols s, sf;
    assert_int_equal(wst_symbols_from_image(f.bytes, f.size, &s), WST_OK);
    assert_int_equal(wst_symbols_from_image(full.bytes, full.size, &sf), WST_OK);
    assert_true(s.stripped);
    /* strip keeps the build id (the DLL is linked with --build-id) */
    assert_true(sf.build_id.present);
    assert_true(wst_build_id_equal(&s.build_id, &sf.build_id));
    wst_symbols_free(&sf);
    free(full.bytes);
    const struct wst_symbol *e = named(&s, "symbols_exported");
    assert_non_null(e);
    assert_int_equal(e->source, WST_SYMBOL_EXPORT);
    assert_null(named(&s, "symbols_static"));
    wst_symbols_free(&s);
    free(f.bytes);
}

static void stripped_x86_64(void **state)
{
    (void)state;
    check_stripped("x86_64");
}

static void stripped_i686(void **state)
{
    (void)state;
    check_stripped("i686");
}

/* Every prefix of the file: an error or a smaller set, never a crash. */
static void truncations(void **state)
{
    (void)state;
    struct test_file f = test_file_load("x86_64", "wst_symbols.dll");
    size_t step = f.size / 997 + 1;
    for (size_t n = 0; n < f.size; n += step) {
        unsigned char *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, f.bytes, n);
        struct wst_symbols s;
        enum wst_status st = wst_symbols_from_image(copy, n, &s);
        assert_true(st == WST_OK || st == WST_E_BAD_IMAGE);
        if (st == WST_OK)
            wst_symbols_free(&s);
        free(copy);
    }
    free(f.bytes);
}

/* The symbol table's pointer and count, and the string table's size, made
 * to point outside the file. */
static void bad_tables(void **state)
{
    (void)state;
    struct test_file f = test_file_load("x86_64", "wst_symbols.dll");
    size_t fh = wst_le32(f.bytes + 0x3c) + 4;
    uint32_t symtab = wst_le32(f.bytes + fh + 8), nsyms = wst_le32(f.bytes + fh + 12);
    struct wst_symbols s;
    const uint32_t bad_counts[] = {0xffffffffu, 1u << 24, (uint32_t)(f.size / 18)};
    for (unsigned i = 0; i < 3; i++) {
        test_put32(f.bytes + fh + 12, bad_counts[i]);
        assert_int_equal(wst_symbols_from_image(f.bytes, f.size, &s), WST_E_BAD_IMAGE);
    }
    test_put32(f.bytes + fh + 12, nsyms);
    test_put32(f.bytes + fh + 8, (uint32_t)f.size - 4);
    assert_int_equal(wst_symbols_from_image(f.bytes, f.size, &s), WST_E_BAD_IMAGE);
    test_put32(f.bytes + fh + 8, symtab);
    /* A string table claiming more bytes than the file has: long names go,
     * the short ones stay. */
    size_t strtab = symtab + (size_t)nsyms * 18u;
    test_put32(f.bytes + strtab, 0x7fffffffu);
    assert_int_equal(wst_symbols_from_image(f.bytes, f.size, &s), WST_OK);
    assert_null(named(&s, "symbols_static")); /* a long name: from the string table */
    const struct wst_symbol *e = named(&s, "symbols_exported");
    assert_true(e != NULL && e->source == WST_SYMBOL_EXPORT); /* the export still names it */
    wst_symbols_free(&s);
    free(f.bytes);
}

/* The debug directory and the CodeView record, hostile: a directory whose
 * size is not a whole number of entries or has too many, a CodeView entry
 * too short for its record, a short record, and the old NB10 format, which
 * has no GUID. */
static void build_id_records(void **state)
{
    (void)state;
    unsigned char dir[WST_PE_DEBUG_ENTRY_SIZE * (WST_PE_DEBUG_ENTRIES_MAX + 1)] = {0};
    struct wst_pe_codeview_at at;
    assert_int_equal(wst_pe_codeview_find(dir, WST_PE_DEBUG_ENTRY_SIZE - 1, &at), WST_E_BAD_IMAGE);
    assert_int_equal(wst_pe_codeview_find(dir, sizeof dir, &at), WST_E_BAD_IMAGE);
    assert_int_equal(wst_pe_codeview_find(dir, WST_PE_DEBUG_ENTRY_SIZE, &at), WST_OK);
    assert_int_equal(at.size, 0); /* no CodeView entry */
    unsigned char *e = dir + WST_PE_DEBUG_ENTRY_SIZE; /* the second entry */
    e[12] = 2;                                         /* Type: CodeView */
    e[16] = 10;                                        /* SizeOfData: too short */
    assert_int_equal(wst_pe_codeview_find(dir, 2 * WST_PE_DEBUG_ENTRY_SIZE, &at), WST_E_BAD_IMAGE);
    e[16] = 25;
    e[20] = 0x1c, e[21] = 0x50; /* AddressOfRawData 0x501c */
    e[24] = 0x1c, e[25] = 0x2a; /* PointerToRawData 0x2a1c */
    assert_int_equal(wst_pe_codeview_find(dir, 2 * WST_PE_DEBUG_ENTRY_SIZE, &at), WST_OK);
    assert_int_equal(at.size, 25);
    assert_int_equal(at.rva, 0x501c);
    assert_int_equal(at.file_offset, 0x2a1c);

    unsigned char rec[WST_PE_CODEVIEW_READ] = {'R', 'S', 'D', 'S'};
    for (unsigned i = 4; i < sizeof rec; i++)
        rec[i] = (unsigned char)i;
    struct wst_build_id id, other;
    char text[WST_BUILD_ID_TEXT_MAX];
    assert_int_equal(wst_pe_build_id_parse(rec, sizeof rec - 1, &id), WST_E_BAD_IMAGE);
    assert_int_equal(wst_pe_build_id_parse(rec, sizeof rec, &id), WST_OK);
    assert_true(id.present);
    wst_build_id_format(&id, text);
    assert_string_equal(text, "0405060708090a0b0c0d0e0f10111213-387323156");
    rec[23] ^= 1; /* another age: another build id */
    assert_int_equal(wst_pe_build_id_parse(rec, sizeof rec, &other), WST_OK);
    assert_false(wst_build_id_equal(&id, &other));
    memcpy(rec, "NB10", 4);
    assert_int_equal(wst_pe_build_id_parse(rec, sizeof rec, &other), WST_OK);
    assert_false(other.present);
    wst_build_id_format(&other, text);
    assert_string_equal(text, "none");
    assert_false(wst_build_id_equal(&id, &other));
}

int main(int argc, char **argv)
{
    if (argc > 1)
        test_build_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_x86_64),     cmocka_unit_test(full_i686),
        cmocka_unit_test(stripped_x86_64), cmocka_unit_test(stripped_i686),
        cmocka_unit_test(truncations),     cmocka_unit_test(bad_tables),
        cmocka_unit_test(build_id_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
