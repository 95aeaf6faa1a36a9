/*
 * Unit tests of the inspector's error mapping (src/inspector/remote.c and
 * the verbs above it), with failures injected through the OS table
 * (os.h). The test program is itself instrumented, so it inspects its own
 * process: a real OpenProcess, real module list and real region, with one
 * table entry replaced at a time. Also the pipe client's snapshot decoder
 * and the JSON string escaper. Single-threaded (the runtime's worker may
 * run in the background; the tests never touch it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <winstrument.h>

#include "os.h"
#include "pipe_client.h"
#include "pipe_name.h"
#include "region_reader.h"
#include "remote.h"
#include "snapshot_reply.h"
#include "verbs.h"
#include "write_report.h"

/* The name of this executable, which holds the only .wst of the process. */
static char self_name[MAX_PATH];

static void hit_counters(void)
{
    for (int i = 0; i < 3; i++)
        WST_COUNT("test.hits");
    WST_ADD("test.bytes", 40);
}

static int restore(void **state)
{
    (void)state;
    wst_inspector_os_restore();
    return 0;
}

/* ---- the pure mappings ------------------------------------------------- */

static void read_error_mapping(void **state)
{
    (void)state;
    static const struct {
        unsigned long win32;
        int alive;
        enum wst_status status;
    } cases[] = {
        {ERROR_PARTIAL_COPY, 1, WST_E_TARGET_GONE},
        {ERROR_NOACCESS, 1, WST_E_TARGET_GONE},
        {ERROR_INVALID_ADDRESS, 1, WST_E_TARGET_GONE},
        {ERROR_ACCESS_DENIED, 1, WST_E_ACCESS_DENIED},
        {ERROR_ACCESS_DENIED, 0, WST_E_TARGET_GONE},
        {ERROR_INVALID_HANDLE, 0, WST_E_TARGET_GONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(wst_remote_map_read_error(cases[i].win32, cases[i].alive),
                         cases[i].status);
    assert_int_equal(wst_remote_map_open_error(ERROR_INVALID_PARAMETER), WST_E_NO_PROCESS);
    assert_int_equal(wst_remote_map_open_error(ERROR_ACCESS_DENIED), WST_E_ACCESS_DENIED);
}

/* ---- the real thing, then with failures ------------------------------- */

static struct wst_options self_options(enum wst_via via)
{
    struct wst_options o = {.pid = GetCurrentProcessId(), .via = via, .timeout_ms = 2000};
    return o;
}

static void dump_self(void **state)
{
    (void)state;
    struct wst_remote r;
    struct wst_error err = {0};
    struct wst_module *mods;
    size_t n, count;
    struct wst_region_info info;
    struct wst_region_counter *counters;
    assert_int_equal(wst_remote_open(GetCurrentProcessId(), &r, &err), WST_OK);
    assert_int_equal(wst_discover_modules(&r, NULL, &mods, &n, &err), WST_OK);
    assert_int_equal(n, 1);
    assert_true(wst_name_equals(mods[0].name, self_name));
    int settled;
    assert_int_equal(wst_read_region(&r, &mods[0], &info, &counters, &count, &settled, &err),
                     WST_OK);
    assert_true(settled);
    assert_int_equal(info.header.pid, GetCurrentProcessId());
    assert_int_equal(count, 3);
    assert_string_equal(counters[0].name, "test.bytes");
    assert_true(counters[0].value >= 40);
    assert_string_equal(counters[1].name, "test.dist"); /* inconsistent_distribution_flagged */
    assert_string_equal(counters[2].name, "test.hits");
    assert_true(counters[2].value >= 3);
    free(counters);
    free(mods);
    wst_remote_close(&r);
}

/* Fake ReadProcessMemory: header reads (4 KiB) pass, any other read fails
 * in the way `fake_mode` says. */
static enum { FAIL_PARTIAL_COPY, FAIL_DENIED, SHORT_READ, CORRUPT_MAGIC } fake_mode;

static BOOL WINAPI fake_read(HANDLE process, LPCVOID address, LPVOID buffer, SIZE_T size,
                             SIZE_T *read)
{
    if (size == WST_PE_HEADERS_READ)
        return ReadProcessMemory(process, address, buffer, size, read);
    switch (fake_mode) {
    case FAIL_PARTIAL_COPY:
        *read = 0;
        SetLastError(ERROR_PARTIAL_COPY);
        return FALSE;
    case FAIL_DENIED:
        *read = 0;
        SetLastError(ERROR_ACCESS_DENIED);
        return FALSE;
    case SHORT_READ:
        if (!ReadProcessMemory(process, address, buffer, size / 2, read))
            return FALSE;
        return TRUE;
    case CORRUPT_MAGIC:
        if (!ReadProcessMemory(process, address, buffer, size, read))
            return FALSE;
        ((unsigned char *)buffer)[0] ^= 0xff;
        return TRUE;
    }
    return FALSE;
}

static enum wst_status dump_with(enum wst_via via, const char *module, struct wst_error *err)
{
    struct wst_options o = self_options(via);
    o.module = module;
    FILE *sink = tmpfile();
    assert_non_null(sink);
    enum wst_status st = wst_verb_dump(&o, sink, err);
    fclose(sink);
    return st;
}

static void region_read_fails(void **state)
{
    (void)state;
    static const struct {
        int mode;
        enum wst_status status;
        unsigned long win32;
    } cases[] = {
        {FAIL_PARTIAL_COPY, WST_E_TARGET_GONE, ERROR_PARTIAL_COPY},
        {FAIL_DENIED, WST_E_ACCESS_DENIED, ERROR_ACCESS_DENIED},
        {SHORT_READ, WST_E_TARGET_GONE, 0},
        {CORRUPT_MAGIC, WST_E_CORRUPT, 0},
    };
    wst_inspector_os.ReadProcessMemory = fake_read;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct wst_error err = {0};
        fake_mode = cases[i].mode;
        assert_int_equal(dump_with(WST_VIA_MEMORY, NULL, &err), cases[i].status);
        assert_int_equal(err.win32, cases[i].win32);
        assert_non_null(strstr(err.detail, "pid"));
    }
}

static HANDLE WINAPI fake_open_gone(DWORD access, BOOL inherit, DWORD pid)
{
    (void)access, (void)inherit, (void)pid;
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
}

static HANDLE WINAPI fake_open_denied(DWORD access, BOOL inherit, DWORD pid)
{
    (void)access, (void)inherit, (void)pid;
    SetLastError(ERROR_ACCESS_DENIED);
    return NULL;
}

static void open_fails(void **state)
{
    (void)state;
    struct wst_error err = {0};
    wst_inspector_os.OpenProcess = fake_open_gone;
    assert_int_equal(dump_with(WST_VIA_AUTO, NULL, &err), WST_E_NO_PROCESS);
    assert_int_equal(err.win32, ERROR_INVALID_PARAMETER);
    wst_inspector_os.OpenProcess = fake_open_denied;
    assert_int_equal(dump_with(WST_VIA_AUTO, NULL, &err), WST_E_ACCESS_DENIED);
}

/* The process "exits" once the module list is taken: every later failure is
 * the target going away, whatever its code. */
static int exited;

static BOOL WINAPI fake_exit_code(HANDLE process, LPDWORD code)
{
    if (!exited)
        return GetExitCodeProcess(process, code);
    *code = 0;
    return TRUE;
}

static BOOL WINAPI fake_read_after_exit(HANDLE process, LPCVOID address, LPVOID buffer, SIZE_T size,
                                        SIZE_T *read)
{
    (void)process, (void)address, (void)buffer, (void)size;
    exited = 1;
    *read = 0;
    SetLastError(ERROR_ACCESS_DENIED); /* what some versions say for a dead process */
    return FALSE;
}

static void target_exits_during_read(void **state)
{
    (void)state;
    struct wst_error err = {0};
    exited = 0;
    wst_inspector_os.GetExitCodeProcess = fake_exit_code;
    wst_inspector_os.ReadProcessMemory = fake_read_after_exit;
    assert_int_equal(dump_with(WST_VIA_MEMORY, NULL, &err), WST_E_TARGET_GONE);
}

static BOOL WINAPI fake_read_headers_gone(HANDLE process, LPCVOID address, LPVOID buffer,
                                          SIZE_T size, SIZE_T *read)
{
    (void)process, (void)address, (void)buffer, (void)size;
    *read = 0;
    SetLastError(ERROR_PARTIAL_COPY);
    return FALSE;
}

/* A module unloaded between the listing and its header read is skipped:
 * without --module nothing instrumented is left; naming it reports it. */
static void module_vanishes(void **state)
{
    (void)state;
    struct wst_error err = {0};
    wst_inspector_os.ReadProcessMemory = fake_read_headers_gone;
    assert_int_equal(dump_with(WST_VIA_MEMORY, NULL, &err), WST_E_NOT_INSTRUMENTED);
    assert_int_equal(dump_with(WST_VIA_MEMORY, self_name, &err), WST_E_TARGET_GONE);
}

static BOOL WINAPI fake_enum_denied(HANDLE process, HMODULE *mods, DWORD bytes, LPDWORD needed,
                                    DWORD filter)
{
    (void)process, (void)mods, (void)bytes, (void)needed, (void)filter;
    SetLastError(ERROR_ACCESS_DENIED);
    return FALSE;
}

static void module_list_denied(void **state)
{
    (void)state;
    struct wst_error err = {0};
    wst_inspector_os.EnumProcessModulesEx = fake_enum_denied;
    assert_int_equal(dump_with(WST_VIA_AUTO, NULL, &err), WST_E_ACCESS_DENIED);
}

static void unknown_module(void **state)
{
    (void)state;
    struct wst_error err = {0};
    assert_int_equal(dump_with(WST_VIA_MEMORY, "nope.dll", &err), WST_E_NO_MODULE);
}

/* The test's own worker (threadpool is the default mode) serves a pipe; if
 * it is up, the pipe path must agree with memory. */
static void pipe_agrees_with_memory(void **state)
{
    (void)state;
    struct wst_error err = {0};
    struct wst_options o = self_options(WST_VIA_PIPE);
    for (int i = 0; i < 100; i++) {
        FILE *sink = tmpfile();
        enum wst_status st = wst_verb_dump(&o, sink, &err);
        fclose(sink);
        if (st == WST_OK)
            return;
        if (st != WST_E_NO_WORKER)
            fail_msg("dump via pipe: %s: %s", wst_status_name(st), err.detail);
        Sleep(20);
    }
    skip(); /* no worker in this runtime build or mode */
}

/* ---- pipe replies and JSON ------------------------------------------- */

static void snapshot_decoding(void **state)
{
    (void)state;
    unsigned char payload[sizeof(struct wst_msg_snapshot) + 3 * sizeof(struct wst_msg_counter)];
    struct wst_msg_snapshot s = {.generation = 4, .count = 3};
    struct wst_msg_counter c[3] = {{"b", 1}, {"a", 2}, {"b", 5}};
    struct wst_region_counter *out;
    size_t count;
    uint64_t generation;
    int complete;
    memcpy(payload, &s, sizeof s);
    memcpy(payload + sizeof s, c, sizeof c);
    assert_int_equal(
        wst_pipe_decode_snapshot(payload, sizeof payload, &generation, &out, &count, &complete),
        WST_OK);
    assert_int_equal(generation, 4);
    assert_true(complete);
    assert_int_equal(count, 2);
    assert_string_equal(out[1].name, "b");
    assert_int_equal(out[1].value, 6);
    free(out);
    /* A count that disagrees with the length, a ragged length, a short one. */
    assert_int_equal(wst_pipe_decode_snapshot(payload, sizeof payload - 64, &generation, &out,
                                              &count, &complete),
                     WST_E_PROTOCOL);
    assert_int_equal(
        wst_pipe_decode_snapshot(payload, sizeof payload - 1, &generation, &out, &count, &complete),
        WST_E_PROTOCOL);
    assert_int_equal(wst_pipe_decode_snapshot(payload, 8, &generation, &out, &count, &complete),
                     WST_E_PROTOCOL);
    s.count = 0xffffffffu;
    memcpy(payload, &s, sizeof s);
    assert_int_equal(
        wst_pipe_decode_snapshot(payload, sizeof payload, &generation, &out, &count, &complete),
        WST_E_PROTOCOL);
    /* An unterminated name. */
    s.count = 3;
    memcpy(payload, &s, sizeof s);
    memset(payload + sizeof s, 'x', WST_NAME_MAX);
    assert_int_equal(
        wst_pipe_decode_snapshot(payload, sizeof payload, &generation, &out, &count, &complete),
        WST_E_PROTOCOL);
    /* Issue 9 defect 5: a reply that left names out says so, and a flag
     * this client does not know is refused rather than ignored. */
    memcpy(payload + sizeof s, c, sizeof c);
    s.flags = WST_SNAPSHOT_TRUNCATED;
    memcpy(payload, &s, sizeof s);
    assert_int_equal(
        wst_pipe_decode_snapshot(payload, sizeof payload, &generation, &out, &count, &complete),
        WST_OK);
    assert_false(complete);
    free(out);
    s.flags = 0x4;
    memcpy(payload, &s, sizeof s);
    assert_int_equal(
        wst_pipe_decode_snapshot(payload, sizeof payload, &generation, &out, &count, &complete),
        WST_E_PROTOCOL);
}

/* Protocol 3: a gauge among the entries, and two sites of one distribution
 * (merged by the client: counts, sums, extremes and buckets add up). */
static void snapshot_kinds_decoding(void **state)
{
    (void)state;
    unsigned char payload[1024];
    size_t n = 0;
    struct wst_msg_snapshot s = {.generation = 2, .count = 2, .flags = WST_SNAPSHOT_KINDS};
    struct wst_msg_counter c[2] = {{"hits", 3}, {"depth", (uint64_t)-4}};
    struct wst_msg_kinds k = {1, 2};
    struct wst_msg_kind gauge = {1, WST_KIND_GAUGE};
    struct wst_msg_dist d1 = {"lat", WST_KIND_DISTRIBUTION | WST_DIST_UNIT_NS, 2, 3, 250, 50, 100};
    struct wst_msg_bucket b1[2] = {{wst_dist_bucket_(50), 0, 2}, {wst_dist_bucket_(100), 0, 1}};
    struct wst_msg_dist d2 = {"lat", WST_KIND_DISTRIBUTION | WST_DIST_UNIT_NS, 1, 1, 7, 7, 7};
    struct wst_msg_bucket b2[1] = {{7, 0, 1}};
#define PUT(x) (memcpy(payload + n, &(x), sizeof(x)), n += sizeof(x))
    PUT(s);
    PUT(c);
    PUT(k);
    PUT(gauge);
    PUT(d1);
    PUT(b1);
    PUT(d2);
    PUT(b2);
#undef PUT
    struct wst_region_counter *out;
    size_t count;
    uint64_t generation;
    int complete;
    assert_int_equal(wst_pipe_decode_snapshot(payload, n, &generation, &out, &count, &complete),
                     WST_OK);
    assert_int_equal(count, 3); /* depth, hits, lat */
    assert_int_equal(out[0].kind, WST_KIND_GAUGE);
    assert_true((int64_t)out[0].value == -4);
    assert_int_equal(out[1].kind, WST_KIND_COUNTER);
    assert_int_equal(out[2].kind, WST_KIND_DISTRIBUTION);
    assert_int_equal(out[2].value, 4);
    assert_int_equal(out[2].sum, 257);
    assert_int_equal(out[2].min, 7);
    assert_int_equal(out[2].max, 100);
    assert_int_equal(out[2].buckets[7], 1);
    assert_int_equal(out[2].buckets[wst_dist_bucket_(50)], 2);
    free(out);
    /* Short by a byte, a byte too long, a bucket out of order. */
    assert_int_equal(wst_pipe_decode_snapshot(payload, n - 1, &generation, &out, &count, &complete),
                     WST_E_PROTOCOL);
    assert_int_equal(wst_pipe_decode_snapshot(payload, n + 1, &generation, &out, &count, &complete),
                     WST_E_PROTOCOL);
    size_t b1_at = sizeof s + sizeof c + sizeof k + sizeof gauge + sizeof d1;
    struct wst_msg_bucket swapped[2] = {b1[1], b1[0]};
    memcpy(payload + b1_at, swapped, sizeof swapped);
    assert_int_equal(wst_pipe_decode_snapshot(payload, n, &generation, &out, &count, &complete),
                     WST_E_PROTOCOL);
}

static void json_escaping(void **state)
{
    (void)state;
    char text[256] = {0};
    FILE *f = tmpfile();
    assert_non_null(f);
    wst_json_string(f, "a\"b\\c\n\x01\xc3\xa9\xff\xc3");
    rewind(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    /* Invalid bytes become U+FFFD here; write_report.c adds the exact bytes as
     * a "_hex" member (tests/test_write_report.c). */
    assert_string_equal(text, "\"a\\\"b\\\\c\\u000a\\u0001\xc3\xa9\\ufffd\\ufffd\"");
}

/* ---- consistent memory reads (resets in progress, torn values) ------- */

/* Where the test's own region lives, for the tampering reader below. */
static uint64_t region_address;
static size_t region_size;

static void find_self_region(void)
{
    struct wst_remote r;
    struct wst_error err = {0};
    struct wst_module *mods;
    size_t n;
    assert_int_equal(wst_remote_open(GetCurrentProcessId(), &r, &err), WST_OK);
    assert_int_equal(wst_discover_modules(&r, self_name, &mods, &n, &err), WST_OK);
    region_address = mods[0].base + mods[0].section.rva;
    region_size = mods[0].section.virtual_size;
    free(mods);
    wst_remote_close(&r);
}

/* How the tampering reader lies, by the number of the read (from 1):
 * header reads (just the region header) and whole copies are counted apart. */
static struct {
    int odd_headers;    /* header reads 1..N show a reset in progress */
    int odd_copies;     /* copies 1..N show a reset in progress, half applied */
    int mixed_copies;   /* copies 1..N are half reset but show the old generation */
    int changed_header; /* header read N shows a later generation (0: none) */
    int torn_copies;    /* copies 1..N hold a torn test.hits (2^32 too high) */
    int header_reads, copies;
} tamper;

/* The first stripe of the "test.hits" site in a copy of the region. */
static unsigned char *hits_stripe0(unsigned char *copy, size_t size)
{
    for (size_t o = sizeof(struct wst_region_header); o + sizeof(struct wst_counter) <= size;
         o += WST_LINE) {
        uint32_t magic;
        memcpy(&magic, copy + o, sizeof magic);
        if (magic == WST_COUNTER_MAGIC &&
            strcmp((char *)copy + o + offsetof(struct wst_counter, name), "test.hits") == 0)
            return copy + o + offsetof(struct wst_counter, stripes);
    }
    fail_msg("no test.hits site in the copy");
    return NULL;
}

static void add_to(unsigned char *p, uint64_t n)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    v += n;
    memcpy(p, &v, sizeof v);
}

static void set_generation(unsigned char *p, uint64_t g)
{
    memcpy(p + offsetof(struct wst_region_header, generation), &g, sizeof g);
}

static BOOL WINAPI tampering_read(HANDLE process, LPCVOID address, LPVOID buffer, SIZE_T size,
                                  SIZE_T *read)
{
    if (!ReadProcessMemory(process, address, buffer, size, read))
        return FALSE;
    if ((uint64_t)(uintptr_t)address != region_address)
        return TRUE;
    unsigned char *b = buffer;
    if (size == region_size) {
        int n = ++tamper.copies;
        if (n <= tamper.odd_copies || n <= tamper.mixed_copies) {
            /* Half a reset: the site's total brought below zero (a wrap),
             * as a reset that subtracted one site but not yet another
             * would look next to an unreset one. */
            add_to(hits_stripe0(b, size), (uint64_t)0 - 1000000u);
            if (n <= tamper.odd_copies)
                set_generation(b, 1);
        }
        if (n <= tamper.torn_copies)
            add_to(hits_stripe0(b, size), (uint64_t)1 << 32);
    } else if (size >= sizeof(struct wst_region_header)) {
        int n = ++tamper.header_reads;
        if (n <= tamper.odd_headers)
            set_generation(b, 1);
        if (n == tamper.changed_header)
            set_generation(b, 2);
    }
    return TRUE;
}

/* Reads the region through the tampering reader; returns test.hits. */
static int last_settled;

static uint64_t read_hits(struct wst_region_info *info)
{
    struct wst_remote r;
    struct wst_error err = {0};
    struct wst_module *mods;
    size_t n, count;
    struct wst_region_counter *counters;
    uint64_t hits = 0;
    assert_int_equal(wst_remote_open(GetCurrentProcessId(), &r, &err), WST_OK);
    assert_int_equal(wst_discover_modules(&r, self_name, &mods, &n, &err), WST_OK);
    tamper.header_reads = tamper.copies = 0;
    wst_inspector_os.ReadProcessMemory = tampering_read;
    enum wst_status st =
        wst_read_region(&r, &mods[0], info, &counters, &count, &last_settled, &err);
    wst_inspector_os_restore();
    assert_int_equal(st, WST_OK);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(counters[i].name, "test.hits") == 0)
            hits = counters[i].value;
    }
    free(counters);
    free(mods);
    wst_remote_close(&r);
    return hits;
}

