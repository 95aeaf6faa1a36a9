/*
 * Failure paths of the threadpool worker and its pipe server
 * (src/runtime/mode_threadpool.c, pipe_server.c), with Win32 failures
 * injected through the runtime's OS table (os_win.h): a pipe that cannot be
 * created, a thread-pool wait or the trigger that cannot (the
 * trigger's failure falls back to a start at the first hit), a wait that
 * fails, listening
 * that fails; and a squatter that tries the name while an instance is
 * replaced. Whatever fails, the worker must end in a published state (never
 * stuck in STARTING), the module's region must stay readable by the same
 * parser the inspector uses, and the unload path must return promptly.
 *
 * The program is itself instrumented, and drives its own module's threadpool
 * mode table directly (attach, stop_on_unload, as lifecycle.c would), and
 * starts the worker as an inspector does, through the trigger. So that the
 * lifecycle never starts a worker of its own beside the test's, main() marks
 * the first probe hit as seen before any probe runs.
 *
 * Threads: the test thread, and the pool thread of the worker under test.
 * The OS table is swapped only while no worker runs (os_win.h requires it);
 * the injection counters are interlocked, since both threads call the fakes.
 */
#define WIN32_NO_STATUS /* winnt.h's few STATUS_ codes; ntstatus.h has them all */
#include <windows.h>
#undef WIN32_NO_STATUS

#include <aclapi.h>
#include <ntstatus.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <winstrument.h>

#include "mode.h"
#include "os_win.h"
#include "pipe_server.h"
#include "protocol_codec.h"
#include "region_internal.h"
#include "region_parse.h"

/* A worker settles in well under a second under Wine; the bound only keeps a
 * broken build from hanging the suite until unit-check's timeout. */
#define SETTLE_MS 10000u
/* What "prompt" means for an unload (the design's figure is milliseconds). */
#define STOP_BOUND_MS 2000u
/* A client waits this long for a reply (the server answers at once). */
#define REPLY_BOUND_MS 5000u

/* ---------------------------------------------------------------- faults */

enum which {
    NONE,
    CREATE_NAMED_PIPE,
    GET_PIPE_STATE,
    CONNECT,
    WAIT_MULTIPLE,
    CREATE_EVENT,
    OPEN_TOKEN,
    TOKEN_INFO,
    CREATE_WAIT,
};

/* Calls number fail_from .. fail_from + fail_count - 1 (1-based) of the
 * chosen entry fail with `error`; fail_count 0 means every call from
 * fail_from on. */
struct fault {
    enum which which;
    unsigned fail_from, fail_count;
    DWORD error;
};

static struct fault injected;
static volatile LONG calls;
static struct wst_os real;

static BOOL failing(enum which which)
{
    if (injected.which != which)
        return FALSE;
    LONG n = InterlockedIncrement(&calls);
    if ((unsigned)n < injected.fail_from)
        return FALSE;
    if (injected.fail_count != 0 && (unsigned)n >= injected.fail_from + injected.fail_count)
        return FALSE;
    SetLastError(injected.error);
    return TRUE;
}

/* While set, every pipe creation of the server first asks whether the name
 * exists at that moment, and counts in name_was_free each time it did not:
 * a squatter could then have created it. The question itself creates no
 * instance (WaitNamedPipe answers ERROR_FILE_NOT_FOUND only when the name
 * has no instance at all), so it cannot disturb the server or its clients. */
static volatile LONG squat_probe, name_was_free;

static void try_squat(LPCWSTR name)
{
    if (!WaitNamedPipeW(name, 1) && GetLastError() == ERROR_FILE_NOT_FOUND)
        InterlockedIncrement(&name_was_free);
}

static HANDLE WINAPI fake_CreateNamedPipeW(LPCWSTR name, DWORD open_mode, DWORD pipe_mode,
                                           DWORD max_instances, DWORD out_size, DWORD in_size,
                                           DWORD timeout, LPSECURITY_ATTRIBUTES sa)
{
    if (squat_probe)
        try_squat(name);
    if (failing(CREATE_NAMED_PIPE))
        return INVALID_HANDLE_VALUE;
    return real.CreateNamedPipeW(name, open_mode, pipe_mode, max_instances, out_size, in_size,
                                 timeout, sa);
}

static BOOL WINAPI fake_GetNamedPipeHandleStateW(HANDLE pipe, LPDWORD state, LPDWORD instances,
                                                 LPDWORD max_collection, LPDWORD timeout,
                                                 LPWSTR user, DWORD user_size)
{
    if (failing(GET_PIPE_STATE))
        return FALSE;
    return real.GetNamedPipeHandleStateW(pipe, state, instances, max_collection, timeout, user,
                                         user_size);
}

static BOOL WINAPI fake_ConnectNamedPipe(HANDLE pipe, LPOVERLAPPED ov)
{
    if (failing(CONNECT))
        return FALSE;
    return real.ConnectNamedPipe(pipe, ov);
}

static DWORD WINAPI fake_WaitForMultipleObjects(DWORD count, const HANDLE *handles, BOOL all,
                                                DWORD timeout)
{
    if (failing(WAIT_MULTIPLE))
        return WAIT_FAILED;
    return real.WaitForMultipleObjects(count, handles, all, timeout);
}

