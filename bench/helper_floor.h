/*
 * The session between the helper-design floor's module
 * (bench/helper_floor_dll.c, lifecycle_hfloor.dll) and its second DLL
 * (bench/helper_floor_helper.c, hfloor_helper.dll): the least of
 * winstrument/helper_abi.h that the design needs, for the benchmark only.
 *
 * A block on the process heap (so the thread may outlive the module), two
 * references (module and thread), a stop event the thread waits on, the
 * second DLL's HMODULE the thread leaves with, and one pointer into the
 * module (`state`), touched only under `lock` while `claim` is SERVING, the
 * same agreement as the runtime's. Threads: the module's loader item fills
 * it; the helper thread and the module's unload share it under `lock`.
 */
#ifndef BENCH_HELPER_FLOOR_H
#define BENCH_HELPER_FLOOR_H

#include <windows.h>

#define HFLOOR_HELPER_NAME L"hfloor_helper.dll"
#define HFLOOR_START_EXPORT "hfloor_start"

enum { HFLOOR_STARTING = 0, HFLOOR_SERVING = 1, HFLOOR_CANCELLED = 2 };

struct hfloor_session {
    HMODULE helper;       /* the reference the thread leaves with */
    HANDLE stop;          /* manual-reset; set by the unload after CANCELLED */
    volatile LONG *state; /* the module's worker state: under lock, SERVING only */
    SRWLOCK lock;         /* zeroed = initialized */
    LONG claim;           /* under lock */
    volatile LONG refs;   /* 2: module and thread */
};

/* 0 on success (a thread now owns one reference and `helper`), else a
 * Win32 error and no thread. */
typedef DWORD(WINAPI *hfloor_start_fn)(struct hfloor_session *s);

static __inline__ __attribute__((unused)) void hfloor_release(struct hfloor_session *s)
{
    if (InterlockedDecrement(&s->refs) != 0)
        return;
    CloseHandle(s->stop);
    HeapFree(GetProcessHeap(), 0, s);
}

#endif
