/*
 * The threadpool mode's start and stop (src/runtime/mode_threadpool.c) when
 * they race, and what the worker records instead of printing.
 *
 * - A first probe hit on one thread while another thread unloads the module
 *   (the host's bug, but cheap to make safe): the unload must not return
 *   while the hit is still creating and submitting the work item, else the
 *   item is submitted after the stop found none, and its worker runs in
 *   unmapped code. The OS table (os_win.h) holds the hit inside
 *   CreateThreadpoolWork while the stop runs.
 * - A worker that cannot own its pipe name records the Win32 error in the
 *   region (worker_error) rather than writing to stderr, which may block.
 *
 * The program is instrumented and drives its own module's mode table, as
 * test_pipe_server_faults.c does; main() marks the first hit as seen so the
 * lifecycle never starts a worker of its own.
 *
 * Threads: the test thread, a hitting thread and a stopping thread per race
 * round, and the pool thread of a worker. The OS table is swapped only while
 * no worker runs; the fakes' shared variables are interlocked.
 */
#include <windows.h>

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
#include "region_internal.h"


#define BOUND_MS 10000u

static struct wst_os real;
static HANDLE in_start, go;
static volatile LONG stop_returned, submits, submits_after_stop, creates;

static uint32_t worker_state(void)
{
    return __atomic_load_n(&wst_region_.worker_state, __ATOMIC_ACQUIRE);
}

/* Holds first_hit inside its start until the test says go. */
static PTP_WORK WINAPI held_CreateThreadpoolWork(PTP_WORK_CALLBACK callback, PVOID context,
                                                 PTP_CALLBACK_ENVIRON env)
{
    InterlockedIncrement(&creates);
    SetEvent(in_start);
    WaitForSingleObject(go, BOUND_MS);
    return real.CreateThreadpoolWork(callback, context, env);
}

/* Counts submits, and those that come after the stop returned; submits
 * nothing, so no worker runs whatever the order. */
static VOID WINAPI counted_SubmitThreadpoolWork(PTP_WORK work)
{
    (void)work;
    InterlockedIncrement(&submits);
    if (InterlockedCompareExchange(&stop_returned, 0, 0) != 0)
        InterlockedIncrement(&submits_after_stop);
}

static DWORD WINAPI hitting_thread(void *arg)
{
    (void)arg;
    wst_mode_threadpool.first_hit();
    return 0;
}

static DWORD WINAPI stopping_thread(void *arg)
{
    (void)arg;
    wst_mode_threadpool.stop_on_unload();
    InterlockedExchange(&stop_returned, 1);
    return 0;
}

static int restore(void **state)
{
    (void)state;
    wst_os_restore();
    return 0;
}

static void first_hit_races_unload(void **state)
{
    (void)state;
    in_start = CreateEventW(NULL, TRUE, FALSE, NULL);
    go = CreateEventW(NULL, TRUE, FALSE, NULL);
    for (int round = 0; round < 20; round++) {
        wst_os_restore();
        real = wst_os;
        wst_os.CreateThreadpoolWork = held_CreateThreadpoolWork;
        wst_os.SubmitThreadpoolWork = counted_SubmitThreadpoolWork;
        ResetEvent(in_start);
        ResetEvent(go);
        stop_returned = submits = submits_after_stop = creates = 0;

        wst_mode_threadpool.attach(GetModuleHandleW(NULL));
        HANDLE hitter = CreateThread(NULL, 0, hitting_thread, NULL, 0, NULL);
        assert_int_equal(WaitForSingleObject(in_start, BOUND_MS), WAIT_OBJECT_0);
        HANDLE stopper = CreateThread(NULL, 0, stopping_thread, NULL, 0, NULL);
        /* Give the stop time to (wrongly) finish while the start is held. */
        Sleep(round % 4 == 0 ? 100 : 5);
        LONG stopped_early = InterlockedCompareExchange(&stop_returned, 0, 0);
        SetEvent(go);
        assert_int_equal(WaitForSingleObject(hitter, BOUND_MS), WAIT_OBJECT_0);
        assert_int_equal(WaitForSingleObject(stopper, BOUND_MS), WAIT_OBJECT_0);
        CloseHandle(hitter);
        CloseHandle(stopper);
        if (stopped_early || submits_after_stop != 0)
            fail_msg("round %d: the unload returned while the first hit was still starting the "
                     "worker (returned early: %ld, submits after it: %ld)",
                     round, (long)stopped_early, (long)submits_after_stop);
        assert_int_equal(submits, 1);
        assert_int_equal(worker_state(), WST_WORKER_STOPPED);

        /* A probe after the stop (the host's own DLL_PROCESS_DETACH code)
         * starts nothing. */
        creates = 0;
        SetEvent(go);
        wst_mode_threadpool.first_hit();
        assert_int_equal(creates, 0);
        assert_int_equal(worker_state(), WST_WORKER_STOPPED);
    }
    CloseHandle(in_start);
    CloseHandle(go);
}

static HANDLE WINAPI busy_CreateNamedPipeW(LPCWSTR name, DWORD open_mode, DWORD pipe_mode,
                                           DWORD max_instances, DWORD out_size, DWORD in_size,
                                           DWORD timeout, LPSECURITY_ATTRIBUTES sa)
{
    (void)name, (void)open_mode, (void)pipe_mode, (void)max_instances;
    (void)out_size, (void)in_size, (void)timeout, (void)sa;
    SetLastError(ERROR_PIPE_BUSY);
    return INVALID_HANDLE_VALUE;
}

static void pipe_failure_is_recorded(void **state)
{
    (void)state;
    wst_os_restore();
    wst_os.CreateNamedPipeW = busy_CreateNamedPipeW;
    wst_mode_threadpool.attach(GetModuleHandleW(NULL));
    assert_int_equal(wst_region_.worker_error, 0);
    wst_mode_threadpool.first_hit();
    ULONGLONG until = GetTickCount64() + BOUND_MS;
    while (worker_state() != WST_WORKER_PIPE_FAILED && GetTickCount64() < until)
        Sleep(5);
    assert_int_equal(worker_state(), WST_WORKER_PIPE_FAILED);
    assert_int_equal(wst_region_.worker_error, ERROR_PIPE_BUSY);
    wst_mode_threadpool.stop_on_unload();
    assert_int_equal(worker_state(), WST_WORKER_STOPPED);
}

int main(void)
{
    InterlockedExchange(&wst_runtime_hit_seen_, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(first_hit_races_unload, restore),
        cmocka_unit_test_teardown(pipe_failure_is_recorded, restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
