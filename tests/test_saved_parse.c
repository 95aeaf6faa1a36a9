/*
 * Unit tests of src/common/saved_parse.c: a valid saved file (with and
 * without a function table, with a record kind of a newer writer), and each
 * rule broken: truncated at every length, a wrong magic, a newer version,
 * corrupt sizes (header, file size, record size, identity size), records
 * missing or repeated, unterminated paths. Each test builds a file in a
 * local buffer the way src/runtime/save.c writes one. Single-threaded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "saved_parse.h"

#define BUF_MAX 8192
#define REGION_SIZE 320

struct file {
    unsigned char bytes[BUF_MAX];
    size_t size;
    uint32_t records;
};

static void put_record(struct file *f, uint32_t kind, const void *data, size_t size)
{
    struct wst_saved_record_head head = {.kind = kind, .size = size};
    memcpy(f->bytes + f->size, &head, sizeof head);
    f->size += sizeof head;
    memcpy(f->bytes + f->size, data, size);
    f->size += (size + 7) / 8 * 8;
    f->records++;
}

static void finish(struct file *f)
{
    struct wst_saved_header h = {
        .magic = WST_SAVED_MAGIC,
        .version = WST_SAVED_VERSION,
        .header_size = sizeof h,
        .records = f->records,
        .file_size = f->size,
    };
    memcpy(f->bytes, &h, sizeof h);
}

static struct wst_saved_identity identity(void)
{
    struct wst_saved_identity id;
    memset(&id, 0, sizeof id);
    id.machine = 0x8664;
    id.pid = 42;
    id.instance = 7;
    id.end_reason = WST_SAVED_END_UNLOAD;
    strcpy(id.module_path, "C:\\dir\\lib.dll");
    strcpy(id.exe_path, "C:\\dir\\host.exe");
    return id;
}

/* A valid file: identity, region, and `table` bytes of functions if any. */
static void build(struct file *f, size_t table)
{
    static unsigned char region[REGION_SIZE], fns[100];
    memset(f, 0, sizeof *f);
    f->size = sizeof(struct wst_saved_header);
    struct wst_saved_identity id = identity();
    put_record(f, WST_SAVED_IDENTITY, &id, sizeof id);
    put_record(f, WST_SAVED_REGION, region, sizeof region);
    if (table)
        put_record(f, WST_SAVED_FUNCTIONS, fns, table);
    finish(f);
}

static enum wst_status parse(struct file *f, struct wst_saved_file *out)
{
    return wst_saved_parse(f->bytes, f->size, out);
}

static void valid_file(void **state)
{
    (void)state;
    struct file f;
    struct wst_saved_file out;
    build(&f, 0);
    assert_int_equal(parse(&f, &out), WST_OK);
    assert_int_equal(out.identity.pid, 42);
    assert_int_equal(out.region_size, REGION_SIZE);
    assert_ptr_equal(out.region, f.bytes + 64 + 16 + sizeof(struct wst_saved_identity) + 16);
    assert_null(out.functions);
    assert_string_equal(wst_saved_module_name(&out.identity), "lib.dll");
    build(&f, 100); /* padded to 104 */
    assert_int_equal(parse(&f, &out), WST_OK);
    assert_int_equal(out.functions_size, 100);
}

static void unknown_kind_skipped(void **state)
{
    (void)state;
    struct file f;
    struct wst_saved_file out;
    build(&f, 0);
    put_record(&f, 99, "newer", 5);
    finish(&f);
    assert_int_equal(parse(&f, &out), WST_OK);
}

static void truncated_everywhere(void **state)
{
    (void)state;
    struct file f;
    struct wst_saved_file out;
    build(&f, 100);
    for (size_t n = 0; n < f.size; n++) {
        enum wst_status st = wst_saved_parse(f.bytes, n, &out);
        assert_int_equal(st, WST_E_TRUNCATED);
    }
}

