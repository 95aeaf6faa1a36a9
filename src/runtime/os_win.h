/*
 * The runtime's thin OS layer: every Win32 call of the threadpool worker and
 * the pipe server that can fail in an interesting way goes through the table
 * `wst_os`, so a unit test can make CreateNamedPipeW fail on its third call,
 * or ConnectNamedPipe answer ERROR_NO_DATA, without touching the code under
 * test (the pattern of SQLite's os_win.c).
 *
 * Threads: the table is constant in production. A test may replace entries
 * before it exercises the runtime and restore them with wst_os_restore();
 * nothing guards it, so a test must not swap entries while a worker runs.
 *
 * Never: an entry point here must not load a library or take the loader
 * lock; the worker calls them while another thread may hold it. That is why
 * every entry is a kernel32 or ntdll import resolved at link time, never a
 * GetProcAddress lookup done on first use. Nothing here comes from advapi32:
 * a module that imported it would load it into a host that has not
 * (docs/modes.md, "What an instrumented module imports").
 */
#ifndef WST_OS_WIN_H
#define WST_OS_WIN_H

#include <windows.h>

#include "ntdll_security.h"

struct wst_os {
    /* Named pipes and overlapped I/O (pipe_server.c). */
    HANDLE(WINAPI *CreateNamedPipeW)
    (LPCWSTR name, DWORD open_mode, DWORD pipe_mode, DWORD max_instances, DWORD out_size,
     DWORD in_size, DWORD default_timeout, LPSECURITY_ATTRIBUTES sa);
    BOOL(WINAPI *ConnectNamedPipe)(HANDLE pipe, LPOVERLAPPED ov);
    BOOL(WINAPI *DisconnectNamedPipe)(HANDLE pipe);
    BOOL(WINAPI *GetNamedPipeHandleStateW)
    (HANDLE pipe, LPDWORD state, LPDWORD instances, LPDWORD max_collection, LPDWORD timeout,
     LPWSTR user, DWORD user_size);
    BOOL(WINAPI *ReadFile)(HANDLE file, LPVOID buf, DWORD size, LPDWORD done, LPOVERLAPPED ov);
    BOOL(WINAPI *WriteFile)
    (HANDLE file, LPCVOID buf, DWORD size, LPDWORD done, LPOVERLAPPED ov);
    BOOL(WINAPI *CancelIoEx)(HANDLE file, LPOVERLAPPED ov);
    BOOL(WINAPI *GetOverlappedResult)(HANDLE file, LPOVERLAPPED ov, LPDWORD done, BOOL wait);
    HANDLE(WINAPI *CreateEventW)
    (LPSECURITY_ATTRIBUTES sa, BOOL manual_reset, BOOL initial, LPCWSTR name);
    DWORD(WINAPI *WaitForMultipleObjects)
    (DWORD count, const HANDLE *handles, BOOL wait_all, DWORD timeout_ms);
    /* The token's user and integrity level, for the pipe's and the trigger's
     * descriptor (pipe_security.c): ntdll's, so they answer an NTSTATUS,
     * which pipe_security.c turns into the thread's last error. */
    NTSTATUS(NTAPI *NtOpenProcessToken)(HANDLE process, ACCESS_MASK access, PHANDLE token);
    NTSTATUS(NTAPI *NtQueryInformationToken)
    (HANDLE token, TOKEN_INFORMATION_CLASS cls, PVOID info, ULONG size, PULONG needed);
    /* Helper mode's private pool for its loader work item (mode_helper.c). */
    PTP_POOL(WINAPI *CreateThreadpool)(PVOID reserved);
    VOID(WINAPI *SetThreadpoolThreadMaximum)(PTP_POOL pool, DWORD most);
    PTP_WORK(WINAPI *CreateThreadpoolWork)
    (PTP_WORK_CALLBACK callback, PVOID context, PTP_CALLBACK_ENVIRON env);
    VOID(WINAPI *SubmitThreadpoolWork)(PTP_WORK work);
    VOID(WINAPI *WaitForThreadpoolWorkCallbacks)(PTP_WORK work, BOOL cancel_pending);
    VOID(WINAPI *CloseThreadpoolWork)(PTP_WORK work);
    VOID(WINAPI *CloseThreadpool)(PTP_POOL pool);
    /* The trigger's thread-pool wait, and the host watch's (mode_threadpool.c),
     * both members of one cleanup group that the unload closes in one call. */
    PTP_WAIT(WINAPI *CreateThreadpoolWait)
    (PTP_WAIT_CALLBACK callback, PVOID context, PTP_CALLBACK_ENVIRON env);
    VOID(WINAPI *SetThreadpoolWait)(PTP_WAIT wait, HANDLE handle, PFILETIME timeout);
    PTP_CLEANUP_GROUP(WINAPI *CreateThreadpoolCleanupGroup)(void);
    VOID(WINAPI *CloseThreadpoolCleanupGroupMembers)
    (PTP_CLEANUP_GROUP group, BOOL cancel_pending, PVOID cleanup_context);
    VOID(WINAPI *CloseThreadpoolCleanupGroup)(PTP_CLEANUP_GROUP group);
    /* The pipe server's state and snapshot replies (pipe_server.c,
     * pipe_requests.c): an out-of-memory reply is tested through these. */
    LPVOID(WINAPI *HeapAlloc)(HANDLE heap, DWORD flags, SIZE_T size);
    BOOL(WINAPI *HeapFree)(HANDLE heap, DWORD flags, LPVOID block);
};

/* The table the runtime calls through. */
extern struct wst_os wst_os;

/* Puts the real Win32 functions back into every entry (for tests). */
void wst_os_restore(void);

#endif
