/*
 * Unit tests of src/common/region_parse.c: a valid region, every header field
 * out of range, truncated sections, a counter overlapping the trailer, an
 * unterminated name, a bad line, padding lines and same-name merging. Each
 * test builds a region in a local buffer the way the linker lays one out.
 * Single-threaded; runs under Wine (and would natively).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "region_parse.h"

#define BUF_MAX (256 + 8 * 576 + 8 * 64 + 64)

struct builder {
    unsigned char bytes[BUF_MAX];
    size_t size;
};

static struct wst_region_header *header(struct builder *b)
{
    return (struct wst_region_header *)b->bytes;
}

static void begin(struct builder *b)
{
    memset(b, 0, sizeof *b);
    struct wst_region_header *h = header(b);
    h->magic = WST_REGION_MAGIC;
    h->layout_version = WST_LAYOUT_VERSION;
    h->header_size = sizeof *h;
    h->counter_size = sizeof(struct wst_counter);
    h->line_size = WST_LINE;
    h->stripes = WST_STRIPES;
    h->name_max = WST_NAME_MAX;
    h->runtime_version = WST_VERSION_NUMBER;
    h->mode = WST_MODE_THREADPOOL;
    h->worker_state = WST_WORKER_SERVING;
    h->pid = 42;
    h->generation = 7;
    h->instance = 0x1122334455667788ull;
    strcpy(h->pipe_name, "\\\\.\\pipe\\winstrument-42-1122334455667788");
    b->size = sizeof *h;
}

/* A counter whose stripes hold value, 2*value, ... so the sum is checked. */
static struct wst_counter *add_counter(struct builder *b, const char *name, uint64_t value)
{
    struct wst_counter *c = (struct wst_counter *)(b->bytes + b->size);
    c->magic = WST_COUNTER_MAGIC;
    strncpy(c->name, name, sizeof c->name - 1);
    for (unsigned s = 0; s < WST_STRIPES; s++)
        c->stripes[s].value = value * (s + 1);
    b->size += sizeof *c;
    return c;
}

static uint64_t striped_sum(uint64_t value)
{
    return value * (WST_STRIPES * (WST_STRIPES + 1) / 2);
}

static void add_padding(struct builder *b, unsigned lines)
{
    b->size += lines * WST_LINE; /* already zero */
}

static void end(struct builder *b)
{
    struct wst_region_trailer *t = (struct wst_region_trailer *)(b->bytes + b->size);
    t->magic = WST_TRAILER_MAGIC;
    b->size += sizeof *t;
}

static struct wst_region_counter out[BUF_MAX / sizeof(struct wst_counter) + 1];

static enum wst_status parse(struct builder *b, struct wst_region_info *info, size_t *count)
{
    return wst_region_parse(b->bytes, b->size, info, out, sizeof out / sizeof out[0], count);
}

static void valid_region(void **state)
{
    (void)state;
    struct builder b;
    struct wst_region_info info;
    size_t count;
    begin(&b);
    add_counter(&b, "zeta", 1);
    add_counter(&b, "alpha", 3);
    end(&b);
    assert_int_equal(parse(&b, &info, &count), WST_OK);
    assert_int_equal(count, 2);
    assert_string_equal(out[0].name, "alpha"); /* sorted by name */
    assert_int_equal(out[0].value, striped_sum(3));
    assert_string_equal(out[1].name, "zeta");
    assert_int_equal(out[1].value, striped_sum(1));
    assert_int_equal(info.header.mode, WST_MODE_THREADPOOL);
    assert_int_equal(info.header.worker_state, WST_WORKER_SERVING);
    assert_int_equal(info.header.pid, 42);
    assert_int_equal(info.header.generation, 7);
    assert_true(info.header.instance == 0x1122334455667788ull);
    assert_string_equal(info.header.pipe_name, "\\\\.\\pipe\\winstrument-42-1122334455667788");
    assert_int_equal(info.sites, 2);
    assert_int_equal(info.trailer_offset, 256 + 2 * 576);
}

static void empty_region(void **state)
{
    (void)state;
    struct builder b;
    struct wst_region_info info;
    size_t count = 99;
    begin(&b);
    end(&b);
    assert_int_equal(parse(&b, &info, &count), WST_OK);
    assert_int_equal(count, 0);
}

