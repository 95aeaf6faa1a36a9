/*
 * Whom the inspector agrees to talk to (docs/protocol.md, "Security"):
 *
 * - the pipe-name rule of src/common/pipe_name.c, format and parse, which
 *   must be exact inverses;
 * - the client's checks end to end: this program is instrumented, keeps its
 *   own worker from starting, and instead publishes in its own region a pipe
 *   served by a fake worker on a thread of this test. wst_verb_dump --via pipe
 *   must then refuse a region whose pipe name is not the exact form for this
 *   pid and instance, and a hello that names another pid, instance or module
 *   base; and must accept the fake when everything agrees.
 *
 * Threads: the test thread, and one fake-server thread per case, which
 * serves one client and ends (bounded waits only).
 */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <winstrument.h>

#include "pipe_client.h"
#include "pipe_name.h"
#include "protocol_codec.h"
#include "region_internal.h"
#include "verbs.h"

/* ------------------------------------------------------ the name rule */

static void format_parse_round_trip(void **state)
{
    (void)state;
    static const struct {
        uint32_t pid;
        uint64_t instance;
        const char *name;
    } cases[] = {
        {4, 0, "\\\\.\\pipe\\winstrument-4-0000000000000000"},
        {1234, 0x001dc55c48000000ull, "\\\\.\\pipe\\winstrument-1234-001dc55c48000000"},
        {UINT32_MAX, UINT64_MAX, "\\\\.\\pipe\\winstrument-4294967295-ffffffffffffffff"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[WST_PIPE_NAME_MAX];
        uint32_t pid = 0;
        uint64_t instance = 1;
        wst_pipe_name_format(name, cases[i].pid, cases[i].instance);
        assert_string_equal(name, cases[i].name);
        assert_true(strlen(name) < WST_PIPE_NAME_LONGEST);
        assert_true(wst_pipe_name_parse(name, sizeof name, &pid, &instance));
        assert_int_equal(pid, cases[i].pid);
        assert_true(instance == cases[i].instance);
        /* Without room for the NUL the same bytes are refused. */
        assert_false(wst_pipe_name_parse(name, strlen(name), NULL, NULL));
    }
}

/* The trigger's name: the same pid and instance, its own prefix, in the
 * global namespace (docs/protocol.md, "Waking the worker"). */
static void trigger_name_form(void **state)
{
    (void)state;
    char name[WST_PIPE_NAME_MAX];
    wst_trigger_name_format(name, 4294967295u, 0x0123456789abcdefull);
    assert_string_equal(name, "Global\\winstrument-trigger-4294967295-0123456789abcdef");
    assert_true(strlen(name) + 1 == WST_TRIGGER_NAME_LONGEST);
    wst_trigger_name_format(name, 8, 0);
    assert_string_equal(name, "Global\\winstrument-trigger-8-0000000000000000");
}

static void parse_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "\\\\.\\pipe\\winstrument-",
        "\\\\.\\pipe\\winstrument-42",
        "\\\\.\\pipe\\winstrument-42-",
        "\\\\.\\pipe\\winstrument-42-00000000deadbee",    /* 15 digits */
        "\\\\.\\pipe\\winstrument-42-00000000deadbeef0",  /* 17 digits */
        "\\\\.\\pipe\\winstrument-42-00000000DEADBEEF",   /* upper case */
        "\\\\.\\pipe\\winstrument-042-00000000deadbeef",  /* leading zero */
        "\\\\.\\pipe\\winstrument-0-00000000deadbeef",    /* pid 0 */
        "\\\\.\\pipe\\winstrument-4294967296-00000000deadbeef", /* over 32 bits */
        "\\\\.\\pipe\\winstrument-12345678901-00000000deadbeef",
        "\\\\.\\pipe\\winstrument--42-00000000deadbeef",
        "\\\\.\\pipe\\winstrument-+42-00000000deadbeef",
        "\\\\.\\pipe\\winstrument-42-00000000deadbeef\\..\\x",
        "\\\\.\\pipe\\winstrument-42-0000-0000deadbeef",
        "\\\\server\\pipe\\winstrument-42-00000000deadbeef",
        "\\\\.\\pipe\\other-42-00000000deadbeef",
        "\\\\.\\PIPE\\winstrument-42-00000000deadbeef",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t pid = 7;
        uint64_t instance = 7;
        if (wst_pipe_name_parse(bad[i], strlen(bad[i]) + 1, &pid, &instance))
            fail_msg("accepted %s", bad[i]);
        assert_int_equal(pid, 7);
        assert_true(instance == 7);
    }
}

