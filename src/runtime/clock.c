/*
 * The clock of time scopes (docs/region.md, "Clock"). A scope reads the TSC
 * with rdtsc (about 10 ns, no call) once this module knows the TSC's rate;
 * until then, and for good where the TSC is not invariant, it calls
 * QueryPerformanceCounter (about 90 ns under Wine, a system call there).
 *
 * The rate comes from two readings of both clocks, taken by whichever
 * scopes run on the fallback: the first one anchors (TSC, QPC), and the
 * first one at least CALIBRATION_MS of QPC time later completes the
 * calibration. Nothing waits for time to pass, so there is no init call
 * and no sleep: a probe's first hit may run under the loader lock, in a
 * DllMain. Each reading brackets one QueryPerformanceCounter call between
 * two rdtsc, taking the narrowest of a few, and the calibration is only
 * accepted once its error bound (both brackets' half widths and one QPC
 * tick at each end, against the interval) is below MAX_ERROR_PPB; until
 * then later scopes try again, over a longer interval each time.
 *
 * Threads: any thread that ends up on a scope's fallback, possibly under
 * the loader lock. One step runs at a time: a thread claims the state with
 * a compare-exchange, and every other thread returns at once and uses
 * QueryPerformanceCounter for that scope.
 *
 * Never: waits, sleeps, takes a lock (but the PEB lock, inside
 * GetEnvironmentVariable, once), allocates, or changes the caller's
 * last-error value (cpuid, rdtsc and QueryPerformance* do not set it; the
 * environment read's is restored).
 */
#include <windows.h>

#include <cpuid.h>

#include "clock.h"
#include "clock_math.h"
#include "region_internal.h"
#include "winstrument/probe_abi.h"

/* The QPC time between the anchor and the calibration: long enough that
 * the brackets' error is small against it (under Wine a bracket is about
 * 0.3 us: 30 ppm of 10 ms), short enough that a short-lived process gets
 * the cheap clock soon. */
#define CALIBRATION_MS 10u
/* The largest accepted error bound of the rate: 0.01%. A duration is then
 * off by at most that, far inside the 6.25% of a bucket. */
#define MAX_ERROR_PPB 100000u
/* Rates a real TSC has; anything else means a reading went wrong. */
#define MIN_TSC_HZ 1000000u
#define MAX_TSC_HZ 100000000000u
/* Readings per bracket: the narrowest is kept (a preempted one is wide). */
#define BRACKET_TRIES 3

enum {
    STATE_NEW,      /* no scope has taken the fallback yet */
    STATE_BUSY,     /* one thread is in a step */
    STATE_ANCHORED, /* the anchor is taken; waiting for QPC to pass due_qpc */
    STATE_DONE,     /* the TSC is in use (wst_clock_tsc_mult_), or QPC for good */
};

/* The step's claim: a compare-exchange from NEW or ANCHORED to BUSY, then a
 * release store of the next state. */
static volatile LONG state;

/* A (TSC, QPC) pair: the TSC at the middle of a bracket around one
 * QueryPerformanceCounter call, and the bracket's width. */
struct reading {
    uint64_t tsc;
    uint64_t qpc;
    uint64_t width; /* UINT64_MAX: no usable bracket */
};

/* Written by the BUSY thread only, read by the next BUSY thread after its
 * acquiring compare-exchange. */
static struct reading anchor;
/* The QPC reading from which the next step may complete; read by every
 * thread on the fallback, so atomic (a plain 64-bit access tears on i686). */
static uint64_t due_qpc;
/* QueryPerformanceFrequency and its factor, 0 until the first fallback;
 * racing first fallbacks store the same values. Atomic, so that i686 never
 * reads half of a store. */
static __attribute__((aligned(8))) uint64_t qpc_hz_seen, qpc_mult_seen;
/* The TSC's factor that scopes read inline (probe_abi.h): 0 until complete()
 * stores it, once; aligned so that i686's atomic 8-byte accesses are single
 * accesses. */
__attribute__((aligned(8))) volatile uint64_t wst_clock_tsc_mult_;

static uint64_t qpc_hz(void)
{
    uint64_t hz = __atomic_load_n(&qpc_hz_seen, __ATOMIC_RELAXED);
    if (hz == 0) {
        LARGE_INTEGER f;
        QueryPerformanceFrequency(&f); /* cannot fail on XP and later */
        hz = (uint64_t)f.QuadPart;
        __atomic_store_n(&qpc_hz_seen, hz, __ATOMIC_RELAXED);
    }
    return hz;
}

uint64_t wst_clock_qpc_mult(void)
{
    uint64_t mult = __atomic_load_n(&qpc_mult_seen, __ATOMIC_RELAXED);
    if (mult == 0) {
        /* 10 MHz (Windows 10 and later, Wine): exactly 100 ns per tick. */
        mult = wst_clock_mult(qpc_hz());
        __atomic_store_n(&qpc_mult_seen, mult, __ATOMIC_RELAXED);
    }
    return mult;
}

/* CPUID 0x80000007 EDX bit 8: the TSC runs at one rate in every P-, C- and
 * T-state, so its ticks measure time. Without it (old CPUs) they do not. */
static int tsc_is_invariant(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000007u, &a, &b, &c, &d))
        return 0;
    return (d >> 8) & 1u;
}

