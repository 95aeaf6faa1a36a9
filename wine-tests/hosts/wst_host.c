/*
 * wst_host.exe: the scenario host. It runs a script given as command-line
 * words, so that every scenario in wine-tests/scenarios.py is data: which
 * DLLs to load, which probes to hit from how many threads, how to end the
 * process. It reports on stdout, one line per event, for the driver to parse.
 *
 * The commands, their arguments and what each does are the table `commands`
 * at the end of this file; `wst_host.exe --help` prints it.
 *
 * The host itself is instrumented (counter "host.hits"), so every scenario
 * has an instrumented EXE beside its DLLs.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tlhelp32.h>

#include <winstrument.h>

#include "resources.h"

#define MAX_MODULES 8

typedef void(__cdecl *target_hit_fn)(unsigned n);
typedef void(__cdecl *target_exit_fn)(int code);
typedef const char *(__cdecl *target_pipe_fn)(void);
typedef void(__cdecl *target_planned_fn)(char *out);
typedef unsigned(__cdecl *target_state_fn)(void);
typedef int(__cdecl *target_corrupt_fn)(const char *kind);

struct loaded {
    char name[64];
    HMODULE handle;
    unsigned long long hits; /* what this host added through wst_target_hit */
    int freed;               /* this host loaded and freed it: a reload is a new load */
};

static struct loaded modules[MAX_MODULES];
static unsigned long long self_hits;
static struct wst_resources baseline;

static void fail(const char *what, const char *arg)
{
    printf("error %s %s (win32 error %lu)\n", what, arg, GetLastError());
    fflush(stdout);
    ExitProcess(90);
}

static struct loaded *find_module(const char *name, int create)
{
    for (int i = 0; i < MAX_MODULES; i++) {
        if (modules[i].name[0] != '\0' && strcmp(modules[i].name, name) == 0)
            return &modules[i];
    }
    if (!create)
        return NULL;
    for (int i = 0; i < MAX_MODULES; i++) {
        if (modules[i].name[0] == '\0') {
            snprintf(modules[i].name, sizeof modules[i].name, "%s", name);
            return &modules[i];
        }
    }
    fail("too-many-modules", name);
    return NULL;
}

static struct loaded *loaded_module(const char *name)
{
    struct loaded *m = find_module(name, 0);
    if (m == NULL || m->handle == NULL)
        fail("not-loaded", name);
    return m;
}

static FARPROC export_of(struct loaded *m, const char *symbol)
{
    FARPROC f = GetProcAddress(m->handle, symbol);
    if (f == NULL)
        fail("no-export", symbol);
    return f;
}

/* A module this host freed may stay mapped a little longer when some other
 * reference outlives the host's: helper mode's loader item pins the module
 * while it loads wsthelper.dll (docs/modes.md, "Helper mode"), as any
 * thread-pool callback with SetThreadpoolCallbackLibrary would. A reload in
 * that window would get the same load back, not a new one; the scenarios
 * that count from zero after a reload want a new one, so wait (bounded,
 * 10 s) until the old load is gone. */
static void wait_gone(const char *name)
{
    ULONGLONG until = GetTickCount64() + 10000;
    while (GetModuleHandleA(name) != NULL && GetTickCount64() < until)
        Sleep(1);
}

static void load(const char *name)
{
    struct loaded *m = find_module(name, 1);
    if (m->handle != NULL)
        fail("already-loaded", name);
    if (m->freed)
        wait_gone(name);
    m->handle = LoadLibraryA(name);
    if (m->handle == NULL)
        fail("load", name);
}

static void unload(const char *name)
{
    struct loaded *m = loaded_module(name);
    if (!FreeLibrary(m->handle))
        fail("free", name);
    m->handle = NULL;
    m->freed = 1;
    m->hits = 0; /* a later load of it is a new module, counted from zero */
}

struct hit_job {
    target_hit_fn hit;
    unsigned n;
};

static DWORD WINAPI hit_thread(void *arg)
{
    struct hit_job *job = arg;
    job->hit(job->n);
    return 0;
}

