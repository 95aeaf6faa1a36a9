/*
 * The function benchmark's subject: one source built several ways
 * (bench/module.mk), so that the builds differ only by what the compiler
 * adds around each call: bench_fn_plain.dll (nothing), bench_fn_gprof.dll
 * (gcc -pg: a call to mcount at each entry), bench_fn_gcov.dll (gcc
 * --coverage: arc counters), bench_fn_calls.dll (wst-cc
 * --wst-functions=calls) and bench_fn_time.dll (wst-cc --wst-functions).
 * bench_fn_loop calls bench_fn_leaf n times; the leaf is a few
 * instructions, so its instrumented cost is nearly all instrumentation.
 *
 * With BENCH_FN_RDTSC_FLOOR (bench_fn_rdtsc.dll, otherwise plain) the leaf
 * also reads the TSC twice, as a timed hook must at least: the floor that
 * the timed build's cost is compared with. Called from one thread.
 */
#include <stdint.h>

#ifdef BENCH_FN_RDTSC_FLOOR
#include <x86intrin.h>
#endif

__attribute__((noinline, noclone)) uint64_t bench_fn_leaf(uint64_t x)
{
#ifdef BENCH_FN_RDTSC_FLOOR
    x += __rdtsc();
#endif
    __asm__ volatile("" : "+r"(x)); /* not folded into the loop */
#ifdef BENCH_FN_RDTSC_FLOOR
    x -= __rdtsc();
#endif
    return x * 2654435761u + 1;
}

__declspec(dllexport) uint64_t bench_fn_loop(uint64_t n)
{
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += bench_fn_leaf(i);
    return acc;
}