static HANDLE WINAPI fake_CreateEventW(LPSECURITY_ATTRIBUTES sa, BOOL manual, BOOL initial,
                                       LPCWSTR name)
{
    if (failing(CREATE_EVENT))
        return NULL;
    return real.CreateEventW(sa, manual, initial, name);
}

/* The token entries are ntdll's: a fault answers its `error` as the
 * NTSTATUS, and the runtime must turn it into a Win32 error itself. */
static NTSTATUS NTAPI fake_NtOpenProcessToken(HANDLE process, ACCESS_MASK access, PHANDLE token)
{
    if (failing(OPEN_TOKEN))
        return (NTSTATUS)injected.error;
    return real.NtOpenProcessToken(process, access, token);
}

/* Non-zero: TokenIntegrityLevel answers S-1-16-<this RID> instead of the
 * real level (Wine 8 runs every process at High and cannot lower a token). */
static DWORD fake_integrity_rid;

static NTSTATUS NTAPI fake_NtQueryInformationToken(HANDLE token, TOKEN_INFORMATION_CLASS cls,
                                                   PVOID info, ULONG size, PULONG needed)
{
    if (failing(TOKEN_INFO))
        return (NTSTATUS)injected.error;
    if (cls == TokenIntegrityLevel && fake_integrity_rid != 0) {
        static SID_IDENTIFIER_AUTHORITY mandatory = {SECURITY_MANDATORY_LABEL_AUTHORITY};
        TOKEN_MANDATORY_LABEL *label = info;
        DWORD sid_size = GetSidLengthRequired(1);
        *needed = (ULONG)sizeof *label + sid_size;
        if (size < *needed)
            return STATUS_BUFFER_TOO_SMALL;
        label->Label.Sid = (PSID)(label + 1);
        label->Label.Attributes = SE_GROUP_INTEGRITY;
        InitializeSid(label->Label.Sid, &mandatory, 1);
        *GetSidSubAuthority(label->Label.Sid, 0) = fake_integrity_rid;
        return STATUS_SUCCESS;
    }
    return real.NtQueryInformationToken(token, cls, info, size, needed);
}

static PTP_WAIT WINAPI fake_CreateThreadpoolWait(PTP_WAIT_CALLBACK callback, PVOID context,
                                                 PTP_CALLBACK_ENVIRON env)
{
    if (failing(CREATE_WAIT))
        return NULL;
    return real.CreateThreadpoolWait(callback, context, env);
}

/* Every entry that can be made to fail is replaced; the fakes pass through
 * to the real function unless `fault` names them. */
static void inject(const struct fault *fault)
{
    wst_os_restore();
    real = wst_os;
    injected = *fault;
    calls = 0;
    wst_os.CreateNamedPipeW = fake_CreateNamedPipeW;
    wst_os.GetNamedPipeHandleStateW = fake_GetNamedPipeHandleStateW;
    wst_os.ConnectNamedPipe = fake_ConnectNamedPipe;
    wst_os.WaitForMultipleObjects = fake_WaitForMultipleObjects;
    wst_os.CreateEventW = fake_CreateEventW;
    wst_os.NtOpenProcessToken = fake_NtOpenProcessToken;
    wst_os.NtQueryInformationToken = fake_NtQueryInformationToken;
    wst_os.CreateThreadpoolWait = fake_CreateThreadpoolWait;
}

static int restore(void **state)
{
    (void)state;
    wst_os_restore();
    injected.which = NONE;
    return 0;
}

/* The teardown of a test that runs the worker: a failed assertion leaves it
 * running, with the fakes installed, and the next test would start beside
 * it. Stopping is harmless when the test stopped it already. */
static int stop_and_restore(void **state)
{
    (void)state;
    wst_mode_threadpool.stop_on_unload();
    wst_os_restore();
    injected.which = NONE;
    return 0;
}

/* ---------------------------------------------------------------- helpers */

static uint32_t worker_state(void)
{
    return __atomic_load_n(&wst_region_.worker_state, __ATOMIC_ACQUIRE);
}

/* Polls until the worker reaches `want`; FALSE if it never does. */
static BOOL settles_in(uint32_t want)
{
    ULONGLONG until = GetTickCount64() + SETTLE_MS;
    while (worker_state() != want) {
        if (GetTickCount64() > until)
            return FALSE;
        Sleep(5);
    }
    return TRUE;
}

/* Reads this module's own region the inspector's way, from the header to the
 * end of the trailer, and checks that the probe counter is there with its
 * value and the header publishes `state`. */
static void region_reads(uint32_t state, uint64_t probe_value)
{
    const unsigned char *b = (const unsigned char *)&wst_region_;
    size_t size = (size_t)((const unsigned char *)wst_region_counters_end() - b) +
                  sizeof(struct wst_region_trailer);
    struct wst_region_info info;
    struct wst_region_counter counters[16];
    size_t count = 0;
    assert_true(wst_region_max_counters(size) <= sizeof counters / sizeof counters[0]);
    assert_int_equal(wst_region_parse(b, size, &info, counters, 16, &count), WST_OK);
    assert_int_equal(info.header.worker_state, state);
    assert_int_equal(info.header.pid, GetCurrentProcessId());
    for (size_t i = 0; i < count; i++) {
        if (strcmp(counters[i].name, "faults.probe") == 0) {
            assert_int_equal(counters[i].value, probe_value);
            return;
        }
    }
    fail_msg("counter faults.probe missing from the region");
}

