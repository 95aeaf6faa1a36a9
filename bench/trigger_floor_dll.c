/*
 * The design floor of bench_lifecycle: a DLL without the runtime that does
 * only what the on-demand trigger needs (issue 14's suggested design), and
 * nothing of what winstrument adds on top (no descriptor or label on the
 * event, no region, no stripes, no host watch, no idle stop, no pipe
 * security, one pipe instance):
 *
 *   attach   create a per-instance named auto-reset event; create a
 *            thread-pool wait (default pool, runs-long) and arm it on it;
 *   wake     (the event is signalled) the callback creates a stop event and
 *            one pipe instance, listens, and blocks in one wait on both;
 *   detach   disarm, set the stop event if a callback serves, cancel a
 *            queued callback and wait for a running one, close.
 *
 * So the lifecycle table can tell what the mechanism itself costs under Wine
 * (this DLL against lifecycle_plain.dll) from what winstrument adds to it
 * (lifecycle_wst.dll against this one). It keeps the lifecycle guarantees
 * the runtime keeps (no callback after detach, no leak, no wait under the
 * loader lock for a callback that has not started), since a floor that
 * skips them would not be a floor anyone could ship.
 *
 * Threads: the loader (DllMain, loader lock held) and one default-pool
 * thread at a time (the wait is one-shot and never re-armed). They share
 * `lock`, `closing` and `stop`; state is atomic. It never writes output.
 */
#include <windows.h>

#include <stdint.h>
#include <stdio.h>

#include "winstrument/region.h"

static uint64_t calls;
static WCHAR trigger_name[64], pipe_name[64];
static char trigger_name_a[64];
static HANDLE trigger;
static PTP_WAIT wait;
static TP_CALLBACK_ENVIRON environment;
static SRWLOCK lock = SRWLOCK_INIT;
static BOOL closing;      /* under lock: the detach has begun */
static HANDLE stop;       /* under lock: the serving callback's stop event */
static volatile LONG state = WST_WORKER_IDLE;

static void CALLBACK serve_once(PTP_CALLBACK_INSTANCE instance, PVOID context, PTP_WAIT w,
                                TP_WAIT_RESULT result)
{
    (void)instance;
    (void)context;
    (void)w;
    (void)result;
    AcquireSRWLockExclusive(&lock);
    if (!closing)
        stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE my_stop = stop;
    ReleaseSRWLockExclusive(&lock);
    if (my_stop == NULL)
        return;
    HANDLE pipe = CreateNamedPipeW(pipe_name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED |
                                                  FILE_FLAG_FIRST_PIPE_INSTANCE,
                                   PIPE_TYPE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1,
                                   4096, 4096, 0, NULL);
    HANDLE io = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (pipe == INVALID_HANDLE_VALUE || io == NULL)
        goto out;
    OVERLAPPED ov = {.hEvent = io};
    BOOL pending = ConnectNamedPipe(pipe, &ov) || GetLastError() == ERROR_IO_PENDING;
    InterlockedExchange(&state, WST_WORKER_SERVING);
    HANDLE both[2] = {my_stop, io};
    WaitForMultipleObjects(pending ? 2 : 1, both, FALSE, INFINITE);
    if (pending) {
        DWORD n;
        CancelIoEx(pipe, &ov);
        GetOverlappedResult(pipe, &ov, &n, TRUE);
    }
out:
    if (pipe != INVALID_HANDLE_VALUE)
        CloseHandle(pipe);
    if (io != NULL)
        CloseHandle(io);
    /* The stop event is the detach's to close: it set it. */
}

static void attach(void)
{
    LARGE_INTEGER now;
    QueryPerformanceCounter(&now);
    snprintf(trigger_name_a, sizeof trigger_name_a, "Local\\wst-floor-%lu-%llx",
             GetCurrentProcessId(), (unsigned long long)now.QuadPart);
    swprintf(trigger_name, 64, L"%hs", trigger_name_a);
    swprintf(pipe_name, 64, L"\\\\.\\pipe\\wst-floor-%lu-%llx", GetCurrentProcessId(),
             (unsigned long long)now.QuadPart);
    trigger = CreateEventW(NULL, FALSE, FALSE, trigger_name);
    InitializeThreadpoolEnvironment(&environment);
    SetThreadpoolCallbackRunsLong(&environment);
    wait = CreateThreadpoolWait(serve_once, NULL, &environment);
    if (trigger != NULL && wait != NULL)
        SetThreadpoolWait(wait, trigger, NULL);
}

static void detach(void)
{
    AcquireSRWLockExclusive(&lock);
    closing = TRUE;
    ReleaseSRWLockExclusive(&lock);
    if (wait != NULL) {
        SetThreadpoolWait(wait, NULL, NULL);
        if (stop != NULL)
            SetEvent(stop);
        WaitForThreadpoolWaitCallbacks(wait, TRUE);
        CloseThreadpoolWait(wait);
    }
    DestroyThreadpoolEnvironment(&environment);
    if (stop != NULL)
        CloseHandle(stop);
    if (trigger != NULL)
        CloseHandle(trigger);
}

BOOL WINAPI DllMain(HINSTANCE module, DWORD reason, LPVOID reserved)
{
    (void)module;
    if (reason == DLL_PROCESS_ATTACH)
        attach();
    else if (reason == DLL_PROCESS_DETACH && reserved == NULL)
        detach(); /* at exit the pool's threads are gone: nothing to stop */
    return TRUE;
}

/* The exports bench_lifecycle calls, as lifecycle_dll.c has them. */
__declspec(dllexport) void __cdecl bench_lc_call(void)
{
    __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
}

__declspec(dllexport) unsigned __cdecl bench_lc_worker_state(void)
{
    return (unsigned)InterlockedCompareExchange(&state, 0, 0);
}

__declspec(dllexport) void __cdecl bench_lc_trigger_name(char out[WST_PIPE_NAME_MAX])
{
    lstrcpynA(out, trigger_name_a, WST_PIPE_NAME_MAX);
}

__declspec(dllexport) unsigned __cdecl bench_lc_mode(void)
{
    return WST_MODE_UNSET;
}
