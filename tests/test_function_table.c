/*
 * Unit tests of the function table: the runtime's half
 * (src/runtime/function_table.c: slots claimed by compare-exchange, the
 * overflow limit, the header published at attach) in this very process,
 * which links the table and the timed hooks; and the reader's half
 * (src/common/function_table_parse.c) on copies of that table, intact and
 * damaged; and the worker's RESET of the table (function_reset.c, through
 * pipe_requests.c). The tests run in order: the slots they claim stay
 * claimed.
 */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "function_table.h"
#include "function_table_parse.h"
#include "pipe_requests.h"
#include "protocol_codec.h"
#include "region_internal.h"

extern IMAGE_DOS_HEADER __ImageBase;

/* The timed hooks, linked from libwinstrument-functions.a. */
void __cyg_profile_func_enter(void *fn, void *call_site);
void __cyg_profile_func_exit(void *fn, void *call_site);

#define RACE_BASE 0x100000u
#define RACE_COUNT 1000u
#define RACE_THREADS 4

static void published(void **state)
{
    (void)state;
    const struct wst_fn_table_header *h = &wst_fn_table_.header;
    assert_int_equal(h->magic, WST_FN_TABLE_MAGIC);
    assert_int_equal(h->flags, WST_FN_FLAG_TIMED);
    assert_int_equal(wst_region_.functions_rva,
                     (uint32_t)((uintptr_t)&wst_fn_table_ - (uintptr_t)&__ImageBase));
    assert_int_equal(wst_region_.functions_size, sizeof wst_fn_table_);
    assert_int_equal(h->table_size, sizeof wst_fn_table_);
}

static DWORD WINAPI race_thread(void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < RACE_COUNT; i++) {
        if (wst_fn_slot_slow_(RACE_BASE + 16u * i) == WST_FN_NO_SLOT)
            return 1;
    }
    return 0;
}

/* Threads claiming the same functions at once: one slot each, counted once. */
static void race(void **state)
{
    (void)state;
    HANDLE t[RACE_THREADS];
    for (int i = 0; i < RACE_THREADS; i++)
        assert_non_null(t[i] = CreateThread(NULL, 0, race_thread, NULL, 0, NULL));
    WaitForMultipleObjects(RACE_THREADS, t, TRUE, INFINITE);
    for (int i = 0; i < RACE_THREADS; i++) {
        DWORD rc = 1;
        GetExitCodeThread(t[i], &rc);
        assert_int_equal(rc, 0);
        CloseHandle(t[i]);
    }
    assert_int_equal(wst_fn_table_.header.used, RACE_COUNT);
    unsigned found = 0;
    for (uint32_t s = 0; s < WST_FN_CAPACITY; s++) {
        uint32_t k = wst_fn_table_.keys[s];
        if (k >= RACE_BASE && k < RACE_BASE + 16u * RACE_COUNT) {
            found++;
            assert_int_equal(wst_fn_slot_(k), s);
        }
    }
    assert_int_equal(found, RACE_COUNT);
}

/* ---- the timed hooks' clock ------------------------------------------------ */

/* Two functions of this test, called like instrumented code calls the hooks:
 * each of its own stack frame, so that the hooks see the child's stack
 * address below the outer one's. Their RVAs are ones the race claimed. */
#define OUTER_RVA (RACE_BASE + 16u)
#define CHILD_RVA (RACE_BASE + 32u)
#define CLOCK_SAMPLES 32
/* Child calls before the calibration must have completed: it needs 10 ms of
 * QueryPerformanceCounter time, and each call of a child on that clock reads
 * it twice; a bound by work done, far above any machine's need. */
#define CLOCK_MAX_CALLS 50000000u

static void *fn_at(uint32_t rva)
{
    return (void *)((uintptr_t)&__ImageBase + rva);
}

static uint64_t sum_of(uint64_t cells[WST_STRIPES][WST_FN_CAPACITY], uint32_t rva)
{
    uint32_t slot = wst_fn_slot_(rva);
    uint64_t sum = 0;
    for (unsigned s = 0; s < WST_STRIPES; s++)
        sum += __atomic_load_n(&cells[s][slot], __ATOMIC_RELAXED);
    return sum;
}

static uint64_t time_of(uint32_t rva)
{
    return sum_of(wst_fn_table_.time_ns, rva);
}

/* spins: work of a length that varies from call to call, so that durations
 * on the TSC cannot all happen to be whole QPC ticks. */
static __attribute__((noinline)) void child(unsigned spins)
{
    __cyg_profile_func_enter(fn_at(CHILD_RVA), NULL);
    for (volatile unsigned i = 0; i < spins; i++) {
    }
    __cyg_profile_func_exit(fn_at(CHILD_RVA), NULL);
    /* Not a jump to the exit hook (a sibling call): wst-cc's code calls it. */
    __asm__ volatile("" ::: "memory");
}