static uint64_t probe_total;

static void hit_probe(void)
{
    WST_ADD("faults.probe", 3);
    probe_total += 3;
}

/* Reads exactly n bytes, or fails after REPLY_BOUND_MS: a server that never
 * answers must fail the test, not hang it. */
static BOOL read_reply(HANDLE pipe, void *buf, DWORD n)
{
    OVERLAPPED ov = {0};
    DWORD got = 0, done = 0;
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    assert_non_null(ov.hEvent);
    while (got < n) {
        ResetEvent(ov.hEvent);
        if (!ReadFile(pipe, (char *)buf + got, n - got, NULL, &ov) &&
            GetLastError() != ERROR_IO_PENDING)
            break;
        if (WaitForSingleObject(ov.hEvent, REPLY_BOUND_MS) != WAIT_OBJECT_0) {
            CancelIoEx(pipe, &ov);
            GetOverlappedResult(pipe, &ov, &done, TRUE);
            break;
        }
        if (!GetOverlappedResult(pipe, &ov, &done, FALSE) || done == 0)
            break;
        got += done;
    }
    CloseHandle(ov.hEvent);
    return got == n;
}

/* Opens the published pipe and sends `request` (n bytes). With a reply
 * expected, reads the header and checks its type and id; returns FALSE if
 * the pipe could not be opened. */