/* Bytes after the trailer (a section rounded up by the linker) are ignored. */
static void bytes_after_trailer_ignored(void **state)
{
    (void)state;
    struct builder b;
    struct wst_region_info info;
    size_t count;
    begin(&b);
    add_counter(&b, "a", 1);
    end(&b);
    memset(b.bytes + b.size, 0xcc, 64);
    b.size += 64;
    assert_int_equal(parse(&b, &info, &count), WST_OK);
    assert_int_equal(count, 1);
}

/* One header mutation and the status it must produce. */
struct header_case {
    const char *what;
    size_t offset;
    unsigned width; /* bytes */
    uint32_t value;
    enum wst_status expected;
};

static const struct header_case header_cases[] = {
    {"magic", offsetof(struct wst_region_header, magic), 4, 0x12345678, WST_E_CORRUPT},
    {"layout_version", offsetof(struct wst_region_header, layout_version), 2,
     WST_LAYOUT_VERSION + 1, WST_E_VERSION},
    {"layout_version 0", offsetof(struct wst_region_header, layout_version), 2, 0, WST_E_VERSION},
    {"header_size", offsetof(struct wst_region_header, header_size), 2, 128, WST_E_CORRUPT},
    {"counter_size", offsetof(struct wst_region_header, counter_size), 4, 512, WST_E_CORRUPT},
    {"counter_size huge", offsetof(struct wst_region_header, counter_size), 4, 0xffffffffu,
     WST_E_CORRUPT},
    {"line_size", offsetof(struct wst_region_header, line_size), 4, 128, WST_E_CORRUPT},
    {"line_size 0", offsetof(struct wst_region_header, line_size), 4, 0, WST_E_CORRUPT},
    {"stripes", offsetof(struct wst_region_header, stripes), 4, 16, WST_E_CORRUPT},
    {"name_max", offsetof(struct wst_region_header, name_max), 4, 57, WST_E_CORRUPT},
    {"mode", offsetof(struct wst_region_header, mode), 4, WST_MODE_HELPER + 1, WST_E_CORRUPT},
    {"worker_state", offsetof(struct wst_region_header, worker_state), 4,
     WST_WORKER_PIPE_FAILED + 1, WST_E_CORRUPT},
};

static void header_fields_out_of_range(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof header_cases / sizeof header_cases[0]; i++) {
        const struct header_case *c = &header_cases[i];
        struct builder b;
        struct wst_region_info info;
        size_t count;
        begin(&b);
        add_counter(&b, "a", 1);
        end(&b);
        if (c->width == 2) {
            uint16_t v = (uint16_t)c->value;
            memcpy(b.bytes + c->offset, &v, 2);
        } else {
            memcpy(b.bytes + c->offset, &c->value, 4);
        }
        print_message("header field %s\n", c->what);
        assert_int_equal(parse(&b, &info, &count), c->expected);
        assert_int_equal(count, 0);
    }
}

static void unterminated_pipe_name(void **state)
{
    (void)state;
    struct builder b;
    struct wst_region_info info;
    size_t count;
    begin(&b);
    end(&b);
    memset(header(&b)->pipe_name, 'x', WST_PIPE_NAME_MAX);
    assert_int_equal(parse(&b, &info, &count), WST_E_CORRUPT);
}

/* Every prefix of a valid region is refused, never over-read. */
static void truncated_sections(void **state)
{
    (void)state;
    struct builder b;
    struct wst_region_info info;
    size_t count;
    begin(&b);
    add_counter(&b, "a", 1);
    add_padding(&b, 1);
    add_counter(&b, "b", 2);
    end(&b);
    size_t full = b.size;
    for (size_t size = 0; size < full; size++) {
        b.size = size;
        enum wst_status st = parse(&b, &info, &count);
        if (size < sizeof(struct wst_region_header) + sizeof(struct wst_region_trailer))
            assert_int_equal(st, WST_E_TRUNCATED);
        else
            assert_int_equal(st, WST_E_CORRUPT);
    }
    assert_int_equal(wst_region_parse(NULL, 0, &info, out, 1, &count), WST_E_TRUNCATED);
}

/* The trailer sits where the counter's stripes are: the counter would run
 * past the end, so the walk must refuse rather than read the stripes. */
