/*
 * Helper mode's start and stop (src/runtime/mode_helper.c), driven on this
 * test program's own module, as test_mode_threadpool.c does for its mode:
 *
 * - no wsthelper.dll next to the module or the EXE: the region says
 *   missing (error 126), no worker runs, a first hit and a stop do nothing;
 * - the real helper (build/x86_64/bin/wsthelper.dll, copied next to this
 *   program for the test): while this thread holds the loader lock, as a
 *   probe in a DllMain would, the first hit loads nothing; once the lock is
 *   free the helper serves; the stop returns with the worker stopped,
 *   without waiting for the thread, which then writes nothing more to the
 *   region and unloads wsthelper.dll by itself;
 * - an unload while the loader item is running and trying the loader lock
 *   (which the unload holds): the stop wakes it, it returns without loading
 *   anything, and the stop returns. Its pool is one the test made with a
 *   thread already started, so that the item can run while the test holds
 *   the loader lock (a new pool thread's start needs that lock).
 *
 * main() marks the first hit as seen, so the lifecycle never starts a worker
 * of its own. Threads: the test thread, the mode's loader item and the
 * helper's thread.
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
#include "winstrument/helper_abi.h"

/* How long a wait for another thread's work (the deferred load, the helper
 * thread's start and its exit) may take before the test fails: generous,
 * because a loaded machine can hold a thread off the CPU for seconds, and
 * each wait ends as soon as the work is done. */
#define BOUND_MS 60000u

typedef LONG(NTAPI *ldr_lock_fn)(ULONG flags, ULONG *disposition, ULONG_PTR *cookie);
typedef LONG(NTAPI *ldr_unlock_fn)(ULONG flags, ULONG_PTR cookie);

static WCHAR beside[MAX_PATH]; /* wsthelper.dll next to this program */

static uint32_t worker_state(void)
{
    return __atomic_load_n(&wst_region_.worker_state, __ATOMIC_ACQUIRE);
}

static uint32_t helper_state(void)
{
    return __atomic_load_n(&wst_region_.helper_state, __ATOMIC_ACQUIRE);
}

/* <dir of this program>\<name>, or <dir>\..\bin\<name> with up = TRUE. */
static void path_in(WCHAR *out, const WCHAR *name, BOOL up)
{
    DWORD n = GetModuleFileNameW(NULL, out, MAX_PATH);
    assert_true(n > 0 && n < MAX_PATH);
    *(wcsrchr(out, L'\\') + 1) = L'\0';
    if (up)
        wcscat(out, L"..\\bin\\");
    wcscat(out, name);
}

/* The built wsthelper.dll, copied next to this program. */
static void place_real_helper(void)
{
    WCHAR built[MAX_PATH];
    path_in(built, L"wsthelper.dll", TRUE);
    assert_true(CopyFileW(built, beside, FALSE));
}

/* ntdll's loader-lock calls, to hold the lock as a DllMain would run. */
static void loader_lock_calls(ldr_lock_fn *lock, ldr_unlock_fn *unlock)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    *lock = (ldr_lock_fn)(void (*)(void))GetProcAddress(ntdll, "LdrLockLoaderLock");
    *unlock = (ldr_unlock_fn)(void (*)(void))GetProcAddress(ntdll, "LdrUnlockLoaderLock");
    assert_non_null(*lock);
    assert_non_null(*unlock);
}

static void missing_helper_falls_back(void **state)
{
    (void)state;
    DeleteFileW(beside);
    wst_mode_helper.attach(GetModuleHandleW(NULL));
    assert_int_equal(helper_state(), WST_HELPER_MISSING);
    assert_int_equal(wst_region_.helper_error, ERROR_MOD_NOT_FOUND);
    assert_int_equal(wst_region_.helper_where, WST_HELPER_WHERE_NONE);
    assert_int_equal(worker_state(), WST_WORKER_NONE);
    wst_mode_helper.first_hit();
    assert_int_equal(worker_state(), WST_WORKER_NONE);
    wst_mode_helper.stop_on_unload();
    assert_int_equal(worker_state(), WST_WORKER_NONE);
    assert_int_equal(helper_state(), WST_HELPER_MISSING);
}

static void wait_for(uint32_t (*read)(void), uint32_t want)
{
    ULONGLONG until = GetTickCount64() + BOUND_MS;
    while (read() != want && GetTickCount64() < until)
        Sleep(5);
    assert_int_equal(read(), want);
}

