/*
 * The coverage scenarios' target: an EXE built with `wst-cc --wst-functions`
 * and -g (wine-tests/module.mk), whose functions are called a known number
 * of times: cov_called N times (N from the command line), cov_twice twice,
 * cov_never never. It prints "ready PID" and waits for a line on stdin, so
 * the inspector reads it live; then it exits 0.
 *
 * Every function is noinline and external, so that each keeps its own entry
 * hook and symbol whatever the optimization level. Single-threaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

__attribute__((noinline)) int cov_called(int x)
{
    return x * 2 + 1;
}

__attribute__((noinline)) int cov_twice(int x)
{
    return x - 3;
}

/* Never called: the export lists it with 0 calls. The volatile pointer in
 * main keeps the linker and optimizer from dropping it. */
__attribute__((noinline)) int cov_never(int x)
{
    return x * x;
}

int (*volatile cov_keep)(int) = cov_never;

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 5;
    volatile int sink = 0;
    for (int i = 0; i < n; i++)
        sink += cov_called(i);
    sink += cov_twice(1) + cov_twice(2);
    printf("ready %lu\n", (unsigned long)GetCurrentProcessId());
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL)
        return 1;
    return sink == -12345;
}
