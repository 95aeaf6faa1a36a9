/*
 * The call-dense whole-library benchmark (issue 21, part 6): SQLite's own
 * DLL built five ways by examples/sqlite/build.sh from the same source with
 * its own configure and make: plain (wst-cc, no hooks), gprof's -pg, gcov's
 * --coverage, `--wst-functions=calls` and `--wst-functions`. The make rule
 * copies each libsqlite3-0.dll next to this program under its own name
 * (bench_sqlite_plain.dll, ...), so that one process loads all five side by
 * side. zlib (bench_zlib.c) does much work per call; SQLite makes millions
 * of small calls, where hooks cost the most.
 *
 * One run, per build: an in-memory database, a table with an index, N rows
 * inserted in one transaction through one prepared statement, N point
 * lookups by the indexed column through another, and one aggregate. Runs
 * alternate between the builds so that a change of the machine's load hits
 * all alike; each build's figure is the median of its runs, in the thread's
 * CPU time beside the elapsed time. Every build must give the same answers.
 *
 *   bench_sqlite.exe [--rows N] [--repeat R] [--json FILE]
 *
 * The program is not instrumented and does not include sqlite3.h: it finds
 * the API with GetProcAddress. Main thread only. Never asserts a speed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "bench_common.h"

#define SQLITE_OK 0
#define SQLITE_ROW 100
#define SQLITE_DONE 101

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;

struct api {
    int (*open)(const char *, sqlite3 **);
    int (*close)(sqlite3 *);
    int (*exec)(sqlite3 *, const char *, void *, void *, char **);
    int (*prepare_v2)(sqlite3 *, const char *, int, sqlite3_stmt **, const char **);
    int (*step)(sqlite3_stmt *);
    int (*reset)(sqlite3_stmt *);
    int (*finalize)(sqlite3_stmt *);
    int (*bind_int)(sqlite3_stmt *, int, int);
    int64_t (*column_int64)(sqlite3_stmt *, int);
};

static const struct {
    const char *label;
    const char *dll;
} builds[] = {
    {"plain", "bench_sqlite_plain.dll"},   {"gprof", "bench_sqlite_gprof.dll"},
    {"gcov", "bench_sqlite_gcov.dll"},     {"calls", "bench_sqlite_calls.dll"},
    {"functions", "bench_sqlite_functions.dll"},
};
#define NBUILDS (sizeof builds / sizeof builds[0])
enum { PLAIN, GPROF, GCOV, CALLS, FUNCTIONS };

static int load(size_t b, struct api *a)
{
    HMODULE h = LoadLibraryA(builds[b].dll);
    if (h == NULL) {
        fprintf(stderr, "bench_sqlite: cannot load %s (error %lu)\n", builds[b].dll,
                GetLastError());
        return 0;
    }
#define GET(field, name)                                                                       \
    a->field = (void *)GetProcAddress(h, name);                                                \
    if (a->field == NULL)                                                                      \
        return 0
    GET(open, "sqlite3_open");
    GET(close, "sqlite3_close");
    GET(exec, "sqlite3_exec");
    GET(prepare_v2, "sqlite3_prepare_v2");
    GET(step, "sqlite3_step");
    GET(reset, "sqlite3_reset");
    GET(finalize, "sqlite3_finalize");
    GET(bind_int, "sqlite3_bind_int");
    GET(column_int64, "sqlite3_column_int64");
#undef GET
    return 1;
}

/* The row's key and value: a fixed permutation, so every build does the
 * same work and gives the same answer. */
static int key_of(unsigned i, unsigned n)
{
    return (int)((i * 2654435761u) % n);
}

/* One run; the answer (a checksum of what the lookups and the aggregate
 * returned), or -1 on any SQLite error. */
static int64_t workload(const struct api *a, unsigned rows)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL, *get = NULL, *sum = NULL;
    int64_t answer = -1, acc = 0;
    if (a->open(":memory:", &db) != SQLITE_OK ||
        a->exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INT, v INT);"
                    "CREATE INDEX tk ON t(k); BEGIN",
                NULL, NULL, NULL) != SQLITE_OK ||
        a->prepare_v2(db, "INSERT INTO t(k, v) VALUES(?1, ?2)", -1, &ins, NULL) != SQLITE_OK ||
        a->prepare_v2(db, "SELECT v FROM t WHERE k = ?1", -1, &get, NULL) != SQLITE_OK ||
        a->prepare_v2(db, "SELECT sum(v), count(*) FROM t", -1, &sum, NULL) != SQLITE_OK)
        goto out;
    for (unsigned i = 0; i < rows; i++) {
        a->bind_int(ins, 1, key_of(i, rows));
        a->bind_int(ins, 2, (int)i);
        if (a->step(ins) != SQLITE_DONE)
            goto out;
        a->reset(ins);
    }
    if (a->exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    for (unsigned i = 0; i < rows; i++) {
        a->bind_int(get, 1, (int)i);
        while (a->step(get) == SQLITE_ROW)
            acc += a->column_int64(get, 0);
        a->reset(get);
    }
    if (a->step(sum) != SQLITE_ROW)
        goto out;
    answer = acc * 31 + a->column_int64(sum, 0) * 7 + a->column_int64(sum, 1);
out:
    a->finalize(ins);
    a->finalize(get);
    a->finalize(sum);
    if (db != NULL)
        a->close(db);
    return answer;
}