struct clock_result {
    int calibrated;       /* the TSC was calibrated while outer was open */
    unsigned off_tick;    /* child durations after that which are not a whole QPC tick */
};

/* A thread whose instrumented outer function was entered before the TSC was
 * calibrated and never returns until its children have run on: the
 * children entered after the calibration must be timed with the TSC. A
 * duration on QueryPerformanceCounter is a whole number of its ticks; of
 * CLOCK_SAMPLES TSC durations of children that spin for different times,
 * some are not. */
static __attribute__((noinline)) void outer(struct clock_result *r, uint64_t tick_ns)
{
    __cyg_profile_func_enter(fn_at(OUTER_RVA), NULL);
    for (uint32_t n = 0; n < CLOCK_MAX_CALLS && !r->calibrated; n++) {
        child(0);
        r->calibrated = __atomic_load_n(&wst_clock_tsc_mult_, __ATOMIC_RELAXED) != 0;
    }
    for (int i = 0; r->calibrated && i < CLOCK_SAMPLES; i++) {
        uint64_t before = time_of(CHILD_RVA);
        child((unsigned)i * 7u);
        if ((time_of(CHILD_RVA) - before) % tick_ns != 0)
            r->off_tick++;
    }
    __cyg_profile_func_exit(fn_at(OUTER_RVA), NULL);
    __asm__ volatile("" ::: "memory");
}

static DWORD WINAPI clock_thread(void *arg)
{
    LARGE_INTEGER f;
    QueryPerformanceFrequency(&f);
    outer(arg, 1000000000u / (uint64_t)f.QuadPart);
    return 0;
}

static void clock_switches_under_open_frames(void **state)
{
    (void)state;
    LARGE_INTEGER f;
    QueryPerformanceFrequency(&f);
    if (1000000000 % f.QuadPart != 0)
        skip(); /* a QPC tick that is no whole number of ns: no test by multiples */
    uint64_t tick_ns = 1000000000u / (uint64_t)f.QuadPart;
    /* This test's module has not read its clock yet: it must be the first
     * to, or the TSC is ready before outer is entered. */
    assert_int_equal(wst_clock_tsc_mult_, 0);
    struct clock_result r = {0, 0};
    HANDLE t = CreateThread(NULL, 0, clock_thread, &r, 0, NULL);
    assert_non_null(t);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    if (!r.calibrated && wst_region_.clock_source == WST_CLOCK_QPC)
        skip(); /* no invariant TSC, or WINSTRUMENT_CLOCK=qpc */
    assert_true(r.calibrated);
    assert_int_not_equal(r.off_tick, 0);
    /* outer itself stayed on QPC: a duration never mixes two clocks. */
    uint64_t outer_ns = time_of(OUTER_RVA);
    assert_true(outer_ns > 0);
    assert_int_equal(outer_ns % tick_ns, 0);
    /* and its time is still exactly its self time plus its callees'. */
    assert_int_equal(outer_ns, sum_of(wst_fn_table_.self_ns, OUTER_RVA) + time_of(CHILD_RVA));
    assert_int_equal(wst_fn_table_.header.unwound_frames, 0);
    assert_int_equal(wst_fn_table_.header.unmatched_exits, 0);
}

/* More functions than the table takes: exactly WST_FN_MAX_FUNCTIONS slots,
 * every other call counted as overflow, and the slots already taken intact. */
static void overflow(void **state)
{
    (void)state;
    const uint32_t extra = WST_FN_MAX_FUNCTIONS + 500u - RACE_COUNT;
    uint32_t got = 0;
    for (uint32_t i = 0; i < extra; i++) {
        uint32_t rva = 0x800000u + 32u * i;
        uint32_t s = wst_fn_slot_slow_(rva);
        if (s != WST_FN_NO_SLOT) {
            assert_int_equal(wst_fn_table_.keys[s], rva);
            got++;
        }
    }
    assert_int_equal(got, WST_FN_MAX_FUNCTIONS - RACE_COUNT);
    assert_int_equal(wst_fn_table_.header.used, WST_FN_MAX_FUNCTIONS);
    assert_int_equal(wst_fn_table_.header.overflow_calls, 500);
    /* A known function still finds its slot; an unknown one overflows. */
    assert_int_not_equal(wst_fn_slot_(RACE_BASE), WST_FN_NO_SLOT);
    assert_int_equal(wst_fn_slot_slow_(0x7ffffff0u), WST_FN_NO_SLOT);
    assert_int_equal(wst_fn_table_.header.overflow_calls, 501);
}

/* ---- the reader ---------------------------------------------------------- */

static struct wst_fn_table copy;
static struct wst_fn_entry entries[WST_FN_CAPACITY];

