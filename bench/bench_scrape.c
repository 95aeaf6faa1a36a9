/*
 * bench_scrape: what one scrape of the metrics endpoint costs for a fleet of
 * instrumented processes (issue 13: 100 processes x 1,000 counters), and how
 * many ReadProcessMemory calls it makes per module.
 *
 * It starts --processes copies of wst_thousand.exe (1,000 counters each, in
 * threadless mode, so each is one idle thread), waits until a collection
 * sees them all with their final values, then times --repeat scrapes the way
 * `wst-inspect serve` makes them: wst_fleet_collect (every process of the
 * system, discovered anew) and wst_metrics_render (the OpenMetrics body).
 * The HTTP send is not included: on loopback it is a copy of the body.
 * ReadProcessMemory is counted through the inspector's OS table (os.h), by
 * the size of each read: the 4 KiB PE-header read that discovery makes for
 * every module of every process, and the region reads.
 *
 * Not instrumented itself. It never asserts speed: it exits non-zero only
 * when the children could not be started or were not all seen in time. The
 * children are its own; it ends them by closing their stdin, and terminates
 * (by handle) only one that outlives that.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "fleet.h"
#include "os.h"

#define MAX_PROCESSES 512
#define COUNTERS 1000
#define READY_DEADLINE_MS 600000

struct options {
    unsigned processes, repeat;
    const char *child, *json;
};

/* Where a scrape's time goes, by OS call (the inspector's OS table). */
enum { T_OPEN, T_LIST, T_NAMES, T_READ, T_OTHER_CALLS, T_COUNT };
static const char *const call_names[T_COUNT] = {"OpenProcess", "EnumProcessModulesEx",
                                                "GetModuleBaseName+FileNameEx",
                                                "ReadProcessMemory", "other"};

struct counts {
    unsigned long header_reads, region_reads, other_reads;
    double ms[T_COUNT];
    unsigned long calls[T_COUNT];
};

static struct counts rpm;

#define TIMED(slot, call)                                                                          \
    do {                                                                                           \
        double t0_ = bench_now_ms();                                                               \
        call;                                                                                      \
        rpm.ms[slot] += bench_now_ms() - t0_;                                                      \
        rpm.calls[slot]++;                                                                         \
    } while (0)

static BOOL WINAPI counting_rpm(HANDLE process, LPCVOID address, LPVOID buffer, SIZE_T size,
                                SIZE_T *read)
{
    BOOL ok;
    if (size == WST_PE_HEADERS_READ)
        rpm.header_reads++;
    else if (size > sizeof(struct wst_region_header))
        rpm.region_reads++;
    else
        rpm.other_reads++;
    TIMED(T_READ, ok = ReadProcessMemory(process, address, buffer, size,
                                                                   read));
    return ok;
}

static HANDLE WINAPI timed_open(DWORD access, BOOL inherit, DWORD pid)
{
    HANDLE h;
    TIMED(T_OPEN, h = OpenProcess(access, inherit, pid));
    return h;
}

static BOOL WINAPI timed_list(HANDLE process, HMODULE *modules, DWORD bytes, LPDWORD needed,
                              DWORD filter)
{
    BOOL ok;
    TIMED(T_LIST, ok = EnumProcessModulesEx(process, modules, bytes,
                                                                       needed, filter));
    return ok;
}

static DWORD WINAPI timed_base_name(HANDLE process, HMODULE module, LPWSTR name, DWORD size)
{
    DWORD n;
    TIMED(T_NAMES, n = GetModuleBaseNameW(process, module, name, size));
    return n;
}

static DWORD WINAPI timed_file_name(HANDLE process, HMODULE module, LPWSTR name, DWORD size)
{
    DWORD n;
    TIMED(T_NAMES, n = GetModuleFileNameExW(process, module, name, size));
    return n;
}

static void install_counting_os(void)
{
    wst_inspector_os.ReadProcessMemory = counting_rpm;
    wst_inspector_os.OpenProcess = timed_open;
    wst_inspector_os.EnumProcessModulesEx = timed_list;
    wst_inspector_os.GetModuleBaseNameW = timed_base_name;
    wst_inspector_os.GetModuleFileNameExW = timed_file_name;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--processes") == 0 && v)
            o->processes = (unsigned)strtoul(v, NULL, 10), i++;
        else if (strcmp(argv[i], "--repeat") == 0 && v)
            o->repeat = (unsigned)strtoul(v, NULL, 10), i++;
        else if (strcmp(argv[i], "--child") == 0 && v)
            o->child = v, i++;
        else if (strcmp(argv[i], "--json") == 0 && v)
            o->json = v, i++;
        else
            return -1;
    }
    if (o->processes == 0 || o->processes > MAX_PROCESSES || o->repeat == 0 ||
        o->repeat > BENCH_MAX_REPEAT || o->child == NULL)
        return -1;
    return 0;
}