/* Issue 9 defect 4: a copy taken while a reset runs (odd generation) is not
 * used; the reader reads again. */
static void memory_read_skips_reset_in_progress(void **state)
{
    (void)state;
    struct wst_region_info info;
    find_self_region();
    memset(&tamper, 0, sizeof tamper);
    tamper.odd_headers = 1;
    tamper.odd_copies = 1;
    uint64_t hits = read_hits(&info);
    print_message("reset in progress: test.hits = %llu, generation %llu, copies %d\n",
                  (unsigned long long)hits, (unsigned long long)info.header.generation,
                  tamper.copies);
    assert_true(hits >= 3 && hits < 1000);
    assert_int_equal(info.header.generation % 2, 0);
    assert_true(last_settled);
}

/* A reset that never ends (a worker suspended mid-reset): the reads are
 * bounded, and the result says it is not settled. */
static void memory_read_gives_up_unsettled(void **state)
{
    (void)state;
    struct wst_region_info info;
    find_self_region();
    memset(&tamper, 0, sizeof tamper);
    tamper.odd_headers = tamper.odd_copies = 1000;
    (void)read_hits(&info);
    print_message("endless reset: copies %d, settled %d\n", tamper.copies, last_settled);
    assert_false(last_settled);
    assert_true(tamper.copies > 1 && tamper.copies <= 16);
}

