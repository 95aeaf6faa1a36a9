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
 *   wst_tool storm NAME MS  signals the named event NAME (an on-demand worker's
 *                           trigger) as fast as it can for MS ms, from outside
 *                           the target, then prints "stormed N ms=M"
 *   wst_tool acl NAME       prints the named event's descriptor as a client
 *                           sees it: "ace allow SID MASK" per DACL entry,
 *                           "label RID MASK", then "user SID" (ours)
 */
#include <windows.h>

#include <aclapi.h>
#include <sddl.h>

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

static int storm(const char *name, unsigned ms)
{
    HANDLE event = OpenEventA(EVENT_MODIFY_STATE, FALSE, name);
    if (event == NULL) {
        printf("error open %s (win32 error %lu)\n", name, GetLastError());
        return 1;
    }
    unsigned long n = 0;
    ULONGLONG start = GetTickCount64(), now = start;
    while (now - start < ms) {
        for (int i = 0; i < 64; i++, n++)
            SetEvent(event);
        now = GetTickCount64();
    }
    CloseHandle(event);
    printf("stormed %lu ms=%llu\n", n, (unsigned long long)(now - start));
    return 0;
}

static void print_sid(const char *what, PSID sid, DWORD mask)
{
    char *text = NULL;
    ConvertSidToStringSidA(sid, &text);
    printf("%s %s %lu\n", what, text ? text : "?", (unsigned long)mask);
    LocalFree(text);
}

static int acl(const char *name)
{
    PACL dacl = NULL, sacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    HANDLE event = OpenEventA(READ_CONTROL, FALSE, name);
    if (event == NULL || GetSecurityInfo(event, SE_KERNEL_OBJECT,
                                         DACL_SECURITY_INFORMATION | LABEL_SECURITY_INFORMATION,
                                         NULL, NULL, &dacl, &sacl, &sd) != ERROR_SUCCESS) {
        printf("error acl %s (win32 error %lu)\n", name, GetLastError());
        return 1;
    }
    for (DWORD i = 0; dacl != NULL && i < dacl->AceCount; i++) {
        ACCESS_ALLOWED_ACE *ace = NULL;
        if (GetAce(dacl, i, (void **)&ace) && ace->Header.AceType == ACCESS_ALLOWED_ACE_TYPE)
            print_sid("ace allow", (PSID)&ace->SidStart, ace->Mask);
        else
            printf("ace other\n");
    }
    for (DWORD i = 0; sacl != NULL && i < sacl->AceCount; i++) {
        SYSTEM_MANDATORY_LABEL_ACE *ace = NULL;
        if (GetAce(sacl, i, (void **)&ace) &&
            ace->Header.AceType == SYSTEM_MANDATORY_LABEL_ACE_TYPE) {
            PSID sid = (PSID)&ace->SidStart;
            printf("label %lu %lu\n",
                   (unsigned long)*GetSidSubAuthority(sid, *GetSidSubAuthorityCount(sid) - 1u),
                   (unsigned long)ace->Mask);
        }
    }
    LocalFree(sd);
    CloseHandle(event);
    HANDLE token;
    union {
        TOKEN_USER user;
        char bytes[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } u;
    DWORD n;
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token) &&
        GetTokenInformation(token, TokenUser, &u, sizeof u, &n))
        print_sid("user", u.user.User.Sid, 0);
    return 0;
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
    if (argc == 4 && strcmp(argv[1], "storm") == 0)
        return storm(argv[2], (unsigned)strtoul(argv[3], NULL, 10));
    if (argc == 3 && strcmp(argv[1], "acl") == 0)
        return acl(argv[2]);
    fprintf(stderr, "usage: wst_tool wait | wst_tool kill PID CODE [hold] | wst_tool run EXE ARGS...\n");
    return 2;
}
