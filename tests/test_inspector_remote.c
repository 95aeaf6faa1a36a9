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

#include "inspect.h"
#include "os.h"
#include "output.h"
#include "pipe_client.h"
#include "region_reader.h"
#include "remote.h"

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
    wst_inspector_os = wst_inspector_os_real;
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
    assert_int_equal(wst_read_region(&r, &mods[0], &info, &counters, &count, &err), WST_OK);
    assert_int_equal(info.pid, GetCurrentProcessId());
    assert_int_equal(count, 2);
    assert_string_equal(counters[0].name, "test.bytes");
    assert_true(counters[0].value >= 40);
    assert_string_equal(counters[1].name, "test.hits");
    assert_true(counters[1].value >= 3);
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
        return wst_inspector_os_real.read_process_memory(process, address, buffer, size, read);
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
        if (!wst_inspector_os_real.read_process_memory(process, address, buffer, size / 2, read))
            return FALSE;
        return TRUE;
    case CORRUPT_MAGIC:
        if (!wst_inspector_os_real.read_process_memory(process, address, buffer, size, read))
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
    wst_inspector_os.read_process_memory = fake_read;
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
    wst_inspector_os.open_process = fake_open_gone;
    assert_int_equal(dump_with(WST_VIA_AUTO, NULL, &err), WST_E_NO_PROCESS);
    assert_int_equal(err.win32, ERROR_INVALID_PARAMETER);
    wst_inspector_os.open_process = fake_open_denied;
    assert_int_equal(dump_with(WST_VIA_AUTO, NULL, &err), WST_E_ACCESS_DENIED);
}

/* The process "exits" once the module list is taken: every later failure is
 * the target going away, whatever its code. */
static int exited;

static BOOL WINAPI fake_exit_code(HANDLE process, LPDWORD code)
{
    if (!exited)
        return wst_inspector_os_real.get_exit_code_process(process, code);
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
    wst_inspector_os.get_exit_code_process = fake_exit_code;
    wst_inspector_os.read_process_memory = fake_read_after_exit;
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
    wst_inspector_os.read_process_memory = fake_read_headers_gone;
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
    wst_inspector_os.enum_process_modules_ex = fake_enum_denied;
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
    memcpy(payload, &s, sizeof s);
    memcpy(payload + sizeof s, c, sizeof c);
    assert_int_equal(wst_pipe_decode_snapshot(payload, sizeof payload, &generation, &out, &count),
                     WST_OK);
    assert_int_equal(generation, 4);
    assert_int_equal(count, 2);
    assert_string_equal(out[1].name, "b");
    assert_int_equal(out[1].value, 6);
    free(out);
    /* A count that disagrees with the length, a ragged length, a short one. */
    assert_int_equal(
        wst_pipe_decode_snapshot(payload, sizeof payload - 64, &generation, &out, &count),
        WST_E_PROTOCOL);
    assert_int_equal(
        wst_pipe_decode_snapshot(payload, sizeof payload - 1, &generation, &out, &count),
        WST_E_PROTOCOL);
    assert_int_equal(wst_pipe_decode_snapshot(payload, 8, &generation, &out, &count),
                     WST_E_PROTOCOL);
    s.count = 0xffffffffu;
    memcpy(payload, &s, sizeof s);
    assert_int_equal(wst_pipe_decode_snapshot(payload, sizeof payload, &generation, &out, &count),
                     WST_E_PROTOCOL);
    /* An unterminated name. */
    s.count = 3;
    memcpy(payload, &s, sizeof s);
    memset(payload + sizeof s, 'x', WST_NAME_MAX);
    assert_int_equal(wst_pipe_decode_snapshot(payload, sizeof payload, &generation, &out, &count),
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
    /* Invalid bytes become U+FFFD here; output.c adds the exact bytes as
     * a "_hex" member (tests/test_output.c). */
    assert_string_equal(text, "\"a\\\"b\\\\c\\u000a\\u0001\xc3\xa9\\ufffd\\ufffd\"");
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
        cmocka_unit_test(snapshot_decoding),
        cmocka_unit_test(json_escaping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
