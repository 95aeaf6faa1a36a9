/*
 * wst_dist_host.exe: drives wst_dist.dll for the dist-* scenarios
 * (wine-tests/cases/dist.py). Not instrumented itself.
 *
 *   wst_dist_host timing ROUNDS THREADS   THREADS threads each time ROUNDS
 *       busy-waits of 50 us, and every tenth round one of 2 ms; prints the
 *       durations it measured just inside and just outside each scope
 *       ("inner NAME ns ns ...", "outer NAME ns ns ..."; each scope's own
 *       duration lies between the two), then "ready", waits for a line,
 *       exits 0
 *   wst_dist_host gauges ROUNDS THREADS   gauge adds and sets from THREADS
 *       threads; prints "expect NAME VALUE" lines, "ready", waits, exits 0
 *   wst_dist_host cxx ROUNDS              loads wst_cxx.dll (C++) instead: its
 *       templates, header inline functions and a throw through a time scope
 *       of 50 us, ROUNDS times; prints inner/outer lines for cxx_throw and
 *       "expect" lines, "ready", waits, exits 0
 *   wst_dist_host records                 records on command: each line
 *       "VALUE N" records VALUE N times into dist_sizes and prints
 *       "recorded"; "quit" (or the end of stdin) exits 0
 *   wst_dist_host unload                  a scope open across FreeLibrary
 *       (see wst_dist.c); prints "held", waits for a line, "unloaded", then
 *       the ExitThread case, "abandoned-unloaded", exits 0
 *
 * Any failure prints "error ..." and exits 2. Main thread plus the workers.
 */
#include <windows.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DLL_NAME "wst_dist.dll"
#define SHORT_US 50u
#define LONG_US 2000u
#define MAX_THREADS 16

typedef uint64_t (*spin_fn)(int, uint64_t, uint64_t *);
typedef int (*int_fn)(int);
typedef void (*record_fn)(uint64_t);
typedef void (*gauges_fn)(int);
typedef void (*set_fn)(int64_t);
typedef HANDLE (*hold_fn)(HANDLE, HANDLE);
typedef HANDLE (*abandon_fn)(void);
typedef int (*cxx_fn)(int, uint64_t, uint64_t *, uint64_t *);

static HMODULE dll;
static uint64_t freq;
static int rounds;

static void die(const char *what)
{
    printf("error %s (win32 %lu)\n", what, (unsigned long)GetLastError());
    fflush(stdout);
    exit(2);
}

static FARPROC need(const char *name)
{
    FARPROC p = GetProcAddress(dll, name);
    if (p == NULL)
        die(name);
    return p;
}

/* The runtime's conversion of QueryPerformanceCounter ticks (exact when the
 * frequency divides 10^9, as 10 MHz does), so both sides agree to the ns
 * while the scopes still read QPC. Once the runtime reads the TSC, the
 * scenario allows for the host's tick (it prints its frequency). */
static uint64_t ns_of(uint64_t ticks)
{
    if (freq <= 1000000000u && 1000000000u % freq == 0)
        return ticks * (1000000000u / freq);
    return ticks / freq * 1000000000u + ticks % freq * 1000000000u / freq;
}

static void wait_line(void)
{
    char line[64];
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL)
        die("stdin closed");
}

/* ---- timing --------------------------------------------------------- */

/* Index 0: inner durations, 1: outer. */
struct timing {
    uint64_t *short_ns[2], *long_ns[2];
    int shorts, longs;
};

static DWORD WINAPI timing_thread(void *arg)
{
    struct timing *t = arg;
    spin_fn spin = (spin_fn)(void *)need("wst_dist_spin");
    uint64_t inner;
    for (int i = 0; i < rounds; i++) {
        t->short_ns[1][t->shorts] = ns_of(spin(0, freq * SHORT_US / 1000000u, &inner));
        t->short_ns[0][t->shorts++] = ns_of(inner);
        if (i % 10 == 0) {
            t->long_ns[1][t->longs] = ns_of(spin(1, freq * LONG_US / 1000000u, &inner));
            t->long_ns[0][t->longs++] = ns_of(inner);
        }
    }
    return 0;
}