static void hit(const char *name, unsigned n, unsigned threads)
{
    struct loaded *m = loaded_module(name);
    struct hit_job job = {(target_hit_fn)(void (*)(void))export_of(m, "wst_target_hit"), n};
    HANDLE handles[64];
    if (threads == 0 || threads > 64)
        fail("bad-thread-count", name);
    for (unsigned i = 0; i < threads; i++) {
        handles[i] = CreateThread(NULL, 0, hit_thread, &job, 0, NULL);
        if (handles[i] == NULL)
            fail("create-thread", name);
    }
    WaitForMultipleObjects(threads, handles, TRUE, INFINITE);
    for (unsigned i = 0; i < threads; i++)
        CloseHandle(handles[i]);
    m->hits += (unsigned long long)n * threads;
}

static void print_expectations(void)
{
    printf("expect wst_host.exe host.hits %llu\n", self_hits);
    for (int i = 0; i < MAX_MODULES; i++) {
        if (modules[i].handle != NULL) {
            /* wst_target_hit counts each call once and adds n*3 bytes. */
            printf("expect %s target.calls %llu\n", modules[i].name, modules[i].hits);
            printf("expect %s target.bytes %llu\n", modules[i].name, modules[i].hits * 3);
        }
    }
}

static void wait_for_go(void)
{
    char line[64];
    printf("ready\n");
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL)
        fail("stdin-closed", "ready");
}

/* Asks NAME's on-demand worker to start, as an inspector does: opens the
 * module's trigger by the name an inspector derives, and signals it. Does
 * nothing for a module whose worker is not on demand (threadless, or the
 * trigger's name was taken: it starts at the first hit). */
static void wake(struct loaded *m)
{
    char trigger[WST_PIPE_NAME_MAX];
    if (((target_state_fn)(void (*)(void))export_of(m, "wst_target_trigger_state"))() !=
        WST_TRIGGER_ARMED)
        return;
    ((target_planned_fn)(void (*)(void))export_of(m, "wst_target_trigger_name"))(trigger);
    HANDLE event = OpenEventA(EVENT_MODIFY_STATE, FALSE, trigger);
    if (event == NULL)
        fail("open-trigger", trigger);
    SetEvent(event);
    CloseHandle(event);
}

/* Wakes NAME's worker and waits until it serves, or until a start that began
 * after the wake has failed. Signals again every 100 ms while it still says
 * IDLE (a worker that is just stopping drops what came while it served). */
static unsigned wake_and_wait(struct loaded *m, int want_serving)
{
    target_pipe_fn pipe_name = (target_pipe_fn)(void (*)(void))export_of(m, "wst_target_pipe_name");
    target_state_fn state = (target_state_fn)(void (*)(void))export_of(m, "wst_target_worker_state");
    target_state_fn starts =
        (target_state_fn)(void (*)(void))export_of(m, "wst_target_worker_starts");
    unsigned before = starts();
    unsigned s = state();
    /* 10 s is far beyond any start seen, and certain to end. */
    for (int waited = 0; waited < 10000; waited += 10) {
        s = state();
        if (s == WST_WORKER_SERVING && pipe_name()[0] != '\0')
            return s;
        if (s == WST_WORKER_NONE || s == WST_WORKER_STOPPED)
            return s;
        if (s == WST_WORKER_PIPE_FAILED && (starts() != before || !want_serving))
            return s;
        if (s != WST_WORKER_STARTING && waited % 100 == 0)
            wake(m);
        Sleep(10);
    }
    return s;
}

static void print_pipe(const char *name)
{
    struct loaded *m = loaded_module(name);
    target_pipe_fn pipe_name = (target_pipe_fn)(void (*)(void))export_of(m, "wst_target_pipe_name");
    /* A module without a worker (threadless, or pipe failed) has no name. */
    if (wake_and_wait(m, 1) == WST_WORKER_SERVING)
        printf("pipe %s %s\n", name, pipe_name());
    else
        printf("pipe %s -\n", name);
}