static BOOL exchange(const void *request, DWORD n, uint16_t reply_type, uint32_t id)
{
    char name[WST_PIPE_NAME_MAX];
    const DWORD access = GENERIC_READ | GENERIC_WRITE;
    memcpy(name, wst_region_.pipe_name, sizeof name);
    HANDLE pipe = CreateFileA(name, access, 0, NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
    if (pipe == INVALID_HANDLE_VALUE && GetLastError() == ERROR_PIPE_BUSY &&
        WaitNamedPipeA(name, 2000))
        pipe = CreateFileA(name, access, 0, NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
    if (pipe == INVALID_HANDLE_VALUE)
        return FALSE;
    OVERLAPPED ov = {0};
    DWORD done = 0;
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!WriteFile(pipe, request, n, NULL, &ov))
        assert_int_equal(GetLastError(), ERROR_IO_PENDING);
    assert_true(GetOverlappedResult(pipe, &ov, &done, TRUE) && done == n);
    CloseHandle(ov.hEvent);
    if (reply_type != 0) {
        struct wst_msg_header h;
        unsigned char raw[sizeof h];
        if (!read_reply(pipe, raw, sizeof raw))
            fail_msg("no reply within %u ms", REPLY_BOUND_MS);
        assert_int_equal(wst_msg_header_decode(raw, sizeof raw, &h, NULL), WST_OK);
        assert_int_equal(h.type, reply_type);
        assert_int_equal(h.request_id, id);
    }
    CloseHandle(pipe);
    return TRUE;
}

static void hello_is_answered(uint32_t id)
{
    struct wst_msg_header h;
    wst_msg_header_init(&h, WST_MSG_HELLO, id, 0);
    assert_true(exchange(&h, sizeof h, WST_MSG_HELLO | WST_MSG_REPLY, id));
}

/* Starts the worker as an inspector does: signals the trigger by the name
 * derived from the region. A module whose trigger is not armed (its name
 * could not be created) starts at its first probe hit instead. */
static void start_worker(void)
{
    char name[WST_PIPE_NAME_MAX];
    if (wst_region_.trigger_state != WST_TRIGGER_ARMED) {
        wst_mode_threadpool.first_hit();
        return;
    }
    wst_trigger_name_format(name, wst_region_.pid, wst_region_.instance);
    HANDLE event = OpenEventA(EVENT_MODIFY_STATE, FALSE, name);
    assert_non_null(event);
    assert_true(SetEvent(event));
    CloseHandle(event);
}

/* stop_on_unload, timed: it must return promptly whatever state the worker
 * is in, and leave STOPPED with the pipe name cleared. */
static void stop_promptly(void)
{
    ULONGLONG t0 = GetTickCount64();
    wst_mode_threadpool.stop_on_unload();
    ULONGLONG took = GetTickCount64() - t0;
    print_message("    stop_on_unload took %u ms\n", (unsigned)took);
    assert_true(took < STOP_BOUND_MS);
    assert_int_equal(worker_state(), WST_WORKER_STOPPED);
    assert_int_equal(wst_region_.pipe_name[0], '\0');
}

/* ---------------------------------------------------- the worker, a table */

struct worker_case {
    const char *what;
    struct fault fault;
    uint32_t settles; /* WST_WORKER_SERVING or WST_WORKER_PIPE_FAILED */
    uint32_t trigger; /* the trigger_state attach leaves */
};

#define ARMED WST_TRIGGER_ARMED
#define FELL_BACK WST_TRIGGER_FAILED
#define NO_TRIGGER WST_TRIGGER_NONE

/* CreateEventW's calls: the trigger (1) at attach, the stop event (2) at the
 * worker's first start, then each pipe instance's event. The token is read at
 * attach for the trigger's descriptor (NtQueryInformationToken 1 and 2, through
 * the pseudo-handle; if that fails, NtOpenProcessToken and the next two), then
 * by the pipe server. A failure at attach that only the trigger meets leaves
 * the fallback: the worker starts at the first hit. */
static const struct worker_case worker_cases[] = {
    {"no fault", {NONE, 0, 0, 0}, WST_WORKER_SERVING, ARMED},
    {"CreateNamedPipeW fails", {CREATE_NAMED_PIPE, 1, 0, ERROR_NOT_ENOUGH_MEMORY},
     WST_WORKER_PIPE_FAILED, ARMED},
    {"CreateNamedPipeW: name taken", {CREATE_NAMED_PIPE, 1, 0, ERROR_ACCESS_DENIED},
     WST_WORKER_PIPE_FAILED, ARMED},
    {"CreateNamedPipeW fails from the 2nd instance", {CREATE_NAMED_PIPE, 2, 0, ERROR_NO_SYSTEM_RESOURCES},
     WST_WORKER_SERVING, ARMED},
    {"GetNamedPipeHandleStateW fails", {GET_PIPE_STATE, 1, 0, ERROR_INVALID_HANDLE},
     WST_WORKER_PIPE_FAILED, ARMED},
    {"NtOpenProcessToken fails", {OPEN_TOKEN, 1, 0, STATUS_ACCESS_DENIED}, WST_WORKER_PIPE_FAILED,
     ARMED},
    {"NtQueryInformationToken fails through the pseudo-handle only", {TOKEN_INFO, 1, 1,
     STATUS_INVALID_HANDLE}, WST_WORKER_SERVING, ARMED},
    {"NtQueryInformationToken fails twice (the trigger's)",
     {TOKEN_INFO, 1, 2, STATUS_ACCESS_DENIED}, WST_WORKER_SERVING, FELL_BACK},
    {"NtQueryInformationToken fails", {TOKEN_INFO, 1, 0, STATUS_BUFFER_TOO_SMALL},
     WST_WORKER_PIPE_FAILED, FELL_BACK},
    {"NtQueryInformationToken fails (the pipe's integrity level)",
     {TOKEN_INFO, 4, 0, STATUS_INVALID_PARAMETER}, WST_WORKER_PIPE_FAILED, ARMED},
    {"CreateEventW fails (stop event)", {CREATE_EVENT, 2, 0, ERROR_NOT_ENOUGH_MEMORY},
     WST_WORKER_PIPE_FAILED, ARMED},
    {"CreateEventW fails (the trigger)", {CREATE_EVENT, 1, 1, ERROR_NOT_ENOUGH_MEMORY},
     WST_WORKER_SERVING, FELL_BACK},
    {"CreateEventW fails (the trigger and its fallback)", {CREATE_EVENT, 1, 2, ERROR_NOT_ENOUGH_MEMORY},
     WST_WORKER_PIPE_FAILED, NO_TRIGGER},
    {"CreateEventW fails (first instance's event)", {CREATE_EVENT, 3, 0, ERROR_NOT_ENOUGH_MEMORY},
     WST_WORKER_PIPE_FAILED, ARMED},
    {"CreateThreadpoolWait fails", {CREATE_WAIT, 1, 0, ERROR_NOT_ENOUGH_MEMORY},
     WST_WORKER_PIPE_FAILED, NO_TRIGGER},
    {"WaitForMultipleObjects fails", {WAIT_MULTIPLE, 1, 0, ERROR_INVALID_HANDLE},
     WST_WORKER_PIPE_FAILED, ARMED},
    {"ConnectNamedPipe fails on every instance", {CONNECT, 1, 0, ERROR_BAD_PIPE},
     WST_WORKER_PIPE_FAILED, ARMED},
    {"ConnectNamedPipe: ERROR_NO_DATA for ever", {CONNECT, 1, 0, ERROR_NO_DATA},
     WST_WORKER_PIPE_FAILED, ARMED},
    {"ConnectNamedPipe: one instance fails", {CONNECT, 1, 1, ERROR_BAD_PIPE}, WST_WORKER_SERVING,
     ARMED},
};

static void worker_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof worker_cases / sizeof worker_cases[0]; i++) {
        const struct worker_case *tc = &worker_cases[i];
        print_message("worker: %s\n", tc->what);
        inject(&tc->fault);
        wst_mode_threadpool.attach(GetModuleHandleW(NULL));
        assert_int_equal(wst_region_.trigger_state, tc->trigger);
        /* IDLE: nothing starts at attach; PIPE_FAILED if attach itself failed. */
        if (worker_state() != WST_WORKER_IDLE)
            assert_int_equal(worker_state(), WST_WORKER_PIPE_FAILED);
        start_worker();
        hit_probe();
        if (!settles_in(tc->settles))
            fail_msg("%s: worker state %u, expected %u", tc->what, worker_state(), tc->settles);
        region_reads(tc->settles, probe_total);
        if (tc->settles == WST_WORKER_SERVING) {
            hello_is_answered((uint32_t)i + 1);
        } else {
            assert_int_equal(wst_region_.pipe_name[0], '\0');
        }
        stop_promptly();
        region_reads(WST_WORKER_STOPPED, probe_total);
        restore(NULL);
    }
}

