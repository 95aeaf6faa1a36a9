/*
 * bench_lifecycle: what the runtime adds to loading and unloading a DLL, and
 * how long FreeLibrary takes when the module's worker (threadpool or helper) is serving.
 * Both figures come from one run, measured side by side: every repetition
 * runs every case, and each case reports the median of its repetitions.
 *
 * One cycle is LoadLibrary, GetProcAddress, one call of the exported function
 * that holds the probe, and FreeLibrary, against one of two DLLs built from
 * bench/lifecycle_dll.c (with the runtime, and without it as the floor), and a
 * third, bench/trigger_floor_dll.c: the design floor, which does only what
 * the on-demand trigger's mechanism needs, so that the table tells what the
 * mechanism costs under this OS from what winstrument adds on top; and a
 * fourth, bench/helper_floor_dll.c, helper mode's design floor (a deferred
 * load of a second DLL whose thread leaves by itself).
 * The cases are the table `cases` below.
 *
 * Every case runs in two hosts (the table `hosts`): one that has loaded
 * advapi32 before the cycles, as most real processes have, and one that
 * has loaded only what this program imports (kernel32 and the CRT's
 * msvcrt). A DLL that imports advapi32 costs the second host advapi32's
 * load and unload on every cycle; the child checks that advapi32 is absent
 * before its first cycle, and notes whether the DLL brought it in.
 *
 * The mode is chosen per process (WINSTRUMENT_MODE is read at attach), so the
 * program re-runs itself as a child process for every case and repetition,
 * with the case's environment, as Wine's conformance tests do for exit
 * scenarios. The parent (no arguments but the options) only spawns, collects
 * one result line per child from a pipe, and prints; the child (--child)
 * runs the cycles on its main thread and never creates a thread itself.
 * This program is not instrumented: it never links the runtime.
 *
 * It never asserts speed (a benchmark is not a test): it exits non-zero only
 * when a child could not run, chose the wrong mode, or its worker never
 * served within the deadline.
 */
#include <windows.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "bench_common.h"
#include "winstrument/region.h"

#define MAX_CYCLES 100000
/* A worker serves within a few ms under Wine; this bound only keeps a broken
 * runtime from hanging the benchmark. */
#define SERVE_DEADLINE_MS 2000
/* Children run N cycles of a few ms at most; this bound is for a hung child. */
#define CHILD_DEADLINE_MS 300000

/* ------------------------------------------------------------------------ */
/* The cases                                                                */
/* ------------------------------------------------------------------------ */

struct lc_case {
    const char *key;         /* JSON name */
    const char *label;       /* table name */
    const wchar_t *dll;      /* next to this program */
    const wchar_t *mode_env; /* WINSTRUMENT_MODE for the child; NULL: unset */
    unsigned expect_mode;    /* enum wst_mode the DLL must report */
    int wait_serving;        /* poll worker_state until SERVING before FreeLibrary */
    int starts_at_call;      /* helper design: the call starts the worker; no trigger */
    int saves;               /* WINSTRUMENT_SAVE set: every unload writes its file */
};

enum {
    C_PLAIN,
    C_FLOOR,
    C_FLOOR_SERVING,
    C_THREADLESS,
    C_THREADLESS_SAVE,
    C_THREADPOOL,
    C_SERVING,
    C_HFLOOR,
    C_HFLOOR_SERVING,
    C_HELPER,
    C_HELPER_SERVING,
    C_COUNT
};

static const struct lc_case cases[C_COUNT] = {
    [C_PLAIN] = {"plain", "plain DLL", L"lifecycle_plain.dll", NULL, WST_MODE_UNSET, 0},
    /* The design floor (bench/trigger_floor_dll.c): the trigger's mechanism
     * alone, what threadpool mode can cost at least under this OS. */
    [C_FLOOR] = {"floor", "trigger floor", L"lifecycle_floor.dll", NULL, WST_MODE_UNSET, 0},
    [C_FLOOR_SERVING] = {"floor_serving", "floor+serve", L"lifecycle_floor.dll", NULL,
                         WST_MODE_UNSET, 1},
    [C_THREADLESS] = {"threadless", "threadless", L"lifecycle_wst.dll", L"threadless",
                      WST_MODE_THREADLESS, 0},
    /* WINSTRUMENT_SAVE=DIR (src/runtime/save.c): each FreeLibrary writes the
     * module's file; against the threadless row, the save's own cost. */
    [C_THREADLESS_SAVE] = {"threadless_save", "threadless+save", L"lifecycle_wst.dll",
                           L"threadless", WST_MODE_THREADLESS, 0, 0, 1},
    [C_THREADPOOL] = {"threadpool", "threadpool", L"lifecycle_wst.dll", L"threadpool",
                      WST_MODE_THREADPOOL, 0},
    [C_SERVING] = {"threadpool_serving", "threadpool+serve", L"lifecycle_wst.dll", L"threadpool",
                   WST_MODE_THREADPOOL, 1},
    /* Helper mode's design floor (bench/helper_floor_dll.c, its second DLL
     * hfloor_helper.dll next to it): what helper mode can cost at least. */
    [C_HFLOOR] = {"helper_floor", "helper floor", L"lifecycle_hfloor.dll", NULL, WST_MODE_UNSET, 0,
                  1},
    [C_HFLOOR_SERVING] = {"helper_floor_serving", "hfloor+serve", L"lifecycle_hfloor.dll", NULL,
                          WST_MODE_UNSET, 1, 1},
    /* Helper mode: wsthelper.dll sits next to this program and the DLL. */
    [C_HELPER] = {"helper", "helper", L"lifecycle_wst.dll", L"helper", WST_MODE_HELPER, 0, 1},
    [C_HELPER_SERVING] = {"helper_serving", "helper+serve", L"lifecycle_wst.dll", L"helper",
                          WST_MODE_HELPER, 1, 1},
};

