/*
 * Unit tests of src/runtime/stripes.c, through the test's own probes: which
 * stripe a hit lands on (an owned one, or the shared stripe 0 once seven
 * threads own one each), that an exiting thread hands its stripe on, that a
 * reset keeps totals exact, and that a first hit leaves the caller's last
 * error alone. Then, through a DLL whose DllMain hits a counter at thread
 * detach (tests/stripes_dll.c), that ownership recovers: hits after a
 * thread's release claim nothing, stripes of terminated owners are taken
 * back, a TLS index of 64 or more keeps the fast path, and the region header
 * counts it all. x86_64 only: i686 has no owned stripes.
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
#include "winstrument/protocol.h"
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

/* ---- distributions: a reset racing with records ------------------------- */

#define DIST_THREADS 3u
#define DIST_RECORDS 200000u

static volatile LONG dist_done;

/* Large values: their bucket comes late in the reset's walk over the
 * buckets, after it read the count words, so records have time to fall
 * between the two reads. */
static DWORD WINAPI dist_recorder(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < DIST_RECORDS; i++)
        WST_RECORD("t.dist.race", ((uint64_t)1 << 62) + i % 5u);
    InterlockedIncrement(&dist_done);
    return 0;
}

/* The one distribution in the snapshot named `name`; its count. */
static uint64_t snapshot_count(const char *name, uint64_t *bucket_total)
{
    static uint8_t out[1u << 20];
    uint32_t n = 0;
    int truncated = 0;
    size_t used = wst_counters_snapshot_dists(wst_region_counters_begin(),
                                              wst_region_counters_end(), out, sizeof out, &n,
                                              &truncated);
    assert_false(truncated);
    for (size_t at = 0; at < used;) {
        struct wst_msg_dist m;
        memcpy(&m, out + at, sizeof m);
        at += sizeof m;
        uint64_t total = 0;
        for (uint32_t b = 0; b < m.bucket_count; b++, at += sizeof(struct wst_msg_bucket)) {
            struct wst_msg_bucket k;
            memcpy(&k, out + at, sizeof k);
            total += k.count;
        }
        if (strcmp(m.name, name) == 0) {
            *bucket_total = total;
            return m.count;
        }
    }
    fail_msg("no distribution named %s in the snapshot", name);
    return 0;
}

/* Resets while three owners record: once they stop, the count must agree
 * with the buckets (until the next reset, which subtracts whatever is there
 * and so hides any earlier disagreement). A count summed from the stripes'
 * count words failed here: a reset reads them and the buckets at different
 * moments, so records that raced with it stayed counted in one and not the
 * other. How many races happen depends on the scheduling, so a regression
 * fails this test in most runs, not all; the equality it checks is the
 * contract either way. */