static void write_json(const char *path, const struct bench_host *h, unsigned rows,
                       unsigned repeat, const double *cpu, const double *elapsed)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "bench_sqlite: cannot write %s\n", path);
        return;
    }
    bench_json_begin(f, "sqlite", h);
    fprintf(f, "  \"rows\": %u,\n  \"repeat\": %u,\n  \"builds\": {\n", rows, repeat);
    for (size_t b = 0; b < NBUILDS; b++)
        fprintf(f,
                "    \"%s\": {\"cpu_median_ms\": %.1f, \"cpu_ratio\": %.3f, "
                "\"median_ms\": %.1f, \"ratio\": %.3f}%s\n",
                builds[b].label, cpu[b], cpu[b] / cpu[PLAIN], elapsed[b],
                elapsed[b] / elapsed[PLAIN], b + 1 < NBUILDS ? "," : "");
    fputs("  }\n}\n", f);
    fclose(f);
}

int main(int argc, char **argv)
{
    struct bench_args args = {"--rows", 200000, 10000000, 3, NULL};
    if (!bench_args_parse(argc, argv, "bench_sqlite", &args))
        return 2;
    unsigned rows = (unsigned)args.count, repeat = args.repeat;
    struct api api[NBUILDS];
    for (size_t b = 0; b < NBUILDS; b++) {
        if (!load(b, &api[b]))
            return 1;
    }
    struct bench_host host;
    bench_host_fill(&host);
    static double cpu[NBUILDS][BENCH_MAX_REPEAT], wall[NBUILDS][BENCH_MAX_REPEAT];
    double cpu_median[NBUILDS], wall_median[NBUILDS];
    int64_t first = -1;
    for (unsigned r = 0; r < repeat; r++) {
        for (size_t b = 0; b < NBUILDS; b++) {
            double c0 = bench_thread_cpu_ms(), t0 = bench_now_ms();
            int64_t answer = workload(&api[b], rows);
            wall[b][r] = bench_now_ms() - t0;
            cpu[b][r] = bench_thread_cpu_ms() - c0;
            if (answer < 0 || (first >= 0 && answer != first)) {
                fprintf(stderr, "bench_sqlite: %s answered %lld, the first build %lld\n",
                        builds[b].label, (long long)answer, (long long)first);
                return 1;
            }
            first = answer;
        }
    }
    printf("call-dense whole-library benchmark: SQLite, %u rows inserted and looked up in "
           "memory, %s, " BENCH_ARCH ", median of %u runs, thread CPU time\n",
           rows, bench_host_platform(&host), repeat);
    bench_print_wine_version(&host);
    printf("%-10s %-28s %10s %8s %12s %8s\n", "build", "dll", "cpu ms", "x plain", "elapsed ms",
           "x plain");
    for (size_t b = 0; b < NBUILDS; b++) {
        cpu_median[b] = bench_median(cpu[b], repeat);
        wall_median[b] = bench_median(wall[b], repeat);
        printf("%-10s %-28s %10.1f %8.2f %12.1f %8.2f\n", builds[b].label, builds[b].dll,
               cpu_median[b], cpu_median[b] / cpu_median[PLAIN], wall_median[b],
               wall_median[b] / wall_median[PLAIN]);
    }
    double gprof = cpu_median[GPROF] / cpu_median[PLAIN];
    double timed = cpu_median[FUNCTIONS] / cpu_median[PLAIN];
    printf("goals (issue 21): calls-only %.2fx plain against gprof's %.2fx (goal: no more); "
           "timed %.2fx plain, %.2fx gprof's (goal <= 1.5)\n",
           cpu_median[CALLS] / cpu_median[PLAIN], gprof, timed, timed / gprof);
    if (args.json != NULL)
        write_json(args.json, &host, rows, repeat, cpu_median, wall_median);
    return 0;
}