/* The host process the cycles run in. */
struct lc_host {
    const char *key;   /* JSON name */
    const char *label; /* table title */
    int load_advapi32; /* LoadLibrary advapi32 before the first cycle */
};

enum { H_ADVAPI32, H_BARE, H_COUNT };

static const struct lc_host hosts[H_COUNT] = {
    [H_ADVAPI32] = {"advapi32_loaded", "host with advapi32 loaded (as in most processes)", 1},
    [H_BARE] = {"kernel32_only", "host importing only kernel32 and msvcrt, advapi32 not loaded",
                0},
};

typedef void(__cdecl *call_fn)(void);
typedef unsigned(__cdecl *state_fn)(void);

static double qpc_us_per_tick;

static double now_us(void)
{
    LARGE_INTEGER t;
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart * qpc_us_per_tick;
}

/* ------------------------------------------------------------------------ */
/* Child: the cycles of one case                                            */
/* ------------------------------------------------------------------------ */

/* What one child measured; it travels to the parent as one text line. */
struct child_result {
    double us_per_cycle;
    double load_median_us;              /* LoadLibrary alone */
    double call_median_us;              /* the call: the module's first probe hit */
    double free_median_us, free_max_us; /* FreeLibrary alone */
    double serve_median_us;             /* LoadLibrary to SERVING; 0 unless waited */
    unsigned mode;                      /* enum wst_mode the DLL reported */
    unsigned bad_states; /* cycles whose worker_state after the call was unexpected */
    unsigned timeouts;   /* cycles whose worker did not serve in time */
    unsigned advapi32_before;   /* advapi32 was loaded before the first cycle */
    unsigned advapi32_with_dll; /* advapi32 was loaded while the DLL was (untimed cycles) */
};

struct cycle_times {
    double load_us, call_us, free_us, serve_us;
};

/* Right after the call: threadpool's worker is on demand, so the hit must
 * have started nothing (IDLE); the other cases have no worker at all. */
static int state_is_expected(const struct lc_case *c, unsigned state)
{
    if (c == &cases[C_FLOOR] || c == &cases[C_FLOOR_SERVING])
        return state == WST_WORKER_IDLE;
    if (c->expect_mode == WST_MODE_THREADPOOL)
        return state == WST_WORKER_IDLE;
    if (c->starts_at_call)
        return state == WST_WORKER_STARTING || state == WST_WORKER_SERVING;
    return state == WST_WORKER_NONE;
}

typedef void(__cdecl *name_fn)(char *out);

/* Asks for the worker as an inspector does: signals the load's trigger. */
static int wake(name_fn trigger_name)
{
    char name[WST_PIPE_NAME_MAX];
    trigger_name(name);
    HANDLE event = OpenEventA(EVENT_MODIFY_STATE, FALSE, name);
    if (event == NULL)
        return -1;
    SetEvent(event);
    CloseHandle(event);
    return 0;
}

/* Polls with SwitchToThread rather than a spin: with two CPUs a spinning host
 * would take one of them from the worker it waits for. */
static int wait_serving(state_fn state, double start_us)
{
    for (;;) {
        unsigned s = state();
        if (s == WST_WORKER_SERVING)
            return 0;
        if (s == WST_WORKER_PIPE_FAILED || now_us() - start_us > SERVE_DEADLINE_MS * 1e3)
            return -1;
        SwitchToThread();
    }
}

/* `probe`: note whether advapi32 is mapped while the DLL is loaded. Only in
 * untimed cycles: GetModuleHandle takes the loader lock. */
