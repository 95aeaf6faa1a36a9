/*
 * wst_fn_host.exe: drives the function-instrumented DLLs for the
 * functions-* scenarios (wine-tests/cases/functions.py). Built itself with
 * `wst-cc --wst-functions=calls`: its own functions are counted, never timed,
 * so one process holds a calls-only module next to timed ones.
 *
 *   wst_fn_host counts THREADS ROUNDS  THREADS threads each call wst_fn.dll's
 *       fn_leaf and the host's own host_tick ROUNDS times; the main thread
 *       calls fn_outer(SPIN_US) OUTER times. Prints "expect NAME CALLS"
 *       lines, "ready", waits for a line, exits 0
 *   wst_fn_host unwind ROUNDS DEPTH     ROUNDS times each: fn_recurse(DEPTH),
 *       fn_jump(DEPTH) (longjmp), fn_seh(DEPTH) (an SEH exception),
 *       wst_fn_cxx.dll's cxx_catch(DEPTH) (a C++ throw) and fn_rjump (longjmp
 *       out of recursion); fn_loop_jump(ROUNDS, DEPTH) (jumps in a loop that
 *       does not return between them); then fn_outer; prints
 *       expect lines, "ready", waits, exits 0
 *   wst_fn_host overflow ROUNDS         wst_fn_many.dll's many_call_all ROUNDS
 *       times; "expect many_total N", "ready", waits, exits 0
 *   wst_fn_host unload ROUNDS           wst_fn_b.dll keeps running on a thread
 *       while wst_fn.dll is used by another thread, unloaded, and loaded
 *       again (stages in the comments below); "ready" at the end, waits
 *   wst_fn_host stripped ROUNDS         wst_fn_stripped.dll's fn_leaf ROUNDS
 *       times, and loads wst_target_a.dll (counters, no function table);
 *       "ready", waits, exits 0
 *   wst_fn_host inline ROUNDS DEPTH     wst_fn_inline.dll (instrumented
 *       functions inlined into instrumented callers): in_jtop(ROUNDS, DEPTH)
 *       (an inline copy longjmps), then ROUNDS times in_outer, in_nest and
 *       in_rec_top(DEPTH); prints "inlined 1" (or 0), expect lines,
 *       "unwound wst_fn_inline.dll N", "ready", waits, exits 0
 *   wst_fn_host --probe                 prints "ok" and exits 0 (whether the
 *       program runs at all: cases/i686.py's probe)
 *
 * First line: "pid N". Any failure prints "error ..." and exits 2.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 32
#define SPIN_US 200u
#define OUTER 5

typedef int (*int_fn)(int);
typedef int (*int2_fn)(int, int);
typedef void (*spin_fn)(unsigned);
typedef int (*void_fn)(void);

static int rounds;

static void die(const char *what)
{
    printf("error %s (win32 %lu)\n", what, (unsigned long)GetLastError());
    fflush(stdout);
    exit(2);
}

static HMODULE load(const char *name)
{
    HMODULE m = LoadLibraryA(name);
    if (m == NULL)
        die(name);
    return m;
}

static FARPROC need(HMODULE m, const char *name)
{
    FARPROC p = GetProcAddress(m, name);
    if (p == NULL)
        die(name);
    return p;
}

static void wait_line(void)
{
    char line[64];
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL)
        die("stdin closed");
}

/* The host's own instrumented function (a calls-only module). */
__attribute__((noinline, noclone)) int host_tick(int x)
{
    return x + 1;
}

/* ---- counts ------------------------------------------------------------- */

static int_fn leaf;

static DWORD WINAPI count_thread(void *arg)
{
    volatile int sum = 0;
    (void)arg;
    for (int i = 0; i < rounds; i++) {
        sum += leaf(i);
        sum += host_tick(i);
    }
    return 0;
}

static void run_threads(int n, LPTHREAD_START_ROUTINE fn)
{
    HANDLE t[MAX_THREADS];
    for (int i = 0; i < n; i++) {
        t[i] = CreateThread(NULL, 0, fn, NULL, 0, NULL);
        if (t[i] == NULL)
            die("CreateThread");
    }
    WaitForMultipleObjects((DWORD)n, t, TRUE, INFINITE);
    for (int i = 0; i < n; i++)
        CloseHandle(t[i]);
}

static void counts(int threads, const char *name)
{
    HMODULE dll = load(name);
    leaf = (int_fn)(void *)need(dll, "fn_leaf");
    spin_fn outer = (spin_fn)(void *)need(dll, "fn_outer");
    run_threads(threads, count_thread);
    for (int i = 0; i < OUTER; i++)
        outer(SPIN_US);
    printf("expect fn_leaf %d\nexpect fn_hidden %d\nexpect host_tick %d\n", threads * rounds,
           threads * rounds, threads * rounds);
    printf("expect fn_outer %d\nexpect fn_spin %d\nspin_us %u\n", OUTER, 2 * OUTER, SPIN_US);
}

