/*
 * wst_tool.exe: small Windows-side helpers for the scenarios, deliberately not
 * instrumented.
 *
 *   wst_tool wait           prints "pid N", then waits for a line on stdin:
 *                           a live process with no instrumented module
 *   wst_tool kill PID CODE  TerminateProcess from outside, as a user's task
 *                           manager would; prints "killed" or "error ..."
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 2 && strcmp(argv[1], "wait") == 0) {
        char line[16];
        printf("pid %lu\n", GetCurrentProcessId());
        fgets(line, sizeof line, stdin);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "kill") == 0) {
        DWORD pid = (DWORD)strtoul(argv[2], NULL, 10);
        HANDLE h = OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
        if (h == NULL || !TerminateProcess(h, (UINT)strtoul(argv[3], NULL, 10))) {
            printf("error kill %lu (win32 error %lu)\n", pid, GetLastError());
            return 1;
        }
        DWORD code = 0;
        WaitForSingleObject(h, 10000);
        GetExitCodeProcess(h, &code);
        CloseHandle(h);
        printf("killed code=%lu\n", code);
        return 0;
    }
    fprintf(stderr, "usage: wst_tool wait | wst_tool kill PID CODE\n");
    return 2;
}