static void header_rules(void **state)
{
    (void)state;
    struct file f;
    struct wst_saved_file out;
    struct wst_saved_header *h = (struct wst_saved_header *)f.bytes;
    build(&f, 0);
    h->magic ^= 1;
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT);
    build(&f, 0);
    h->version = WST_SAVED_VERSION + 1;
    assert_int_equal(parse(&f, &out), WST_E_VERSION);
    build(&f, 0);
    h->version = 0;
    assert_int_equal(parse(&f, &out), WST_E_VERSION);
    build(&f, 0);
    h->header_size = 65;
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT);
    build(&f, 0);
    h->records = 0;
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT);
    build(&f, 0);
    h->records = WST_SAVED_RECORDS_MAX + 1;
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT);
    build(&f, 0);
    h->records = 3; /* one more than there are */
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT);
    build(&f, 0);
    h->file_size = f.size - 8; /* bytes after the last record */
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT);
    build(&f, 0);
    h->file_size = UINT64_MAX;
    assert_int_equal(parse(&f, &out), WST_E_TRUNCATED);
}

static void record_sizes(void **state)
{
    (void)state;
    struct file f;
    struct wst_saved_file out;
    size_t first = sizeof(struct wst_saved_header);
    size_t second = first + 16 + sizeof(struct wst_saved_identity);
    uint64_t sizes[] = {UINT64_MAX, UINT64_MAX - 6, (uint64_t)BUF_MAX, REGION_SIZE + 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        build(&f, 0);
        memcpy(f.bytes + second + 8, &sizes[i], 8);
        assert_int_equal(parse(&f, &out), WST_E_CORRUPT);
    }
    build(&f, 0);
    uint64_t small = sizeof(struct wst_saved_identity) - 8; /* identity's own size is fixed */
    memcpy(f.bytes + first + 8, &small, 8);
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT);
    build(&f, 0);
    f.bytes[first + 4] = 1; /* reserved word of a record head */
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT);
}

static void records_missing_or_repeated(void **state)
{
    (void)state;
    struct file f;
    struct wst_saved_file out;
    struct wst_saved_identity id = identity();
    static unsigned char region[REGION_SIZE];
    memset(&f, 0, sizeof f);
    f.size = sizeof(struct wst_saved_header);
    put_record(&f, WST_SAVED_IDENTITY, &id, sizeof id);
    finish(&f);
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT); /* no region */
    memset(&f, 0, sizeof f);
    f.size = sizeof(struct wst_saved_header);
    put_record(&f, WST_SAVED_REGION, region, sizeof region);
    finish(&f);
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT); /* no identity */
    build(&f, 0);
    put_record(&f, WST_SAVED_REGION, region, sizeof region);
    finish(&f);
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT); /* two regions */
    build(&f, 0);
    put_record(&f, WST_SAVED_IDENTITY, &id, sizeof id);
    finish(&f);
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT); /* two identities */
}

static void identity_fields(void **state)
{
    (void)state;
    struct file f;
    struct wst_saved_file out;
    size_t id_at = sizeof(struct wst_saved_header) + 16;
    build(&f, 0);
    memset(f.bytes + id_at + offsetof(struct wst_saved_identity, module_path), 'x',
           WST_SAVED_PATH_MAX);
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT);
    build(&f, 0);
    memset(f.bytes + id_at + offsetof(struct wst_saved_identity, exe_path), 'x',
           WST_SAVED_PATH_MAX);
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT);
    build(&f, 0);
    f.bytes[id_at + offsetof(struct wst_saved_identity, module_path)] = '\0';
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT);
    build(&f, 0);
    f.bytes[id_at + offsetof(struct wst_saved_identity, end_reason)] = 3;
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT);
    build(&f, 0);
    f.bytes[id_at + offsetof(struct wst_saved_identity, build_id_present)] = 2;
    assert_int_equal(parse(&f, &out), WST_E_CORRUPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_file),           cmocka_unit_test(unknown_kind_skipped),
        cmocka_unit_test(truncated_everywhere), cmocka_unit_test(header_rules),
        cmocka_unit_test(record_sizes),         cmocka_unit_test(records_missing_or_repeated),
        cmocka_unit_test(identity_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