/* WINSTRUMENT_CLOCK=qpc keeps the module on QueryPerformanceCounter, for a
 * machine whose TSC misleads (its TSCs not in step, a hypervisor that
 * migrates the VM between hosts). Read once, at the anchor; like
 * WINSTRUMENT_MODE it is read under the loader lock at worst, which
 * GetEnvironmentVariable allows (it takes the PEB lock only). Any other
 * value means the default. */
static int qpc_forced(void)
{
    DWORD last_error = GetLastError(); /* an unset variable sets it */
    char value[8];
    DWORD n = GetEnvironmentVariableA("WINSTRUMENT_CLOCK", value, sizeof value);
    SetLastError(last_error);
    return n == 3 && lstrcmpiA(value, "qpc") == 0;
}

static struct reading take_reading(void)
{
    struct reading best = {0, 0, UINT64_MAX};
    for (int i = 0; i < BRACKET_TRIES; i++) {
        uint64_t before = wst_clock_tsc_();
        uint64_t qpc = wst_clock_qpc_();
        uint64_t after = wst_clock_tsc_();
        if (after < before)
            continue; /* moved to a processor whose TSC is behind */
        if (after - before < best.width)
            best = (struct reading){before + (after - before) / 2, qpc, after - before};
    }
    return best;
}

static void publish(uint16_t source, uint64_t hz, uint64_t interval_ms, uint64_t error_ppb)
{
    wst_region_.clock_tsc_hz = hz;
    wst_region_.clock_interval_ms = (uint16_t)(interval_ms > 0xffffu ? 0xffffu : interval_ms);
    wst_region_.clock_error_ppb = (uint32_t)(error_ppb > 0xffffffffu ? 0xffffffffu : error_ppb);
    /* Last: a reader that sees the source sees the figures (on x86). */
    __atomic_store_n(&wst_region_.clock_source, source, __ATOMIC_RELEASE);
}

static LONG give_up(void)
{
    publish(WST_CLOCK_QPC, 0, 0, 0);
    return STATE_DONE;
}

static LONG anchor_now(void)
{
    if (qpc_forced() || !tsc_is_invariant())
        return give_up();
    anchor = take_reading();
    if (anchor.width == UINT64_MAX)
        return give_up();
    __atomic_store_n(&due_qpc, anchor.qpc + qpc_hz() * CALIBRATION_MS / 1000u, __ATOMIC_RELAXED);
    publish(WST_CLOCK_CALIBRATING, 0, 0, 0);
    return STATE_ANCHORED;
}

static LONG complete(void)
{
    struct reading now = take_reading();
    if (now.width == UINT64_MAX || now.tsc <= anchor.tsc || now.qpc <= anchor.qpc)
        return give_up(); /* the TSC went back: it restarted, or is not in step */
    uint64_t tsc_ticks = now.tsc - anchor.tsc, qpc_ticks = now.qpc - anchor.qpc;
    uint64_t hz = wst_clock_tsc_hz(tsc_ticks, qpc_ticks, qpc_hz());
    if (hz < MIN_TSC_HZ || hz > MAX_TSC_HZ)
        return give_up();
    /* Where each end's TSC reading could be, in TSC ticks: half its
     * bracket, and one QPC tick (the QPC reading is its tick's start). */
    uint64_t slack = anchor.width / 2 + now.width / 2 + 2 * (hz / qpc_hz() + 1);
    uint64_t error_ppb = wst_clock_mul_div(slack, 1000000000u, tsc_ticks);
    if (error_ppb > MAX_ERROR_PPB) {
        /* A preempted bracket: try again later, over a longer interval. */
        __atomic_store_n(&due_qpc, now.qpc + qpc_hz() * CALIBRATION_MS / 1000u,
                         __ATOMIC_RELAXED);
        return STATE_ANCHORED;
    }
    publish(WST_CLOCK_TSC, hz, wst_clock_mul_div(qpc_ticks, 1000u, qpc_hz()), error_ppb);
    __atomic_store_n(&wst_clock_tsc_mult_, wst_clock_mult(hz), __ATOMIC_RELEASE);
    return STATE_DONE;
}

void wst_clock_calibrate_step(uint64_t qpc_now)
{
    LONG seen = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
    if (seen == STATE_DONE || seen == STATE_BUSY)
        return;
    if (seen == STATE_ANCHORED && qpc_now < __atomic_load_n(&due_qpc, __ATOMIC_RELAXED))
        return;
    if (InterlockedCompareExchange(&state, STATE_BUSY, seen) != seen)
        return;
    LONG next = seen == STATE_NEW ? anchor_now() : complete();
    __atomic_store_n(&state, next, __ATOMIC_RELEASE);
}

/* ---- what time scopes call (winstrument/probe_abi.h) -------------------- */

uint64_t wst_clock_qpc_(void)
{
    /* QueryPerformanceCounter cannot fail on XP and later, and reads one
     * counter for the whole system: consistent across CPUs, so a thread
     * that migrates mid-scope still measures the right interval. It leaves
     * the last-error value alone. */
    LARGE_INTEGER now;
    QueryPerformanceCounter(&now);
    return (uint64_t)now.QuadPart;
}

uint64_t wst_clock_fallback_(uint64_t *mult)
{
    uint64_t now = wst_clock_qpc_();
    *mult = wst_clock_qpc_mult();
    /* Every scope that runs before the TSC is calibrated comes here, so
     * this is where the calibration moves on: it never waits, it only
     * compares this reading with the one it anchored to. */
    wst_clock_calibrate_step(now);
    return now;
}