static void load_waits_for_the_loader_lock(void **state)
{
    (void)state;
    place_real_helper();
    ldr_lock_fn lock;
    ldr_unlock_fn unlock;
    loader_lock_calls(&lock, &unlock);

    wst_mode_helper.attach(GetModuleHandleW(NULL));
    assert_int_equal(wst_region_.helper_where, WST_HELPER_WHERE_MODULE);
    assert_int_equal(worker_state(), WST_WORKER_IDLE);

    /* A first hit with the loader lock held (as in a DllMain): the load
     * must wait. 300 ms is only how long we look; a slow machine makes the
     * check weaker, never wrong. */
    ULONG disposition = 0;
    ULONG_PTR cookie = 0;
    assert_true(lock(0, &disposition, &cookie) >= 0);
    wst_mode_helper.first_hit();
    Sleep(300);
    uint32_t while_held = helper_state();
    BOOL loaded_while_held = GetModuleHandleW(L"wsthelper.dll") != NULL;
    unlock(0, cookie);
    assert_int_equal(while_held, WST_HELPER_LOADING);
    assert_false(loaded_while_held);

    wait_for(worker_state, WST_WORKER_SERVING);
    assert_int_equal(helper_state(), WST_HELPER_LOADED);
    assert_int_equal(wst_region_.helper_version, WST_HELPER_INTERFACE_VERSION);
    assert_true(wst_region_.pipe_name[0] != '\0');

    wst_mode_helper.stop_on_unload();
    assert_int_equal(worker_state(), WST_WORKER_STOPPED);
    assert_int_equal(wst_region_.pipe_name[0], '\0');
    /* The unload returned without waiting for the thread, which may still be
     * closing its pipe. From now on it must write nothing to the region: a
     * real unload would have unmapped it. Marks it, and checks the marks once
     * the thread is gone. */
    wst_region_.worker_state = 0x5a5a5a5a;
    wst_region_.worker_error = 0x5a5a5a5a;
    memset(wst_region_.pipe_name, 'x', 8);
    /* The helper thread leaves through FreeLibraryAndExitThread: the DLL
     * goes without anybody waiting for it. */
    ULONGLONG until = GetTickCount64() + BOUND_MS;
    while (GetModuleHandleW(L"wsthelper.dll") != NULL && GetTickCount64() < until)
        Sleep(5);
    assert_null(GetModuleHandleW(L"wsthelper.dll"));
    assert_int_equal(wst_region_.worker_state, 0x5a5a5a5a);
    assert_int_equal(wst_region_.worker_error, 0x5a5a5a5a);
    assert_memory_equal(wst_region_.pipe_name, "xxxxxxxx", 8);
    assert_int_equal(wst_region_.pipe_name[8], '\0');
}

/* A pool whose one thread has started (and finished DLL_THREAD_ATTACH),
 * handed to mode_helper.c by wst_os.CreateThreadpool. */
static PTP_POOL warm_pool;

static void CALLBACK nothing(PTP_CALLBACK_INSTANCE instance, PVOID context, PTP_WORK work)
{
    (void)instance;
    (void)context;
    (void)work;
}

static PTP_POOL WINAPI give_warm_pool(PVOID reserved)
{
    (void)reserved;
    PTP_POOL pool = warm_pool;
    warm_pool = NULL;
    return pool;
}

static void stop_wakes_a_load_trying_the_lock(void **state)
{
    (void)state;
    place_real_helper();
    ldr_lock_fn lock;
    ldr_unlock_fn unlock;
    loader_lock_calls(&lock, &unlock);

    warm_pool = CreateThreadpool(NULL);
    assert_non_null(warm_pool);
    SetThreadpoolThreadMaximum(warm_pool, 1);
    TP_CALLBACK_ENVIRON environment;
    InitializeThreadpoolEnvironment(&environment);
    SetThreadpoolCallbackPool(&environment, warm_pool);
    PTP_WORK warm_up = CreateThreadpoolWork(nothing, NULL, &environment);
    assert_non_null(warm_up);
    SubmitThreadpoolWork(warm_up);
    WaitForThreadpoolWorkCallbacks(warm_up, FALSE); /* its thread has started */
    CloseThreadpoolWork(warm_up);
    DestroyThreadpoolEnvironment(&environment);
    wst_os.CreateThreadpool = give_warm_pool;

    wst_mode_helper.attach(GetModuleHandleW(NULL));
    ULONG disposition = 0;
    ULONG_PTR cookie = 0;
    assert_true(lock(0, &disposition, &cookie) >= 0);
    wst_mode_helper.first_hit();
    wst_os_restore();
    /* The item runs on the warm thread and tries the lock we hold. 100 ms
     * is only how long we let it try; a slow machine makes the check weaker
     * (the stop then cancels an item not yet begun), never wrong. An item
     * that missed the stop would keep the stop waiting for ever (the test's
     * timeout). */
    Sleep(100);
    wst_mode_helper.stop_on_unload();
    uint32_t after_stop = helper_state();
    unlock(0, cookie);
    assert_int_equal(after_stop, WST_HELPER_LOADING);
    assert_int_equal(worker_state(), WST_WORKER_STOPPED);
    Sleep(100);
    assert_null(GetModuleHandleW(L"wsthelper.dll"));
    assert_int_equal(helper_state(), WST_HELPER_LOADING);
}

static int remove_copy(void **state)
{
    (void)state;
    DeleteFileW(beside);
    return 0;
}

int main(void)
{
    InterlockedExchange(&wst_runtime_hit_seen_, 1);
    path_in(beside, L"wsthelper.dll", FALSE);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_helper_falls_back),
        cmocka_unit_test_teardown(load_waits_for_the_loader_lock, remove_copy),
        cmocka_unit_test_teardown(stop_wakes_a_load_trying_the_lock, remove_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