static void print_true(const char *name, struct timing *t, int threads, int which)
{
    for (int side = 0; side < 2; side++) {
        printf("%s %s", side == 0 ? "inner" : "outer", name);
        for (int k = 0; k < threads; k++) {
            if (which != 1)
                for (int i = 0; i < t[k].shorts; i++)
                    printf(" %" PRIu64, t[k].short_ns[side][i]);
            if (which != 0)
                for (int i = 0; i < t[k].longs; i++)
                    printf(" %" PRIu64, t[k].long_ns[side][i]);
        }
        printf("\n");
    }
}

static void run_threads(int threads, LPTHREAD_START_ROUTINE fn, void *args, size_t arg_size)
{
    HANDLE h[MAX_THREADS] = {0};
    for (int k = 0; k < threads; k++) {
        h[k] = CreateThread(NULL, 0, fn, (char *)args + k * arg_size, 0, NULL);
        if (h[k] == NULL)
            die("CreateThread");
    }
    WaitForMultipleObjects((DWORD)threads, h, TRUE, INFINITE);
    for (int k = 0; k < threads; k++)
        CloseHandle(h[k]);
}

static int timing(int threads)
{
    struct timing t[MAX_THREADS];
    for (int k = 0; k < threads; k++) {
        for (int side = 0; side < 2; side++) {
            t[k].short_ns[side] = calloc((size_t)rounds, sizeof(uint64_t));
            t[k].long_ns[side] = calloc((size_t)rounds / 10 + 1, sizeof(uint64_t));
            if (t[k].short_ns[side] == NULL || t[k].long_ns[side] == NULL)
                die("calloc");
        }
        t[k].shorts = t[k].longs = 0;
    }
    run_threads(threads, timing_thread, t, sizeof t[0]);
    print_true("dist_spin_short", t, threads, 0);
    print_true("dist_spin_long", t, threads, 1);
    print_true("dist_spin_all", t, threads, 2);
    /* Scopes left by return, break and goto; recursion; sizes. */
    int_fn exits = (int_fn)(void *)need("wst_dist_exits");
    int_fn recurse = (int_fn)(void *)need("wst_dist_recurse");
    record_fn record = (record_fn)(void *)need("wst_dist_record");
    for (int how = 0; how < 3; how++)
        exits(how);
    recurse(5);
    static const uint64_t sizes[] = {0, 1, UINT64_MAX, 1000, 1000, 4096};
    printf("sizes dist_sizes");
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        record(sizes[i]);
        printf(" %" PRIu64, sizes[i]);
    }
    printf("\nexpect dist_exits 3\nexpect dist_recurse 5\nclock qpc_hz %" PRIu64 "\nready\n",
           (uint64_t)freq);
    wait_line();
    return 0;
}

/* ---- gauges --------------------------------------------------------- */

static DWORD WINAPI gauge_thread(void *arg)
{
    (void)arg;
    ((gauges_fn)(void *)need("wst_dist_gauges"))(rounds);
    return 0;
}

/* ---- records on command ----------------------------------------------- */

static int records(void)
{
    record_fn record = (record_fn)(void *)need("wst_dist_record");
    char line[64];
    printf("ready\n");
    fflush(stdout);
    while (fgets(line, sizeof line, stdin) != NULL && strncmp(line, "quit", 4) != 0) {
        uint64_t value, n;
        if (sscanf(line, "%" SCNu64 " %" SCNu64, &value, &n) != 2)
            die("bad record line");
        for (uint64_t i = 0; i < n; i++)
            record(value);
        printf("recorded\n");
        fflush(stdout);
    }
    return 0;
}

