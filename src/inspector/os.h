/*
 * The inspector's thin OS layer: every Win32 call that can fail in a way the
 * inspector must map to a status goes through the table `wst_inspector_os`,
 * so a unit test can replace one entry (say, ReadProcessMemory failing on its
 * second call) and check the error path without touching the code under test.
 * The same convention as the runtime's wst_os (src/runtime/os_win.h): each
 * entry is named after the function it stands for, the table starts out
 * holding the real functions, and wst_inspector_os_restore() puts them back.
 *
 * Threads: the inspector's main thread only; tests swap entries on the one
 * thread that runs them. Nothing here keeps state of its own.
 */
#ifndef WST_INSPECTOR_OS_H
#define WST_INSPECTOR_OS_H

#include <windows.h>

/* psapi.h may rename its functions (EnumProcesses to K32EnumProcesses);
 * included here, the renaming applies to the entries' names everywhere. */
#include <psapi.h>

struct wst_inspector_os {
    /* Processes and their memory (remote.c, discovery.c). */
    HANDLE(WINAPI *OpenProcess)(DWORD access, BOOL inherit, DWORD pid);
    BOOL(WINAPI *CloseHandle)(HANDLE h);
    BOOL(WINAPI *GetExitCodeProcess)(HANDLE process, LPDWORD code);
    BOOL(WINAPI *ReadProcessMemory)
    (HANDLE process, LPCVOID address, LPVOID buffer, SIZE_T size, SIZE_T *read);
    BOOL(WINAPI *EnumProcesses)(DWORD *pids, DWORD bytes, DWORD *needed);
    BOOL(WINAPI *EnumProcessModulesEx)
    (HANDLE process, HMODULE *modules, DWORD bytes, LPDWORD needed, DWORD filter);
    DWORD(WINAPI *GetModuleFileNameExW)(HANDLE process, HMODULE module, LPWSTR name, DWORD size);
    DWORD(WINAPI *GetModuleBaseNameW)(HANDLE process, HMODULE module, LPWSTR name, DWORD size);
    BOOL(WINAPI *QueryFullProcessImageNameW)
    (HANDLE process, DWORD flags, LPWSTR name, PDWORD size);
    /* The worker's pipe (pipe_client.c). */
    HANDLE(WINAPI *CreateFileW)
    (LPCWSTR name, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES sa, DWORD disposition,
     DWORD flags, HANDLE template_file);
    BOOL(WINAPI *WaitNamedPipeW)(LPCWSTR name, DWORD timeout_ms);
    BOOL(WINAPI *WriteFile)(HANDLE h, LPCVOID buffer, DWORD size, LPDWORD written, LPOVERLAPPED ov);
    BOOL(WINAPI *ReadFile)(HANDLE h, LPVOID buffer, DWORD size, LPDWORD read, LPOVERLAPPED ov);
    HANDLE(WINAPI *CreateEventW)
    (LPSECURITY_ATTRIBUTES sa, BOOL manual_reset, BOOL initial, LPCWSTR name);
    DWORD(WINAPI *WaitForSingleObject)(HANDLE h, DWORD timeout_ms);
    BOOL(WINAPI *CancelIo)(HANDLE h);
    BOOL(WINAPI *GetOverlappedResult)(HANDLE h, LPOVERLAPPED ov, LPDWORD done, BOOL wait);
    /* The worker's trigger (pipe_client.c, wst_pipe_wake). */
    HANDLE(WINAPI *OpenEventW)(DWORD access, BOOL inherit, LPCWSTR name);
    BOOL(WINAPI *SetEvent)(HANDLE event);
};

/* The table the inspector calls through. */
extern struct wst_inspector_os wst_inspector_os;

/* Puts the real Win32 functions back into every entry (for tests). */
void wst_inspector_os_restore(void);

#endif
