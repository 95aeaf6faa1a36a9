/*
 * Unit tests of the function table: the runtime's half
 * (src/runtime/function_table.c: slots claimed by compare-exchange, the
 * overflow limit, the header published at attach) in this very process,
 * which links the table and the timed hooks; and the reader's half
 * (src/common/function_table_parse.c) on copies of that table, intact and
 * damaged. The tests run in order: the slots they claim stay claimed.
 */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "function_table.h"
#include "function_table_parse.h"
#include "region_internal.h"

extern IMAGE_DOS_HEADER __ImageBase;

#define RACE_BASE 0x100000u
#define RACE_COUNT 1000u
#define RACE_THREADS 4

static void published(void **state)
{
    (void)state;
    const struct wst_fn_table_header *h = &wst_fn_table_.header;
    assert_int_equal(h->magic, WST_FN_TABLE_MAGIC);
    assert_int_equal(h->flags, WST_FN_FLAG_TIMED);
    assert_int_equal(wst_region_.functions_rva,
                     (uint32_t)((uintptr_t)&wst_fn_table_ - (uintptr_t)&__ImageBase));
    assert_int_equal(wst_region_.functions_size, sizeof wst_fn_table_);
    assert_int_equal(h->table_size, sizeof wst_fn_table_);
}

static DWORD WINAPI race_thread(void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < RACE_COUNT; i++) {
        if (wst_fn_slot_slow_(RACE_BASE + 16u * i) == WST_FN_NO_SLOT)
            return 1;
    }
    return 0;
}

/* Threads claiming the same functions at once: one slot each, counted once. */
static void race(void **state)
{
    (void)state;
    HANDLE t[RACE_THREADS];
    for (int i = 0; i < RACE_THREADS; i++)
        assert_non_null(t[i] = CreateThread(NULL, 0, race_thread, NULL, 0, NULL));
    WaitForMultipleObjects(RACE_THREADS, t, TRUE, INFINITE);
    for (int i = 0; i < RACE_THREADS; i++) {
        DWORD rc = 1;
        GetExitCodeThread(t[i], &rc);
        assert_int_equal(rc, 0);
        CloseHandle(t[i]);
    }
    assert_int_equal(wst_fn_table_.header.used, RACE_COUNT);
    unsigned found = 0;
    for (uint32_t s = 0; s < WST_FN_CAPACITY; s++) {
        uint32_t k = wst_fn_table_.keys[s];
        if (k >= RACE_BASE && k < RACE_BASE + 16u * RACE_COUNT) {
            found++;
            assert_int_equal(wst_fn_slot_(k), s);
        }
    }
    assert_int_equal(found, RACE_COUNT);
}

/* More functions than the table takes: exactly WST_FN_MAX_FUNCTIONS slots,
 * every other call counted as overflow, and the slots already taken intact. */
static void overflow(void **state)
{
    (void)state;
    const uint32_t extra = WST_FN_MAX_FUNCTIONS + 500u - RACE_COUNT;
    uint32_t got = 0;
    for (uint32_t i = 0; i < extra; i++) {
        uint32_t rva = 0x800000u + 32u * i;
        uint32_t s = wst_fn_slot_slow_(rva);
        if (s != WST_FN_NO_SLOT) {
            assert_int_equal(wst_fn_table_.keys[s], rva);
            got++;
        }
    }
    assert_int_equal(got, WST_FN_MAX_FUNCTIONS - RACE_COUNT);
    assert_int_equal(wst_fn_table_.header.used, WST_FN_MAX_FUNCTIONS);
    assert_int_equal(wst_fn_table_.header.overflow_calls, 500);
    /* A known function still finds its slot; an unknown one overflows. */
    assert_int_not_equal(wst_fn_slot_(RACE_BASE), WST_FN_NO_SLOT);
    assert_int_equal(wst_fn_slot_slow_(0x7ffffff0u), WST_FN_NO_SLOT);
    assert_int_equal(wst_fn_table_.header.overflow_calls, 501);
}

/* ---- the reader ---------------------------------------------------------- */

static struct wst_fn_table copy;
static struct wst_fn_entry entries[WST_FN_CAPACITY];

static enum wst_status parse_copy(size_t size, size_t *n)
{
    struct wst_fn_table_info info;
    return wst_fn_table_parse(&copy, size, &info, entries, WST_FN_CAPACITY, n);
}

static void parse_sums(void **state)
{
    (void)state;
    memcpy(&copy, &wst_fn_table_, sizeof copy);
    uint32_t slot = wst_fn_slot_(RACE_BASE);
    for (unsigned s = 0; s < WST_STRIPES; s++) {
        copy.calls[s][slot] = s + 1;
        copy.time_ns[s][slot] = 100u * (s + 1);
        copy.self_ns[s][slot] = 10u * (s + 1);
    }
    size_t n = 0;
    assert_int_equal(parse_copy(sizeof copy, &n), WST_OK);
    assert_int_equal(n, WST_FN_MAX_FUNCTIONS);
    for (size_t i = 1; i < n; i++)
        assert_true(entries[i - 1].rva < entries[i].rva);
    const struct wst_fn_entry *e = NULL;
    for (size_t i = 0; i < n; i++) {
        if (entries[i].rva == RACE_BASE)
            e = &entries[i];
    }
    assert_non_null(e);
    assert_int_equal(e->calls, 36);
    assert_int_equal(e->time_ns, 3600);
    assert_int_equal(e->self_ns, 360);
    /* A key twice (only a corrupt table has that): one entry, merged. */
    uint32_t other = wst_fn_slot_(RACE_BASE + 16u);
    copy.keys[other] = RACE_BASE;
    assert_int_equal(parse_copy(sizeof copy, &n), WST_OK);
    assert_int_equal(n, WST_FN_MAX_FUNCTIONS - 1);
}

static void parse_damaged(void **state)
{
    (void)state;
    size_t n;
    struct wst_fn_table_header *h = &copy.header;
    const struct wst_fn_table_header good = wst_fn_table_.header;
    struct {
        size_t at;
        uint32_t value;
        enum wst_status want;
    } cases[] = {
        {offsetof(struct wst_fn_table_header, magic), 0, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, capacity), 3, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, capacity), 1u << 21, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, stripes), 0, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, stripes), 65, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, table_size), 1000, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, keys_offset), 0, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, keys_offset), 0xfffffff0u, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, calls_offset), sizeof copy - 8, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, time_offset), 132, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, self_offset), 0xfffffff8u, WST_E_CORRUPT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        *h = good;
        memcpy((char *)h + cases[i].at, &cases[i].value, 4);
        assert_int_equal(parse_copy(sizeof copy, &n), cases[i].want);
    }
    *h = good;
    h->version = 2;
    assert_int_equal(parse_copy(sizeof copy, &n), WST_E_VERSION);
    *h = good;
    assert_int_equal(parse_copy(sizeof copy - 64, &n), WST_E_CORRUPT); /* size != table_size */
    assert_int_equal(parse_copy(64, &n), WST_E_TRUNCATED);
    struct wst_fn_table_info info;
    assert_int_equal(wst_fn_table_parse(&copy, sizeof copy, &info, entries, 16, &n),
                     WST_E_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(published),  cmocka_unit_test(race),
        cmocka_unit_test(overflow),   cmocka_unit_test(parse_sums),
        cmocka_unit_test(parse_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
