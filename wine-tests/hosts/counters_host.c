/*
 * counters_host.exe: the instrumented host of the dist_zip and i686
 * scenarios. It loads counters_dll.dll from its own directory, calls
 * counters_work(N) (N = argv[1], default 5), counts N in its own module
 * ("host.work"), prints "ready <pid>" and waits for a line on stdin before it
 * unloads the DLL, prints "done" and exits 0. Two instrumented modules in one
 * process: the inspector must report both, each with its own counters.
 *
 *   counters_host.exe --probe   prints "ok" and exits 0: the i686 scenario
 *                               asks it whether 32-bit programs run at all.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winstrument.h>

typedef unsigned (*counters_work_fn)(unsigned);

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--probe") == 0) {
        puts("ok");
        return 0;
    }
    unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 5u;

    HMODULE dll = LoadLibraryA("counters_dll.dll");
    if (dll == NULL) {
        printf("error LoadLibrary counters_dll.dll: %lu\n", GetLastError());
        return 1;
    }
    counters_work_fn work = (counters_work_fn)(void (*)(void))GetProcAddress(dll, "counters_work");
    if (work == NULL) {
        printf("error GetProcAddress counters_work: %lu\n", GetLastError());
        return 1;
    }
    work(n);
    WST_ADD("host.work", n);

    printf("ready %lu\n", GetCurrentProcessId());
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL)
        Sleep(0); /* stdin closed: the driver is gone, just leave */
    FreeLibrary(dll);
    puts("done");
    return 0;
}