static void print_planned_pipe(const char *name)
{
    struct loaded *m = loaded_module(name);
    char pipe[WST_PIPE_NAME_MAX];
    ((target_planned_fn)(void (*)(void))export_of(m, "wst_target_planned_pipe"))(pipe);
    printf("planned-pipe %s %s\n", name, pipe);
}

/* The state a request finds: the worker is woken first, and the state is the
 * one its start ends in (serving, or pipe-failed). */
static void print_state(const char *name)
{
    struct loaded *m = loaded_module(name);
    printf("state %s %u\n", name, wake_and_wait(m, 1));
}

static void cycle(const char *name, unsigned count, unsigned query_every)
{
    for (unsigned i = 1; i <= count; i++) {
        load(name);
        hit(name, 10, 1);
        if (query_every != 0 && i % query_every == 0) {
            print_pipe(name);
            wait_for_go();
        }
        unload(name);
        if (i % 100 == 0 || i == count) {
            printf("progress %u/%u\n", i, count);
            fflush(stdout);
        }
    }
}

/* Default-pool threads kept busy by `nested`, so that a callback queued to
 * the default pool needs a new thread. */
#define BLOCKERS 8
static HANDLE blockers_release;
static volatile LONG blockers_in, blockers_out;

static void CALLBACK blocker(PTP_CALLBACK_INSTANCE instance, PVOID context)
{
    (void)instance, (void)context;
    InterlockedIncrement(&blockers_in);
    WaitForSingleObject(blockers_release, 30000);
    InterlockedIncrement(&blockers_out);
}

/* Occupies every idle thread of the default pool (more callbacks than it
 * has idle threads, each waiting until released), and waits, bounded, until
 * all of them run: no loader lock is held here, so the pool starts what
 * threads it needs. */
static void occupy_default_pool(void)
{
    blockers_release = CreateEventA(NULL, TRUE, FALSE, NULL);
    if (blockers_release == NULL)
        fail("create-event", "blockers");
    blockers_in = blockers_out = 0;
    for (int i = 0; i < BLOCKERS; i++) {
        if (!TrySubmitThreadpoolCallback(blocker, NULL, NULL))
            fail("submit", "blocker");
    }
    for (int waited = 0; blockers_in < BLOCKERS && waited < 10000; waited++)
        Sleep(1);
}

static void release_default_pool(void)
{
    SetEvent(blockers_release);
    for (int waited = 0; blockers_out < BLOCKERS && waited < 10000; waited++)
        Sleep(1);
    if (blockers_out == BLOCKERS) /* else one may still wait on it: keep it */
        CloseHandle(blockers_release);
}

static void nested(const char *name)
{
    /* wst_locker.dll does the whole load-hit-signal-free of NAME inside its
     * own DLL_PROCESS_ATTACH. The worker's callback, queued to the default
     * pool by the signal, then needs a new thread (every thread of the pool
     * is busy), and a new thread cannot start (it needs the loader lock for
     * DLL_THREAD_ATTACH) before NAME unloads: the unload must cancel it. */
    SetEnvironmentVariableA("WST_LOCKER_TARGET", name);
    occupy_default_pool();
    HMODULE locker = LoadLibraryA("wst_locker.dll");
    release_default_pool();
    if (locker == NULL)
        fail("load", "wst_locker.dll");
    FreeLibrary(locker);
    printf("nested %s done\n", name);
}

static void settle(unsigned settle_ms)
{
    DWORD start = GetTickCount();
    struct wst_resources now;
    for (;;) {
        wst_resources_measure(&now);
        if (now.threads <= baseline.threads || GetTickCount() - start >= settle_ms)
            break;
        Sleep(20);
    }
    printf("settled threads=%lu->%lu\n", baseline.threads, now.threads);
}

static DWORD WINAPI slow_load_thread(void *arg)
{
    HMODULE slow = LoadLibraryA((const char *)arg);
    /* Freed again so that the next round's load runs its DllMain again. */
    return slow != NULL && FreeLibrary(slow) ? 0 : 1;
}

static void timed_free(const char *name)
{
    LARGE_INTEGER f, t0, t1;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&t0);
    unload(name);
    QueryPerformanceCounter(&t1);
    printf("freed %s us=%lld\n", name, (t1.QuadPart - t0.QuadPart) * 1000000 / f.QuadPart);
}