static void counter_overlapping_trailer(void **state)
{
    (void)state;
    struct builder b;
    struct wst_region_info info;
    size_t count;
    begin(&b);
    add_counter(&b, "a", 1);
    b.size -= 4 * WST_LINE; /* the trailer lands on the counter's fifth line */
    end(&b);
    assert_int_equal(parse(&b, &info, &count), WST_E_CORRUPT);
    assert_int_equal(info.error_offset, 256);

    /* Same, with the section continuing after the swallowed trailer. */
    begin(&b);
    add_counter(&b, "a", 1);
    b.size -= 4 * WST_LINE;
    end(&b);
    add_padding(&b, 8);
    assert_int_equal(parse(&b, &info, &count), WST_E_CORRUPT);
}

static void unterminated_name(void **state)
{
    (void)state;
    struct builder b;
    struct wst_region_info info;
    size_t count;
    begin(&b);
    struct wst_counter *c = add_counter(&b, "a", 1);
    memset(c->name, 'n', sizeof c->name);
    end(&b);
    assert_int_equal(parse(&b, &info, &count), WST_E_CORRUPT);
    assert_int_equal(info.error_offset, 256);
}

static void bad_line(void **state)
{
    (void)state;
    struct builder b;
    struct wst_region_info info;
    size_t count;
    begin(&b);
    add_counter(&b, "a", 1);
    add_padding(&b, 1);
    b.bytes[b.size - 1] = 1; /* the padding line's last byte */
    end(&b);
    assert_int_equal(parse(&b, &info, &count), WST_E_CORRUPT);
    assert_int_equal(info.error_offset, 256 + 576);
}

static void missing_trailer(void **state)
{
    (void)state;
    struct builder b;
    struct wst_region_info info;
    size_t count;
    begin(&b);
    add_counter(&b, "a", 1);
    add_padding(&b, 2);
    assert_int_equal(parse(&b, &info, &count), WST_E_CORRUPT);
}

static void padding_lines(void **state)
{
    (void)state;
    struct builder b;
    struct wst_region_info info;
    size_t count;
    begin(&b);
    add_padding(&b, 2);
    add_counter(&b, "a", 1);
    add_padding(&b, 3);
    add_counter(&b, "b", 2);
    add_padding(&b, 1);
    end(&b);
    assert_int_equal(parse(&b, &info, &count), WST_OK);
    assert_int_equal(count, 2);
    assert_int_equal(info.padding_lines, 6);
    assert_int_equal(out[1].value, striped_sum(2));
}

static void same_name_merge(void **state)
{
    (void)state;
    struct builder b;
    struct wst_region_info info;
    size_t count;
    begin(&b);
    add_counter(&b, "x", 1);
    add_counter(&b, "a", 5);
    add_counter(&b, "x", 2);
    add_padding(&b, 1);
    add_counter(&b, "x", 4);
    end(&b);
    assert_int_equal(parse(&b, &info, &count), WST_OK);
    assert_int_equal(info.sites, 4);
    assert_int_equal(count, 2);
    assert_string_equal(out[0].name, "a");
    assert_string_equal(out[1].name, "x");
    assert_int_equal(out[1].value, striped_sum(7));
}

static void capacity_is_checked(void **state)
{
    (void)state;
    struct builder b;
    struct wst_region_info info;
    size_t count;
    begin(&b);
    add_counter(&b, "a", 1);
    end(&b);
    assert_int_equal(wst_region_parse(b.bytes, b.size, &info, out, 1, &count), WST_E_INTERNAL);
    assert_true(wst_region_max_counters(b.size) >= 1);
}

static void header_only(void **state)
{
    (void)state;
    struct builder b;
    struct wst_region_info info;
    begin(&b);
    assert_int_equal(wst_region_parse_header(b.bytes, 256, &info), WST_OK);
    assert_string_equal(wst_mode_name(info.header.mode), "threadpool");
    assert_string_equal(wst_worker_state_name(info.header.worker_state), "serving");
    assert_int_equal(wst_region_parse_header(b.bytes, 255, &info), WST_E_TRUNCATED);
    assert_string_equal(wst_mode_name(99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_region),
        cmocka_unit_test(empty_region),
        cmocka_unit_test(bytes_after_trailer_ignored),
        cmocka_unit_test(header_fields_out_of_range),
        cmocka_unit_test(unterminated_pipe_name),
        cmocka_unit_test(truncated_sections),
        cmocka_unit_test(counter_overlapping_trailer),
        cmocka_unit_test(unterminated_name),
        cmocka_unit_test(bad_line),
        cmocka_unit_test(missing_trailer),
        cmocka_unit_test(padding_lines),
        cmocka_unit_test(same_name_merge),
        cmocka_unit_test(capacity_is_checked),
        cmocka_unit_test(header_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