/* The checks themselves, without a pipe. */
static void identity_checks(void **state)
{
    (void)state;
    const struct wst_pipe_identity id = {42, 0x10000000, 0xabcull};
    struct wst_error err = {0};
    struct wst_msg_hello h = {.pid = 42, .module_base = 0x10000000, .instance = 0xabc};
    assert_int_equal(wst_pipe_check_hello(&h, &id, &err), WST_OK);
    h.module_base = 0x20000000;
    assert_int_equal(wst_pipe_check_hello(&h, &id, &err), WST_E_PIPE);
    h.module_base = id.module_base;
    h.instance = 0xabd;
    assert_int_equal(wst_pipe_check_hello(&h, &id, &err), WST_E_PIPE);
    h.instance = id.instance;
    h.pid = 43;
    assert_int_equal(wst_pipe_check_hello(&h, &id, &err), WST_E_PIPE);
    assert_int_equal(wst_pipe_check_name("\\\\.\\pipe\\winstrument-42-0000000000000abc", &id, &err),
                     WST_OK);
    assert_int_equal(wst_pipe_check_name("\\\\.\\pipe\\winstrument-43-0000000000000abc", &id, &err),
                     WST_E_CORRUPT);
    assert_int_equal(wst_pipe_check_name("\\\\.\\pipe\\winstrument-42-0000000000000abd", &id, &err),
                     WST_E_CORRUPT);
}

/* ---------------------------------------------------------- a fake worker */

struct fake {
    char name[WST_PIPE_NAME_MAX];
    struct wst_msg_hello hello;
    HANDLE pipe, ready;
    int served_snapshot;
};

/* Reads exactly n bytes; FALSE on hang-up. The client times out on its own,
 * and closing the pipe ends a blocked read, so no deadline is needed here. */
static BOOL read_all(HANDLE h, void *buf, DWORD n)
{
    DWORD got = 0, done;
    while (got < n) {
        if (!ReadFile(h, (char *)buf + got, n - got, &done, NULL) || done == 0)
            return FALSE;
        got += done;
    }
    return TRUE;
}

static void reply(HANDLE h, const struct wst_msg_header *req, uint16_t type, const void *body,
                  uint32_t size)
{
    unsigned char out[sizeof(struct wst_msg_header) + sizeof(struct wst_msg_snapshot) +
                      sizeof(struct wst_msg_counter)];
    struct wst_msg_header hdr;
    DWORD done;
    wst_msg_header_init(&hdr, type, req->request_id, size);
    memcpy(out, &hdr, sizeof hdr);
    memcpy(out + sizeof hdr, body, size);
    WriteFile(h, out, (DWORD)(sizeof hdr + size), &done, NULL);
}

/* Answers HELLO with the configured body and SNAPSHOT with one counter,
 * "fake.counter", until the client hangs up. */