static int run_cycle(const struct lc_case *c, const wchar_t *path, struct child_result *r,
                     struct cycle_times *t, int probe)
{
    double t0 = now_us();
    HMODULE h = LoadLibraryW(path);
    if (h == NULL) {
        fprintf(stderr, "bench_lifecycle: cannot load %ls (%lu)\n", path, GetLastError());
        return -1;
    }
    t->load_us = now_us() - t0;
    if (probe && GetModuleHandleW(L"advapi32.dll") != NULL)
        r->advapi32_with_dll = 1;
    call_fn call = (call_fn)(void (*)(void))GetProcAddress(h, "bench_lc_call");
    state_fn state = (state_fn)(void (*)(void))GetProcAddress(h, "bench_lc_worker_state");
    state_fn mode = (state_fn)(void (*)(void))GetProcAddress(h, "bench_lc_mode");
    name_fn trigger = (name_fn)(void (*)(void))GetProcAddress(h, "bench_lc_trigger_name");
    if (call == NULL || state == NULL || mode == NULL || trigger == NULL) {
        fprintf(stderr, "bench_lifecycle: %ls lacks the bench_lc_* exports\n", path);
        FreeLibrary(h);
        return -1;
    }
    double tc = now_us();
    call();
    t->call_us = now_us() - tc;
    r->mode = mode();
    r->bad_states += !state_is_expected(c, state());
    t->serve_us = 0;
    if (c->wait_serving) {
        /* Helper mode has no trigger: its worker starts at the first hit. */
        int woken = c->starts_at_call || wake(trigger) == 0;
        if (!woken || wait_serving(state, t0) != 0)
            r->timeouts++;
        t->serve_us = now_us() - t0;
    }
    double tf = now_us();
    FreeLibrary(h);
    t->free_us = now_us() - tf;
    return 0;
}

static int child_path(const wchar_t *dll, wchar_t *out, size_t size)
{
    DWORD n = GetModuleFileNameW(NULL, out, (DWORD)size);
    if (n == 0 || n >= size)
        return -1;
    wchar_t *slash = wcsrchr(out, L'\\');
    size_t dir = slash ? (size_t)(slash - out) + 1 : 0;
    if (dir + wcslen(dll) + 1 > size)
        return -1;
    wcscpy(out + dir, dll);
    return 0;
}