static void contend(const char *name, const char *slow_dll)
{
    /* The slow DLL's DllMain sleeps while holding the loader lock; our
     * FreeLibrary then queues behind it, and the runtime's detach runs with
     * the lock contended. */
    HANDLE t = CreateThread(NULL, 0, slow_load_thread, (void *)slow_dll, 0, NULL);
    if (t == NULL)
        fail("create-thread", slow_dll);
    Sleep(20);
    timed_free(name);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
}

static DWORD WINAPI exit_thread(void *arg)
{
    ExitProcess((UINT)(uintptr_t)arg);
}

/* Fills the pipe behind `arg` for ever: the last write blocks, and stays
 * blocked, since nobody reads the other end. */
static volatile LONG stderr_bytes;

static DWORD WINAPI fill_pipe(void *arg)
{
    static char chunk[512];
    DWORD written;
    for (;;) {
        if (!WriteFile((HANDLE)arg, chunk, sizeof chunk, &written, NULL))
            return 1;
        InterlockedExchangeAdd(&stderr_bytes, (LONG)written);
    }
}

static void stderr_full(void)
{
    HANDLE r, w;
    if (!CreatePipe(&r, &w, NULL, 1))
        fail("create-pipe", "stderr");
    /* The read end stays open and unread, so writes block instead of
     * failing. The filler thread is blocked once the count stops moving. */
    HANDLE t = CreateThread(NULL, 0, fill_pipe, w, 0, NULL);
    if (t == NULL)
        fail("create-thread", "stderr");
    CloseHandle(t);
    LONG last = -1;
    while (last != stderr_bytes) {
        last = stderr_bytes;
        Sleep(300);
    }
    SetStdHandle(STD_ERROR_HANDLE, w);
    printf("stderr-full after %ld bytes\n", (long)last);
}

static void report_resources(const char *label, const struct wst_resources *r)
{
    printf("%s threads=%lu handles=%lu private=%llu\n", label, r->threads, r->handles,
           r->private_bytes);
}

static void compare(unsigned settle_ms)
{
    struct wst_resources now;
    wst_resources_settle(&now, &baseline, settle_ms);
    printf("compare threads=%lu->%lu handles=%lu->%lu private=%llu->%llu helper=%lu->%lu\n",
           baseline.threads, now.threads, baseline.handles, now.handles, baseline.private_bytes,
           now.private_bytes, baseline.helper, now.helper);
}

static unsigned number(const char *text)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (*text == '\0' || *end != '\0')
        fail("bad-number", text);
    return (unsigned)v;
}

/* ------------------------------------------------------------------ commands */

/* Set by `return CODE`: main returns it, so the CRT's own exit path runs. */
static int returning;
static int return_code;

static void cmd_load(char **a)
{
    load(a[0]);
}
static void cmd_free(char **a)
{
    unload(a[0]);
}
static void cmd_hit(char **a)
{
    hit(a[0], number(a[1]), number(a[2]));
}
static void cmd_pid(char **a)
{
    (void)a, printf("pid %lu\n", GetCurrentProcessId());
}
static void cmd_expect(char **a)
{
    (void)a, print_expectations();
}
static void cmd_ready(char **a)
{
    (void)a, wait_for_go();
}
static void cmd_pipe(char **a)
{
    print_pipe(a[0]);
}
static void cmd_planned_pipe(char **a)
{
    print_planned_pipe(a[0]);
}
static void cmd_state(char **a)
{
    print_state(a[0]);
}
static void cmd_compare(char **a)
{
    compare(number(a[0]));
}
static void cmd_cycle(char **a)
{
    cycle(a[0], number(a[1]), number(a[2]));
}
static void cmd_nested(char **a)
{
    nested(a[0]);
}
static void cmd_nested_keep(char **a)
{
    SetEnvironmentVariableA("WST_LOCKER_KEEP", "1");
    nested(a[0]);
    SetEnvironmentVariableA("WST_LOCKER_KEEP", NULL);
}
static void cmd_settle(char **a)
{
    settle(number(a[0]));
}
static void cmd_contend(char **a)
{
    contend(a[0], a[1]);
}
/* The module's end-of-module save, run now (wst_target_save_now): prints
 * "save NAME state=S error=E us=T" (enum wst_save_state, region.h). */
