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
 * point into the module (region, counters) are valid only while the thread
 * holds the claim (state SERVING) and before it sets released_event; after
 * that the thread touches nothing of the module, and the module's unload
 * returns only after that.
 */
#ifndef WINSTRUMENT_HELPER_ABI_H
#define WINSTRUMENT_HELPER_ABI_H

#include <windows.h>

#include <stdint.h>

#include "winstrument/region.h"

#define WST_HELPER_DLL_NAME L"wsthelper.dll"
/* Raise when the session's layout or meaning changes. */
#define WST_HELPER_INTERFACE_VERSION 1u

#define WST_HELPER_VERSION_EXPORT "wsthelper_interface_version"
#define WST_HELPER_START_EXPORT "wsthelper_start"

/* session.claim: the agreement between the module's unload and the thread,
 * changed only by interlocked compare-exchange.
 *   STARTING -> SERVING   the thread, first thing it does: from now on it may
 *                         touch the module, until it sets released_event
 *   STARTING -> CANCELLED the module's unload, when the thread has not begun:
 *                         the thread will leave without touching the module,
 *                         and the unload waits for nothing (the thread's start
 *                         needs the loader lock that the unload holds) */
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
    HANDLE stop_event;     /* manual-reset; the module sets it at unload */
    HANDLE released_event; /* manual-reset; the thread sets it once it is done with the module */
    HANDLE first_hitter;   /* optional: the thread whose hit started it (host_threads.h) */
    /* The module's memory: valid only while the claim is SERVING and before
     * released_event is set (see above). */
    struct wst_region_header *region;
    struct wst_counter *counters_begin;
    struct wst_counter *counters_end;
    /* Interlocked. */
    volatile LONG claim; /* enum wst_helper_claim */
    volatile LONG refs;  /* 2 at start: the module and the thread; the last frees the block */
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
    if (s->released_event != NULL)
        CloseHandle(s->released_event);
    if (s->first_hitter != NULL)
        CloseHandle(s->first_hitter);
    HeapFree(GetProcessHeap(), 0, s);
}

#endif
