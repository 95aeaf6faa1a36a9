/*
 * wsthelper.dll's entry points (winstrument/helper_abi.h): the interface
 * version it offers, and the start of one helper thread per session.
 *
 * Threads: an instrumented module's loader item calls both, outside the
 * loader lock, with that module pinned (src/runtime/mode_helper.c). The DLL
 * has no DllMain of its own to speak of: nothing runs under the loader lock
 * but the CRT's default entry point.
 *
 * Never: keeps a pointer to the session after a failed start (the caller
 * then owns everything), or anything of the module beyond the session.
 */
#include <windows.h>

#include "helper_worker.h"
#include "host_threads.h"
#include "winstrument/helper_abi.h"
#include "winstrument/protocol.h"

#ifdef WST_MUTANT_HELPER_VERSION
/* Test-only build (wine-tests/module.mk): a helper of another version. */
#define OFFERED_VERSION WST_MUTANT_HELPER_VERSION
#else
#define OFFERED_VERSION WST_HELPER_INTERFACE_VERSION
#endif

__declspec(dllexport) uint32_t WINAPI wsthelper_interface_version(void)
{
    return OFFERED_VERSION;
}

static BOOL session_known(const struct wst_helper_session *s)
{
    return s != NULL && s->size == sizeof *s && s->interface_version == OFFERED_VERSION &&
           s->layout_version == WST_LAYOUT_VERSION && s->protocol_version == WST_PROTOCOL_VERSION &&
           s->region != NULL && s->stop_event != NULL && s->helper != NULL;
}

__declspec(dllexport) uint32_t WINAPI wsthelper_start(struct wst_helper_session *session)
{
    if (!session_known(session))
        return ERROR_REVISION_MISMATCH;
    /* Outside the loader lock: these lookups of loaded modules are fine. */
    wst_host_threads_resolve();
    wst_helper_worker_resolve();
    /* The thread's start runs DLL_THREAD_ATTACH under the loader lock; we do
     * not wait for it (the module's unload cancels a thread that has not
     * claimed the session yet, helper_abi.h). */
    HANDLE thread = CreateThread(NULL, 0, wst_helper_thread, session, 0, NULL);
    if (thread == NULL)
        return GetLastError() != 0 ? GetLastError() : ERROR_GEN_FAILURE;
    CloseHandle(thread);
    return 0;
}