/* Issue 9 defect 4: a reset that began and ended during the copy (the
 * generation after the copy differs from the one before) is seen too. */
static void memory_read_sees_generation_change(void **state)
{
    (void)state;
    struct wst_region_info info;
    find_self_region();
    memset(&tamper, 0, sizeof tamper);
    tamper.mixed_copies = 1;
    tamper.changed_header = 2; /* the header read that follows the first copy */
    uint64_t hits = read_hits(&info);
    print_message("reset during the copy: test.hits = %llu, copies %d\n", (unsigned long long)hits,
                  tamper.copies);
    assert_true(hits >= 3 && hits < 1000);
}

/* Issue 9 defect 11: a value torn by a copy racing a store (here 2^32 too
 * high, a carry seen in one half and not the other) is caught by reading
 * again: counters never go down within one generation. */
static void memory_read_detects_torn_value(void **state)
{
    (void)state;
    struct wst_region_info info;
    find_self_region();
    memset(&tamper, 0, sizeof tamper);
    tamper.torn_copies = 1;
    uint64_t hits = read_hits(&info);
    print_message("torn copy: test.hits = %llu, copies %d\n", (unsigned long long)hits,
                  tamper.copies);
    assert_true(hits >= 3 && hits < 1000);
}

/* ---- several modules: one failing does not hide the others ------------ */

