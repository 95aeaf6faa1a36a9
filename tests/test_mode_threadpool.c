/*
 * The threadpool mode's on-demand worker (src/runtime/mode_threadpool.c):
 * its start through the trigger, its idle stop and restart, and its stop
 * when they race.
 *
 * - Nothing runs until asked: after attach and probe hits, no start.
 * - A trigger signalled by many threads at once (a storm) starts one worker,
 *   and the signals that came while it served do not start it again.
 * - The worker stops serving after idle_ms with no client (the region says
 *   IDLE again) and starts again on the next signal.
 * - An unload racing a signal, many times: the stop returns promptly, no
 *   wait is armed again after it (counted through the OS table), and no
 *   start happens after it.
 * - The fallback (the trigger's name was taken): the first hit starts the
 *   worker, and a first hit racing the stop never leaves it running.
 * - A worker that cannot own its pipe name records the Win32 error in the
 *   region (worker_error) rather than writing to stderr, which may block.
 *
 * The program is instrumented and drives its own module's mode table, as
 * test_pipe_server_faults.c does; main() marks the first hit as seen and
 * stops the lifecycle's own worker objects first.
 *
 * Threads: the test thread, signalling threads, a stopping thread per race
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
#include "pipe_name.h"
#include "region_internal.h"

#define BOUND_MS 10000u
/* The idle stop the tests ask for (WINSTRUMENT_IDLE_MS, read at attach). */
#define TEST_IDLE_MS 300u

static struct wst_os real;
static volatile LONG stop_returned, arms_after_stop;

static uint32_t worker_state(void)
{
    return __atomic_load_n(&wst_region_.worker_state, __ATOMIC_ACQUIRE);
}

static uint32_t starts(void)
{
    return __atomic_load_n(&wst_region_.worker_starts, __ATOMIC_ACQUIRE);
}

static BOOL settles_in(uint32_t want)
{
    ULONGLONG until = GetTickCount64() + BOUND_MS;
    while (worker_state() != want) {
        if (GetTickCount64() > until)
            return FALSE;
        Sleep(2);
    }
    return TRUE;
}

/* Signals the trigger as an inspector does: by the name the region gives. */
static void signal_trigger(void)
{
    char name[WST_PIPE_NAME_MAX];
    wst_trigger_name_format(name, wst_region_.pid, wst_region_.instance);
    HANDLE event = OpenEventA(EVENT_MODIFY_STATE, FALSE, name);
    if (event == NULL)
        return; /* closed by a racing stop */
    SetEvent(event);
    CloseHandle(event);
}

/* Counts the waits armed (a handle given) after the stop returned. */
static VOID WINAPI counted_SetThreadpoolWait(PTP_WAIT wait, HANDLE handle, PFILETIME timeout)
{
    if (handle != NULL && InterlockedCompareExchange(&stop_returned, 0, 0) != 0)
        InterlockedIncrement(&arms_after_stop);
    real.SetThreadpoolWait(wait, handle, timeout);
}

static int restore(void **state)
{
    (void)state;
    wst_os_restore();
    return 0;
}

static void attach(void)
{
    wst_os_restore();
    real = wst_os;
    wst_os.SetThreadpoolWait = counted_SetThreadpoolWait;
    stop_returned = arms_after_stop = 0;
    wst_mode_threadpool.attach(GetModuleHandleW(NULL));
}

static void stop(void)
{
    wst_mode_threadpool.stop_on_unload();
    InterlockedExchange(&stop_returned, 1);
}

static void nothing_runs_until_asked(void **state)
{
    (void)state;
    attach();
    assert_int_equal(wst_region_.trigger_state, WST_TRIGGER_ARMED);
    assert_int_equal(wst_region_.idle_stop_ms, TEST_IDLE_MS);
    wst_mode_threadpool.first_hit();
    WST_COUNT("test.hit");
    Sleep(100);
    assert_int_equal(worker_state(), WST_WORKER_IDLE);
    assert_int_equal(starts(), 0);
    stop();
    assert_int_equal(worker_state(), WST_WORKER_STOPPED);
}

/* Storm threads signal until the worker serves, and 200 times more. */
static DWORD WINAPI storm_thread(void *arg)
{
    (void)arg;
    ULONGLONG until = GetTickCount64() + BOUND_MS;
    while (worker_state() != WST_WORKER_SERVING && GetTickCount64() < until)
        signal_trigger();
    for (int i = 0; i < 200; i++)
        signal_trigger();
    return 0;
}

static void storm_starts_one_worker_then_idles(void **state)
{
    (void)state;
    attach();
    HANDLE threads[4];
    for (int i = 0; i < 4; i++)
        threads[i] = CreateThread(NULL, 0, storm_thread, NULL, 0, NULL);
    assert_int_equal(WaitForMultipleObjects(4, threads, TRUE, BOUND_MS), WAIT_OBJECT_0);
    for (int i = 0; i < 4; i++)
        CloseHandle(threads[i]);
    /* The storm ended while the worker served: it idles out, once. */
    assert_true(settles_in(WST_WORKER_IDLE));
    Sleep(TEST_IDLE_MS * 2);
    print_message("    starts after a storm of signals: %u\n", (unsigned)starts());
    assert_int_equal(starts(), 1);
    assert_int_equal(worker_state(), WST_WORKER_IDLE);
    assert_int_equal(wst_region_.pipe_name[0], '\0');
    /* And the next request starts it again. */
    signal_trigger();
    assert_true(settles_in(WST_WORKER_SERVING));
    assert_int_equal(starts(), 2);
    stop();
    assert_int_equal(worker_state(), WST_WORKER_STOPPED);
    assert_int_equal(arms_after_stop, 0);
}

