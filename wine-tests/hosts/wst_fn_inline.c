/*
 * wst_fn_inline.dll: instrumented functions inlined into instrumented
 * callers, for the functions-inline scenario (wine-tests/cases/functions.py),
 * driven by wst_fn_host.exe. Built with `wst-cc --wst-functions -O2` as a
 * user would (wine-tests/module.mk).
 *
 * The static inline functions here are NOT noinline: GCC inlines them and
 * keeps the enter and exit hooks of each inlined copy, which then run at
 * the containing function's stack pointer and get its return address as
 * their call_site. That is what the scenario tests. Each physical caller
 * reports whether its inline callee really was inlined (in_*_inlined): an
 * inlined copy's __builtin_return_address(0) is its containing function's,
 * an out-of-line callee's is an address inside its caller; the scenario
 * refuses a build where it was not, since it would then test nothing.
 * The functions the scenario reads by name and that must stay one
 * physical function each are noinline and noclone.
 *
 * Threads: the host's main thread only.
 */
#include <windows.h>

#include <setjmp.h>

#define API __declspec(dllexport)
#define ONE __attribute__((noinline, noclone))

/* Busy for at least `us` microseconds of QueryPerformanceCounter. */
static ONE void spin(unsigned us)
{
    LARGE_INTEGER f, start, now;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&start);
    do {
        QueryPerformanceCounter(&now);
    } while ((ULONGLONG)(now.QuadPart - start.QuadPart) * 1000000u <
             (ULONGLONG)us * (ULONGLONG)f.QuadPart);
}

/* Whether each inline function below ran as an inlined copy: the return
 * address it saw equals the one its physical caller saw. */
static void *ra_inner, *ra_outer;
static volatile LONG not_inlined;

#define SEE_OUTER() (ra_outer = __builtin_return_address(0))
#define SEE_INNER()                                                                                \
    do {                                                                                           \
        ra_inner = __builtin_return_address(0);                                                    \
        if (ra_inner != ra_outer)                                                                  \
            not_inlined = 1;                                                                       \
    } while (0)

/* 1 when every inline function below was inlined into its caller. */
API ONE int in_all_inlined(void)
{
    return not_inlined == 0;
}

/* ---- the minimal case: an inline function called twice ------------------ */

API ONE void in_leaf(unsigned us)
{
    spin(us);
}

static inline void in_mid(unsigned us)
{
    SEE_INNER();
    in_leaf(us);
}

/* in_outer's inclusive time holds both in_mid copies', each in_leaf's. */
API ONE void in_outer(unsigned us)
{
    SEE_OUTER();
    in_mid(us);
    in_mid(us);
}

/* ---- nested: inline calling inline calling a physical function ----------- */

API ONE void in_leaf2(unsigned us)
{
    spin(us);
}

static inline void in_b(unsigned us)
{
    SEE_INNER();
    in_leaf2(us);
}

static inline void in_a(unsigned us)
{
    SEE_INNER();
    in_b(us);
    in_b(us);
}

API ONE void in_nest(unsigned us)
{
    SEE_OUTER();
    in_a(us);
}

/* ---- recursion through an inline function --------------------------------- */

API ONE void in_leaf3(unsigned us)
{
    spin(us);
}

API ONE void in_rec(int n, unsigned us);

static inline void in_step(int n, unsigned us)
{
    SEE_INNER();
    in_rec(n - 1, us);
}

/* n + 1 calls of in_rec, n of in_step, one in_leaf3 at the bottom. */
API ONE void in_rec(int n, unsigned us)
{
    volatile int k = n;
    SEE_OUTER();
    if (k > 0)
        in_step(k, us);
    else
        in_leaf3(us);
}

/* One call of in_rec(n): in_rec_top's inclusive time is the sum of the self
 * times of every frame under it. */
API ONE void in_rec_top(int n, unsigned us)
{
    in_rec(n, us);
}

/* ---- an inline function that longjmps ------------------------------------ */

/* GCC inlines nothing into a function that calls setjmp, so the jump lands
 * in in_jtop and abandons physical frames with their inlined copies. */
static jmp_buf jtop_to;

API ONE void in_jmid(int n);

static inline void in_jstep(int n)
{
    SEE_INNER();
    if (n <= 0)
        longjmp(jtop_to, 1);
    in_jmid(n - 1);
}

API ONE void in_jmid(int n)
{
    volatile int k = n;
    SEE_OUTER();
    in_jstep(k);
}

/* `rounds` times, in a loop that does not return between the jumps,
 * in_jmid(depth) .. in_jmid(0) and their in_jstep copies are abandoned:
 * 2 * (depth + 1) frames each round. */
API ONE int in_jtop(int rounds, int depth)
{
    volatile int done = 0;
    setjmp(jtop_to);
    if (done < rounds) {
        done++;
        in_jmid(depth);
    }
    return done;
}
