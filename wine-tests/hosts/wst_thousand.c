/*
 * wst_thousand.exe: an instrumented EXE with 1,000 counters, "c1000" to "c1999",
 * counter cN holding N - 999 once the program is ready. It prints
 * "ready <pid>", then waits until a line or the end of its stdin, and exits
 * 0. It gives the metrics endpoint a body of real size: the serve scenarios
 * use it for a client that never reads, and `make bench` starts many of
 * them for its scrape benchmark (bench/bench_scrape.c).
 */
#include <windows.h>

#include <stdio.h>

#include <winstrument.h>

#define BUMP(n) WST_ADD("c" #n, (n) - 999);
/* 1,000 distinct sites: the counters' names must be literals, so the
 * preprocessor writes them, pasting 1 and three digits into a number. */
#define L0(m, h, t)                                                                                \
    m(1##h##t##0) m(1##h##t##1) m(1##h##t##2) m(1##h##t##3) m(1##h##t##4) m(1##h##t##5)            \
        m(1##h##t##6) m(1##h##t##7) m(1##h##t##8) m(1##h##t##9)
#define L1(m, h)                                                                                   \
    L0(m, h, 0) L0(m, h, 1) L0(m, h, 2) L0(m, h, 3) L0(m, h, 4) L0(m, h, 5) L0(m, h, 6)            \
        L0(m, h, 7) L0(m, h, 8) L0(m, h, 9)
#define L2(m)                                                                                      \
    L1(m, 0) L1(m, 1) L1(m, 2) L1(m, 3) L1(m, 4) L1(m, 5) L1(m, 6) L1(m, 7) L1(m, 8) L1(m, 9)

int main(void)
{
    char line[64];
    setvbuf(stdout, NULL, _IONBF, 0);
    L2(BUMP)
    printf("ready %lu\n", GetCurrentProcessId());
    (void)fgets(line, sizeof line, stdin);
    return 0;
}