static void cmd_save_now(char **a)
{
    typedef unsigned(__cdecl * save_now_fn)(unsigned *error);
    struct loaded *m = loaded_module(a[0]);
    save_now_fn save = (save_now_fn)(void (*)(void))export_of(m, "wst_target_save_now");
    LARGE_INTEGER f, t0, t1;
    unsigned error = 0;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&t0);
    unsigned state = save(&error);
    QueryPerformanceCounter(&t1);
    printf("save %s state=%u error=%u us=%lld\n", a[0], state, error,
           (t1.QuadPart - t0.QuadPart) * 1000000 / f.QuadPart);
}
/* A pipe server under the name NAME's saved file would have with
 * WINSTRUMENT_SAVE=\\.\pipe (src/runtime/save.c), which never reads: a
 * save that wrote into it would block. The handle stays open. */
static void cmd_squat_save(char **a)
{
    typedef unsigned long long(__cdecl * instance_fn)(void);
    struct loaded *m = loaded_module(a[0]);
    instance_fn instance = (instance_fn)(void (*)(void))export_of(m, "wst_target_instance");
    char name[256];
    snprintf(name, sizeof name, "\\\\.\\pipe\\%s.%08lx.%016llx.wst", a[0],
             GetCurrentProcessId(), instance());
    HANDLE pipe = CreateNamedPipeA(name, PIPE_ACCESS_INBOUND, PIPE_TYPE_BYTE | PIPE_WAIT, 1, 1, 1,
                                   0, NULL);
    if (pipe == INVALID_HANDLE_VALUE)
        fail("squat-save", name);
    printf("squatting %s\n", name);
}
static void cmd_timed_free(char **a)
{
    timed_free(a[0]);
}
static void cmd_stderr_full(char **a)
{
    (void)a, stderr_full();
}
static void cmd_sleep(char **a)
{
    Sleep(number(a[0]));
}
static void cmd_exit_main(char **a)
{
    ExitProcess(number(a[0]));
}
static void cmd_crt_exit(char **a)
{
    exit((int)number(a[0]));
}

static void cmd_selfhit(char **a)
{
    unsigned n = number(a[0]);
    for (unsigned k = 0; k < n; k++)
        WST_COUNT("host.hits");
    self_hits += n;
}

/* Hits host.hits N times, MS milliseconds apart: a counter that changes
 * while a reader watches it. */
static void cmd_tick(char **a)
{
    unsigned n = number(a[0]), ms = number(a[1]);
    for (unsigned k = 0; k < n; k++) {
        WST_COUNT("host.hits");
        Sleep(ms);
    }
    self_hits += n;
}

static void cmd_baseline(char **a)
{
    (void)a;
    wst_resources_measure(&baseline);
    report_resources("baseline", &baseline);
}

static void cmd_corrupt(char **a)
{
    struct loaded *m = loaded_module(a[0]);
    if (!((target_corrupt_fn)(void (*)(void))export_of(m, "wst_target_corrupt"))(a[1]))
        fail("unknown-corruption", a[1]);
}

static void cmd_exit_thread(char **a)
{
    CreateThread(NULL, 0, exit_thread, (void *)(uintptr_t)number(a[0]), 0, NULL);
    Sleep(INFINITE);
}

static void cmd_exit_thread_main(char **a)
{
    /* No other thread of the host is left: the hit threads were joined.
     * Without instrumentation the process ends here. */
    ExitThread(number(a[0]));
}

static void cmd_return(char **a)
{
    returning = 1;
    return_code = (int)number(a[0]);
}

static void cmd_dll_exit(char **a)
{
    struct loaded *m = loaded_module(a[0]);
    ((target_exit_fn)(void (*)(void))export_of(m, "wst_target_exit"))((int)number(a[1]));
}

