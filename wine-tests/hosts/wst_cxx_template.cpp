/*
 * The cxx-template-probe and cxx-lost-probe scenarios' program: probes
 * written directly in a function template's body (tpl_twice<int>,
 * tpl_twice<double>). g++ 12 dropped the section of such a site and g++ 14
 * put both instantiations' sites in one section, under the header's old
 * ".wst$m<__COUNTER__>" names; built with toolchain/wst-c++ each site has a
 * section of its own name and both count (docs/region.md, "C++").
 *
 * Run: calls each instantiation N times (N from the command line), prints
 * "ready PID", and waits for a line on stdin, so the inspector reads it
 * live; then it exits 0. Single-threaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

#include <winstrument.h>

template <typename T> __attribute__((noinline)) T tpl_twice(T x)
{
    WST_COUNT("cxx_tpl_calls");
    WST_TIME_SCOPE("cxx_tpl_time");
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
