/*
 * Unit tests of src/runtime/stripes.c, through the test's own probes: which
 * stripe a hit lands on (an owned one, or the shared stripe 0 once seven
 * threads own one each), that an exiting thread hands its stripe on, that a
 * reset keeps totals exact, and that a first hit leaves the caller's last
 * error alone. x86_64 only: i686 has no owned stripes.
 *
 * The test is instrumented itself and reads its own region's counter records.
 */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <winstrument.h>

#include "counters.h"
#include "region_internal.h"

#define OWNABLE (WST_STRIPES - 1u)

static struct wst_counter *site(const char *name)
{
    for (char *p = (char *)wst_region_counters_begin(); p < (char *)wst_region_counters_end();
         p += WST_LINE) {
        struct wst_counter *c = (struct wst_counter *)p;
        if (c->magic == WST_COUNTER_MAGIC && strcmp(c->name, name) == 0)
            return c;
    }
    fail_msg("no counter site named %s", name);
    return NULL;
}

static uint64_t total(const struct wst_counter *c)
{
    uint64_t sum = 0;
    for (unsigned s = 0; s < WST_STRIPES; s++)
        sum += c->stripes[s].value;
    return sum;
}

/* ---- one thread ---------------------------------------------------------- */

static void one_thread_adds_to_an_owned_stripe(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++)
        WST_ADD("t.one", 3);
    struct wst_counter *c = site("t.one");
    unsigned used = 0;
    for (unsigned s = 1; s < WST_STRIPES; s++)
        used += c->stripes[s].value == 15;
    assert_int_equal(c->stripes[0].value, 0);
    assert_int_equal(used, 1);
}

/* ---- many threads, alive at once ---------------------------------------- */

struct crowd {
    HANDLE release; /* manual-reset: the threads exit once it is set */
    volatile LONG arrived;
};

static DWORD WINAPI crowd_member(void *arg)
{
    struct crowd *crowd = arg;
    for (int i = 0; i < 1000; i++)
        WST_COUNT("t.crowd");
    InterlockedIncrement(&crowd->arrived);
    WaitForSingleObject(crowd->release, INFINITE);
    return 0;
}

static void run_crowd(unsigned n)
{
    struct crowd crowd = {CreateEventW(NULL, TRUE, FALSE, NULL), 0};
    HANDLE threads[16];
    assert_true(n <= 16);
    for (unsigned i = 0; i < n; i++)
        threads[i] = CreateThread(NULL, 0, crowd_member, &crowd, 0, NULL);
    while ((unsigned)crowd.arrived < n)
        Sleep(1);
    SetEvent(crowd.release);
    WaitForMultipleObjects(n, threads, TRUE, INFINITE);
    for (unsigned i = 0; i < n; i++)
        CloseHandle(threads[i]);
    CloseHandle(crowd.release);
}

static void eighth_thread_onwards_shares_stripe_zero(void **state)
{
    (void)state;
    /* The main thread owns a stripe already (the first test), so six more
     * threads get one each and the other four share stripe 0. */
    run_crowd(10);
    struct wst_counter *c = site("t.crowd");
    assert_int_equal(total(c), 10000);
    unsigned owned = 0;
    for (unsigned s = 1; s < WST_STRIPES; s++)
        owned += c->stripes[s].value == 1000;
    assert_int_equal(owned, OWNABLE - 1);
    assert_int_equal(c->stripes[0].value, 4000);
}

static void exited_threads_hand_their_stripes_on(void **state)
{
    (void)state;
    /* The crowd has exited: six new threads find six free stripes again. */
    uint64_t shared_before = site("t.crowd")->stripes[0].value;
    run_crowd(OWNABLE - 1);
    struct wst_counter *c = site("t.crowd");
    assert_int_equal(c->stripes[0].value, shared_before);
    assert_int_equal(total(c), 10000 + 1000 * (OWNABLE - 1));
}

/* ---- reset -------------------------------------------------------------- */

static void reset_keeps_totals_exact(void **state)
{
    (void)state;
    uint64_t generation = 0;
    WST_ADD("t.reset", 40);
    wst_counters_reset(wst_region_counters_begin(), wst_region_counters_end(), &generation);
    assert_true(total(site("t.reset")) == 0);
    assert_true(total(site("t.crowd")) == 0);
    WST_ADD("t.reset", 2);
    assert_true(total(site("t.reset")) == 2);
}

/* ---- the caller's last error -------------------------------------------- */

static DWORD WINAPI first_hit_keeps_last_error(void *arg)
{
    (void)arg;
    SetLastError(1234);
    WST_COUNT("t.error"); /* this thread's first hit: the slow path */
    return GetLastError();
}

static void first_hit_leaves_last_error_alone(void **state)
{
    (void)state;
    HANDLE t = CreateThread(NULL, 0, first_hit_keeps_last_error, NULL, 0, NULL);
    DWORD code = 0;
    WaitForSingleObject(t, INFINITE);
    GetExitCodeThread(t, &code);
    CloseHandle(t);
    assert_int_equal(code, 1234);
}

int main(void)
{
    /* Order matters: each test builds on the ownership the previous left. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_thread_adds_to_an_owned_stripe),
        cmocka_unit_test(eighth_thread_onwards_shares_stripe_zero),
        cmocka_unit_test(exited_threads_hand_their_stripes_on),
        cmocka_unit_test(reset_keeps_totals_exact),
        cmocka_unit_test(first_hit_leaves_last_error_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