/* ---- unwind ------------------------------------------------------------- */

static void unwind(int depth)
{
    HMODULE dll = load("wst_fn.dll"), cxx = load("wst_fn_cxx.dll");
    int_fn recurse = (int_fn)(void *)need(dll, "fn_recurse");
    int_fn jump = (int_fn)(void *)need(dll, "fn_jump");
    int_fn seh = (int_fn)(void *)need(dll, "fn_seh");
    int_fn cxx_catch = (int_fn)(void *)need(cxx, "cxx_catch");
    int2_fn rjump = (int2_fn)(void *)need(dll, "fn_rjump");
    int2_fn loop_jump = (int2_fn)(void *)need(dll, "fn_loop_jump");
    spin_fn outer = (spin_fn)(void *)need(dll, "fn_outer");
    for (int i = 0; i < rounds; i++) {
        if (recurse(depth) != depth)
            die("fn_recurse");
        if (jump(depth) != 1)
            die("fn_jump did not come back through longjmp");
        if (seh(depth) != 1)
            die("fn_seh did not come back through the handler");
        if (cxx_catch(depth) != -1)
            die("cxx_catch did not catch");
        if (rjump(depth, depth) != 1)
            die("fn_rjump");
    }
    if (loop_jump(rounds, depth) != rounds)
        die("fn_loop_jump");
    /* After the repairs, timing must still add up. */
    for (int i = 0; i < OUTER; i++)
        outer(SPIN_US);
    printf("expect fn_recurse %d\nexpect fn_jump %d\nexpect fn_deep %d\n", rounds * depth, rounds,
           rounds * (depth + 1));
    printf("expect fn_seh %d\nexpect fn_raise %d\nexpect cxx_catch %d\nexpect cxx_thrower %d\n",
           rounds, rounds * (depth + 1), rounds, rounds * (depth + 1));
    printf("expect fn_outer %d\nexpect fn_spin %d\nspin_us %u\n", OUTER, 2 * OUTER, SPIN_US);
    printf("expect fn_rjump %d\nexpect fn_loop_jump 1\nexpect fn_deep_loop %d\n",
           rounds * (depth + 1), rounds * (depth + 1));
    /* Left without exit hooks: the fn_deep, fn_raise and fn_deep_loop frames,
     * and all but the outermost fn_rjump of each round. */
    printf("unwound wst_fn.dll %d\nunwound wst_fn_cxx.dll 0\n",
           3 * rounds * (depth + 1) + rounds * depth);
}

/* ---- inline ------------------------------------------------------------ */

#define INLINE_SPIN_US 20u

static void inline_frames(int depth)
{
    HMODULE dll = load("wst_fn_inline.dll");
    spin_fn outer = (spin_fn)(void *)need(dll, "in_outer");
    spin_fn nest = (spin_fn)(void *)need(dll, "in_nest");
    void (*rec_top)(int, unsigned) = (void (*)(int, unsigned))(void *)need(dll, "in_rec_top");
    int2_fn jtop = (int2_fn)(void *)need(dll, "in_jtop");
    void_fn all_inlined = (void_fn)(void *)need(dll, "in_all_inlined");
    /* The jumps first: the timing checked afterwards is then timing after
     * the repairs. */
    if (jtop(rounds, depth) != rounds)
        die("in_jtop");
    for (int i = 0; i < rounds; i++) {
        outer(INLINE_SPIN_US);
        nest(INLINE_SPIN_US);
        rec_top(depth, INLINE_SPIN_US);
    }
    printf("inlined %d\nspin_us %u\n", all_inlined(), INLINE_SPIN_US);
    printf("expect in_outer %d\nexpect in_mid %d\nexpect in_leaf %d\n", rounds, 2 * rounds,
           2 * rounds);
    printf("expect in_nest %d\nexpect in_a %d\nexpect in_b %d\nexpect in_leaf2 %d\n", rounds,
           rounds, 2 * rounds, 2 * rounds);
    printf("expect in_rec_top %d\nexpect in_rec %d\nexpect in_step %d\nexpect in_leaf3 %d\n",
           rounds, rounds * (depth + 1), rounds * depth, rounds);
    printf("expect in_jtop 1\nexpect in_jmid %d\nexpect in_jstep %d\n", rounds * (depth + 1),
           rounds * (depth + 1));
    /* Each round abandons in_jmid(depth) .. in_jmid(0) and their inlined
     * in_jstep copies, and nothing else. */
    printf("unwound wst_fn_inline.dll %d\n", rounds * 2 * (depth + 1));
}

/* ---- overflow ----------------------------------------------------------- */

