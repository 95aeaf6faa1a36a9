/*
 * The cxx-template-probe scenario's program: probes written directly in a
 * function template's body (tpl_twice<int>, tpl_twice<double>), the case
 * that g++ 12 drops (docs/region.md, "C++"). The scenario builds it at run
 * time with toolchain/wst-c++, which must refuse it on such a compiler; with
 * -DWST_TPL_FIXED the probe sits in a non-template inline function that the
 * template calls instead (the fix that wst-c++ prints), and builds anywhere.
 *
 * Run: calls each instantiation N times (N from the command line), prints
 * "ready PID", and waits for a line on stdin, so the inspector reads it
 * live; then it exits 0. Single-threaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

#include <winstrument.h>

#ifdef WST_TPL_FIXED
inline void tpl_probes()
{
    WST_COUNT("cxx_tpl_calls");
}
#define TPL_PROBES() tpl_probes()
#else
#define TPL_PROBES()                                                                           \
    WST_COUNT("cxx_tpl_calls");                                                                \
    WST_TIME_SCOPE("cxx_tpl_time")
#endif

template <typename T> __attribute__((noinline)) T tpl_twice(T x)
{
    TPL_PROBES();
    return x + x;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 5;
    volatile double sink = 0;
    for (int i = 0; i < n; i++)
        sink = sink + tpl_twice<int>(i) + tpl_twice<double>(i);
    printf("ready %lu\n", (unsigned long)GetCurrentProcessId());
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL)
        return 1;
    return sink < 0;
}
