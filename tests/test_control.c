/*
 * Unit tests of src/inspector/control.c: what `reset` answers when the
 * worker's reply does not come (issue 23 F3). The test program is
 * instrumented and resets its own module through its own worker; the OS
 * table (os.h) hides the reply, or the request, as a stalled worker or a
 * full pipe would, so the timeout path runs without waiting for a real
 * timeout. Single-threaded apart from the runtime's worker.
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
#include "verbs.h"
#include "winstrument/protocol.h"
#include "winstrument/region.h"

static char self_name[MAX_PATH];

/* The test's own region header, read in place (it is this process). */
static volatile const struct wst_region_header *self_header;

static void find_self_header(void)
{
    const unsigned char *base = (const unsigned char *)GetModuleHandleA(NULL);
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)base;
    const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)(base + dos->e_lfanew);
    const IMAGE_SECTION_HEADER *sec = IMAGE_FIRST_SECTION(nt);
    for (unsigned i = 0; i < nt->FileHeader.NumberOfSections; i++) {
        if (memcmp(sec[i].Name, ".wst", 5) == 0) {
            self_header = (const struct wst_region_header *)(base + sec[i].VirtualAddress);
            return;
        }
    }
    fail_msg("no .wst section in the test program");
}

static uint64_t generation_now(void)
{
    return self_header->generation;
}

/* ---- the fakes: how the reset's reply goes missing --------------------- */

static struct {
    int hide_reply;   /* the worker gets the reset; its reply is never seen */
    int hold_request; /* the reset stays pending in the client: never delivered */
    int fail_request; /* the reset's write fails outright: nothing was sent */
    int armed;        /* the last request written was a RESET */
    int hiding;       /* the reset's reply read is faked: its wait and result too */
    uint64_t before;  /* the generation when the RESET was written */
} fake;

static int is_reset(const void *buf, DWORD size)
{
    struct wst_msg_header h;
    if (size < sizeof h)
        return 0;
    memcpy(&h, buf, sizeof h);
    return h.magic == WST_MSG_MAGIC && h.type == WST_MSG_RESET;
}

static BOOL WINAPI fake_write(HANDLE h, LPCVOID buf, DWORD size, LPDWORD done, LPOVERLAPPED ov)
{
    fake.armed = is_reset(buf, size);
    fake.before = generation_now();
    if (fake.armed && fake.fail_request) {
        SetLastError(ERROR_NO_DATA);
        return FALSE;
    }
    if (fake.armed && fake.hold_request) {
        SetLastError(ERROR_IO_PENDING);
        return FALSE;
    }
    return WriteFile(h, buf, size, done, ov);
}

/* The reply's read: the worker has the request; once it has applied it
 * (the generation moved), the read "pends" and its wait times out, as for
 * a worker that stalls between the reset and its reply. */
static BOOL WINAPI fake_read(HANDLE h, LPVOID buf, DWORD size, LPDWORD done, LPOVERLAPPED ov)
{
    if (!(fake.armed && fake.hide_reply))
        return ReadFile(h, buf, size, done, ov);
    for (int i = 0; i < 500 && generation_now() == fake.before; i++)
        Sleep(10);
    fake.hiding = 1;
    SetLastError(ERROR_IO_PENDING);
    return FALSE;
}

/* The held request's write, or the hidden reply's read. */
static int faking(void)
{
    return fake.armed && (fake.hiding || fake.hold_request);
}

static DWORD WINAPI fake_wait(HANDLE h, DWORD timeout_ms)
{
    if (faking())
        return WAIT_TIMEOUT;
    return WaitForSingleObject(h, timeout_ms);
}

static BOOL WINAPI fake_result(HANDLE h, LPOVERLAPPED ov, LPDWORD done, BOOL wait)
{
    if (faking()) {
        *done = 0;
        SetLastError(ERROR_OPERATION_ABORTED);
        return FALSE;
    }
    return GetOverlappedResult(h, ov, done, wait);
}