/* ------------------------------------------------------------ children */

struct children {
    HANDLE procs[MAX_PROCESSES];
    unsigned count;
    HANDLE stdin_write; /* closing it ends every child */
};

static int start_children(const struct options *o, struct children *c)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE read_end;
    if (!CreatePipe(&read_end, &c->stdin_write, &sa, 0))
        return -1;
    SetHandleInformation(c->stdin_write, HANDLE_FLAG_INHERIT, 0);
    HANDLE nul = CreateFileA("NUL", GENERIC_WRITE, FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
    SetEnvironmentVariableA("WINSTRUMENT_MODE", "threadless");
    char cmd[MAX_PATH + 16];
    snprintf(cmd, sizeof cmd, "\"%s\"", o->child);
    for (unsigned i = 0; i < o->processes; i++) {
        STARTUPINFOA si = {.cb = sizeof si, .dwFlags = STARTF_USESTDHANDLES};
        PROCESS_INFORMATION pi;
        si.hStdInput = read_end;
        si.hStdOutput = nul;
        si.hStdError = nul;
        if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
            fprintf(stderr, "bench_scrape: cannot start %s (Win32 error %lu) after %u\n", o->child,
                    GetLastError(), i);
            break;
        }
        CloseHandle(pi.hThread);
        c->procs[c->count++] = pi.hProcess;
    }
    CloseHandle(read_end);
    CloseHandle(nul);
    return c->count == o->processes ? 0 : -1;
}

static void stop_children(struct children *c)
{
    CloseHandle(c->stdin_write);
    for (unsigned i = 0; i < c->count; i++) {
        if (WaitForSingleObject(c->procs[i], 30000) != WAIT_OBJECT_0)
            TerminateProcess(c->procs[i], 1);
        CloseHandle(c->procs[i]);
    }
}

/* Children whose every counter has its final value (c1999 = 1000). */
static unsigned ready_children(const struct wst_fleet *f)
{
    unsigned ready = 0;
    for (size_t i = 0; i < f->count; i++) {
        const struct wst_fleet_process *p = &f->processes[i];
        if (!wst_name_equals(p->exe, "wst_thousand.exe") || p->count != 1)
            continue;
        const struct wst_fleet_module *m = &p->modules[0];
        if (m->count == COUNTERS && strcmp(m->entries[COUNTERS - 1].name, "c1999") == 0 &&
            m->entries[COUNTERS - 1].value == COUNTERS)
            ready++;
    }
    return ready;
}

static int wait_ready(unsigned want)
{
    double deadline = bench_now_ms() + READY_DEADLINE_MS;
    unsigned seen = 0;
    while (bench_now_ms() < deadline) {
        struct wst_fleet f;
        struct wst_error err = {0};
        if (wst_fleet_collect(&f, &err) == WST_OK) {
            seen = ready_children(&f);
            wst_fleet_free(&f);
            if (seen >= want)
                return 0;
        }
        Sleep(200);
    }
    fprintf(stderr, "bench_scrape: only %u of %u children ready in time\n", seen, want);
    return -1;
}

/* ------------------------------------------------------------ scrapes */

struct result {
    double total_ms[BENCH_MAX_REPEAT], collect_ms[BENCH_MAX_REPEAT], render_ms[BENCH_MAX_REPEAT];
    size_t processes, modules, series, body_bytes;
    struct counts reads; /* of one scrape */
};

static int scrape(struct result *r, unsigned k)
{
    struct wst_fleet f;
    struct wst_error err = {0};
    struct wst_strbuf body = {0};
    memset(&rpm, 0, sizeof rpm);
    double t0 = bench_now_ms();
    if (wst_fleet_collect(&f, &err) != WST_OK)
        return -1;
    double t1 = bench_now_ms();
    size_t n = 0;
    struct wst_metrics_module *mods = wst_fleet_metrics(&f, &n);
    if (mods == NULL)
        return -1;
    wst_metrics_render(&body, WST_METRICS_OPENMETRICS, mods, n);
    double t2 = bench_now_ms();
    r->collect_ms[k] = t1 - t0;
    r->render_ms[k] = t2 - t1;
    r->total_ms[k] = t2 - t0;
    r->reads = rpm;
    r->processes = f.count;
    r->modules = n;
    r->series = 0;
    for (size_t i = 0; i < n; i++)
        r->series += mods[i].count;
    r->body_bytes = body.len;
    int failed = body.failed;
    wst_strbuf_free(&body);
    free(mods);
    wst_fleet_free(&f);
    return failed ? -1 : 0;
}

