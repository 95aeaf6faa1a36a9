/*
 * wst_sqlite_host.exe: the workload of scenario sqlite-live
 * (wine-tests/cases/sqlite.py). It loads SQLite's own DLL, built unmodified
 * with `wst-cc --wst-functions` (examples/sqlite/build.sh), from its own
 * directory, and calls SQLite's API a known number of times:
 *
 *   wst_sqlite_host N [cold]
 *
 * prints "pid PID", calls sqlite3_libversion three times 20 ms apart (the
 * warm-up below; not with `cold`), creates a table and an index in
 * sqlite-live.db (in the working directory, removed first), inserts N rows in
 * one transaction through one prepared statement (two sqlite3_bind_int, one
 * sqlite3_step and one sqlite3_reset per row), reads them back with one query, checks the count and the sum, prints
 * "calls NAME N" for every API function it called (its own calls, counted
 * here), then "ready", and waits for a line on stdin before it closes
 * the database and exits 0. Any SQLite error: a message on stdout, exit 1.
 *
 * The host is not instrumented and does not include sqlite3.h: it finds the
 * API with GetProcAddress, so it builds whether or not SQLite's source could
 * be fetched (the scenario then skips). Single-threaded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define SQLITE_OK 0
#define SQLITE_ROW 100
#define SQLITE_DONE 101

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;

/* The API this host calls, and how often it called each. */
static struct {
    int (*open)(const char *, sqlite3 **);
    int (*close)(sqlite3 *);
    int (*prepare_v2)(sqlite3 *, const char *, int, sqlite3_stmt **, const char **);
    int (*step)(sqlite3_stmt *);
    int (*reset)(sqlite3_stmt *);
    int (*finalize)(sqlite3_stmt *);
    int (*bind_int)(sqlite3_stmt *, int, int);
    int64_t (*column_int64)(sqlite3_stmt *, int);
    const char *(*errmsg)(sqlite3 *);
    const char *(*libversion)(void);
} api;

enum { C_OPEN, C_PREPARE_V2, C_STEP, C_RESET, C_FINALIZE, C_BIND_INT, C_COLUMN_INT64, C_COUNT };
static const char *const call_names[C_COUNT] = {
    "sqlite3_open", "sqlite3_prepare_v2", "sqlite3_step", "sqlite3_reset",
    "sqlite3_finalize", "sqlite3_bind_int", "sqlite3_column_int64",
};
static unsigned long calls[C_COUNT];

static sqlite3 *db;

static void fail(const char *what, int rc)
{
    printf("error %s: %d %s\n", what, rc, db && api.errmsg ? api.errmsg(db) : "");
    fflush(stdout);
    exit(1);
}

static FARPROC need(HMODULE dll, const char *name)
{
    FARPROC p = GetProcAddress(dll, name);
    if (p == NULL) {
        printf("error libsqlite3-0.dll exports no %s\n", name);
        exit(1);
    }
    return p;
}

static void load(void)
{
    /* The DLL beside this program: the loader searches the program's own
     * directory first, and Wine has no builtin of this name. */
    HMODULE dll = LoadLibraryA("libsqlite3-0.dll");
    if (dll == NULL) {
        printf("error LoadLibrary libsqlite3-0.dll: %lu\n", GetLastError());
        exit(1);
    }
    /* The casts go through void (*)(void) so that -Wcast-function-type
     * accepts them: FARPROC has no prototype of its own. */
#define NEED(field, name) api.field = (__typeof__(api.field))(void (*)(void))need(dll, name)
    NEED(open, "sqlite3_open");
    NEED(close, "sqlite3_close");
    NEED(prepare_v2, "sqlite3_prepare_v2");
    NEED(step, "sqlite3_step");
    NEED(reset, "sqlite3_reset");
    NEED(finalize, "sqlite3_finalize");
    NEED(bind_int, "sqlite3_bind_int");
    NEED(column_int64, "sqlite3_column_int64");
    NEED(errmsg, "sqlite3_errmsg");
    NEED(libversion, "sqlite3_libversion");
#undef NEED
}