/* ------------------------------------------------- bad clients, a table */

struct client_case {
    const char *what;
    struct wst_msg_header h;
    DWORD send; /* bytes of h to send; the rest is never written */
    uint16_t reply_type; /* 0: the server must just drop or wait for the client */
};

#define HDR(magic, version, type, length)                                                      \
    {(magic), (version), (type), 77u, (length)}

static const struct client_case client_cases[] = {
    {"bad magic", HDR(0x12345678u, WST_PROTOCOL_VERSION, WST_MSG_HELLO, 0), 16, WST_MSG_ERROR},
    {"bad version", HDR(WST_MSG_MAGIC, 99, WST_MSG_HELLO, 0), 16, WST_MSG_ERROR},
    {"unknown type", HDR(WST_MSG_MAGIC, WST_PROTOCOL_VERSION, 0x1234, 0), 16, WST_MSG_ERROR},
    {"a reply type as request", HDR(WST_MSG_MAGIC, WST_PROTOCOL_VERSION, WST_MSG_ERROR, 8), 16,
     WST_MSG_ERROR},
    {"payload on a request", HDR(WST_MSG_MAGIC, WST_PROTOCOL_VERSION, WST_MSG_STATS, 4), 16,
     WST_MSG_ERROR},
    {"length over the limit", HDR(WST_MSG_MAGIC, WST_PROTOCOL_VERSION, WST_MSG_SNAPSHOT, ~0u), 16,
     WST_MSG_ERROR},
    {"truncated frame, then hang-up", HDR(WST_MSG_MAGIC, WST_PROTOCOL_VERSION, WST_MSG_HELLO, 0), 7,
     0},
    {"one byte, then hang-up", HDR(WST_MSG_MAGIC, WST_PROTOCOL_VERSION, WST_MSG_HELLO, 0), 1, 0},
};

/* Each bad client in turn, each followed by a good one that must be served;
 * then the unload must still be prompt. */
static void bad_clients_table(void **state)
{
    (void)state;
    struct fault none = {NONE, 0, 0, 0};
    inject(&none);
    wst_mode_threadpool.attach(GetModuleHandleW(NULL));
    start_worker();
    assert_true(settles_in(WST_WORKER_SERVING));
    for (size_t i = 0; i < sizeof client_cases / sizeof client_cases[0]; i++) {
        const struct client_case *tc = &client_cases[i];
        print_message("client: %s\n", tc->what);
        assert_true(exchange(&tc->h, tc->send, tc->reply_type, 77u));
        hello_is_answered(1000u + (uint32_t)i);
    }
    assert_int_equal(worker_state(), WST_WORKER_SERVING);
    stop_promptly();
    restore(NULL);
}

/* After an error reply the server replaces the instance. The name must stay
 * held throughout, or a squatter could take it while the region still says
 * SERVING. Hardest case: the instance is the only one (the others failed to
 * be created), so nothing else holds the name. */
static void replace_keeps_the_name(void **state)
{
    (void)state;
    struct fault second_instance_fails = {CREATE_NAMED_PIPE, 2, 1, ERROR_NO_SYSTEM_RESOURCES};
    inject(&second_instance_fails);
    wst_mode_threadpool.attach(GetModuleHandleW(NULL));
    start_worker();
    assert_true(settles_in(WST_WORKER_SERVING));
    unsigned not_found = 0;
    InterlockedExchange(&name_was_free, 0);
    InterlockedExchange(&squat_probe, 1);
    for (uint32_t i = 0; i < 3; i++) {
        struct wst_msg_header bad = HDR(0x12345678u, WST_PROTOCOL_VERSION, WST_MSG_HELLO, 0);
        print_message("replacement %u (the name was free %ld time(s) so far)\n", (unsigned)i + 1,
                      name_was_free);
        assert_true(exchange(&bad, sizeof bad, WST_MSG_ERROR, 77u));
        /* At once: the replacement must already hold the name. */
        struct wst_msg_header h;
        wst_msg_header_init(&h, WST_MSG_HELLO, 2000u + i, 0);
        if (!exchange(&h, sizeof h, WST_MSG_HELLO | WST_MSG_REPLY, 2000u + i)) {
            print_message("    a client found no pipe (error %lu)\n", GetLastError());
            not_found++;
        }
    }
    InterlockedExchange(&squat_probe, 0);
    print_message("    the name was free %ld time(s) during 3 replacements; %u client(s) "
                  "found no pipe\n",
                  name_was_free, not_found);
    assert_int_equal(name_was_free, 0);
    assert_int_equal(not_found, 0);
    assert_int_equal(worker_state(), WST_WORKER_SERVING);
    stop_promptly();
    restore(NULL);
}

/* Listening fails on the first instance, before any client came: the next
 * listener must be created while the failed instance still holds the name,
 * and before the name is published. Closing first left the name free for a
 * moment, in which a client that had just read SERVING found no pipe (once,
 * under Debian 13's Wine 10, in worker_table). */