static void report(FILE *out, const struct options *o, const struct result *r,
                   const struct bench_host *h)
{
    double modules = r->modules ? (double)r->modules : 1;
    bench_json_begin(out, "scrape", h);
    fprintf(out, "  \"arch\": \"" BENCH_ARCH "\",\n  \"children\": %u,\n", o->processes);
    fprintf(out, "  \"counters_per_child\": %d,\n  \"repeat\": %u,\n", COUNTERS, o->repeat);
    fprintf(out, "  \"instrumented_processes\": %zu,\n  \"instrumented_modules\": %zu,\n",
            r->processes, r->modules);
    fprintf(out, "  \"series\": %zu,\n  \"body_bytes\": %zu,\n", r->series, r->body_bytes);
    fprintf(out, "  \"scrape_ms_median\": %.2f,\n", bench_median(r->total_ms, o->repeat));
    fprintf(out, "  \"collect_ms_median\": %.2f,\n", bench_median(r->collect_ms, o->repeat));
    fprintf(out, "  \"render_ms_median\": %.2f,\n", bench_median(r->render_ms, o->repeat));
    fputs("  \"scrape_ms\": [", out);
    bench_json_numbers(out, r->total_ms, o->repeat, 2);
    fprintf(out, "],\n  \"rpm_header_reads\": %lu,\n  \"rpm_region_reads\": %lu,\n",
            r->reads.header_reads, r->reads.region_reads);
    fprintf(out, "  \"rpm_other_reads\": %lu,\n", r->reads.other_reads);
    fprintf(out, "  \"rpm_region_reads_per_instrumented_module\": %.3f,\n",
            (double)r->reads.region_reads / modules);
    fprintf(out, "  \"rpm_reads_per_instrumented_module\": %.3f\n}\n",
            (double)(r->reads.header_reads + r->reads.region_reads + r->reads.other_reads) /
                modules);
}

int main(int argc, char **argv)
{
    struct options o = {.processes = 100, .repeat = 5};
    if (parse_args(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: bench_scrape --child PATH [--processes N (1..%d)] "
                        "[--repeat R (1..%d)] [--json PATH]\n",
                MAX_PROCESSES, BENCH_MAX_REPEAT);
        return 2;
    }
    struct bench_host host;
    bench_host_fill(&host);
    struct children c = {0};
    struct result r = {0};
    double t0 = bench_now_ms();
    int failed = start_children(&o, &c) != 0 || wait_ready(o.processes) != 0;
    double started_ms = bench_now_ms() - t0;
    install_counting_os();
    for (unsigned k = 0; !failed && k < o.repeat; k++)
        failed = scrape(&r, k) != 0;
    wst_inspector_os_restore();
    stop_children(&c);
    if (failed)
        return 1;
    printf("winstrument scrape benchmark: %s, " BENCH_ARCH ", %u CPUs, median of %u scrapes\n",
           bench_host_platform(&host), host.cpus, o.repeat);
    bench_print_wine_version(&host);
    printf("fleet: %zu instrumented processes (%u x wst_thousand.exe, %d counters each; started "
           "in %.1f s), %zu modules, %zu series, body %zu bytes\n",
           r.processes, o.processes, COUNTERS, started_ms / 1000, r.modules, r.series,
           r.body_bytes);
    printf("scrape (collect + render): median %.1f ms  (collect %.1f ms, render %.1f ms)\n",
           bench_median(r.total_ms, o.repeat), bench_median(r.collect_ms, o.repeat),
           bench_median(r.render_ms, o.repeat));
    printf("ReadProcessMemory per scrape: %lu PE-header reads (every module of every process), "
           "%lu region reads, %lu other\n",
           r.reads.header_reads, r.reads.region_reads, r.reads.other_reads);
    printf("time in OS calls during one scrape:\n");
    for (int t = 0; t < T_COUNT - 1; t++)
        printf("  %-30s %6lu calls %9.1f ms\n", call_names[t], r.reads.calls[t], r.reads.ms[t]);
    printf("  per instrumented module: %.2f region reads, %.2f reads in all\n",
           (double)r.reads.region_reads / (double)(r.modules ? r.modules : 1),
           (double)(r.reads.header_reads + r.reads.region_reads + r.reads.other_reads) /
               (double)(r.modules ? r.modules : 1));
    if (o.json != NULL) {
        FILE *f = fopen(o.json, "w");
        if (f == NULL) {
            fprintf(stderr, "bench_scrape: cannot write %s\n", o.json);
            return 1;
        }
        report(f, &o, &r, &host);
        fclose(f);
        printf("\nwrote %s\n", o.json);
    }
    return 0;
}
