/*
 * See host_threads.h. The thread list is our process's entry in the system's
 * process list (NtQuerySystemInformation(SystemProcessInformation): each
 * process's SYSTEM_PROCESS_INFORMATION is followed by one
 * SYSTEM_THREAD_INFORMATION per thread), which takes no loader lock (it asks
 * the kernel, or wineserver, once). A Toolhelp snapshot asks the same, but
 * Wine's then maps and unmaps its snapshot for every Thread32Next: three
 * server calls per thread of the whole system, some 140 per look here. A thread's name is
 * read with NtQueryInformationThread(ThreadNameInformation) into a buffer of
 * our own, because GetThreadDescription allocates from the heap.
 */
#include "host_threads.h"

#include <winternl.h>

#include <string.h>

typedef HRESULT(WINAPI *set_description_fn)(HANDLE thread, PCWSTR description);
typedef NTSTATUS(NTAPI *query_thread_fn)(HANDLE thread, THREADINFOCLASS cls, PVOID info,
                                          ULONG size, PULONG returned);

#define THREAD_NAME_INFORMATION 38 /* THREADINFOCLASS ThreadNameInformation */

#define THREAD_START_ADDRESS 9 /* THREADINFOCLASS ThreadQuerySetWin32StartAddress */

typedef NTSTATUS(NTAPI *query_system_fn)(ULONG cls, PVOID info, ULONG size, PULONG returned);
#define PROCESS_LIST_CLASS 5 /* SYSTEM_INFORMATION_CLASS SystemProcessInformation */
#define LENGTH_MISMATCH ((NTSTATUS)0xC0000004L) /* STATUS_INFO_LENGTH_MISMATCH */
#define LIST_FIRST_BYTES (64u * 1024u)
#define LIST_TRIES 4
#define START_WAIT_MS 2000u /* for a new thread to begin (is_os_thread) */ /* the list can grow between a too-small try and the next */

/* Constant after process attach. */
static set_description_fn set_description;
static query_thread_fn query_thread;
static query_system_fn query_system;
static uintptr_t ntdll_begin, ntdll_end; /* ntdll's image, for is_os_thread */

void wst_host_threads_resolve(void)
{
    /* kernel32 and ntdll are loaded in every process, and we hold the loader
     * lock already: these lookups take nothing new. SetThreadDescription is
     * absent before Windows 10 1607; then no worker is named, and the check
     * counts every other thread as the host's (a process with several
     * instrumented modules is then kept alive by their workers). */
    set_description = (set_description_fn)(void (*)(void))GetProcAddress(
        GetModuleHandleW(L"kernel32.dll"), "SetThreadDescription");
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    query_thread =
        (query_thread_fn)(void (*)(void))GetProcAddress(ntdll, "NtQueryInformationThread");
    query_system =
        (query_system_fn)(void (*)(void))GetProcAddress(ntdll, "NtQuerySystemInformation");
    /* The image's extent from its own headers, which are mapped and ours to
     * read (no call that could take a lock). */
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)ntdll;
    if (dos != NULL && dos->e_magic == IMAGE_DOS_SIGNATURE) {
        const IMAGE_NT_HEADERS *nt =
            (const IMAGE_NT_HEADERS *)((const unsigned char *)ntdll + dos->e_lfanew);
        if (nt->Signature == IMAGE_NT_SIGNATURE) {
            ntdll_begin = (uintptr_t)ntdll;
            ntdll_end = ntdll_begin + nt->OptionalHeader.SizeOfImage;
        }
    }
}

void wst_host_threads_mark_worker(void)
{
    if (set_description != NULL)
        set_description(GetCurrentThread(), WST_WORKER_THREAD_NAME);
}

static BOOL is_worker(HANDLE thread)
{
    static const WCHAR name[] = WST_WORKER_THREAD_NAME;
    union {
        UNICODE_STRING s;
        unsigned char bytes[sizeof(UNICODE_STRING) + 128];
    } info;
    ULONG got = 0;
    if (set_description == NULL || query_thread == NULL)
        return FALSE;
    if (query_thread(thread, (THREADINFOCLASS)THREAD_NAME_INFORMATION, &info, sizeof info, &got) <
        0)
        return FALSE;
    return info.s.Length == sizeof name - sizeof(WCHAR) && info.s.Buffer != NULL &&
           memcmp(info.s.Buffer, name, info.s.Length) == 0;
}

static BOOL ended(HANDLE thread);

/* A thread the OS started for itself: its start routine is in ntdll. Under
 * Wine a thread's start address is what the thread tells wineserver when it
 * begins to run, so a thread created a moment ago (a pool thread the OS is
 * adding, typically) reads as starting at 0 until it is scheduled; wait for
 * it to begin, bounded: a thread created suspended never does, and is then
 * taken for a host thread, which never ends the process on a guess. */
static BOOL is_os_thread(HANDLE thread)
{
    void *start = NULL;
    if (query_thread == NULL || ntdll_begin == 0)
        return FALSE;
    ULONGLONG until = GetTickCount64() + START_WAIT_MS;
    for (;;) {
        if (query_thread(thread, (THREADINFOCLASS)THREAD_START_ADDRESS, &start, sizeof start,
                         NULL) < 0)
            return FALSE;
        if (start != NULL || ended(thread) || GetTickCount64() >= until)
            break;
        Sleep(1);
    }
    return (uintptr_t)start >= ntdll_begin && (uintptr_t)start < ntdll_end;
}

static BOOL ended(HANDLE thread)
{
    return WaitForSingleObject(thread, 0) == WAIT_OBJECT_0;
}