static void overflow(void)
{
    HMODULE dll = load("wst_fn_many.dll");
    void_fn all = (void_fn)(void *)need(dll, "many_call_all");
    int n = 0;
    for (int i = 0; i < rounds; i++)
        n = all();
    /* Every function once per round, and many_call_all itself. */
    printf("expect many_total %d\nexpect many_functions %d\n", rounds * (n + 1), n + 1);
}

/* ---- unload ------------------------------------------------------------- */

static HANDLE stop_b, go_a, done_a;
static volatile LONG b_calls;
static HMODULE dll_a;

/* Keeps calling wst_fn_b.dll until told to stop. */
static DWORD WINAPI b_thread(void *arg)
{
    int_fn b_leaf = (int_fn)arg;
    while (WaitForSingleObject(stop_b, 0) == WAIT_TIMEOUT) {
        b_leaf(1);
        InterlockedIncrement(&b_calls);
    }
    return 0;
}

/* Uses wst_fn.dll on each go_a: timed frames, so the thread has a shadow
 * stack in that module, which must be gone after the unload. */
static DWORD WINAPI a_thread(void *arg)
{
    (void)arg;
    for (int pass = 0; pass < 2; pass++) {
        WaitForSingleObject(go_a, INFINITE);
        int_fn a_leaf = (int_fn)(void *)need(dll_a, "fn_leaf");
        int_fn a_recurse = (int_fn)(void *)need(dll_a, "fn_recurse");
        for (int i = 0; i < rounds; i++) {
            a_leaf(i);
            a_recurse(3);
        }
        SetEvent(done_a);
    }
    return 0;
}

static void unload(void)
{
    HMODULE b = load("wst_fn_b.dll");
    stop_b = CreateEventA(NULL, TRUE, FALSE, NULL);
    go_a = CreateEventA(NULL, FALSE, FALSE, NULL);
    done_a = CreateEventA(NULL, FALSE, FALSE, NULL);
    HANDLE tb = CreateThread(NULL, 0, b_thread, (void *)need(b, "fn_leaf"), 0, NULL);
    HANDLE ta = CreateThread(NULL, 0, a_thread, NULL, 0, NULL);
    if (tb == NULL || ta == NULL)
        die("CreateThread");
    /* 1: the other thread uses wst_fn.dll, then waits outside it. */
    dll_a = load("wst_fn.dll");
    SetEvent(go_a);
    WaitForSingleObject(done_a, INFINITE);
    printf("used\n");
    wait_line();
    /* 2: unloaded while wst_fn_b.dll keeps running on its thread. */
    if (!FreeLibrary(dll_a))
        die("FreeLibrary");
    if (GetModuleHandleA("wst_fn.dll") != NULL)
        die("wst_fn.dll still loaded");
    LONG before = b_calls;
    while (b_calls < before + 1000)
        Sleep(1);
    printf("unloaded\n");
    wait_line();
    /* 3: loaded again; the same thread uses it again. */
    dll_a = load("wst_fn.dll");
    SetEvent(go_a);
    WaitForSingleObject(done_a, INFINITE);
    printf("expect fn_leaf %d\nexpect fn_recurse %d\n", rounds, rounds * 3);
    WaitForSingleObject(ta, INFINITE);
    /* Its thread has exited: its shadow stack was freed at thread detach. */
    SetEvent(stop_b);
    WaitForSingleObject(tb, INFINITE);
    printf("expect b_calls %ld\n", (long)b_calls);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && strcmp(argv[1], "--probe") == 0) {
        printf("ok\n");
        return 0;
    }
    printf("pid %lu\n", (unsigned long)GetCurrentProcessId());
    if (argc < 3)
        die("usage: wst_fn_host counts|unwind|overflow|unload|stripped|inline ROUNDS [N]");
    rounds = atoi(argv[2]);
    const char *what = argv[1];
    if (strcmp(what, "counts") == 0 && (argc == 4 || argc == 5)) {
        int threads = atoi(argv[2]);
        rounds = atoi(argv[3]);
        if (threads < 1 || threads > MAX_THREADS)
            die("threads");
        counts(threads, argc == 5 ? argv[4] : "wst_fn.dll");
    } else if (strcmp(what, "unwind") == 0 && argc == 4) {
        unwind(atoi(argv[3]));
    } else if (strcmp(what, "inline") == 0 && argc == 4) {
        inline_frames(atoi(argv[3]));
    } else if (strcmp(what, "overflow") == 0) {
        overflow();
    } else if (strcmp(what, "unload") == 0) {
        unload();
    } else if (strcmp(what, "stripped") == 0) {
        int_fn f = (int_fn)(void *)need(load("wst_fn_stripped.dll"), "fn_leaf");
        load("wst_target_a.dll"); /* counters only: a module without a function table */
        for (int i = 0; i < rounds; i++)
            f(i);
        printf("expect fn_leaf %d\nexpect fn_hidden %d\n", rounds, rounds);
    } else {
        die("unknown command");
    }
    printf("ready\n");
    wait_line();
    return 0;
}