static void dist_count_survives_racing_resets(void **state)
{
    (void)state;
    HANDLE threads[DIST_THREADS];
    uint64_t generation = 0, buckets = 0;
    unsigned resets = 0;
    dist_done = 0;
    for (unsigned i = 0; i < DIST_THREADS; i++)
        threads[i] = CreateThread(NULL, 0, dist_recorder, NULL, 0, NULL);
    /* Bounded by the recorders' work, not by time. */
    do {
        wst_counters_reset(wst_region_counters_begin(), wst_region_counters_end(), &generation);
        resets++;
    } while ((unsigned)dist_done != DIST_THREADS);
    WaitForMultipleObjects(DIST_THREADS, threads, TRUE, INFINITE);
    for (unsigned i = 0; i < DIST_THREADS; i++)
        CloseHandle(threads[i]);
    uint64_t count = snapshot_count("t.dist.race", &buckets);
    print_message("%u resets while recording; then count %llu, buckets %llu\n", resets,
                  (unsigned long long)count, (unsigned long long)buckets);
    assert_true(buckets <= (uint64_t)DIST_THREADS * DIST_RECORDS);
    assert_int_equal(count, buckets);
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


/* ---- ownership recovers: wst_stripes_dll.dll ---------------------------- */

/* The test DLL (tests/stripes_dll.c), loaded fresh by each test below so that
 * each starts with a module in which no stripe is owned. */
struct dll {
    HMODULE module;
    void (*hit)(unsigned n);
    struct wst_region_header *(*region)(void);
    uint32_t (*slot_offset)(void);
    uint64_t (*slot_read)(void);
};

static void dll_load(struct dll *d)
{
    /* threadless: the test is about probes, and an idle module is quicker to
     * load and unload. The mode is read once, at the DLL's attach. */
    SetEnvironmentVariableA("WINSTRUMENT_MODE", "threadless");
    d->module = LoadLibraryW(L"wst_stripes_dll.dll");
    SetEnvironmentVariableA("WINSTRUMENT_MODE", NULL);
    assert_non_null(d->module);
    d->hit = (void (*)(unsigned))(void (*)(void))GetProcAddress(d->module, "stripes_dll_hit");
    d->region = (struct wst_region_header * (*)(void))(void (*)(void))GetProcAddress(
        d->module, "stripes_dll_region");
    d->slot_offset =
        (uint32_t(*)(void))(void (*)(void))GetProcAddress(d->module, "stripes_dll_slot_offset");
    assert_non_null(d->hit);
    assert_non_null(d->region);
    d->slot_read =
        (uint64_t(*)(void))(void (*)(void))GetProcAddress(d->module, "stripes_dll_slot_read");
    assert_non_null(d->slot_offset);
    assert_non_null(d->slot_read);
}

/* cmocka teardown: a failed assertion must not leave the DLL loaded for the
 * next test. */
static int dll_unload(void **state)
{
    struct dll *d = *state;
    if (d->module != NULL)
        FreeLibrary(d->module);
    d->module = NULL;
    return 0;
}

static struct dll test_dll;

static int dll_state(void **state)
{
    memset(&test_dll, 0, sizeof test_dll);
    *state = &test_dll;
    return 0;
}

static struct wst_counter *dll_site(const struct dll *d, const char *name)
{
    for (char *p = (char *)d->region() + sizeof(struct wst_region_header);
         *(uint32_t *)p != WST_TRAILER_MAGIC; p += WST_LINE) {
        struct wst_counter *c = (struct wst_counter *)p;
        if (c->magic == WST_COUNTER_MAGIC && strcmp(c->name, name) == 0)
            return c;
    }
    fail_msg("the test DLL has no counter site named %s", name);
    return NULL;
}

struct hitter {
    const struct dll *dll;
    unsigned hits;
    HANDLE park;        /* NULL: exit at once; else wait for it before exiting */
    uint64_t slot_read; /* what the DLL's probes read from the slot after the hits */
};

static DWORD WINAPI hitter_main(void *arg)
{
    struct hitter *h = arg;
    if (h->hits != 0) {
        h->dll->hit(h->hits);
        h->slot_read = h->dll->slot_read();
    }
    if (h->park != NULL)
        WaitForSingleObject(h->park, INFINITE);
    return 0;
}

static void run_thread(struct hitter *h)
{
    HANDLE t = CreateThread(NULL, 0, hitter_main, h, 0, NULL);
    assert_non_null(t);
    assert_int_equal(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
    CloseHandle(t);
}

/* A fresh thread's 1000 hits: all on one owned stripe, none on stripe 0, and
 * its slot, as the inline probe reads it, sends hits down the fast path. */
static void assert_fresh_thread_owns_a_stripe(const struct dll *d, const char *when)
{
    struct wst_counter *c = dll_site(d, "dll.hit");
    uint64_t shared_before = c->stripes[0].value, total_before = total(c);
    struct hitter h = {d, 1000, NULL, 0};
    run_thread(&h);
    print_message("%s: a fresh thread's 1000 hits: %llu on the shared stripe 0; the probe "
                  "reads %#llx from its slot\n",
                  when, (unsigned long long)(c->stripes[0].value - shared_before),
                  (unsigned long long)h.slot_read);
    assert_int_equal(total(c) - total_before, 1000);
    assert_int_equal(c->stripes[0].value - shared_before, 0);
    /* The fast path's condition: the offset of stripe 1 .. WST_STRIPES - 1. */
    assert_true(h.slot_read % WST_LINE == 0);
    assert_in_range(h.slot_read, 2 * WST_LINE, WST_STRIPES * WST_LINE);
}

static void print_header(const struct dll *d, const char *when)
{
    const struct wst_region_header *r = d->region();
    print_message("%s: header: owned %u flags %#x claims %u reclaims %u shared %u\n", when,
                  r->stripes_owned, r->stripe_flags, (unsigned)r->stripe_claims,
                  (unsigned)r->stripe_reclaims, (unsigned)r->stripe_shared);
}

static void detach_hits_in_dllmain_leak_no_stripe(void **state)
{
    struct dll *d = *state;
    dll_load(d);
    /* Each thread exits at once; its only hit is in the DLL's DllMain at
     * DLL_THREAD_DETACH, after the runtime's TLS callback ran. */
    struct hitter h = {d, 0, NULL, 0};
    for (int i = 0; i < 1000; i++)
        run_thread(&h);
    assert_int_equal(total(dll_site(d, "dll.detach")), 1000);
    /* Those hits came after the thread's release: stripe 0, and no claims. */
    const struct wst_region_header *r = d->region();
    print_header(d, "after 1000 threads");
    assert_int_equal(r->stripe_flags, WST_STRIPE_FLAG_OWNED);
    assert_int_equal(r->stripes_owned, 0);
    assert_int_equal(r->stripe_claims, 0);
    assert_int_equal(total(dll_site(d, "dll.detach")), dll_site(d, "dll.detach")->stripes[0].value);
    assert_fresh_thread_owns_a_stripe(d, "after 1000 threads with a DllMain detach hit");
    print_header(d, "after a fresh thread");
    assert_int_equal(r->stripe_claims, 1);
    assert_int_equal(r->stripes_owned, 0);
}

static void terminated_owners_stripes_are_reclaimed(void **state)
{
    struct dll *d = *state;
    dll_load(d);
    /* Seven threads own every stripe, then die by TerminateThread: no
     * DLL_THREAD_DETACH, so nothing releases their stripes. */
    HANDLE park = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE threads[OWNABLE];
    struct hitter h = {d, 10, park, 0};
    for (unsigned i = 0; i < OWNABLE; i++)
        threads[i] = CreateThread(NULL, 0, hitter_main, &h, 0, NULL);
    struct wst_counter *c = dll_site(d, "dll.hit");
    while (total(c) < 10 * OWNABLE)
        Sleep(1);
    for (unsigned i = 0; i < OWNABLE; i++) {
        TerminateThread(threads[i], 1);
        WaitForSingleObject(threads[i], INFINITE);
        CloseHandle(threads[i]);
    }
    CloseHandle(park);
    assert_int_equal(c->stripes[0].value, 0);
    const struct wst_region_header *r = d->region();
    print_header(d, "after 7 owners were terminated");
    assert_int_equal(r->stripes_owned, OWNABLE);
    assert_fresh_thread_owns_a_stripe(d, "after 7 owners were terminated");
    print_header(d, "after a fresh thread");
    assert_int_equal(r->stripe_reclaims, OWNABLE);
    assert_int_equal(r->stripe_claims, OWNABLE + 1);
    assert_int_equal(r->stripes_owned, 0);
    /* What the terminated threads added stays in their stripes. */
    assert_int_equal(total(c), 10 * OWNABLE + 1000);
}

static void tls_index_64_and_up_keeps_the_fast_path(void **state)
{
    (void)state;
    /* Take TLS indexes until the next one is 64 or more: the DLL's runtime
     * then gets a slot in the TEB's TlsExpansionSlots. */
    DWORD taken[128];
    unsigned n = 0;
    while (n < 128) {
        DWORD i = TlsAlloc();
        if (i == TLS_OUT_OF_INDEXES)
            break;
        taken[n++] = i;
        if (i >= 63)
            break;
    }
    struct dll *d = *state;
    dll_load(d);
    while (n > 0)
        TlsFree(taken[--n]); /* the DLL keeps its own */
    print_message("the DLL's TLS slot: TEB offset field %#x\n", (unsigned)d->slot_offset());
    assert_int_not_equal(d->slot_offset(), 0);
    assert_int_equal(d->region()->stripe_flags, WST_STRIPE_FLAG_OWNED | WST_STRIPE_FLAG_EXPANSION);
    assert_fresh_thread_owns_a_stripe(d, "with a TLS index of 64 or more");
}

int main(void)
{
    /* Order matters: each test builds on the ownership the previous left. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_thread_adds_to_an_owned_stripe),
        cmocka_unit_test(eighth_thread_onwards_shares_stripe_zero),
        cmocka_unit_test(exited_threads_hand_their_stripes_on),
        cmocka_unit_test(reset_keeps_totals_exact),
        cmocka_unit_test(dist_count_survives_racing_resets),
        cmocka_unit_test(first_hit_leaves_last_error_alone),
        cmocka_unit_test_setup_teardown(detach_hits_in_dllmain_leak_no_stripe, dll_state,
                                        dll_unload),
        cmocka_unit_test_setup_teardown(terminated_owners_stripes_are_reclaimed, dll_state,
                                        dll_unload),
        cmocka_unit_test_setup_teardown(tls_index_64_and_up_keeps_the_fast_path, dll_state,
                                        dll_unload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
