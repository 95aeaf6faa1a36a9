/*
 * b64host.exe: an ordinary program that uses b64.dll and knows nothing of
 * winstrument. It loads the DLL with LoadLibrary, runs base64 round trips on
 * several threads at once, checks each one, prints the counter values it
 * expects the inspector to find, prints its Windows pid, and then stays alive
 * until a line arrives on stdin (or stdin closes) or --wait-ms passes, so that
 * `wst-inspect dump PID` can read the live process. Then it unloads the DLL,
 * which runs the runtime's unload path, and exits.
 *
 * Threads: the main thread; the workers during the work phase; one stdin
 * reader during the wait. Exits 1 if any round trip went wrong, never hangs
 * past its wait.
 *
 *   b64host [--threads N] [--rounds N] [--wait-ms N]
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef size_t (*encode_fn)(const void *in, size_t n, char *out);
typedef long (*decode_fn)(const char *in, size_t n, void *out);

#define MAX_THREADS 16
#define MAX_LEN 100 /* input bytes per round: 0..MAX_LEN-1 */

/* Resolved once before the workers start; read-only afterwards. */
static encode_fn b64_encode;
static decode_fn b64_decode;

/* ------------------------------------------------------------------------ */
/* The work: round trips, tallied the way the DLL's probes should count     */
/* ------------------------------------------------------------------------ */

/* One worker's tally; only that worker writes it, the main thread reads it
 * after the worker has exited. */
struct tally {
    unsigned id, rounds;
    unsigned long long encode_calls, encode_bytes;
    unsigned long long decode_calls, decode_bytes, rejected;
    unsigned long long failures;
};

static void one_round(struct tally *t, unsigned r)
{
    unsigned char in[MAX_LEN], back[MAX_LEN];
    char text[MAX_LEN / 3 * 4 + 8];
    size_t len = (r * 7u + t->id) % MAX_LEN;
    for (size_t i = 0; i < len; i++)
        in[i] = (unsigned char)(i * 31u + r + t->id);

    size_t chars = b64_encode(in, len, text);
    t->encode_calls++;
    t->encode_bytes += len;
    long got = b64_decode(text, chars, back);
    t->decode_calls++;
    if (got < 0 || (size_t)got != len || memcmp(in, back, len) != 0)
        t->failures++;
    else
        t->decode_bytes += (unsigned long long)got;

    /* Now and then, input the codec must refuse: a padding character in the
     * middle of a quantum. */
    if (r % 16 == 0) {
        t->decode_calls++;
        if (b64_decode("QU=B", 4, back) >= 0)
            t->failures++;
        else
            t->rejected++;
    }
}

/* RFC 4648's test vectors, before any concurrency: a codec that round-trips
 * but is not base64 must not pass. */
