/*
 * The interface between an instrumented module in helper mode
 * (src/runtime/mode_helper.c) and wsthelper.dll (src/helper/): what the
 * module hands the helper so that a thread whose code lives in the helper
 * serves the module's pipe from the module's region (docs/modes.md,
 * "Helper mode").
 *
 * Both sides run in one process and one architecture, so unlike region.h
 * this header has native pointers and handles. It is versioned all the same,
 * because the helper is a separate file that may come from another release:
 *   - the helper exports wsthelper_interface_version(); the module calls it
 *     first and loads no further unless it answers WST_HELPER_INTERFACE_VERSION
 *     (else header.helper_state = WST_HELPER_WRONG_VERSION);
 *   - wsthelper_start() checks the session's size and versions again, and
 *     refuses (ERROR_REVISION_MISMATCH) what it does not know.
 *
 * The session block is the only memory both sides touch. It lives on the
 * process heap (GetProcessHeap), never in the module, so that the helper
 * thread may outlive the module's unload and still read it. Its fields that
 * point into the module (region, counters) are used only under the block's
 * lock, and only while the claim is SERVING. The module's unload takes the
 * same lock, sets the claim to CANCELLED and returns without waiting for the
 * thread: once it has the lock, the thread is touching nothing of the
 * module, and once the claim says CANCELLED it never will again.
 */
#ifndef WINSTRUMENT_HELPER_ABI_H
#define WINSTRUMENT_HELPER_ABI_H

#include <windows.h>

#include <stdint.h>

#include "winstrument/region.h"

#define WST_HELPER_DLL_NAME L"wsthelper.dll"
/* Raise when the session's layout or meaning changes. */
#define WST_HELPER_INTERFACE_VERSION 2u

#define WST_HELPER_VERSION_EXPORT "wsthelper_interface_version"
#define WST_HELPER_START_EXPORT "wsthelper_start"

/* session.claim: the agreement between the module's unload and the thread,
 * changed only under session.lock (and read by the thread only under it).
 *   STARTING -> SERVING   the thread, first thing it does
 *   any      -> CANCELLED the module's unload: from then on the thread never
 *                         touches the module; it closes what is its own
 *                         (the pipe) and leaves through
 *                         FreeLibraryAndExitThread. The unload waits for
 *                         nothing but the lock, which the thread holds only
 *                         while it writes a region field or answers one
 *                         request (never across a wait or a pipe read). */
enum wst_helper_claim {
    WST_HELPER_CLAIM_STARTING = 0,
    WST_HELPER_CLAIM_SERVING = 1,
    WST_HELPER_CLAIM_CANCELLED = 2,
};

struct wst_helper_session {
    /* Constant after the module has filled them, before wsthelper_start. */
    uint32_t size;              /* sizeof(struct wst_helper_session) */
    uint32_t interface_version; /* WST_HELPER_INTERFACE_VERSION */
    uint32_t layout_version;    /* WST_LAYOUT_VERSION of the module */
    uint32_t protocol_version;  /* WST_PROTOCOL_VERSION of the module */
    uint32_t pid;
    uint64_t instance;    /* the module's header.instance: names the pipe */
    uint64_t module_base; /* for HELLO */
    HMODULE helper;       /* the reference the thread leaves with (FreeLibraryAndExitThread) */
    /* Owned by the block: closed by whoever drops the last reference. */
    HANDLE stop_event; /* manual-reset; the module sets it at unload, after CANCELLED */
    /* Optional host threads (SYNCHRONIZE | THREAD_QUERY_INFORMATION) the
     * thread watches from its first look (host_threads.h): the one whose hit
     * started it, and the one that loaded the module (the main thread, for
     * an EXE and the DLLs it imports), when another. Either may have ended
     * before the helper thread begins, and the host's last thread may be
     * either: their handles keep their exit codes. */
    HANDLE first_hitter;
    HANDLE loader_thread;
    /* The module's memory: touched only under `lock` with the claim SERVING. */
    struct wst_region_header *region;
    struct wst_counter *counters_begin;
    struct wst_counter *counters_end;
    SRWLOCK lock;       /* zeroed = initialized; guards claim and the module's memory */
    LONG claim;         /* enum wst_helper_claim, under lock */
    volatile LONG refs; /* 2 at start: the module and the thread; the last frees the block */
};

typedef uint32_t(WINAPI *wst_helper_version_fn)(void);
/* Starts the thread that serves the session; 0 on success, else a Win32
 * error (then no thread exists, and the caller still owns every reference,
 * the helper module's included). Called outside the loader lock. */
typedef uint32_t(WINAPI *wst_helper_start_fn)(struct wst_helper_session *session);

/* Drops one reference to the session; the last one closes its handles and
 * frees it. Both sides use this inline copy: it touches only the block. */
static __inline__ __attribute__((unused)) void
wst_helper_session_release(struct wst_helper_session *s)
{
    if (InterlockedDecrement(&s->refs) != 0)
        return;
    if (s->stop_event != NULL)
        CloseHandle(s->stop_event);
    if (s->first_hitter != NULL)
        CloseHandle(s->first_hitter);
    if (s->loader_thread != NULL)
        CloseHandle(s->loader_thread);
    HeapFree(GetProcessHeap(), 0, s);
}

#endif