/* ------------------------------------------------ the on-demand trigger */

static void cmd_trigger_name(char **a)
{
    char trigger[WST_PIPE_NAME_MAX];
    struct loaded *m = loaded_module(a[0]);
    ((target_planned_fn)(void (*)(void))export_of(m, "wst_target_trigger_name"))(trigger);
    printf("trigger-name %s %s\n", a[0], trigger);
}

struct signaller {
    HANDLE event;
    volatile LONG stop;
    unsigned long signals;
};

static DWORD WINAPI signal_loop(void *arg)
{
    struct signaller *s = arg;
    while (!InterlockedCompareExchange(&s->stop, 0, 0)) {
        SetEvent(s->event);
        s->signals++;
    }
    return 0;
}

/* N x (load NAME, hit it, start a thread that signals its trigger without
 * pause, let it run 0-2 ms, free NAME while it still signals, stop it). The
 * signaller keeps its handle to the trigger across the unload, as a hostile
 * process could. Prints progress every 20 rounds. */
static void cmd_race_free(char **a)
{
    unsigned count = number(a[1]);
    unsigned long signals = 0;
    for (unsigned i = 1; i <= count; i++) {
        char trigger[WST_PIPE_NAME_MAX];
        load(a[0]);
        hit(a[0], 1, 1);
        struct loaded *m = loaded_module(a[0]);
        ((target_planned_fn)(void (*)(void))export_of(m, "wst_target_trigger_name"))(trigger);
        struct signaller sig = {OpenEventA(EVENT_MODIFY_STATE, FALSE, trigger), 0, 0};
        if (sig.event == NULL)
            fail("open-trigger", trigger);
        HANDLE t = CreateThread(NULL, 0, signal_loop, &sig, 0, NULL);
        if (t == NULL)
            fail("create-thread", "signaller");
        Sleep(i % 3);
        unload(a[0]);
        InterlockedExchange(&sig.stop, 1);
        WaitForSingleObject(t, INFINITE);
        CloseHandle(t);
        CloseHandle(sig.event);
        signals += sig.signals;
        if (i % 20 == 0 || i == count)
            printf("raced %s %u signals=%lu\n", a[0], i, signals);
    }
}

/* Samples this process's thread count every 5 ms for MS milliseconds and
 * prints the largest: "max-threads N". */
static void cmd_sample_threads(char **a)
{
    unsigned ms = number(a[0]);
    unsigned long most = 0;
    ULONGLONG until = GetTickCount64() + ms;
    while (GetTickCount64() < until) {
        struct wst_resources now;
        wst_resources_measure(&now);
        if (now.threads > most)
            most = now.threads;
        Sleep(5);
    }
    printf("max-threads %lu\n", most);
}

/* Every command of the script language: its name, how many words follow
 * it, what runs it, and its --help line. */