static void check_vectors(struct tally *t)
{
    static const char *const vectors[][2] = {
        {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},     {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char text[16];
        unsigned char back[16];
        size_t len = strlen(vectors[i][0]);
        b64_encode(vectors[i][0], len, text);
        long got = b64_decode(vectors[i][1], strlen(vectors[i][1]), back);
        t->encode_calls++;
        t->encode_bytes += len;
        t->decode_calls++;
        if (strcmp(text, vectors[i][1]) != 0 || got != (long)len ||
            memcmp(back, vectors[i][0], len) != 0) {
            fprintf(stderr, "b64host: RFC 4648 vector \"%s\" failed\n", vectors[i][0]);
            t->failures++;
        } else {
            t->decode_bytes += len;
        }
    }
}

static DWORD WINAPI worker_main(void *arg)
{
    struct tally *t = arg;
    for (unsigned r = 0; r < t->rounds; r++)
        one_round(t, r);
    return 0;
}

static int run_workers(unsigned threads, unsigned rounds, struct tally *sum)
{
    struct tally tallies[MAX_THREADS];
    HANDLE handles[MAX_THREADS] = {0};
    unsigned started = 0;
    memset(sum, 0, sizeof *sum);
    for (; started < threads; started++) {
        tallies[started] = (struct tally){.id = started, .rounds = rounds};
        handles[started] = CreateThread(NULL, 0, worker_main, &tallies[started], 0, NULL);
        if (handles[started] == NULL) {
            fprintf(stderr, "b64host: CreateThread failed (%lu)\n", GetLastError());
            break;
        }
    }
    if (started > 0)
        WaitForMultipleObjects(started, handles, TRUE, INFINITE);
    for (unsigned i = 0; i < started; i++) {
        CloseHandle(handles[i]);
        sum->encode_calls += tallies[i].encode_calls;
        sum->encode_bytes += tallies[i].encode_bytes;
        sum->decode_calls += tallies[i].decode_calls;
        sum->decode_bytes += tallies[i].decode_bytes;
        sum->rejected += tallies[i].rejected;
        sum->failures += tallies[i].failures;
    }
    return started == threads ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Waiting for the inspector                                                */
/* ------------------------------------------------------------------------ */

/* Returns when stdin gives a line or ends. On a separate thread because a
 * pipe handle cannot be waited on with a timeout. */
static DWORD WINAPI stdin_reader(void *arg)
{
    char line[256];
    (void)arg;
    (void)fgets(line, sizeof line, stdin);
    return 0;
}

static void wait_for_quit(DWORD wait_ms)
{
    if (wait_ms == 0)
        return;
    HANDLE reader = CreateThread(NULL, 0, stdin_reader, NULL, 0, NULL);
    if (reader == NULL) {
        Sleep(wait_ms);
        return;
    }
    /* On a timeout the reader stays blocked in fgets; ExitProcess ends it,
     * and it holds nothing of b64.dll's. */
    if (WaitForSingleObject(reader, wait_ms) == WAIT_TIMEOUT)
        printf("b64host: no input after %lu ms, exiting\n", wait_ms);
    CloseHandle(reader);
}

/* ------------------------------------------------------------------------ */
/* main                                                                     */
/* ------------------------------------------------------------------------ */

static int parse_args(int argc, char **argv, unsigned *threads, unsigned *rounds, DWORD *wait_ms)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        char *end;
        unsigned long v = strtoul(argv[i + 1], &end, 10);
        if (*end != '\0')
            return -1;
        if (strcmp(argv[i], "--threads") == 0 && v >= 1 && v <= MAX_THREADS)
            *threads = (unsigned)v;
        else if (strcmp(argv[i], "--rounds") == 0 && v >= 1 && v <= 100000000)
            *rounds = (unsigned)v;
        else if (strcmp(argv[i], "--wait-ms") == 0)
            *wait_ms = (DWORD)v;
        else
            return -1;
    }
    return argc % 2 == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
    unsigned threads = 4, rounds = 20000;
    DWORD wait_ms = 600000;
    if (parse_args(argc, argv, &threads, &rounds, &wait_ms) != 0) {
        fprintf(stderr, "usage: b64host [--threads 1..%d] [--rounds N] [--wait-ms N]\n",
                MAX_THREADS);
        return 2;
    }

    /* Loaded at run time, as plug-ins and lazily used libraries are: the
     * runtime inside the DLL attaches through the loader, not through us. */
    HMODULE dll = LoadLibraryW(L"b64.dll");
    if (dll == NULL) {
        fprintf(stderr, "b64host: cannot load b64.dll (%lu)\n", GetLastError());
        return 1;
    }
    b64_encode = (encode_fn)(void (*)(void))GetProcAddress(dll, "b64_encode");
    b64_decode = (decode_fn)(void (*)(void))GetProcAddress(dll, "b64_decode");
    if (b64_encode == NULL || b64_decode == NULL) {
        fprintf(stderr, "b64host: b64.dll lacks b64_encode or b64_decode\n");
        FreeLibrary(dll);
        return 1;
    }

    struct tally sum, vectors = {0};
    check_vectors(&vectors);
    int rc = run_workers(threads, rounds, &sum);
    sum.encode_calls += vectors.encode_calls;
    sum.encode_bytes += vectors.encode_bytes;
    sum.decode_calls += vectors.decode_calls;
    sum.decode_bytes += vectors.decode_bytes;
    sum.failures += vectors.failures;
    printf("b64host: %u threads x %u rounds, %llu round trip(s) wrong\n", threads, rounds,
           sum.failures);
    /* What the DLL's counters must read now; `make demo` compares them with
     * the inspector's dump. */
    printf("expect b64.encode.calls %llu\n", sum.encode_calls);
    /* The distributions: one time and one size per encode (their counts). */
    printf("expect b64.encode.time %llu\n", sum.encode_calls);
    printf("expect b64.encode.size %llu\n", sum.encode_calls);
    printf("expect b64.encode.bytes_in %llu\n", sum.encode_bytes);
    printf("expect b64.decode.calls %llu\n", sum.decode_calls);
    printf("expect b64.decode.bytes_out %llu\n", sum.decode_bytes);
    printf("expect b64.decode.rejected %llu\n", sum.rejected);
    printf("pid %lu\n", GetCurrentProcessId());
    printf("ready: press Enter (or close stdin) to exit\n");
    fflush(stdout);

    wait_for_quit(wait_ms);
    FreeLibrary(dll);
    printf("b64host: bye\n");
    return rc != 0 || sum.failures != 0 ? 1 : 0;
}