/* Keeps whichever of `thread` and w->last ended later; closes the other. */
static void keep_if_last(struct wst_host_threads *w, HANDLE thread)
{
    FILETIME created, exited, kernel, user;
    if (!GetThreadTimes(thread, &created, &exited, &kernel, &user)) {
        CloseHandle(thread);
        return;
    }
    if (w->last != NULL && CompareFileTime(&exited, &w->last_exit) < 0) {
        CloseHandle(thread);
        return;
    }
    if (w->last != NULL)
        CloseHandle(w->last);
    w->last = thread;
    w->last_exit = exited;
}

void wst_host_threads_watch(struct wst_host_threads *w, HANDLE thread)
{
    HANDLE copy;
    if (thread == NULL || w->watched == WST_HOST_THREADS_WATCH)
        return;
    if (DuplicateHandle(GetCurrentProcess(), thread, GetCurrentProcess(), &copy, 0, FALSE,
                        DUPLICATE_SAME_ACCESS))
        w->watch[w->watched++] = copy;
}

/* The system's process list, on the process heap (the caller frees it), and
 * its length; NULL if it cannot be had. */
static void *process_list(ULONG *length)
{
    ULONG size = LIST_FIRST_BYTES;
    for (int i = 0; i < LIST_TRIES && query_system != NULL; i++) {
        void *list = HeapAlloc(GetProcessHeap(), 0, size);
        if (list == NULL)
            return NULL;
        ULONG needed = 0;
        NTSTATUS status = query_system(PROCESS_LIST_CLASS, list, size, &needed);
        if (status >= 0) {
            *length = needed != 0 && needed < size ? needed : size;
            return list;
        }
        HeapFree(GetProcessHeap(), 0, list);
        if (status != LENGTH_MISMATCH)
            return NULL;
        size = needed > size ? needed + needed / 4 : size * 2;
    }
    return NULL;
}

/* Our process's threads in `list`: sets *threads to their count, bounded by
 * what the list holds; NULL if the process is not in it. Trusts no offset. */
static const SYSTEM_THREAD_INFORMATION *own_threads(const unsigned char *list, ULONG length,
                                                    DWORD pid, ULONG *threads)
{
    ULONG at = 0;
    while (length - at >= sizeof(SYSTEM_PROCESS_INFORMATION)) {
        const SYSTEM_PROCESS_INFORMATION *p = (const SYSTEM_PROCESS_INFORMATION *)(list + at);
        if ((DWORD)(ULONG_PTR)p->UniqueProcessId == pid) {
            ULONG room =
                (length - at - (ULONG)sizeof *p) / (ULONG)sizeof(SYSTEM_THREAD_INFORMATION);
            *threads = p->NumberOfThreads < room ? p->NumberOfThreads : room;
            return (const SYSTEM_THREAD_INFORMATION *)(p + 1);
        }
        if (p->NextEntryOffset == 0 || p->NextEntryOffset > length - at)
            break;
        at += p->NextEntryOffset;
    }
    return NULL;
}

BOOL wst_host_threads_alive(struct wst_host_threads *w)
{
    ULONG length = 0, count = 0;
    unsigned char *list = process_list(&length);
    if (list == NULL)
        return TRUE;
    /* Order matters: the threads watched since the last poll keep their
     * handles until the new list is made. A thread that ends meanwhile (even
     * between the list and its OpenThread) is then still open here, and
     * its exit code is kept; closing them first would let the host's last
     * thread vanish unseen, and the process end with code 0. */
    HANDLE fresh[WST_HOST_THREADS_WATCH];
    unsigned watched = 0, alive = 0;
    DWORD pid = GetCurrentProcessId(), self = GetCurrentThreadId();
    const SYSTEM_THREAD_INFORMATION *t = own_threads(list, length, pid, &count);
    if (t == NULL) {
        /* We are in the list unless it is malformed: never end on a guess. */
        HeapFree(GetProcessHeap(), 0, list);
        return TRUE;
    }
    for (ULONG i = 0; i < count; i++) {
        DWORD id = (DWORD)(ULONG_PTR)t[i].ClientId.UniqueThread;
        if (id == self)
            continue;
        HANDLE h = OpenThread(SYNCHRONIZE | THREAD_QUERY_INFORMATION, FALSE, id);
        if (h == NULL)
            continue; /* gone, and no handle of ours kept it: it was never watched */
        if (is_worker(h) || is_os_thread(h)) {
            CloseHandle(h);
        } else if (ended(h)) {
            keep_if_last(w, h);
        } else {
            alive++;
            if (watched < WST_HOST_THREADS_WATCH)
                fresh[watched++] = h;
            else
                CloseHandle(h);
        }
    }
    HeapFree(GetProcessHeap(), 0, list);
    for (unsigned i = 0; i < w->watched; i++) {
        if (ended(w->watch[i]))
            keep_if_last(w, w->watch[i]);
        else
            CloseHandle(w->watch[i]);
    }
    memcpy(w->watch, fresh, watched * sizeof fresh[0]);
    w->watched = watched;
    return alive > 0;
}

HANDLE wst_host_threads_pick(const struct wst_host_threads *w)
{
    HANDLE copy = NULL;
    if (w->watched == 0 ||
        !DuplicateHandle(GetCurrentProcess(), w->watch[0], GetCurrentProcess(), &copy,
                         SYNCHRONIZE | THREAD_QUERY_INFORMATION, FALSE, 0))
        return NULL;
    return copy;
}

DWORD wst_host_threads_exit_code(const struct wst_host_threads *w)
{
    DWORD code = 0;
    if (w->last == NULL || !GetExitCodeThread(w->last, &code))
        return 0;
    return code;
}

void wst_host_threads_close(struct wst_host_threads *w)
{
    for (unsigned i = 0; i < w->watched; i++)
        CloseHandle(w->watch[i]);
    if (w->last != NULL)
        CloseHandle(w->last);
    memset(w, 0, sizeof *w);
}