static sqlite3_stmt *prepare(const char *sql)
{
    sqlite3_stmt *st = NULL;
    calls[C_PREPARE_V2]++;
    int rc = api.prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        fail(sql, rc);
    return st;
}

static int step(sqlite3_stmt *st)
{
    calls[C_STEP]++;
    return api.step(st);
}

static void finalize(sqlite3_stmt *st)
{
    calls[C_FINALIZE]++;
    api.finalize(st);
}

/* One statement without results, run to its end. */
static void run(const char *sql)
{
    sqlite3_stmt *st = prepare(sql);
    int rc = step(st);
    if (rc != SQLITE_DONE)
        fail(sql, rc);
    finalize(st);
}

static void bind(sqlite3_stmt *st, int index, int value)
{
    calls[C_BIND_INT]++;
    int rc = api.bind_int(st, index, value);
    if (rc != SQLITE_OK)
        fail("sqlite3_bind_int", rc);
}

static void insert_rows(int n)
{
    run("BEGIN");
    sqlite3_stmt *st = prepare("INSERT INTO t(b, c) VALUES(?1, ?2)");
    for (int i = 0; i < n; i++) {
        /* b: a permutation of 0..n-1 when n is not a multiple of 7, so the
         * index is built out of order. */
        bind(st, 1, (int)(((int64_t)i * 7) % n));
        bind(st, 2, i);
        int rc = step(st);
        if (rc != SQLITE_DONE)
            fail("INSERT", rc);
        calls[C_RESET]++;
        rc = api.reset(st);
        if (rc != SQLITE_OK)
            fail("sqlite3_reset", rc);
    }
    finalize(st);
    run("COMMIT");
}

static void check_rows(int n)
{
    sqlite3_stmt *st = prepare("SELECT count(*), sum(c) FROM t WHERE b >= 0");
    if (step(st) != SQLITE_ROW)
        fail("SELECT", 0);
    calls[C_COLUMN_INT64] += 2;
    int64_t count = api.column_int64(st, 0), sum = api.column_int64(st, 1);
    if (step(st) != SQLITE_DONE)
        fail("SELECT (end)", 0);
    finalize(st);
    if (count != n || sum != (int64_t)n * (n - 1) / 2) {
        printf("error %lld rows summing to %lld, want %d and %lld\n", (long long)count,
               (long long)sum, n, (long long)n * (n - 1) / 2);
        exit(1);
    }
}

/* The timed hooks use QueryPerformanceCounter until the module has
 * calibrated the TSC against it, which takes two of its function entries at
 * least 10 ms of QPC time apart (src/runtime/clock.c). Under Wine QPC counts
 * in 100 ns steps, so a function that runs only in that first window, once,
 * for less than a step (sqlite3PcacheSize under sqlite3_open) reads 0 ns.
 * Three cheap entries 20 ms apart let the calibration complete (or retry)
 * before the workload, so that every frame of it is timed with the TSC. */
static void warm_up(void)
{
    for (int i = 0; i < 3; i++) {
        if (i > 0)
            Sleep(20);
        api.libversion();
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    if (n < 1) {
        printf("usage: wst_sqlite_host N (N >= 1)\n");
        return 2;
    }
    printf("pid %lu\n", (unsigned long)GetCurrentProcessId());
    fflush(stdout);
    load();
    if (!(argc > 2 && strcmp(argv[2], "cold") == 0))
        warm_up();
    DeleteFileA("sqlite-live.db");
    calls[C_OPEN]++;
    int rc = api.open("sqlite-live.db", &db);
    if (rc != SQLITE_OK)
        fail("sqlite3_open", rc);
    run("CREATE TABLE t(a INTEGER PRIMARY KEY, b INTEGER, c INTEGER)");
    run("CREATE INDEX t_b ON t(b)");
    insert_rows(n);
    check_rows(n);
    for (int i = 0; i < C_COUNT; i++)
        printf("calls %s %lu\n", call_names[i], calls[i]);
    printf("ready\n");
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL)
        return 1;
    api.close(db);
    return 0;
}
