/*
 * wst_tool.exe: small Windows-side helpers for the scenarios, deliberately not
 * instrumented.
 *
 *   wst_tool wait           prints "pid N", then waits for a line on stdin:
 *                           a live process with no instrumented module
 *   wst_tool kill PID CODE [hold]
 *                           TerminateProcess from outside, as a user's task
 *                           manager would; prints "killed code=N" or "error ...".
 *                           With `hold` it then keeps its handle to the dead
 *                           process until a line arrives on stdin: while a
 *                           handle is open the pid cannot name another
 *                           process, so a scenario can ask the inspector
 *                           about a dead pid without a reused one answering.
 *   wst_tool run EXE ARGS   runs EXE as a child with the same stdio, waits, then
 *                           prints "child-exit N" with its Windows exit code
 *                           (GetExitCodeProcess), and exits with it. Under
 *                           Wine the loader's Linux exit status is not always
 *                           the Windows exit code; this one is.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends `arg` to `cmd`, quoted for CommandLineToArgvW-style parsing; the
 * scenario arguments have no quotes or backslashes before quotes. */
static void append_arg(char *cmd, size_t size, const char *arg)
{
    size_t n = strlen(cmd);
    snprintf(cmd + n, size - n, "%s\"%s\"", n ? " " : "", arg);
}

static int run_child(int argc, char **argv)
{
    static char cmd[32768];
    STARTUPINFOA si = {.cb = sizeof si};
    PROCESS_INFORMATION pi;
    DWORD code = 0;
    for (int i = 0; i < argc; i++)
        append_arg(cmd, sizeof cmd, argv[i]);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
        printf("error run %s (win32 error %lu)\n", argv[0], GetLastError());
        return 1;
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    printf("child-exit %lu\n", code);
    return (int)code;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 2 && strcmp(argv[1], "wait") == 0) {
        char line[16];
        printf("pid %lu\n", GetCurrentProcessId());
        fgets(line, sizeof line, stdin);
        return 0;
    }
    if ((argc == 4 || (argc == 5 && strcmp(argv[4], "hold") == 0)) &&
        strcmp(argv[1], "kill") == 0) {
        DWORD pid = (DWORD)strtoul(argv[2], NULL, 10);
        HANDLE h = OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
        if (h == NULL || !TerminateProcess(h, (UINT)strtoul(argv[3], NULL, 10))) {
            printf("error kill %lu (win32 error %lu)\n", pid, GetLastError());
            return 1;
        }
        DWORD code = 0;
        WaitForSingleObject(h, 10000);
        GetExitCodeProcess(h, &code);
        printf("killed code=%lu\n", code);
        if (argc == 5) {
            char line[16];
            printf("holding\n");
            fgets(line, sizeof line, stdin);
        }
        CloseHandle(h);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "run") == 0)
        return run_child(argc - 2, argv + 2);
    fprintf(stderr, "usage: wst_tool wait | wst_tool kill PID CODE [hold] | wst_tool run EXE ARGS...\n");
    return 2;
}