static enum wst_status parse_copy(size_t size, size_t *n)
{
    struct wst_fn_table_info info;
    return wst_fn_table_parse(&copy, size, &info, entries, WST_FN_CAPACITY, n);
}

static void parse_sums(void **state)
{
    (void)state;
    memcpy(&copy, &wst_fn_table_, sizeof copy);
    uint32_t slot = wst_fn_slot_(RACE_BASE);
    for (unsigned s = 0; s < WST_STRIPES; s++) {
        copy.calls[s][slot] = s + 1;
        copy.time_ns[s][slot] = 100u * (s + 1);
        copy.self_ns[s][slot] = 10u * (s + 1);
    }
    size_t n = 0;
    assert_int_equal(parse_copy(sizeof copy, &n), WST_OK);
    assert_int_equal(n, WST_FN_MAX_FUNCTIONS);
    for (size_t i = 1; i < n; i++)
        assert_true(entries[i - 1].rva < entries[i].rva);
    const struct wst_fn_entry *e = NULL;
    for (size_t i = 0; i < n; i++) {
        if (entries[i].rva == RACE_BASE)
            e = &entries[i];
    }
    assert_non_null(e);
    assert_int_equal(e->calls, 36);
    assert_int_equal(e->time_ns, 3600);
    assert_int_equal(e->self_ns, 360);
    /* A key twice (only a corrupt table has that): one entry, merged. */
    uint32_t other = wst_fn_slot_(RACE_BASE + 16u);
    copy.keys[other] = RACE_BASE;
    assert_int_equal(parse_copy(sizeof copy, &n), WST_OK);
    assert_int_equal(n, WST_FN_MAX_FUNCTIONS - 1);
}

static void parse_damaged(void **state)
{
    (void)state;
    size_t n;
    struct wst_fn_table_header *h = &copy.header;
    const struct wst_fn_table_header good = wst_fn_table_.header;
    struct {
        size_t at;
        uint32_t value;
        enum wst_status want;
    } cases[] = {
        {offsetof(struct wst_fn_table_header, magic), 0, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, capacity), 3, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, capacity), 1u << 21, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, stripes), 0, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, stripes), 65, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, table_size), 1000, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, keys_offset), 0, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, keys_offset), 0xfffffff0u, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, calls_offset), sizeof copy - 8, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, time_offset), 132, WST_E_CORRUPT},
        {offsetof(struct wst_fn_table_header, self_offset), 0xfffffff8u, WST_E_CORRUPT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        *h = good;
        memcpy((char *)h + cases[i].at, &cases[i].value, 4);
        assert_int_equal(parse_copy(sizeof copy, &n), cases[i].want);
    }
    *h = good;
    h->version = 2;
    assert_int_equal(parse_copy(sizeof copy, &n), WST_E_VERSION);
    *h = good;
    assert_int_equal(parse_copy(sizeof copy - 64, &n), WST_E_CORRUPT); /* size != table_size */
    assert_int_equal(parse_copy(64, &n), WST_E_TRUNCATED);
    struct wst_fn_table_info info;
    assert_int_equal(wst_fn_table_parse(&copy, sizeof copy, &info, entries, 16, &n),
                     WST_E_INTERNAL);
}

/* ---- reset ---------------------------------------------------------------- */

#define RESET_RVA (RACE_BASE + 48u)

static uint64_t calls_of(uint32_t rva)
{
    return sum_of(wst_fn_table_.calls, rva);
}

static DWORD WINAPI child_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++)
        child(10);
    return 0;
}

static void answer_reset(void)
{
    struct wst_pipe_answer_env env = {
        .module_base = (uint64_t)(uintptr_t)&__ImageBase,
        .region = &wst_region_,
        .counters_begin = wst_region_counters_begin(),
        .counters_end = wst_region_counters_end(),
    };
    struct wst_pipe_counts counts = {0};
    struct wst_pipe_reply reply;
    struct wst_msg_header h;
    memset(&reply, 0, sizeof reply);
    wst_msg_header_init(&h, WST_MSG_RESET, 7, 0);
    wst_pipe_answer((const uint8_t *)&h, &env, &counts, &reply);
    assert_int_equal(counts.errors, 0);
    wst_pipe_reply_free(&reply);
}

/* RESET zeroes every function's calls, inclusive and self time, on the
 * shared stripe and on stripes threads own, and the header's run-time
 * counts; keys and the slots' budget stay. A frame open across the reset
 * is counted in the phase it entered and timed, whole, in the phase it
 * returns in (docs/design/functions.md, "Reset"). */
