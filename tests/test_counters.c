/*
 * Unit tests of src/runtime/counters.c, the worker's snapshot and reset of the
 * counter span. counters.c calls no OS function, so each test builds a span
 * in a static buffer (counters, zero padding lines, foreign lines, then a
 * trailer) from a table row, instead of going through real probes whose
 * sites the linker places.
 *
 * Single-threaded: the atomics are exercised for their values only; the
 * concurrency of probes and reset is the scenarios' business.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "counters.h"

#define SPAN_LINES 128u
#define MAX_LINES 12u /* per table row */

enum line_kind { END = 0, COUNTER, PAD, FOREIGN };

/* One record of a span: a counter site (its value is spread over all
 * stripes, so every case also tests the stripe sum), a zero padding line, or
 * a line that is neither (the walk must stop there). */
struct line_spec {
    enum line_kind kind;
    const char *name;
    uint64_t value;
};

struct expect {
    const char *name;
    uint64_t value;
};

static _Alignas(64) unsigned char span[SPAN_LINES * WST_LINE];

/* Lays out `specs` from the start of `span`, then a trailer; returns the
 * trailer's address, the span's end. */
static struct wst_counter *build(const struct line_spec *specs)
{
    unsigned char *p = span;
    memset(span, 0, sizeof span);
    for (; specs->kind != END; specs++) {
        if (specs->kind == PAD) {
            p += WST_LINE;
        } else if (specs->kind == FOREIGN) {
            memset(p, 0xa5, WST_LINE);
            p += WST_LINE;
        } else {
            struct wst_counter *c = (struct wst_counter *)p;
            c->magic = WST_COUNTER_MAGIC;
            size_t len = strlen(specs->name);
            /* A 56-byte name stays unterminated, as a corrupt site would be. */
            memcpy(c->name, specs->name, len < WST_NAME_MAX ? len : WST_NAME_MAX);
            for (unsigned s = 0; s < WST_STRIPES; s++)
                c->stripes[s].value = specs->value / WST_STRIPES + (s < specs->value % WST_STRIPES);
            p += sizeof *c;
        }
    }
    struct wst_region_trailer *t = (struct wst_region_trailer *)p;
    t->magic = WST_TRAILER_MAGIC;
    return (struct wst_counter *)p;
}

static struct wst_counter *begin(void)
{
    return (struct wst_counter *)span;
}

/* ---- snapshot, from a table ------------------------------------------ */

struct snapshot_case {
    const char *what;
    struct line_spec lines[MAX_LINES];
    size_t cap;
    size_t sites; /* wst_counters_site_count */
    int truncated;
    struct expect out[MAX_LINES]; /* in the order of each name's first site */
};

#define C(n, v) {COUNTER, n, v}
#define P {PAD, NULL, 0}
#define F {FOREIGN, NULL, 0}
#define NAME55 "n123456789012345678901234567890123456789012345678901234"
#define NAME56 NAME55 "X"

static const struct snapshot_case snapshot_cases[] = {
    {"empty span", {{END, NULL, 0}}, 4, 0, 0, {{NULL, 0}}},
    {"padding only", {P, P, P}, 4, 0, 0, {{NULL, 0}}},
    {"one site, stripes summed", {C("a", 36)}, 4, 1, 0, {{"a", 36}}},
    {"padding between sites", {C("a", 3), P, P, C("b", 5), P}, 4, 2, 0, {{"a", 3}, {"b", 5}}},
    {"same name merged, first-site order",
     {C("b", 1), C("a", 2), P, C("b", 10), C("a", 20), C("b", 100)},
     4,
     5,
     0,
     {{"b", 111}, {"a", 22}}},
    {"cap: later names left out",
     {C("a", 1), C("b", 2), C("c", 3)},
     2,
     3,
     1,
     {{"a", 1}, {"b", 2}}},
    {"cap: a name already in still merges",
     {C("a", 1), C("b", 2), C("c", 3), C("a", 4)},
     2,
     4,
     1,
     {{"a", 5}, {"b", 2}}},
    {"cap 0", {C("a", 1)}, 0, 1, 1, {{NULL, 0}}},
    {"walk stops at a foreign line", {C("a", 1), F, C("b", 2)}, 4, 1, 0, {{"a", 1}}},
    {"unterminated name cut at 55 bytes, merged with its prefix",
     {C(NAME56, 1), C(NAME55, 2)},
     4,
     2,
     0,
     {{NAME55, 3}}},
    {"large values", {C("big", UINT64_C(1) << 62)}, 4, 1, 0, {{"big", UINT64_C(1) << 62}}},
};

