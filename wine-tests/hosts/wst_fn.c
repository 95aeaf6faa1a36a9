/*
 * wst_fn.dll: a DLL built with `wst-cc --wst-functions` as a user would
 * (wine-tests/module.mk), for the functions-* scenarios
 * (wine-tests/cases/functions.py), driven by wst_fn_host.exe. Also built as
 * wst_fn_b.dll (a second module with its own table) and stripped into
 * wst_fn_stripped.dll. No source line knows about winstrument: the compiler
 * instruments every function.
 *
 * The functions that the scenarios count are noinline and noclone, so that
 * each is one function at one address whatever the optimizer does.
 * Threads: any host thread; the recovery state of fn_seh is per call.
 */
#include <windows.h>

#include <setjmp.h>

#define API __declspec(dllexport)
#define ONE __attribute__((noinline, noclone))

/* Named only by the COFF symbol table (static, not exported). */
static ONE int fn_hidden(int x)
{
    return x * 2 + (int)GetCurrentThreadId() % 2;
}

API ONE int fn_leaf(int x)
{
    return fn_hidden(x) + 1;
}

/* n calls, nested n deep. */
API ONE int fn_recurse(int n)
{
    volatile int depth = n;
    return depth <= 1 ? 1 : 1 + fn_recurse(depth - 1);
}

/* Busy for at least `us` microseconds of QueryPerformanceCounter. */
API ONE void fn_spin(unsigned us)
{
    LARGE_INTEGER f, start, now;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&start);
    do {
        QueryPerformanceCounter(&now);
    } while ((ULONGLONG)(now.QuadPart - start.QuadPart) * 1000000u < (ULONGLONG)us * (ULONGLONG)f.QuadPart);
}

/* Calls fn_spin twice: its inclusive time is its self time plus fn_spin's. */
API ONE void fn_outer(unsigned us)
{
    fn_spin(us);
    fn_spin(us);
}

/* ---- longjmp out of instrumented frames --------------------------------- */

static jmp_buf jump_to, loop_to;

static ONE void fn_deep(int n)
{
    volatile int k = n;
    if (k < 0)
        return; /* never: keeps GCC from calling the recursion infinite */
    if (k == 0)
        longjmp(jump_to, 1);
    fn_deep(k - 1);
    fn_leaf(k); /* never reached */
}

static ONE void fn_deep_loop(int n)
{
    volatile int k = n;
    if (k < 0)
        return;
    if (k == 0)
        longjmp(loop_to, 1);
    fn_deep_loop(k - 1);
}

/* fn_deep(depth) .. fn_deep(0) leave without their exit hooks. */
API ONE int fn_jump(int depth)
{
    if (setjmp(jump_to) == 0) {
        fn_deep(depth);
        return 0;
    }
    return 1;
}

/* longjmp out of recursion: fn_rjump(top) sets the jump, fn_rjump(top - 1)
 * .. fn_rjump(0) leave without exit hooks. The exit of fn_rjump(top) must
 * drop exactly those, though all of them are the same function: only their
 * stack addresses tell them from it. */
static jmp_buf rjump_to;

API ONE int fn_rjump(int n, int top)
{
    volatile int k = n;
    if (k == top) {
        if (setjmp(rjump_to) == 0)
            fn_rjump(k - 1, top);
        return 1;
    }
    if (k <= 0)
        longjmp(rjump_to, 1);
    fn_rjump(k - 1, top);
    return 0;
}

/* Error recovery in a loop that never returns between jumps: each round's
 * abandoned frames must be dropped by the next round's entries, or they
 * would pile up until the shadow stack is full. */
API ONE int fn_loop_jump(int rounds, int depth)
{
    volatile int done = 0;
    setjmp(loop_to);
    if (done < rounds) {
        done++;
        fn_deep_loop(depth);
    }
    return done;
}

/* ---- an SEH exception that unwinds instrumented frames ------------------- */

/* mingw's GCC has no __try/__except. What an __except handler of MSVC-built
 * code does to C frames is what this does: the frames between the raise and
 * the handler are abandoned, their exit hooks never run. A vectored handler
 * resumes the thread in `recover` (not instrumented: it is the handler's
 * landing, not a function of the program), which jumps back to fn_seh. */
#define SEH_CODE 0xE0571001u

static void *seh_buf[5]; /* one thread at a time calls fn_seh */

static __attribute__((no_instrument_function, noinline, noreturn)) void recover(void)
{
    __builtin_longjmp(seh_buf, 1);
}

static LONG CALLBACK on_exception(EXCEPTION_POINTERS *e)
{
    if (e->ExceptionRecord->ExceptionCode != SEH_CODE)
        return EXCEPTION_CONTINUE_SEARCH;
#if defined(__x86_64__)
    /* As if `recover` had been called from the raising frame: an aligned
     * stack below it, with room for a return address. */
    e->ContextRecord->Rsp = ((e->ContextRecord->Rsp - 256) & ~(DWORD64)15) - 8;
    e->ContextRecord->Rip = (DWORD64)(uintptr_t)recover;
#else
    e->ContextRecord->Esp = ((e->ContextRecord->Esp - 256) & ~(DWORD)15) - 4;
    e->ContextRecord->Eip = (DWORD)(uintptr_t)recover;
#endif
    return EXCEPTION_CONTINUE_EXECUTION;
}

static ONE void fn_raise(int n)
{
    volatile int k = n;
    if (k == 0)
        RaiseException(SEH_CODE, 0, 0, NULL);
    else
        fn_raise(k - 1);
}

/* fn_raise(depth) .. fn_raise(0) are abandoned by the exception. */
API ONE int fn_seh(int depth)
{
    static volatile LONG added;
    if (InterlockedCompareExchange(&added, 1, 0) == 0)
        AddVectoredExceptionHandler(1, on_exception);
    if (__builtin_setjmp(seh_buf) == 0) {
        fn_raise(depth);
        return 0;
    }
    return 1;
}

/* The build's mark: wst_fn_rebuilt.dll differs from wst_fn_repro.dll only
 * here, in data and not in code, as two builds of one tree can
 * (functions-symbols: its headers match, its build id does not). */
#ifndef WST_FN_BUILD_MARK
#define WST_FN_BUILD_MARK 1
#endif
API const int wst_fn_build_mark = WST_FN_BUILD_MARK;
