/*
 * The second DLL of the helper-design floor (hfloor_helper.dll; the module
 * is bench/helper_floor_dll.c): one export that starts one thread per
 * session, and that thread, which claims the session, publishes SERVING in
 * the module, waits for the stop, and leaves through FreeLibraryAndExitThread
 * with the reference the session carries, so that nobody ever waits for it.
 * No pipe, no host-thread watch, no thread name: what wsthelper.dll's thread
 * does while it serves is the runtime's, not the design's.
 *
 * Threads: hfloor_start runs on the module's loader item (loader lock held,
 * see helper_floor_dll.c); the thread runs alone. It never touches the
 * module but under the session's lock with the claim SERVING, and never
 * writes output.
 */
#include <windows.h>

#include "helper_floor.h"
#include "winstrument/region.h"

static DWORD WINAPI helper_thread(void *arg)
{
    struct hfloor_session *s = arg;
    HMODULE self = s->helper; /* copied: the block may be freed below */
    AcquireSRWLockExclusive(&s->lock);
    BOOL claimed = s->claim == HFLOOR_STARTING;
    if (claimed) {
        s->claim = HFLOOR_SERVING;
        InterlockedExchange(s->state, WST_WORKER_SERVING);
    }
    ReleaseSRWLockExclusive(&s->lock);
    if (claimed)
        WaitForSingleObject(s->stop, INFINITE);
    hfloor_release(s);
    FreeLibraryAndExitThread(self, 0);
}

__declspec(dllexport) DWORD WINAPI hfloor_start(struct hfloor_session *s)
{
    /* Its start runs DLL_THREAD_ATTACH under the loader lock: not waited for. */
    HANDLE thread = CreateThread(NULL, 0, helper_thread, s, 0, NULL);
    if (thread == NULL)
        return GetLastError() != 0 ? GetLastError() : ERROR_GEN_FAILURE;
    CloseHandle(thread);
    return 0;
}