static void snapshot_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof snapshot_cases / sizeof snapshot_cases[0]; i++) {
        const struct snapshot_case *tc = &snapshot_cases[i];
        struct wst_msg_counter out[MAX_LINES + 1];
        uint32_t index[64];
        int truncated = -1;
        print_message("snapshot: %s\n", tc->what);
        struct wst_counter *end = build(tc->lines);
        assert_int_equal(wst_counters_site_count(begin(), end), tc->sites);
        size_t index_cap = wst_counters_index_size(tc->cap);
        assert_true(index_cap <= sizeof index / sizeof index[0]);
        /* A canary entry just past the cap must survive. */
        memset(out, 0x5a, sizeof out);
        size_t n = wst_counters_snapshot(begin(), end, out, NULL, tc->cap, index, index_cap, &truncated);
        assert_int_equal(truncated, tc->truncated);
        size_t want = 0;
        while (want < MAX_LINES && tc->out[want].name != NULL)
            want++;
        assert_int_equal(n, want);
        for (size_t k = 0; k < n; k++) {
            assert_string_equal(out[k].name, tc->out[k].name);
            assert_int_equal(out[k].value, tc->out[k].value);
        }
        assert_int_equal(((unsigned char *)&out[tc->cap])[0], 0x5a);
    }
}

/* A stripe sum wraps modulo 2^64, as the stripes themselves do. */
static void stripe_sum_wraps(void **state)
{
    (void)state;
    static const struct line_spec lines[] = {C("w", 0), {END, NULL, 0}};
    struct wst_counter *end = build(lines);
    begin()->stripes[0].value = UINT64_MAX;
    begin()->stripes[5].value = 3;
    struct wst_msg_counter out[1];
    uint32_t index[2];
    int truncated;
    assert_int_equal(wst_counters_snapshot(begin(), end, out, NULL, 1, index, 2, &truncated), 1);
    assert_int_equal(out[0].value, 2);
}

/* A counter magic in the last lines, with no room for a whole counter before
 * the end, is not a site: the walk never reads past `end`. */
static void partial_counter_at_end(void **state)
{
    (void)state;
    static const struct line_spec lines[] = {C("a", 1), {END, NULL, 0}};
    build(lines);
    struct wst_counter *end = (struct wst_counter *)(span + sizeof(struct wst_counter) +
                                                     sizeof(struct wst_counter) - WST_LINE);
    struct wst_counter *second = begin() + 1;
    second->magic = WST_COUNTER_MAGIC;
    assert_int_equal(wst_counters_site_count(begin(), end), 1);
}

/* ---- reset ------------------------------------------------------------ */

static void reset_zeroes_totals_and_bumps_generation(void **state)
{
    (void)state;
    static const struct line_spec lines[] = {C("a", 100), P, C("b", 7), C("a", 1), {END, NULL, 0}};
    struct wst_counter *end = build(lines);
    /* Issue 9 defect 4: odd while a reset runs, so +2 per reset, and even
     * again when it returns. */
    uint64_t generation = 40;
    assert_int_equal(wst_counters_reset(begin(), end, &generation), 42);
    assert_int_equal(generation, 42);
    assert_int_equal(wst_counters_reset(begin(), end, &generation), 44);

    struct wst_msg_counter out[4];
    uint32_t index[8];
    int truncated;
    size_t n = wst_counters_snapshot(begin(), end, out, NULL, 4, index, 8, &truncated);
    assert_int_equal(n, 2); /* the sites and their names are untouched */
    assert_string_equal(out[0].name, "a");
    assert_string_equal(out[1].name, "b");
    assert_int_equal(out[0].value, 0);
    assert_int_equal(out[1].value, 0);
    /* Owned stripes (1..) are never written by a reset: their owners add to
     * them without atomics. The shared stripe 0 carries minus their sum. */
    for (size_t i = 0; i < sizeof span; i += WST_LINE) {
        uint32_t magic;
        memcpy(&magic, span + i, sizeof magic);
        if (magic == WST_COUNTER_MAGIC) {
            const struct wst_counter *c = (const struct wst_counter *)(span + i);
            uint64_t owned = 0;
            for (unsigned s = 1; s < WST_STRIPES; s++)
                owned += c->stripes[s].value;
            assert_true(c->stripes[0].value + owned == 0);
        }
    }
}

/* Reset walks like snapshot: it stops at a foreign line and writes nothing
 * beyond it, since what follows is not known to be ours. */
static void reset_stops_at_foreign_line(void **state)
{
    (void)state;
    static const struct line_spec lines[] = {C("a", 8), F, C("b", 8), {END, NULL, 0}};
    struct wst_counter *end = build(lines);
    uint64_t generation = 0;
    assert_int_equal(wst_counters_reset(begin(), end, &generation), 2);
    const struct wst_counter *b =
        (const struct wst_counter *)(span + sizeof(struct wst_counter) + WST_LINE);
    assert_int_equal(b->magic, WST_COUNTER_MAGIC);
    assert_int_equal(b->stripes[0].value, 1);
    uint64_t total = 0;
    for (unsigned s = 0; s < WST_STRIPES; s++)
        total += begin()->stripes[s].value;
    assert_true(total == 0);
}

static void index_size(void **state)
{
    (void)state;
    static const size_t cases[][2] = {{0, 2}, {1, 2}, {2, 4}, {3, 8}, {4, 8}, {5, 16}, {4096, 8192}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(wst_counters_index_size(cases[i][0]), cases[i][1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(snapshot_table),
        cmocka_unit_test(stripe_sum_wraps),
        cmocka_unit_test(partial_counter_at_end),
        cmocka_unit_test(reset_zeroes_totals_and_bumps_generation),
        cmocka_unit_test(reset_stops_at_foreign_line),
        cmocka_unit_test(index_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
