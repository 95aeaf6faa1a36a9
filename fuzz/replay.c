/*
 * A main() for a fuzz target without libFuzzer: runs LLVMFuzzerTestOneInput
 * once on every file named on the command line, or found (not recursively)
 * in a directory named there. `make native-check` links each target with
 * this file under AddressSanitizer and UndefinedBehaviorSanitizer, so the
 * seed corpora and the saved regressions are replayed on every `make check`
 * without needing clang's fuzzer runtime.
 *
 * Each input gets a heap block of exactly its size, as under libFuzzer, so an
 * over-read is caught the same way. Exits non-zero if a path cannot be read,
 * so a mistyped corpus directory does not pass as "nothing to replay"; a
 * sanitizer report or a broken invariant aborts the process.
 */
#define _DEFAULT_SOURCE /* opendir, stat */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_check.h"

static int replay_file(const char *path, size_t *runs)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, size = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        size += fread(buf + size, 1, cap - size, f);
        if (size < cap)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (bigger == NULL)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    int failed = ferror(f) || buf == NULL;
    fclose(f);
    if (failed) {
        fprintf(stderr, "replay: %s: read failed\n", path);
        free(buf);
        return -1;
    }
    /* An exact-size copy: the slack of `buf` would hide an over-read. */
    uint8_t *exact = malloc(size > 0 ? size : 1);
    if (exact == NULL) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, size);
    free(buf);
    LLVMFuzzerTestOneInput(exact, size);
    free(exact);
    ++*runs;
    return 0;
}

static int replay_dir(const char *path, size_t *runs)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char child[4096];
        struct stat st;
        if (e->d_name[0] == '.') /* ".", "..", and dotfiles such as .gitkeep */
            continue;
        if (snprintf(child, sizeof child, "%s/%s", path, e->d_name) >= (int)sizeof child) {
            rc = -1;
            continue;
        }
        if (stat(child, &st) == 0 && S_ISREG(st.st_mode) && replay_file(child, runs) != 0)
            rc = -1;
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    size_t runs = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            rc = 1;
        } else if (S_ISDIR(st.st_mode) ? replay_dir(argv[i], &runs) : replay_file(argv[i], &runs)) {
            rc = 1;
        }
    }
    printf("replay: %s: %zu inputs, %s\n", argv[0], runs, rc == 0 ? "ok" : "FAILED");
    return rc;
}
