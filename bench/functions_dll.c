/*
 * The function benchmark's subject: one source built three times
 * (bench/module.mk) as bench_fn_plain.dll (no instrumentation),
 * bench_fn_calls.dll (wst-cc --wst-functions=calls) and bench_fn_time.dll
 * (wst-cc --wst-functions), so that the three differ only by the hooks.
 * bench_fn_loop calls bench_fn_leaf n times; the leaf is a few instructions,
 * so its instrumented cost is nearly all hook. Called from one thread.
 */
#include <stdint.h>

__attribute__((noinline, noclone)) uint64_t bench_fn_leaf(uint64_t x)
{
    __asm__ volatile("" : "+r"(x)); /* not folded into the loop */
    return x * 2654435761u + 1;
}

__declspec(dllexport) uint64_t bench_fn_loop(uint64_t n)
{
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += bench_fn_leaf(i);
    return acc;
}