static HMODULE fixture;
static uint64_t fixture_base, fixture_end;

static void load_fixture(void)
{
    fixture = LoadLibraryA("wst_fixture.dll");
    assert_non_null(fixture);
    fixture_base = (uint64_t)(uintptr_t)fixture;
    /* The image's extent, from its headers' SizeOfImage. */
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)fixture;
    const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)((const char *)fixture + dos->e_lfanew);
    fixture_end = fixture_base + nt->OptionalHeader.SizeOfImage;
}

static int unload_fixture(void **state)
{
    restore(state);
    if (fixture != NULL)
        FreeLibrary(fixture);
    fixture = NULL;
    return 0;
}

/* The fixture DLL "unloads" after the listing: every read of its region
 * fails as an unmapped range does. */
static BOOL WINAPI fixture_gone_read(HANDLE process, LPCVOID address, LPVOID buffer, SIZE_T size,
                                     SIZE_T *read)
{
    uint64_t a = (uint64_t)(uintptr_t)address;
    if (size != WST_PE_HEADERS_READ && a >= fixture_base && a < fixture_end) {
        *read = 0;
        SetLastError(ERROR_PARTIAL_COPY);
        return FALSE;
    }
    return ReadProcessMemory(process, address, buffer, size, read);
}

static char *run_verb(enum wst_status (*verb)(const struct wst_options *, FILE *,
                                              struct wst_error *),
                      enum wst_via via, enum wst_status *st, struct wst_error *err)
{
    static char text[16384];
    struct wst_options o = self_options(via);
    o.json = 1;
    FILE *f = tmpfile();
    assert_non_null(f);
    *st = verb(&o, f, err);
    rewind(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

/* Issue 9 defect 7: a module that goes away mid-dump gets an error of its
 * own; the other modules are still reported. */
static void dump_keeps_other_modules(void **state)
{
    (void)state;
    struct wst_error err = {0};
    enum wst_status st;
    load_fixture();
    wst_inspector_os.ReadProcessMemory = fixture_gone_read;
    char *json = run_verb(wst_verb_dump, WST_VIA_MEMORY, &st, &err);
    print_message("dump with a vanished module: %s (%s)\n%s", wst_status_name(st), err.detail,
                  json);
    assert_non_null(strstr(json, "\"test.hits\""));
    assert_non_null(strstr(json, "\"name\": \"wst_fixture.dll\""));
    assert_non_null(strstr(json, "\"error\": {\"status\": \"target-gone\""));
    assert_int_equal(st, WST_E_PARTIAL);
    assert_int_equal(wst_status_exit_code(st), 15);
}

static int create_calls;

/* The second pipe connection fails: the reset reaches the first module
 * only. */
static HANDLE WINAPI second_pipe_fails(LPCWSTR name, DWORD access, DWORD share,
                                       LPSECURITY_ATTRIBUTES sa, DWORD disposition, DWORD flags,
                                       HANDLE template_file)
{
    if (++create_calls == 2) {
        SetLastError(ERROR_ACCESS_DENIED);
        return INVALID_HANDLE_VALUE;
    }
    return CreateFileW(name, access, share, sa, disposition, flags,
                                             template_file);
}

/* Issue 9 defect 7: a reset over several modules that fails for one says
 * which modules were reset and which were not. */
static void reset_reports_each_module(void **state)
{
    (void)state;
    struct wst_error err = {0};
    enum wst_status st;
    load_fixture();
    typedef void (*hit_fn)(int);
    hit_fn hit = (hit_fn)(void (*)(void))GetProcAddress(fixture, "fixture_hit");
    assert_non_null(hit);
    hit(1); /* starts nothing: the reset wakes both workers, one after the other */
    create_calls = 0;
    wst_inspector_os.CreateFileW = second_pipe_fails;
    char *json = run_verb(wst_verb_reset, WST_VIA_AUTO, &st, &err);
    print_message("reset with one module failing: %s (%s)\n%s", wst_status_name(st), err.detail,
                  json);
    assert_non_null(strstr(json, "\"name\": \"wst_fixture.dll\""));
    assert_non_null(strstr(json, "\"generation\": "));
    assert_non_null(strstr(json, "\"error\": {\"status\": \"pipe-error\""));
    assert_int_equal(st, WST_E_PARTIAL);
}

/* ------------------------------------------------ the client's timeout path */

/* A worker that never answers: the write stays pending for ever. The client
 * must give up at its deadline, cancel the I/O and reap it before it
 * returns (no completion may land in its stack frame afterwards). */
static int fake_cancelled, fake_reaped_waiting;
static HANDLE fake_pipe;

static HANDLE WINAPI pending_pipe(LPCWSTR name, DWORD access, DWORD share,
                                  LPSECURITY_ATTRIBUTES sa, DWORD disposition, DWORD flags,
                                  HANDLE template_file)
{
    (void)name, (void)access, (void)share, (void)sa, (void)disposition, (void)flags;
    (void)template_file;
    fake_pipe = CreateEventW(NULL, TRUE, FALSE, NULL); /* any handle the fakes accept */
    return fake_pipe;
}

static BOOL WINAPI write_pends(HANDLE h, LPCVOID buf, DWORD size, LPDWORD done, LPOVERLAPPED ov)
{
    (void)h, (void)buf, (void)size, (void)done, (void)ov;
    SetLastError(ERROR_IO_PENDING);
    return FALSE;
}

static DWORD WINAPI wait_times_out(HANDLE h, DWORD timeout_ms)
{
    (void)h, (void)timeout_ms;
    return WAIT_TIMEOUT;
}

static BOOL WINAPI cancel_noted(HANDLE h)
{
    assert_true(h == fake_pipe);
    fake_cancelled++;
    return TRUE;
}

static BOOL WINAPI result_noted(HANDLE h, LPOVERLAPPED ov, LPDWORD done, BOOL wait)
{
    (void)h, (void)ov;
    if (wait)
        fake_reaped_waiting += fake_cancelled > 0; /* reaped after the cancel */
    *done = 0;
    SetLastError(ERROR_OPERATION_ABORTED);
    return FALSE;
}

static void pipe_client_times_out(void **state)
{
    (void)state;
    char name[WST_PIPE_NAME_MAX];
    struct wst_pipe_client c;
    struct wst_error err = {0};
    struct wst_msg_hello hello;
    wst_pipe_name_format(name, 1234, 0x00c0ffee00000000ull);
    wst_inspector_os.CreateFileW = pending_pipe;
    wst_inspector_os.WriteFile = write_pends;
    wst_inspector_os.WaitForSingleObject = wait_times_out;
    wst_inspector_os.CancelIo = cancel_noted;
    wst_inspector_os.GetOverlappedResult = result_noted;
    fake_cancelled = fake_reaped_waiting = 0;
    assert_int_equal(wst_pipe_connect(&c, name, 50, &err), WST_OK);
    assert_int_equal(wst_pipe_hello(&c, &hello, &err), WST_E_PIPE);
    assert_int_equal(err.win32, WAIT_TIMEOUT);
    assert_non_null(strstr(err.detail, "did not answer"));
    assert_int_equal(fake_cancelled, 1);
    assert_int_equal(fake_reaped_waiting, 1);
    wst_pipe_close(&c);
}

/* ---- a distribution its buckets contradict (issue 23 F5) --------------- */

/* The test's own "test.dist" record, found in its own .wst section. */
static struct wst_distribution *own_distribution(void)
{
    find_self_region();
    unsigned char *p = (unsigned char *)(uintptr_t)region_address;
    for (size_t o = sizeof(struct wst_region_header); o + sizeof(struct wst_distribution) <= region_size;
         o += WST_LINE) {
        struct wst_distribution *d = (struct wst_distribution *)(p + o);
        if (d->magic == WST_DIST_MAGIC && strcmp(d->name, "test.dist") == 0)
            return d;
    }
    fail_msg("no test.dist record in the region");
    return NULL;
}

/* `watch --format json` and `dump --json` on a distribution whose buckets
 * hold 2^64 + 1: a memory read's count, their total modulo 2^64, is 1 (the
 * finding's "count 1 over buckets of 2^63"). Both flag it; before, both
 * showed it as sound. */
static void inconsistent_distribution_flagged(void **state)
{
    (void)state;
    struct wst_distribution *d = own_distribution();
    uint64_t *low = &d->shards[0][wst_dist_bucket_(5)];
    uint64_t *high = &d->shards[0][wst_dist_bucket_(1000)];
    *low += (uint64_t)1 << 63;
    *high += (uint64_t)1 << 63;
    struct wst_options o = self_options(WST_VIA_MEMORY);
    o.module = self_name;
    o.format = WST_FORMAT_JSON;
    o.json = 1;
    o.interval_s = 0.05;
    o.count = 1;
    static char text[16384];
    enum wst_status (*verbs[])(const struct wst_options *, FILE *, struct wst_error *) = {
        wst_verb_watch, wst_verb_dump};
    for (size_t v = 0; v < 2; v++) {
        struct wst_error err = {0};
        FILE *f = tmpfile();
        assert_non_null(f);
        enum wst_status st = verbs[v](&o, f, &err);
        rewind(f);
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        print_message("%s: %s\n%s", v == 0 ? "watch" : "dump", wst_status_name(st), text);
        assert_int_equal(st, WST_OK);
        assert_non_null(
            strstr(text, "\"inconsistent\": \"count 1, its buckets hold more than 2^64\""));
    }
    *low -= (uint64_t)1 << 63;
    *high -= (uint64_t)1 << 63;
}

int main(void)
{
    char path[MAX_PATH];
    DWORD n = GetModuleFileNameA(NULL, path, sizeof path);
    const char *slash = path;
    for (DWORD i = 0; i < n; i++) {
        if (path[i] == '\\' || path[i] == '/')
            slash = path + i + 1;
    }
    snprintf(self_name, sizeof self_name, "%s", slash);
    hit_counters();
    WST_RECORD("test.dist", 5);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_error_mapping),
        cmocka_unit_test_teardown(dump_self, restore),
        cmocka_unit_test_teardown(region_read_fails, restore),
        cmocka_unit_test_teardown(open_fails, restore),
        cmocka_unit_test_teardown(target_exits_during_read, restore),
        cmocka_unit_test_teardown(module_vanishes, restore),
        cmocka_unit_test_teardown(module_list_denied, restore),
        cmocka_unit_test_teardown(unknown_module, restore),
        cmocka_unit_test_teardown(pipe_agrees_with_memory, restore),
        cmocka_unit_test_teardown(pipe_client_times_out, restore),
        cmocka_unit_test(snapshot_decoding),
        cmocka_unit_test(snapshot_kinds_decoding),
        cmocka_unit_test(json_escaping),
        cmocka_unit_test_teardown(memory_read_skips_reset_in_progress, restore),
        cmocka_unit_test_teardown(memory_read_sees_generation_change, restore),
        cmocka_unit_test_teardown(memory_read_detects_torn_value, restore),
        cmocka_unit_test_teardown(memory_read_gives_up_unsettled, restore),
        cmocka_unit_test_teardown(dump_keeps_other_modules, unload_fixture),
        cmocka_unit_test_teardown(inconsistent_distribution_flagged, restore),
        /* last: it resets the test's own counters */
        cmocka_unit_test_teardown(reset_reports_each_module, unload_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