static DWORD WINAPI fake_serve(void *arg)
{
    struct fake *f = arg;
    SetEvent(f->ready);
    if (!ConnectNamedPipe(f->pipe, NULL) && GetLastError() != ERROR_PIPE_CONNECTED)
        return 1;
    for (;;) {
        unsigned char raw[sizeof(struct wst_msg_header)];
        struct wst_msg_header req;
        if (!read_all(f->pipe, raw, sizeof raw) ||
            wst_msg_header_decode(raw, sizeof raw, &req, NULL) != WST_OK)
            break;
        if (req.type == WST_MSG_HELLO) {
            reply(f->pipe, &req, WST_MSG_HELLO | WST_MSG_REPLY, &f->hello, sizeof f->hello);
        } else if (req.type == WST_MSG_SNAPSHOT) {
            unsigned char body[sizeof(struct wst_msg_snapshot) + sizeof(struct wst_msg_counter)];
            struct wst_msg_snapshot s = {.generation = 0, .count = 1};
            struct wst_msg_counter c = {"fake.counter", 99};
            memcpy(body, &s, sizeof s);
            memcpy(body + sizeof s, &c, sizeof c);
            reply(f->pipe, &req, WST_MSG_SNAPSHOT | WST_MSG_REPLY, body, sizeof body);
            f->served_snapshot = 1;
        } else {
            break;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ the cases */

static uint64_t self_base(void)
{
    return (uint64_t)(uintptr_t)GetModuleHandleW(NULL);
}

enum mutation { AGREE, OTHER_PID, OTHER_INSTANCE, OTHER_BASE, LAYOUT_2, LAYOUT_NEXT, LAYOUT_1 };

struct client_case {
    const char *what;
    const char *name; /* printf format of the published name: pid, instance */
    enum mutation hello;
    enum wst_status status;
};

static const struct client_case client_cases[] = {
    {"everything agrees", "\\\\.\\pipe\\winstrument-%lu-%016llx", AGREE, WST_OK},
    {"hello names another module base", "\\\\.\\pipe\\winstrument-%lu-%016llx", OTHER_BASE,
     WST_E_PIPE},
    {"hello names another instance", "\\\\.\\pipe\\winstrument-%lu-%016llx", OTHER_INSTANCE,
     WST_E_PIPE},
    {"hello names another pid", "\\\\.\\pipe\\winstrument-%lu-%016llx", OTHER_PID, WST_E_PIPE},
    /* The replies do not depend on the layout: a layout-2 worker is read;
     * a layout the client does not know (or 1, before protocol 3) is not. */
    {"hello: a layout-2 worker", "\\\\.\\pipe\\winstrument-%lu-%016llx", LAYOUT_2, WST_OK},
    {"hello: a later layout", "\\\\.\\pipe\\winstrument-%lu-%016llx", LAYOUT_NEXT,
     WST_E_VERSION},
    {"hello: layout 1", "\\\\.\\pipe\\winstrument-%lu-%016llx", LAYOUT_1, WST_E_VERSION},
    {"name: upper-case hex", "\\\\.\\pipe\\winstrument-%lu-%016llX", AGREE, WST_E_CORRUPT},
    {"name: leading zero in the pid", "\\\\.\\pipe\\winstrument-0%lu-%016llx", AGREE,
     WST_E_CORRUPT},
    {"name: another pid", "\\\\.\\pipe\\winstrument-1%lu-%016llx", AGREE, WST_E_CORRUPT},
    {"name: another instance", "\\\\.\\pipe\\winstrument-%lu-%016llx0", AGREE, WST_E_CORRUPT},
    {"name: words instead of numbers", "\\\\.\\pipe\\winstrument-x%lu-%016llx-evil", AGREE,
     WST_E_CORRUPT},
};

static void publish(const char *name)
{
    /* This program's worker never starts (main), so nothing else writes
     * the region header while a case runs. */
    memcpy(wst_region_.pipe_name, name, WST_PIPE_NAME_MAX);
    wst_region_.mode = WST_MODE_THREADPOOL;
    wst_region_set_worker_state(WST_WORKER_SERVING);
}

static void clients_table(void **state)
{
    (void)state;
    const uint32_t pid = GetCurrentProcessId();
    int wrong = 0;
    for (size_t i = 0; i < sizeof client_cases / sizeof client_cases[0]; i++) {
        const struct client_case *tc = &client_cases[i];
        struct fake f;
        memset(&f, 0, sizeof f);
        print_message("client: %s\n", tc->what);
        wst_region_.instance = 0x00c0ffee00000000ull + i;
        snprintf(f.name, sizeof f.name, tc->name, (unsigned long)pid,
                 (unsigned long long)wst_region_.instance);
        f.hello = (struct wst_msg_hello){
            .protocol_version = WST_PROTOCOL_VERSION,
            .runtime_version = WST_VERSION_NUMBER,
            .layout_version = tc->hello == LAYOUT_2      ? 2
                              : tc->hello == LAYOUT_NEXT ? WST_LAYOUT_VERSION + 1
                              : tc->hello == LAYOUT_1    ? 1
                                                         : WST_LAYOUT_VERSION,
            .mode = WST_MODE_THREADPOOL,
            .pid = pid + (tc->hello == OTHER_PID ? 4 : 0),
            .worker_state = WST_WORKER_SERVING,
            .module_base = self_base() + (tc->hello == OTHER_BASE ? 0x10000 : 0),
            .instance = wst_region_.instance + (tc->hello == OTHER_INSTANCE ? 1 : 0),
        };
        f.pipe = CreateNamedPipeA(f.name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE | PIPE_WAIT, 1, 4096,
                                  4096, 0, NULL);
        assert_true(f.pipe != INVALID_HANDLE_VALUE);
        f.ready = CreateEventW(NULL, TRUE, FALSE, NULL);
        HANDLE thread = CreateThread(NULL, 0, fake_serve, &f, 0, NULL);
        assert_non_null(thread);
        WaitForSingleObject(f.ready, INFINITE);
        publish(f.name);

        struct wst_options o = {.pid = pid, .via = WST_VIA_PIPE, .timeout_ms = 2000};
        struct wst_error err = {0};
        FILE *sink = tmpfile();
        enum wst_status st = wst_verb_dump(&o, sink, &err);
        fclose(sink);
        print_message("    -> %s: %s\n", wst_status_name(st), err.detail);

        /* Unblock the fake if the client never came, then reap it. */
        HANDLE poke = CreateFileA(f.name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0,
                                  NULL);
        if (poke != INVALID_HANDLE_VALUE)
            CloseHandle(poke);
        assert_int_equal(WaitForSingleObject(thread, 5000), WAIT_OBJECT_0);
        CloseHandle(thread);
        CloseHandle(f.pipe);
        CloseHandle(f.ready);
        if (st != tc->status || (tc->status != WST_OK && f.served_snapshot)) {
            print_message("    WRONG: %s, expected %s%s\n", wst_status_name(st),
                          wst_status_name(tc->status),
                          f.served_snapshot ? " (and the fake's snapshot was used)" : "");
            wrong++;
        }
    }
    memset(wst_region_.pipe_name, 0, WST_PIPE_NAME_MAX);
    wst_region_set_worker_state(WST_WORKER_IDLE);
    assert_int_equal(wrong, 0);
}

static void hit_counters(void)
{
    WST_COUNT("pipe_name.test");
}

int main(void)
{
    /* No worker of this program's own: the fake plays it (see the top). */
    InterlockedExchange(&wst_runtime_hit_seen_, 1);
    hit_counters();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_parse_round_trip), cmocka_unit_test(trigger_name_form),
        cmocka_unit_test(parse_refuses),           cmocka_unit_test(identity_checks),
        cmocka_unit_test(clients_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