static void failed_listen_keeps_the_name(void **state)
{
    (void)state;
    struct fault first_listen_fails = {CONNECT, 1, 1, ERROR_BAD_PIPE};
    inject(&first_listen_fails);
    InterlockedExchange(&name_was_free, 0);
    InterlockedExchange(&squat_probe, 1);
    wst_mode_threadpool.attach(GetModuleHandleW(NULL));
    start_worker();
    assert_true(settles_in(WST_WORKER_SERVING));
    InterlockedExchange(&squat_probe, 0);
    print_message("    the name was free %ld time(s) before the second instance\n", name_was_free);
    /* the first instance claims the name: it is free then, and only then */
    assert_int_equal(name_was_free, 1);
    hello_is_answered(3000u);
    stop_promptly();
    restore(NULL);
}

/* Opens the published pipe, has HELLO answered on it, and keeps it open (a
 * connected client); NULL if it could not be opened or was not answered. */
static HANDLE hello_kept_open(uint32_t id)
{
    char name[WST_PIPE_NAME_MAX];
    memcpy(name, wst_region_.pipe_name, sizeof name);
    HANDLE pipe = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                              FILE_FLAG_OVERLAPPED, NULL);
    if (pipe == INVALID_HANDLE_VALUE && GetLastError() == ERROR_PIPE_BUSY &&
        WaitNamedPipeA(name, 2000))
        pipe = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                           FILE_FLAG_OVERLAPPED, NULL);
    if (pipe == INVALID_HANDLE_VALUE)
        return NULL;
    struct wst_msg_header h;
    unsigned char raw[sizeof h];
    wst_msg_header_init(&h, WST_MSG_HELLO, id, 0);
    OVERLAPPED ov = {0};
    DWORD done = 0;
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!WriteFile(pipe, &h, sizeof h, NULL, &ov))
        assert_int_equal(GetLastError(), ERROR_IO_PENDING);
    assert_true(GetOverlappedResult(pipe, &ov, &done, TRUE) && done == sizeof h);
    CloseHandle(ov.hEvent);
    if (!read_reply(pipe, raw, sizeof raw)) {
        CloseHandle(pipe);
        return NULL;
    }
    return pipe;
}

/* How many instances the pipe has, asked through a client's handle. */
static DWORD instances_of(HANDLE client)
{
    DWORD instances = 0;
    assert_true(GetNamedPipeHandleStateW(client, NULL, &instances, NULL, NULL, NULL, 0));
    return instances;
}

/* The server holds one listening instance while nobody talks to it (so its
 * stop reaps one operation), adds a listener when a client connects, up to
 * WST_PIPE_INSTANCES, and gives instances back as clients leave while
 * another listens. After each HELLO reply the next listener exists: the
 * server creates it before it reads the request. */
static void instances_follow_clients(void **state)
{
    (void)state;
    HANDLE clients[WST_PIPE_INSTANCES];
    wst_mode_threadpool.attach(GetModuleHandleW(NULL));
    start_worker();
    assert_true(settles_in(WST_WORKER_SERVING));
    for (unsigned i = 0; i < WST_PIPE_INSTANCES; i++) {
        clients[i] = hello_kept_open(3000u + i);
        assert_non_null(clients[i]);
        DWORD n = instances_of(clients[i]);
        print_message("    %u client(s) connected: %lu instance(s)\n", i + 1, n);
        /* each client's own, and one listening until every slot is taken */
        assert_int_equal(n, i + 1 < WST_PIPE_INSTANCES ? i + 2 : WST_PIPE_INSTANCES);
    }
    for (unsigned i = 0; i < WST_PIPE_INSTANCES; i++)
        CloseHandle(clients[i]);
    /* Whatever order the hang-ups are seen in, one instance is left
     * listening; a new client takes it and a listener follows: two. The
     * server may not have seen every hang-up yet, so ask until it has
     * (bounded: each is one wake of the worker). */
    DWORD n = 0;
    ULONGLONG t0 = GetTickCount64();
    do {
        HANDLE again = hello_kept_open(3100u);
        assert_non_null(again);
        n = instances_of(again);
        CloseHandle(again);
    } while (n != 2 && GetTickCount64() - t0 < SETTLE_MS);
    print_message("    after the hang-ups, a new client: %lu instance(s)\n", n);
    assert_int_equal(n, 2);
    stop_promptly();
    restore(NULL);
}

/* The pipe carries a mandatory label at the process's own integrity level,
 * no-write-up and no-read-up, so a process of the same user at a lower level
 * (a non-elevated one, when the target is elevated) cannot open it. Read
 * back through a client handle, as any client would see it. */