static int gauges(int threads)
{
    char unused[MAX_THREADS];
    run_threads(threads, gauge_thread, unused, 1);
    ((set_fn)(void *)need("wst_dist_gauge_set"))(-7);
    long long n = (long long)rounds * threads;
    printf("expect gauge_up %lld\nexpect gauge_down %lld\nexpect gauge_level 0\n"
           "expect gauge_set -7\nready\n",
           3 * n, -5 * n);
    wait_line();
    return 0;
}

/* ---- unload ------------------------------------------------------- */

static int unload(void)
{
    HANDLE ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE go = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE t = ((hold_fn)(void *)need("wst_dist_hold"))(ready, go);
    if (ready == NULL || go == NULL || t == NULL)
        die("hold");
    WaitForSingleObject(ready, INFINITE);
    /* The host's own reference goes; the thread's keeps the module. */
    FreeLibrary(dll);
    if (GetModuleHandleA(DLL_NAME) == NULL)
        die("unloaded while the thread held it");
    printf("held\n");
    wait_line();
    SetEvent(go);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    if (GetModuleHandleA(DLL_NAME) != NULL)
        die("still loaded after the holder left");
    printf("unloaded\n");

    dll = LoadLibraryA(DLL_NAME);
    if (dll == NULL)
        die("LoadLibrary again");
    t = ((abandon_fn)(void *)need("wst_dist_abandon"))();
    if (t == NULL)
        die("abandon");
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    FreeLibrary(dll);
    if (GetModuleHandleA(DLL_NAME) != NULL)
        die("still loaded after FreeLibrary");
    /* Anything that touched the unloaded module would have crashed by now;
     * give a stray write a moment to happen. */
    Sleep(50);
    printf("abandoned-unloaded\n");
    fflush(stdout);
    return 0;
}

/* ---- C++ -------------------------------------------------------- */

static int cxx(void)
{
    uint64_t *inner = calloc((size_t)rounds, sizeof *inner);
    uint64_t *outer = calloc((size_t)rounds, sizeof *outer);
    if (inner == NULL || outer == NULL)
        die("calloc");
    int caught = ((cxx_fn)(void *)need("wst_cxx_run"))(rounds, freq * SHORT_US / 1000000u, inner,
                                                       outer);
    if (caught != rounds)
        die("exceptions lost");
    for (int side = 0; side < 2; side++) {
        printf("%s cxx_throw", side == 0 ? "inner" : "outer");
        for (int i = 0; i < rounds; i++)
            printf(" %" PRIu64, ns_of(side == 0 ? inner[i] : outer[i]));
        printf("\n");
    }
    printf("expect cxx_template %d\nexpect cxx_template_calls %d\nexpect cxx_inline %d\n"
           "expect cxx_sizes %d\nexpect cxx_throw %d\nclock qpc_hz %" PRIu64 "\nready\n",
           2 * rounds, 2 * rounds, rounds, rounds, rounds, (uint64_t)freq);
    wait_line();
    return 0;
}

int main(int argc, char **argv)
{
    LARGE_INTEGER f;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    QueryPerformanceFrequency(&f);
    freq = (uint64_t)f.QuadPart;
    if (argc < 2)
        die("usage");
    dll = LoadLibraryA(strcmp(argv[1], "cxx") == 0 ? "wst_cxx.dll" : DLL_NAME);
    if (dll == NULL)
        die("LoadLibrary");
    printf("pid %lu\n", (unsigned long)GetCurrentProcessId());
    fflush(stdout);
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    rounds = argc > 2 ? atoi(argv[2]) : 1;
    if (threads < 1 || threads > MAX_THREADS || rounds < 1)
        die("arguments");
    if (strcmp(argv[1], "timing") == 0)
        return timing(threads);
    if (strcmp(argv[1], "gauges") == 0)
        return gauges(threads);
    if (strcmp(argv[1], "unload") == 0)
        return unload();
    if (strcmp(argv[1], "records") == 0)
        return records();
    if (strcmp(argv[1], "cxx") == 0)
        return cxx();
    die("unknown command");
    return 2;
}
