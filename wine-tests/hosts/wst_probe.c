/*
 * The instrumented scenario DLL, built twice (wst_probe_a.dll,
 * wst_probe_b.dll) so one process can hold two instrumented DLLs. Its host
 * knows nothing of winstrument: it only calls these exports.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

#include <winstrument.h>
#include <winstrument/protocol.h>

#ifdef WST_MUTANT_NO_CANCEL
/* A MUTANT, built only for the tests (scenarios-nocancel): the runtime's
 * unload waits for its work item without cancelling a pending callback.
 * Reached through the runtime's OS table, so the runtime's code is the real
 * one; exit:unload-pending-work must catch it (a loader-lock deadlock). */
#include "os_win.h"

static VOID WINAPI wait_without_cancel(PTP_WORK work, BOOL cancel_pending)
{
    (void)cancel_pending;
    WaitForThreadpoolWorkCallbacks(work, FALSE);
}

__attribute__((constructor)) static void mutate(void)
{
    wst_os.WaitForThreadpoolWorkCallbacks = wait_without_cancel;
}
#endif

/* The runtime's region header; read here only so the host can tell the
 * driver which pipe to attack, as a test client would learn it. */
extern struct wst_region_header wst_region_;

__declspec(dllexport) void __cdecl wst_probe_hit(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        WST_COUNT("probe.calls");
        WST_ADD("probe.bytes", 3);
    }
}

__declspec(dllexport) const char *__cdecl wst_probe_pipe_name(void)
{
    return (const char *)wst_region_.pipe_name;
}

__declspec(dllexport) void __cdecl wst_probe_exit(int code)
{
    exit(code);
}

/* The pipe name this load's worker will claim, known before its first hit
 * (the squat scenario takes it first). Format: winstrument/protocol.h. */
__declspec(dllexport) void __cdecl wst_probe_planned_pipe(char out[WST_PIPE_NAME_MAX])
{
    static const char hex[] = "0123456789abcdef";
    char digits[17];
    for (int i = 0; i < 16; i++)
        digits[i] = hex[(wst_region_.instance >> (60 - 4 * i)) & 0xf];
    digits[16] = '\0';
    snprintf(out, WST_PIPE_NAME_MAX, "%s%lu-%s", WST_PIPE_PREFIX, (unsigned long)wst_region_.pid,
             digits);
}

__declspec(dllexport) unsigned __cdecl wst_probe_worker_state(void)
{
    return __atomic_load_n(&wst_region_.worker_state, __ATOMIC_ACQUIRE);
}