static const struct command {
    const char *name;
    int args;
    void (*run)(char **args);
    const char *usage; /* its arguments' names */
    const char *help;
} commands[] = {
    {"load", 1, cmd_load, "NAME", "LoadLibrary (by file name)"},
    {"free", 1, cmd_free, "NAME", "FreeLibrary (by file name)"},
    {"hit", 3, cmd_hit, "NAME N THREADS", "NAME's wst_target_hit(N) on THREADS threads"},
    {"selfhit", 1, cmd_selfhit, "N", "the host's own counter \"host.hits\" += N"},
    {"tick", 2, cmd_tick, "N MS",
     "N x (\"host.hits\" += 1, sleep MS): a counter that changes while an inspector watches"},
    {"pid", 0, cmd_pid, "", "prints \"pid N\" (the Windows pid)"},
    {"expect", 0, cmd_expect, "", "prints \"expect MODULE COUNTER VALUE\" lines"},
    {"ready", 0, cmd_ready, "", "prints \"ready\", waits for a line on stdin"},
    {"pipe", 1, cmd_pipe, "NAME",
     "wakes NAME's worker as an inspector does (its trigger), prints \"pipe NAME <pipe name>\" "
     "once it serves"},
    {"planned-pipe", 1, cmd_planned_pipe, "NAME",
     "prints \"planned-pipe NAME <name>\" before the first hit"},
    {"state", 1, cmd_state, "NAME",
     "wakes NAME's worker, waits until its start ends, prints \"state NAME <enum "
     "wst_worker_state>\""},
    {"baseline", 0, cmd_baseline, "", "resource accounting: the baseline (see measure_resources)"},
    {"compare", 1, cmd_compare, "SETTLE_MS",
     "resource accounting: compared with the baseline (see measure_resources)"},
    {"cycle", 3, cmd_cycle, "NAME N QUERY_EVERY",
     "N x (load, hit, [ready], free); prints progress"},
    {"nested", 1, cmd_nested, "NAME",
     "wst_locker.dll loads, hits and frees NAME inside its own DllMain (loader lock held)"},
    {"nested-keep", 1, cmd_nested_keep, "NAME",
     "the same, but NAME stays loaded: its first hit ran under the loader lock"},
    {"settle", 1, cmd_settle, "SETTLE_MS",
     "waits until the thread count is back at the baseline (at most SETTLE_MS), prints \"settled "
     "threads=BASE->NOW\""},
    {"contend", 2, cmd_contend, "NAME SLOWDLL",
     "frees NAME while another thread is inside LoadLibrary(SLOWDLL), whose DllMain sleeps"},
    {"timed-free", 1, cmd_timed_free, "NAME", "FreeLibrary, prints \"freed NAME us=N\""},
    {"squat-save", 1, cmd_squat_save, "NAME",
     "a pipe server, never read, named as NAME's saved file in \\\\.\\pipe"},
    {"save-now", 1, cmd_save_now, "NAME",
     "NAME's end-of-module save now, prints \"save NAME state=S error=E us=T\""},
    {"corrupt", 2, cmd_corrupt, "NAME KIND", "damages NAME's region (wst_target_corrupt)"},
    {"stderr-full", 0, cmd_stderr_full, "",
     "makes stderr a pipe that is full and never drained: a write to it blocks for ever"},
    {"sleep", 1, cmd_sleep, "MS", "Sleep(MS)"},
    {"exit-main", 1, cmd_exit_main, "CODE", "ExitProcess(CODE) on the main thread"},
    {"exit-thread", 1, cmd_exit_thread, "CODE", "ExitProcess(CODE) on another thread"},
    {"exit-thread-main", 1, cmd_exit_thread_main, "CODE",
     "the main thread calls ExitThread(CODE); the process must end by itself when no thread of its "
     "own is left"},
    {"return", 1, cmd_return, "CODE", "returns CODE from main"},
    {"crt-exit", 1, cmd_crt_exit, "CODE", "exit(CODE)"},
    {"dll-exit", 2, cmd_dll_exit, "NAME CODE", "exit() called inside NAME"},
    {"trigger-name", 1, cmd_trigger_name, "NAME",
     "prints \"trigger-name NAME <event name>\": the on-demand worker's trigger"},
    {"race-free", 2, cmd_race_free, "NAME N",
     "N x (load, hit, signal the trigger without pause from a thread, free while it signals)"},
    {"sample-threads", 1, cmd_sample_threads, "MS",
     "prints \"max-threads N\", the most threads seen in MS ms of sampling"},
};

static const struct command *command_named(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

static void print_usage(void)
{
    puts("usage: wst_host.exe COMMAND [ARGS] [COMMAND [ARGS] ...]: runs the commands in order");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char head[48];
        snprintf(head, sizeof head, "%s %s", commands[i].name, commands[i].usage);
        printf("  %-32s %s\n", head, commands[i].help);
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        print_usage();
        return 0;
    }
    for (int i = 1; i < argc && !returning; i++) {
        const struct command *c = command_named(argv[i]);
        if (c == NULL)
            fail("unknown-command", argv[i]);
        if (i + c->args >= argc)
            fail("missing-arguments", argv[i]);
        c->run(&argv[i + 1]);
        i += c->args;
    }
    return returning ? return_code : 0;
}