static void check_label(DWORD want_rid)
{
    char name[WST_PIPE_NAME_MAX];
    PACL sacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    memcpy(name, wst_region_.pipe_name, sizeof name);
    HANDLE h = CreateFileA(name, READ_CONTROL | GENERIC_READ | GENERIC_WRITE, 0, NULL,
                           OPEN_EXISTING, 0, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    assert_int_equal(GetSecurityInfo(h, SE_KERNEL_OBJECT, LABEL_SECURITY_INFORMATION, NULL, NULL,
                                     NULL, &sacl, &sd),
                     ERROR_SUCCESS);
    CloseHandle(h);
    if (sacl == NULL || sacl->AceCount != 1)
        fail_msg("the pipe has %u label ACE(s), expected 1", sacl ? sacl->AceCount : 0);
    SYSTEM_MANDATORY_LABEL_ACE *ace = NULL;
    assert_true(GetAce(sacl, 0, (void **)&ace));
    assert_int_equal(ace->Header.AceType, SYSTEM_MANDATORY_LABEL_ACE_TYPE);
    assert_int_equal(ace->Mask, SYSTEM_MANDATORY_LABEL_NO_WRITE_UP | SYSTEM_MANDATORY_LABEL_NO_READ_UP);
    PSID sid = (PSID)&ace->SidStart;
    assert_int_equal(*GetSidSubAuthority(sid, *GetSidSubAuthorityCount(sid) - 1u), want_rid);
    print_message("    label: integrity RID 0x%lx, mask 0x%lx\n", (unsigned long)want_rid,
                  (unsigned long)ace->Mask);
    LocalFree(sd);
}

static DWORD own_integrity_rid(void)
{
    HANDLE token;
    union {
        TOKEN_MANDATORY_LABEL label;
        uint8_t bytes[sizeof(TOKEN_MANDATORY_LABEL) + SECURITY_MAX_SID_SIZE];
    } u;
    DWORD n;
    assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
    assert_true(GetTokenInformation(token, TokenIntegrityLevel, &u, sizeof u, &n));
    CloseHandle(token);
    PSID sid = u.label.Label.Sid;
    return *GetSidSubAuthority(sid, *GetSidSubAuthorityCount(sid) - 1u);
}

static void integrity_label(void **state)
{
    (void)state;
    static const DWORD rids[] = {0, SECURITY_MANDATORY_MEDIUM_RID, SECURITY_MANDATORY_HIGH_RID};
    for (size_t i = 0; i < sizeof rids / sizeof rids[0]; i++) {
        struct fault none = {NONE, 0, 0, 0};
        inject(&none);
        fake_integrity_rid = rids[i];
        DWORD want = rids[i] != 0 ? rids[i] : own_integrity_rid();
        print_message("integrity: %s 0x%lx\n", rids[i] ? "faked" : "own", (unsigned long)want);
        wst_mode_threadpool.attach(GetModuleHandleW(NULL));
        start_worker();
        assert_true(settles_in(WST_WORKER_SERVING));
        check_label(want);
        hello_is_answered(4000u + (uint32_t)i);
        stop_promptly();
        fake_integrity_rid = 0;
        restore(NULL);
    }
}

/* When no fresh instance can be created, the old one is disconnected and
 * listens again: the name stays held and the worker keeps serving. */
static void replace_without_a_fresh_instance(void **state)
{
    (void)state;
    struct fault only_one_instance = {CREATE_NAMED_PIPE, 2, 0, ERROR_NO_SYSTEM_RESOURCES};
    inject(&only_one_instance);
    wst_mode_threadpool.attach(GetModuleHandleW(NULL));
    start_worker();
    assert_true(settles_in(WST_WORKER_SERVING));
    InterlockedExchange(&name_was_free, 0);
    InterlockedExchange(&squat_probe, 1);
    for (uint32_t i = 0; i < 3; i++) {
        struct wst_msg_header bad = HDR(0x12345678u, WST_PROTOCOL_VERSION, WST_MSG_HELLO, 0);
        assert_true(exchange(&bad, sizeof bad, 0, 77u)); /* the reply may be discarded */
        hello_is_answered(3000u + i);
    }
    InterlockedExchange(&squat_probe, 0);
    assert_int_equal(name_was_free, 0);
    assert_int_equal(worker_state(), WST_WORKER_SERVING);
    stop_promptly();
    restore(NULL);
}

/* ----------------------------------------- the pipe server API, a table */

struct open_case {
    const char *what;
    struct fault fault;
    enum wst_serve_result status;
    DWORD win32_error; /* what open reports; 0 when it succeeds */
};

static const struct open_case open_cases[] = {
    {"no fault", {NONE, 0, 0, 0}, WST_SERVE_OK, 0},
    {"name taken", {CREATE_NAMED_PIPE, 1, 0, ERROR_ACCESS_DENIED}, WST_SERVE_NAME_TAKEN,
     ERROR_ACCESS_DENIED},
    {"every instance taken", {CREATE_NAMED_PIPE, 1, 0, ERROR_PIPE_BUSY}, WST_SERVE_NAME_TAKEN,
     ERROR_PIPE_BUSY},
    {"creation fails", {CREATE_NAMED_PIPE, 1, 0, ERROR_INVALID_PARAMETER}, WST_SERVE_FAILED,
     ERROR_INVALID_PARAMETER},
    {"a squatter shares the name", {GET_PIPE_STATE, 1, 0, ERROR_INVALID_HANDLE},
     WST_SERVE_NAME_TAKEN, ERROR_ACCESS_DENIED},
    /* The token's faults are NTSTATUS codes, reported as their Win32 errors. */
    {"no token", {OPEN_TOKEN, 1, 0, STATUS_ACCESS_DENIED}, WST_SERVE_FAILED, ERROR_ACCESS_DENIED},
    {"no token user", {TOKEN_INFO, 1, 0, STATUS_BUFFER_TOO_SMALL}, WST_SERVE_FAILED,
     ERROR_INSUFFICIENT_BUFFER},
    {"no integrity level: fails closed", {TOKEN_INFO, 2, 0, STATUS_INVALID_PARAMETER},
     WST_SERVE_FAILED, ERROR_INVALID_PARAMETER},
    {"no event", {CREATE_EVENT, 1, 0, ERROR_NOT_ENOUGH_MEMORY}, WST_SERVE_FAILED,
     ERROR_NOT_ENOUGH_MEMORY},
    {"fewer instances", {CREATE_NAMED_PIPE, 3, 0, ERROR_NO_SYSTEM_RESOURCES}, WST_SERVE_OK, 0},
    {"fewer events", {CREATE_EVENT, 2, 0, ERROR_NOT_ENOUGH_MEMORY}, WST_SERVE_OK, 0},
};

static void server_config(struct wst_pipe_server_config *config, char *name, size_t i,
                          HANDLE stop)
{
    snprintf(name, WST_PIPE_NAME_MAX, "\\\\.\\pipe\\winstrument-test-%lu-%u",
             (unsigned long)GetCurrentProcessId(), (unsigned)i);
    config->name = name;
    config->stop_event = stop;
    config->module_base = 0;
    config->started_ms = GetTickCount64();
    config->region = &wst_region_;
    config->counters_begin = wst_region_counters_begin();
    config->counters_end = wst_region_counters_end();
}

static void open_table(void **state)
{
    (void)state;
    HANDLE stop = CreateEventW(NULL, TRUE, TRUE, NULL); /* already set: serve returns at once */
    assert_non_null(stop);
    for (size_t i = 0; i < sizeof open_cases / sizeof open_cases[0]; i++) {
        const struct open_case *tc = &open_cases[i];
        struct wst_pipe_server_config config;
        char name[WST_PIPE_NAME_MAX];
        struct wst_pipe_server *server = (void *)1;
        DWORD error = 12345;
        print_message("open: %s\n", tc->what);
        server_config(&config, name, i, stop);
        inject(&tc->fault);
        enum wst_serve_result st = wst_pipe_server_open(&server, &config, &error);
        assert_int_equal(st, tc->status);
        assert_int_equal(error, tc->win32_error);
        if (st != WST_SERVE_OK) {
            assert_null(server);
        } else {
            assert_int_equal(wst_pipe_server_serve(server), WST_SERVE_OK);
            wst_pipe_server_close(server);
        }
        restore(NULL);
    }
    CloseHandle(stop);
}

struct serve_case {
    const char *what;
    struct fault fault;
    enum wst_serve_result status;
};

static const struct serve_case serve_cases[] = {
    {"the wait fails", {WAIT_MULTIPLE, 1, 0, ERROR_INVALID_HANDLE}, WST_SERVE_FAILED},
    {"listening fails everywhere", {CONNECT, 1, 0, ERROR_BAD_PIPE}, WST_SERVE_FAILED},
    {"clients vanish for ever", {CONNECT, 1, 0, ERROR_NO_DATA}, WST_SERVE_FAILED},
};

/* Serve with a stop event that is never set: only the failure can end it. */
static void serve_table(void **state)
{
    (void)state;
    HANDLE stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    assert_non_null(stop);
    for (size_t i = 0; i < sizeof serve_cases / sizeof serve_cases[0]; i++) {
        const struct serve_case *tc = &serve_cases[i];
        struct wst_pipe_server_config config;
        char name[WST_PIPE_NAME_MAX];
        struct wst_pipe_server *server = NULL;
        DWORD error;
        print_message("serve: %s\n", tc->what);
        server_config(&config, name, 100 + i, stop);
        inject(&tc->fault);
        assert_int_equal(wst_pipe_server_open(&server, &config, &error), WST_SERVE_OK);
        assert_int_equal(wst_pipe_server_serve(server), tc->status);
        wst_pipe_server_close(server);
        restore(NULL);
    }
    CloseHandle(stop);
}

int main(void)
{
    /* The lifecycle must not start its own worker on the first probe: the
     * tests drive the mode table themselves. Only this test writes the flag
     * from outside wst_runtime_first_hit_. */
    InterlockedExchange(&wst_runtime_hit_seen_, 1);
    /* The lifecycle attached this module at start-up and holds its trigger:
     * stop it, so that each test's attach can create the name again. */
    wst_mode_threadpool.stop_on_unload();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(open_table, restore),
        cmocka_unit_test_teardown(serve_table, restore),
        cmocka_unit_test_teardown(worker_table, stop_and_restore),
        cmocka_unit_test_teardown(bad_clients_table, stop_and_restore),
        cmocka_unit_test_teardown(replace_keeps_the_name, stop_and_restore),
        cmocka_unit_test_teardown(failed_listen_keeps_the_name, stop_and_restore),
        cmocka_unit_test_teardown(instances_follow_clients, stop_and_restore),
        cmocka_unit_test_teardown(replace_without_a_fresh_instance, stop_and_restore),
        cmocka_unit_test_teardown(integrity_label, restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