static int child_main(int which, int host, unsigned cycles)
{
    const struct lc_case *c = &cases[which];
    wchar_t path[MAX_PATH];
    if (child_path(c->dll, path, MAX_PATH) != 0)
        return 1;
    struct child_result r = {0}, warm = {0};
    /* Most processes have advapi32 loaded already; the bare host must not,
     * or it would measure nothing that the other does not. */
    r.advapi32_before = GetModuleHandleW(L"advapi32.dll") != NULL;
    if (hosts[host].load_advapi32 && LoadLibraryW(L"advapi32.dll") == NULL)
        return 1;
    struct cycle_times *times = calloc(cycles, sizeof *times);
    double *sorted = calloc(cycles, sizeof *sorted);
    struct cycle_times ignored;
    int rc = 1;
    if (times == NULL || sorted == NULL)
        goto out;
    /* Untimed cycles first: they map the DLL's file into the cache, create
     * the process's first thread pool, and warm the CPU clock. */
    for (unsigned i = 0; i < cycles / 10 + 1; i++) {
        if (run_cycle(c, path, &warm, &ignored, 1) != 0)
            goto out;
    }
    double start = now_us();
    for (unsigned i = 0; i < cycles; i++) {
        if (run_cycle(c, path, &r, &times[i], 0) != 0)
            goto out;
    }
    r.us_per_cycle = (now_us() - start) / cycles;
    for (unsigned i = 0; i < cycles; i++) {
        sorted[i] = times[i].free_us;
        if (times[i].free_us > r.free_max_us)
            r.free_max_us = times[i].free_us;
    }
    r.free_median_us = bench_median_sort(sorted, cycles);
    for (unsigned i = 0; i < cycles; i++)
        sorted[i] = times[i].serve_us;
    r.serve_median_us = bench_median_sort(sorted, cycles);
    for (unsigned i = 0; i < cycles; i++)
        sorted[i] = times[i].load_us;
    r.load_median_us = bench_median_sort(sorted, cycles);
    for (unsigned i = 0; i < cycles; i++)
        sorted[i] = times[i].call_us;
    r.call_median_us = bench_median_sort(sorted, cycles);
    r.advapi32_with_dll = warm.advapi32_with_dll;
    printf("result %.3f %.3f %.3f %.3f %.3f %.3f %u %u %u %u %u\n", r.us_per_cycle,
           r.load_median_us, r.call_median_us, r.free_median_us, r.free_max_us,
           r.serve_median_us, r.mode, r.bad_states, r.timeouts, r.advapi32_before,
           r.advapi32_with_dll);
    fflush(stdout);
    rc = 0;
out:
    free(times);
    free(sorted);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Parent: spawning the children                                            */
/* ------------------------------------------------------------------------ */

static int parse_result(const char *line, struct child_result *r)
{
    return sscanf(line, "result %lf %lf %lf %lf %lf %lf %u %u %u %u %u", &r->us_per_cycle,
                  &r->load_median_us, &r->call_median_us, &r->free_median_us, &r->free_max_us,
                  &r->serve_median_us, &r->mode, &r->bad_states, &r->timeouts,
                  &r->advapi32_before, &r->advapi32_with_dll) == 11
               ? 0
               : -1;
}

/* Reads the child's stdout to its end; the result is one short line, so the
 * pipe's buffer never fills before the child exits. */
static int read_all(HANDLE pipe, char *buf, size_t size)
{
    size_t used = 0;
    DWORD got;
    while (used + 1 < size && ReadFile(pipe, buf + used, (DWORD)(size - used - 1), &got, NULL) &&
           got > 0)
        used += got;
    buf[used] = '\0';
    return 0;
}

/* Runs one child for case `which` in host `host` with the case's
 * WINSTRUMENT_MODE. The variable is set in this (uninstrumented) process
 * only to be inherited. */
/* The directory of the +save rows, under %TEMP%, emptied after each child
 * (a child writes one file per cycle) and removed at the end. */
static wchar_t save_dir[MAX_PATH];

static unsigned empty_save_dir(void)
{
    wchar_t pattern[MAX_PATH + 8], file[MAX_PATH * 2];
    WIN32_FIND_DATAW fd;
    unsigned n = 0;
    swprintf(pattern, sizeof pattern / sizeof pattern[0], L"%ls\\*.wst", save_dir);
    HANDLE h = FindFirstFileW(pattern, &fd);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    do {
        swprintf(file, sizeof file / sizeof file[0], L"%ls\\%ls", save_dir, fd.cFileName);
        n += DeleteFileW(file) != 0;
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    return n;
}

static int prepare_save_dir(void)
{
    wchar_t tmp[MAX_PATH];
    DWORD n = GetTempPathW(MAX_PATH, tmp);
    if (n == 0 || n >= MAX_PATH - 40)
        return -1;
    swprintf(save_dir, MAX_PATH, L"%lswst-bench-save-%lu", tmp, GetCurrentProcessId());
    return CreateDirectoryW(save_dir, NULL) || GetLastError() == ERROR_ALREADY_EXISTS ? 0 : -1;
}

static int run_child(int which, int host, unsigned cycles, struct child_result *r)
{
    wchar_t self[MAX_PATH], cmd[MAX_PATH + 64];
    char out[512];
    HANDLE rd = NULL, wr = NULL;
    PROCESS_INFORMATION pi = {0};
    int rc = -1;
    DWORD n = GetModuleFileNameW(NULL, self, MAX_PATH);
    if (n == 0 || n >= MAX_PATH)
        return -1;
    swprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\" --child %d --host %d --cycles %u", self,
             which, host, cycles);
    SetEnvironmentVariableW(L"WINSTRUMENT_MODE", cases[which].mode_env);
    SetEnvironmentVariableW(L"WINSTRUMENT_SAVE", cases[which].saves ? save_dir : NULL);

    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    if (!CreatePipe(&rd, &wr, &sa, 1 << 16)) {
        fprintf(stderr, "bench_lifecycle: CreatePipe failed (%lu)\n", GetLastError());
        goto out;
    }
    SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
    STARTUPINFOW si = {.cb = sizeof si, .dwFlags = STARTF_USESTDHANDLES};
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = wr;
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    if (!CreateProcessW(self, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
        fprintf(stderr, "bench_lifecycle: CreateProcess failed (%lu)\n", GetLastError());
        goto out;
    }
    /* Our copy of the write end must go, or ReadFile never sees the end. */
    CloseHandle(wr);
    wr = NULL;
    if (WaitForSingleObject(pi.hProcess, CHILD_DEADLINE_MS) != WAIT_OBJECT_0) {
        fprintf(stderr, "bench_lifecycle: case %s hung; terminating it\n", cases[which].key);
        TerminateProcess(pi.hProcess, 3);
        goto out;
    }
    DWORD code = 1;
    GetExitCodeProcess(pi.hProcess, &code);
    read_all(rd, out, sizeof out);
    if (code != 0 || parse_result(out, r) != 0) {
        fprintf(stderr, "bench_lifecycle: case %s failed (exit %lu)\n", cases[which].key, code);
        goto out;
    }
    /* Every cycle's unload (the warm-up's too) must have saved its file. */
    if (cases[which].saves && empty_save_dir() != cycles + cycles / 10 + 1) {
        fprintf(stderr, "bench_lifecycle: case %s: not every unload saved its file\n",
                cases[which].key);
        goto out;
    }
    rc = 0;
out:
    if (pi.hProcess != NULL) {
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
    }
    if (wr != NULL)
        CloseHandle(wr);
    if (rd != NULL)
        CloseHandle(rd);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Rows, medians and checks                                                 */
/* ------------------------------------------------------------------------ */

struct row {
    double runs_us[BENCH_MAX_REPEAT];   /* µs per cycle, one per repetition */
    double runs_load[BENCH_MAX_REPEAT]; /* each repetition's median LoadLibrary */
    double runs_call[BENCH_MAX_REPEAT];
    double runs_free[BENCH_MAX_REPEAT]; /* each repetition's median FreeLibrary */
    double runs_serve[BENCH_MAX_REPEAT];
    double us_per_cycle, load_median_us, call_median_us, free_median_us, free_max_us;
    double serve_median_us;
    double ratio_plain;
    unsigned bad_states, timeouts, wrong_mode;
    unsigned advapi32_before;   /* runs whose host had advapi32 before the first cycle */
    unsigned advapi32_with_dll; /* runs in which the DLL's load brought advapi32 */
};

/* One host's rows from one repetition of every case. */
static int measure_host(struct row *rows, int host, unsigned cycles, unsigned rep)
{
    for (int i = 0; i < C_COUNT; i++) {
        struct child_result r;
        if (run_child(i, host, cycles, &r) != 0)
            return -1;
        rows[i].runs_us[rep] = r.us_per_cycle;
        rows[i].runs_load[rep] = r.load_median_us;
        rows[i].runs_call[rep] = r.call_median_us;
        rows[i].runs_free[rep] = r.free_median_us;
        rows[i].runs_serve[rep] = r.serve_median_us;
        if (r.free_max_us > rows[i].free_max_us)
            rows[i].free_max_us = r.free_max_us;
        rows[i].bad_states += r.bad_states;
        rows[i].timeouts += r.timeouts;
        rows[i].wrong_mode += r.mode != cases[i].expect_mode;
        rows[i].advapi32_before += r.advapi32_before;
        rows[i].advapi32_with_dll += r.advapi32_with_dll;
    }
    return 0;
}

static void summarize(struct row *rows, unsigned repeat)
{
    for (int i = 0; i < C_COUNT; i++) {
        struct row *w = &rows[i];
        w->us_per_cycle = bench_median(w->runs_us, repeat);
        w->load_median_us = bench_median(w->runs_load, repeat);
        w->call_median_us = bench_median(w->runs_call, repeat);
        w->free_median_us = bench_median(w->runs_free, repeat);
        w->serve_median_us = bench_median(w->runs_serve, repeat);
    }
    for (int i = 0; i < C_COUNT; i++)
        rows[i].ratio_plain = rows[i].us_per_cycle / rows[C_PLAIN].us_per_cycle;
}

/* The hosts alternate within each repetition, so that both see the same
 * load on the machine. */
static int measure(struct row rows[H_COUNT][C_COUNT], unsigned cycles, unsigned repeat)
{
    for (unsigned rep = 0; rep < repeat; rep++) {
        for (int h = 0; h < H_COUNT; h++) {
            if (measure_host(rows[h], h, cycles, rep) != 0)
                return -1;
        }
    }
    for (int h = 0; h < H_COUNT; h++)
        summarize(rows[h], repeat);
    return 0;
}

/* A bare host that had advapi32 before its first cycle measured nothing of
 * what it is for. */
static int row_failed(const struct row *r, int host)
{
    return r->wrong_mode != 0 || r->timeouts != 0 ||
           (!hosts[host].load_advapi32 && r->advapi32_before != 0);
}

static void describe_check(const struct row *r, int host, unsigned cycles, unsigned repeat,
                           char *buf, size_t size)
{
    if (!hosts[host].load_advapi32 && r->advapi32_before != 0)
        snprintf(buf, size, "HOST HAD ADVAPI32 in %u run(s)", r->advapi32_before);
    else if (r->wrong_mode != 0)
        snprintf(buf, size, "WRONG MODE in %u run(s)", r->wrong_mode);
    else if (r->timeouts != 0)
        snprintf(buf, size, "%u worker(s) never served", r->timeouts);
    else if (r->bad_states != 0)
        snprintf(buf, size, "unexpected worker state in %u of %u", r->bad_states, cycles * repeat);
    else if (!hosts[host].load_advapi32 && r->advapi32_with_dll != 0)
        snprintf(buf, size, "ok; the DLL loads advapi32");
    else
        snprintf(buf, size, "ok");
}

/* ------------------------------------------------------------------------ */
/* Output: the table and the JSON                                           */
/* ------------------------------------------------------------------------ */

struct context {
    struct bench_host host;
    unsigned cycles, repeat;
};

static void print_table(const struct row *rows, int host, const struct context *ctx)
{
    unsigned had = 0, runs = ctx->repeat * C_COUNT;
    for (int i = 0; i < C_COUNT; i++)
        had += rows[i].advapi32_before;
    printf("\n%s\n", hosts[host].label);
    if (!hosts[host].load_advapi32)
        printf("GetModuleHandleW(L\"advapi32.dll\") before the first cycle: NULL in %u of %u "
               "runs\n",
               runs - had, runs);
    printf("%-17s %-20s %9s %8s %8s %8s %8s %9s %9s  %s\n", "case", "dll", "us/cycle", "x plain",
           "load", "call", "free", "free max", "to serve", "check");
    for (int i = 0; i < C_COUNT; i++) {
        const struct row *r = &rows[i];
        char check[64], serve[16] = "-";
        describe_check(r, host, ctx->cycles, ctx->repeat, check, sizeof check);
        if (cases[i].wait_serving)
            snprintf(serve, sizeof serve, "%.1f", r->serve_median_us);
        printf("%-17s %-20ls %9.1f %8.2f %8.1f %8.1f %8.1f %9.1f %9s  %s\n", cases[i].label,
               cases[i].dll, r->us_per_cycle, r->ratio_plain, r->load_median_us, r->call_median_us,
               r->free_median_us, r->free_max_us, serve, check);
    }
    const struct row *s = &rows[C_SERVING];
    const struct row *f = &rows[C_FLOOR_SERVING];
    printf("unload latency (FreeLibrary, threadpool worker serving): median %.1f us, max %.1f us "
           "(%u unloads); %.2fx a bare unload (plain DLL, median %.1f us)\n",
           s->free_median_us, s->free_max_us, ctx->cycles * ctx->repeat,
           s->free_median_us / rows[C_PLAIN].free_median_us, rows[C_PLAIN].free_median_us);
    printf("design floor: a cycle %.2fx plain (threadpool %.2fx the floor); a serving unload "
           "%.2fx a bare one (threadpool %.2fx the floor's, median %.1f us)\n",
           rows[C_FLOOR].ratio_plain, rows[C_THREADPOOL].us_per_cycle / rows[C_FLOOR].us_per_cycle,
           f->free_median_us / rows[C_PLAIN].free_median_us, s->free_median_us / f->free_median_us,
           f->free_median_us);
    printf("an unload that saves (WINSTRUMENT_SAVE, threadless): median %.1f us, %.1f us more "
           "than without (%.2fx)\n",
           rows[C_THREADLESS_SAVE].free_median_us,
           rows[C_THREADLESS_SAVE].free_median_us - rows[C_THREADLESS].free_median_us,
           rows[C_THREADLESS_SAVE].free_median_us / rows[C_THREADLESS].free_median_us);
    s = &rows[C_HELPER_SERVING];
    printf("unload latency (FreeLibrary, helper thread serving): median %.1f us, max %.1f us "
           "(%u unloads); %.2fx a bare unload\n",
           s->free_median_us, s->free_max_us, ctx->cycles * ctx->repeat,
           s->free_median_us / rows[C_PLAIN].free_median_us);
    f = &rows[C_HFLOOR_SERVING];
    printf("helper design floor: a cycle %.2fx plain (helper %.2fx the floor); a serving unload "
           "%.2fx a bare one (helper %.2fx the floor's, median %.1f us)\n",
           rows[C_HFLOOR].ratio_plain, rows[C_HELPER].us_per_cycle / rows[C_HFLOOR].us_per_cycle,
           f->free_median_us / rows[C_PLAIN].free_median_us, s->free_median_us / f->free_median_us,
           f->free_median_us);
}

static void print_report(struct row rows[H_COUNT][C_COUNT], const struct context *ctx)
{
    printf("winstrument load/unload benchmark: %s, " BENCH_ARCH ", %u CPUs, %u cycles per run, "
           "median of %u\n",
           bench_host_platform(&ctx->host), ctx->host.cpus, ctx->cycles, ctx->repeat);
    bench_print_wine_version(&ctx->host);
    for (int h = 0; h < H_COUNT; h++)
        print_table(rows[h], h, ctx);
    static const int idle[] = {C_THREADLESS, C_THREADPOOL, C_HELPER};
    printf("\nidle cycle, instrumented / plain DLL (%s / %s):", hosts[H_ADVAPI32].key,
           hosts[H_BARE].key);
    for (size_t i = 0; i < sizeof idle / sizeof idle[0]; i++)
        printf("%s %s %.2fx / %.2fx", i ? ";" : "", cases[idle[i]].key,
               rows[H_ADVAPI32][idle[i]].ratio_plain, rows[H_BARE][idle[i]].ratio_plain);
    printf("\n");
    printf("All times in us. us/cycle: LoadLibrary + call + FreeLibrary (+ the wait until\n"
           "serving in the +serve rows; threadpool+serve signals the trigger), over a whole run. "
           "load, call, "
           "free, to serve\n"
           "(LoadLibrary to SERVING): median over runs of each run's per-cycle median.\n"
           "free max: the slowest FreeLibrary of every cycle of every run.\n");
}

static void write_row_json(FILE *out, int i, const struct row *r, unsigned repeat)
{
    fprintf(out,
            "    {\"case\": \"%s\", \"label\": \"%s\", \"dll\": \"%ls\", \"mode\": %s%ls%s, "
            "\"waits_until_serving\": %s, \"us_per_cycle\": %.3f, \"ratio_to_plain\": %.3f, "
            "\"load_us_median\": %.3f, \"call_us_median\": %.3f, "
            "\"free_us_median\": %.3f, \"free_us_max\": %.3f, ",
            cases[i].key, cases[i].label, cases[i].dll, cases[i].mode_env ? "\"" : "",
            cases[i].mode_env ? cases[i].mode_env : L"null", cases[i].mode_env ? "\"" : "",
            cases[i].wait_serving ? "true" : "false", r->us_per_cycle, r->ratio_plain,
            r->load_median_us, r->call_median_us, r->free_median_us, r->free_max_us);
    if (cases[i].wait_serving)
        fprintf(out, "\"serve_us_median\": %.3f, ", r->serve_median_us);
    else
        fprintf(out, "\"serve_us_median\": null, ");
    fprintf(out, "\"unexpected_states\": %u, \"timeouts\": %u, \"wrong_mode_runs\": %u, ",
            r->bad_states, r->timeouts, r->wrong_mode);
    fprintf(out, "\"runs_us_per_cycle\": [");
    bench_json_numbers(out, r->runs_us, repeat, 3);
    fprintf(out, "], \"runs_free_us_median\": [");
    bench_json_numbers(out, r->runs_free, repeat, 3);
    fprintf(out, "]}");
}

/* A host's rows and their ratios to the plain DLL. */
static void write_host_json(FILE *out, const struct row *rows, int host,
                            const struct context *ctx)
{
    unsigned had = 0;
    for (int i = 0; i < C_COUNT; i++)
        had += rows[i].advapi32_before;
    /* Which DLLs brought advapi32 in: only a host without it can tell. */
    fprintf(out, "  \"%s\": {\"loads_advapi32_first\": %s, ", hosts[host].key,
            hosts[host].load_advapi32 ? "true" : "false");
    fprintf(out, "\"advapi32_before_first_cycle_runs\": %u", had);
    if (!hosts[host].load_advapi32) {
        fprintf(out, ", \"dll_brings_advapi32\": {");
        for (int i = 0; i < C_COUNT; i++)
            fprintf(out, "%s\"%s\": %s", i ? ", " : "", cases[i].key,
                    rows[i].advapi32_with_dll ? "true" : "false");
        fprintf(out, "}");
    }
    fprintf(out, ",\n    \"rows\": [\n");
    for (int i = 0; i < C_COUNT; i++) {
        write_row_json(out, i, &rows[i], ctx->repeat);
        fprintf(out, i + 1 < C_COUNT ? ",\n" : "\n");
    }
    fprintf(out, "    ],\n    \"cycle_ratio_to_plain\": {");
    for (int i = 1; i < C_COUNT; i++)
        fprintf(out, "%s\"%s\": %.3f", i > 1 ? ", " : "", cases[i].key, rows[i].ratio_plain);
    fprintf(out, "}}");
}

/* The top-level rows and figures are the advapi32 host's, as before there
 * were two hosts; "hosts" has both. */
static int write_json(const char *path, struct row all[H_COUNT][C_COUNT],
                      const struct context *ctx)
{
    const struct row *rows = all[H_ADVAPI32];
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        fprintf(stderr, "bench_lifecycle: cannot write %s\n", path);
        return -1;
    }
    bench_json_begin(out, "lifecycle", &ctx->host);
    fprintf(out, "  \"arch\": \"" BENCH_ARCH "\",\n  \"cpus\": %u,\n  \"cycles_per_run\": %u,\n",
            ctx->host.cpus, ctx->cycles);
    fprintf(out, "  \"repeat\": %u,\n  \"statistic\": \"median\",\n  \"rows\": [\n", ctx->repeat);
    for (int i = 0; i < C_COUNT; i++) {
        write_row_json(out, i, &rows[i], ctx->repeat);
        fprintf(out, i + 1 < C_COUNT ? ",\n" : "\n");
    }
    const struct row *s = &rows[C_SERVING];
    fprintf(out,
            "  ],\n  \"unload_latency_us\": {\"case\": \"%s\", \"median\": %.3f, "
            "\"max\": %.3f, \"unloads\": %u, \"ratio_to_plain_free\": %.3f},\n",
            cases[C_SERVING].key, s->free_median_us, s->free_max_us, ctx->cycles * ctx->repeat,
            s->free_median_us / rows[C_PLAIN].free_median_us);
    fprintf(out,
            "  \"design_floor\": {\"cycle_ratio_to_plain\": %.3f, "
            "\"threadpool_cycle_ratio_to_floor\": %.3f, \"serving_free_ratio_to_plain\": %.3f, "
            "\"threadpool_serving_free_ratio_to_floor\": %.3f},\n",
            rows[C_FLOOR].ratio_plain, rows[C_THREADPOOL].us_per_cycle / rows[C_FLOOR].us_per_cycle,
            rows[C_FLOOR_SERVING].free_median_us / rows[C_PLAIN].free_median_us,
            s->free_median_us / rows[C_FLOOR_SERVING].free_median_us);
    const struct row *h = &rows[C_HELPER_SERVING];
    const struct row *hf = &rows[C_HFLOOR_SERVING];
    fprintf(out,
            "  \"helper_unload_latency_us\": {\"case\": \"%s\", \"median\": %.3f, "
            "\"max\": %.3f, \"unloads\": %u, \"ratio_to_plain_free\": %.3f},\n",
            cases[C_HELPER_SERVING].key, h->free_median_us, h->free_max_us,
            ctx->cycles * ctx->repeat, h->free_median_us / rows[C_PLAIN].free_median_us);
    fprintf(out,
            "  \"helper_design_floor\": {\"cycle_ratio_to_plain\": %.3f, "
            "\"helper_cycle_ratio_to_floor\": %.3f, \"serving_free_ratio_to_plain\": %.3f, "
            "\"helper_serving_free_ratio_to_floor\": %.3f},\n",
            rows[C_HFLOOR].ratio_plain, rows[C_HELPER].us_per_cycle / rows[C_HFLOOR].us_per_cycle,
            hf->free_median_us / rows[C_PLAIN].free_median_us,
            h->free_median_us / hf->free_median_us);
    fprintf(out, "  \"cycle_ratio_to_plain\": {");
    for (int i = 1; i < C_COUNT; i++)
        fprintf(out, "%s\"%s\": %.3f", i > 1 ? ", " : "", cases[i].key, rows[i].ratio_plain);
    fprintf(out, "},\n  \"hosts\": {\n");
    for (int h = 0; h < H_COUNT; h++) {
        write_host_json(out, all[h], h, ctx);
        fprintf(out, h + 1 < H_COUNT ? ",\n" : "\n");
    }
    fprintf(out, "  }\n}\n");
    return fclose(out) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Setup                                                                    */
/* ------------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr, "usage: bench_lifecycle [--cycles N] [--repeat R] [--json PATH]\n"
                    "  N load/unload cycles per run (default 500), R repetitions (odd, "
                    "default 7), each in both hosts\n");
}

struct options {
    unsigned cycles, repeat;
    int child; /* case index, -1 in the parent */
    int host;  /* the child's host */
    const char *json;
};

static int parse_args(int argc, char **argv, struct options *o)
{
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (i + 1 >= argc)
            return -1;
        unsigned long v = strtoul(argv[i + 1], &end, 10);
        int numeric = *argv[i + 1] != '\0' && *end == '\0';
        if (strcmp(argv[i], "--cycles") == 0 && numeric && v >= 1 && v <= MAX_CYCLES)
            o->cycles = (unsigned)v;
        else if (strcmp(argv[i], "--repeat") == 0 && numeric && v >= 1 && v <= BENCH_MAX_REPEAT)
            o->repeat = (unsigned)v;
        else if (strcmp(argv[i], "--child") == 0 && numeric && v < C_COUNT)
            o->child = (int)v;
        else if (strcmp(argv[i], "--host") == 0 && numeric && v < H_COUNT)
            o->host = (int)v;
        else if (strcmp(argv[i], "--json") == 0)
            o->json = argv[i + 1];
        else
            return -1;
        i++;
    }
    return 0;
}

static void fill_context(struct context *ctx, const struct options *o)
{
    bench_host_fill(&ctx->host);
    ctx->cycles = o->cycles;
    ctx->repeat = o->repeat;
}

int main(int argc, char **argv)
{
    struct options o = {.cycles = 500, .repeat = 7, .child = -1, .host = H_ADVAPI32, .json = NULL};
    if (parse_args(argc, argv, &o) != 0) {
        usage();
        return 2;
    }
    LARGE_INTEGER freq;
    QueryPerformanceFrequency(&freq);
    qpc_us_per_tick = 1e6 / (double)freq.QuadPart;
    if (o.child >= 0)
        return child_main(o.child, o.host, o.cycles);

    static struct row rows[H_COUNT][C_COUNT];
    struct context ctx;
    fill_context(&ctx, &o);
    if (prepare_save_dir() != 0) {
        fprintf(stderr, "bench_lifecycle: no directory for the +save rows (%lu)\n",
                GetLastError());
        return 1;
    }
    int measured = measure(rows, o.cycles, o.repeat);
    empty_save_dir();
    RemoveDirectoryW(save_dir);
    if (measured != 0)
        return 1;
    print_report(rows, &ctx);
    if (o.json != NULL) {
        if (write_json(o.json, rows, &ctx) != 0)
            return 1;
        printf("\nwrote %s\n", o.json);
    }
    int failed = 0;
    for (int h = 0; h < H_COUNT; h++) {
        for (int i = 0; i < C_COUNT; i++)
            failed |= row_failed(&rows[h][i], h);
    }
    return failed ? 1 : 0;
}