static DWORD WINAPI stopping_thread(void *arg)
{
    (void)arg;
    stop();
    return 0;
}

static void unload_races_a_signal(void **state)
{
    (void)state;
    for (int round = 0; round < 60; round++) {
        attach();
        signal_trigger();
        if (round % 3 == 1)
            Sleep(round % 7);
        else if (round % 3 == 2)
            settles_in(WST_WORKER_SERVING);
        ULONGLONG t0 = GetTickCount64();
        HANDLE stopper = CreateThread(NULL, 0, stopping_thread, NULL, 0, NULL);
        signal_trigger(); /* racing the stop */
        assert_int_equal(WaitForSingleObject(stopper, BOUND_MS), WAIT_OBJECT_0);
        CloseHandle(stopper);
        ULONGLONG took = GetTickCount64() - t0;
        assert_true(took < 2000);
        uint32_t after = starts();
        Sleep(round % 10 == 0 ? 50 : 1);
        if (arms_after_stop != 0 || starts() != after)
            fail_msg("round %d: after the stop, %ld wait(s) armed, starts %u -> %u", round,
                     (long)arms_after_stop, (unsigned)after, (unsigned)starts());
        assert_int_equal(worker_state(), WST_WORKER_STOPPED);
        assert_int_equal(wst_region_.pipe_name[0], '\0');
    }
}

/* The fallback: the trigger's name is taken (here by the test), so the first
 * hit starts the worker, which serves until unload. */
static void taken_name_falls_back_to_first_hit(void **state)
{
    (void)state;
    char name[WST_PIPE_NAME_MAX];
    wst_trigger_name_format(name, wst_region_.pid, wst_region_.instance);
    HANDLE squat = CreateEventA(NULL, FALSE, FALSE, name);
    assert_non_null(squat);
    for (int round = 0; round < 20; round++) {
        attach();
        assert_int_equal(wst_region_.trigger_state, WST_TRIGGER_FAILED);
        assert_int_equal(wst_region_.trigger_error, ERROR_ALREADY_EXISTS);
        assert_int_equal(wst_region_.idle_stop_ms, 0);
        /* The squatter's signal starts nothing. */
        SetEvent(squat);
        Sleep(round == 0 ? 100 : 0);
        assert_int_equal(starts(), 0);
        HANDLE stopper = NULL;
        if (round % 2 == 1)
            stopper = CreateThread(NULL, 0, stopping_thread, NULL, 0, NULL);
        wst_mode_threadpool.first_hit();
        if (stopper == NULL) {
            assert_true(settles_in(WST_WORKER_SERVING));
            stop();
        } else {
            assert_int_equal(WaitForSingleObject(stopper, BOUND_MS), WAIT_OBJECT_0);
            CloseHandle(stopper);
        }
        assert_int_equal(worker_state(), WST_WORKER_STOPPED);
        /* A probe after the stop starts nothing. */
        uint32_t after = starts();
        wst_mode_threadpool.first_hit();
        Sleep(1);
        assert_int_equal(starts(), after);
    }
    CloseHandle(squat);
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
    attach();
    wst_os.CreateNamedPipeW = busy_CreateNamedPipeW;
    assert_int_equal(wst_region_.worker_error, 0);
    signal_trigger();
    assert_true(settles_in(WST_WORKER_PIPE_FAILED));
    assert_int_equal(wst_region_.worker_error, ERROR_PIPE_BUSY);
    /* The failed start returned its thread; the next signal tries again. */
    ULONGLONG until = GetTickCount64() + BOUND_MS;
    while (starts() < 2 && GetTickCount64() < until) {
        signal_trigger();
        Sleep(10);
    }
    assert_true(starts() >= 2);
    assert_true(settles_in(WST_WORKER_PIPE_FAILED));
    stop();
    assert_int_equal(worker_state(), WST_WORKER_STOPPED);
}

int main(void)
{
    InterlockedExchange(&wst_runtime_hit_seen_, 1);
    SetEnvironmentVariableA("WINSTRUMENT_IDLE_MS", "300");
    /* The lifecycle attached this module at start-up: release its trigger
     * name so that each test's attach creates it again. */
    wst_mode_threadpool.stop_on_unload();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(nothing_runs_until_asked, restore),
        cmocka_unit_test_teardown(storm_starts_one_worker_then_idles, restore),
        cmocka_unit_test_teardown(unload_races_a_signal, restore),
        cmocka_unit_test_teardown(taken_name_falls_back_to_first_hit, restore),
        cmocka_unit_test_teardown(pipe_failure_is_recorded, restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