static void reset_clears_the_table(void **state)
{
    (void)state;
    HANDLE t = CreateThread(NULL, 0, child_thread, NULL, 0, NULL);
    assert_non_null(t);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    __cyg_profile_func_enter(fn_at(RESET_RVA), NULL); /* open across the reset */
    child(10);
    uint32_t used = wst_fn_table_.header.used;
    uint32_t child_slot = wst_fn_slot_(CHILD_RVA);
    assert_true(calls_of(CHILD_RVA) > 100 && time_of(CHILD_RVA) > 0);
    assert_true(wst_fn_table_.header.overflow_calls > 0);

    answer_reset();
    assert_int_equal(calls_of(CHILD_RVA), 0);
    assert_int_equal(time_of(CHILD_RVA), 0);
    assert_int_equal(sum_of(wst_fn_table_.self_ns, CHILD_RVA), 0);
    assert_int_equal(calls_of(RESET_RVA), 0);
    assert_int_equal(wst_fn_table_.header.overflow_calls, 0);
    assert_int_equal(wst_fn_table_.header.used, used);
    assert_int_equal(wst_fn_slot_(CHILD_RVA), child_slot);
    assert_int_equal(wst_fn_table_.keys[child_slot], CHILD_RVA);

    child(10);
    __cyg_profile_func_exit(fn_at(RESET_RVA), NULL);
    assert_int_equal(calls_of(CHILD_RVA), 1);
    /* The open frame: no call in this phase, its whole time in it, and its
     * time still exactly its self time plus the callee's since the entry. */
    assert_int_equal(calls_of(RESET_RVA), 0);
    assert_true(time_of(RESET_RVA) > time_of(CHILD_RVA));
    assert_int_equal(wst_fn_table_.header.unmatched_exits, 0);
}

/* Issue 23 F4: a table that parses but that no runtime wrote. Each case
 * damages one thing of an intact copy; wst_fn_table_check names it. */
static enum wst_status check_copy(char *why, size_t size)
{
    struct wst_fn_table_info info;
    size_t n = 0;
    enum wst_status st = wst_fn_table_parse(&copy, sizeof copy, &info, entries, WST_FN_CAPACITY, &n);
    assert_int_equal(st, WST_OK);
    why[0] = '\0';
    /* The tests' synthetic keys reach 0x800000 and more: an image of
     * 256 MiB holds them all. */
    return wst_fn_table_check(&info, entries, n, 0x10000000u, why, size);
}

static void parse_hostile(void **state)
{
    (void)state;
    char why[160];
    uint32_t slot = wst_fn_slot_(RACE_BASE);
    memcpy(&copy, &wst_fn_table_, sizeof copy);
    enum wst_status intact = check_copy(why, sizeof why);
    print_message("intact: %s %s\n", wst_status_name(intact), why);
    assert_int_equal(intact, WST_OK);
    struct {
        const char *what, *want;
    } cases[] = {
        {"key outside", "outside the image"}, {"key at 2 GiB", "outside the image"},
        {"self above time", "self time"},     {"calls past 2^63", "reach 2^63"},
        {"used below rows", "the header says 10 functions"},
        {"key twice", "twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(&copy, &wst_fn_table_, sizeof copy);
        switch (i) {
        case 0: copy.keys[slot] = 0xfffffff0u; break;
        case 1: copy.keys[slot] = 0x7ffffff0u; break;
        case 2:
            copy.self_ns[0][slot] = 18000000000000000000ull;
            copy.time_ns[0][slot] = 5;
            break;
        case 3: /* a carry past 2^64 alone is a reset's (reset_clears_the_table) */
            copy.calls[0][slot] = UINT64_C(1) << 62;
            copy.calls[1][slot] = UINT64_C(1) << 62;
            break;
        case 4: copy.header.used = 10; break;
        default: copy.keys[wst_fn_slot_(RACE_BASE + 16u)] = RACE_BASE; break;
        }
        enum wst_status st = check_copy(why, sizeof why);
        print_message("%s: %s: %s\n", cases[i].what, wst_status_name(st), why);
        assert_int_equal(st, WST_E_CORRUPT);
        assert_non_null(strstr(why, cases[i].want));
    }
    /* Arrays over one another: the time cells where the calls are. */
    size_t n;
    memcpy(&copy, &wst_fn_table_, sizeof copy);
    copy.header.time_offset = copy.header.calls_offset;
    assert_int_equal(parse_copy(sizeof copy, &n), WST_E_CORRUPT);
    copy.header.time_offset = copy.header.keys_offset + 8u; /* inside the keys */
    assert_int_equal(parse_copy(sizeof copy, &n), WST_E_CORRUPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(published),  cmocka_unit_test(race),
        cmocka_unit_test(clock_switches_under_open_frames),
        cmocka_unit_test(overflow),   cmocka_unit_test(parse_sums),
        cmocka_unit_test(parse_damaged), cmocka_unit_test(reset_clears_the_table),
        cmocka_unit_test(parse_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