static BOOL WINAPI fake_cancel(HANDLE h)
{
    return faking() ? TRUE : CancelIo(h);
}

static char *reset_self(enum wst_status *st, struct wst_error *err)
{
    static char text[4096];
    struct wst_options o = {.pid = GetCurrentProcessId(), .timeout_ms = 2000, .json = 1};
    o.module = self_name;
    wst_inspector_os.WriteFile = fake_write;
    wst_inspector_os.ReadFile = fake_read;
    wst_inspector_os.WaitForSingleObject = fake_wait;
    wst_inspector_os.GetOverlappedResult = fake_result;
    wst_inspector_os.CancelIo = fake_cancel;
    FILE *f = tmpfile();
    assert_non_null(f);
    *st = wst_verb_reset(&o, f, err);
    rewind(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    wst_inspector_os_restore();
    return text;
}

static int restore(void **state)
{
    (void)state;
    wst_inspector_os_restore();
    memset(&fake, 0, sizeof fake);
    return 0;
}

/* ---- the tests ---------------------------------------------------------- */

/* The worker applied the reset and its reply was lost: exit 0, with the
 * generation the region shows and "answered": false. Before issue 23 F3
 * this was pipe-error (11), and a user who retried reset twice. */
static void reset_applied_without_reply(void **state)
{
    (void)state;
    struct wst_error err = {0};
    enum wst_status st;
    fake.hide_reply = 1;
    uint64_t g0 = generation_now();
    char *json = reset_self(&st, &err);
    print_message("reply lost: %s (%s), generation %llu -> %llu\n%s", wst_status_name(st),
                  err.detail, (unsigned long long)g0, (unsigned long long)generation_now(), json);
    assert_int_equal(st, WST_OK);
    assert_non_null(strstr(json, "\"answered\": false"));
    char want[64];
    snprintf(want, sizeof want, "\"generation\": %llu,", (unsigned long long)(g0 + 2));
    assert_non_null(strstr(json, want));
}

/* The request left the client (its write pended) but no reset happened:
 * the outcome is unknown, exit 17, and the detail names the generation. */
static void reset_unknown_without_reply(void **state)
{
    (void)state;
    struct wst_error err = {0};
    enum wst_status st;
    fake.hold_request = 1;
    uint64_t g0 = generation_now();
    (void)reset_self(&st, &err);
    print_message("request held: %s (exit %d): %s\n", wst_status_name(st), wst_status_exit_code(st),
                  err.detail);
    assert_int_equal(st, WST_E_UNKNOWN_OUTCOME);
    assert_int_equal(wst_status_exit_code(st), 17);
    char want[64];
    snprintf(want, sizeof want, "generation is still %llu", (unsigned long long)g0);
    assert_non_null(strstr(err.detail, want));
    assert_int_equal(generation_now(), g0);
}

/* The write failed outright: nothing reached the worker, so it is a plain
 * pipe-error (11), which is safe to retry. */
static void reset_not_sent(void **state)
{
    (void)state;
    struct wst_error err = {0};
    enum wst_status st;
    fake.fail_request = 1;
    uint64_t g0 = generation_now();
    (void)reset_self(&st, &err);
    print_message("request not sent: %s: %s\n", wst_status_name(st), err.detail);
    assert_int_equal(st, WST_E_PIPE);
    assert_int_equal(generation_now(), g0);
}

/* A reset with its reply, for contrast: answered. */
static void reset_answered(void **state)
{
    (void)state;
    struct wst_error err = {0};
    enum wst_status st;
    uint64_t g0 = generation_now();
    char *json = reset_self(&st, &err);
    assert_int_equal(st, WST_OK);
    assert_non_null(strstr(json, "\"answered\": true"));
    assert_int_equal(generation_now(), g0 + 2);
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
    WST_COUNT("test.hits");
    find_self_header();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(reset_answered, restore),
        cmocka_unit_test_teardown(reset_applied_without_reply, restore),
        cmocka_unit_test_teardown(reset_unknown_without_reply, restore),
        cmocka_unit_test_teardown(reset_not_sent, restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
