/*
 * Lifecycle of one instrumented module's runtime (each module that links the
 * static library has its own copy of everything here).
 *
 * Entered by the TLS callback (tls_hook.c) under the loader lock, and by the
 * first probe hit on any thread. It chooses the mode once, at process attach,
 * and never changes it afterwards, so the probes and the detach path read
 * `active_mode` without a lock.
 *
 * Unload or exit? At DLL_PROCESS_DETACH the TLS callback's reserved argument
 * cannot be trusted to tell: Wine 8 passes NULL to TLS callbacks in both
 * cases, while DllMain gets 1 at exit (checked with a probe DLL, see
 * docs/modes.md). So we also ask ntdll's RtlDllShutdownInProgress(), which is
 * TRUE once ExitProcess has begun to detach modules and FALSE in FreeLibrary.
 * By then every other thread is gone: waiting for the worker would be wrong
 * (its callback never finishes) and is unnecessary.
 *
 * Never writes output: it runs under the loader lock, and a write to a full
 * pipe would block there (the saved file of WINSTRUMENT_SAVE is a disk file
 * only, save.c). What it has to say goes into the region header
 * (runtime_flags), which the inspector reports.
 */
#include <windows.h>

#include <string.h>

#include "instance_id.h"
#include "lifecycle.h"
#include "mode.h"
#include "region_internal.h"
#include "save.h"
#include "stripes.h"

typedef BOOLEAN(NTAPI *wst_shutdown_in_progress_fn)(void);

static const struct wst_mode_ops *const modes[] = {
    &wst_mode_threadpool,
    &wst_mode_threadless,
    &wst_mode_helper,
};
#define DEFAULT_MODE (modes[0])

/* Constant after process attach. */
static const struct wst_mode_ops *active_mode;
static wst_shutdown_in_progress_fn shutdown_in_progress;

const struct wst_mode_ops *wst_lifecycle_mode_by_name(const char *value)
{
    if (value == NULL || value[0] == '\0')
        return DEFAULT_MODE;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(modes[i]->name, value) == 0)
            return modes[i];
    }
    return NULL;
}

static const struct wst_mode_ops *mode_from_environment(void)
{
    char value[32];
    DWORD n = GetEnvironmentVariableA("WINSTRUMENT_MODE", value, sizeof value);
    if (n == 0)
        return DEFAULT_MODE;
    const struct wst_mode_ops *ops = n < sizeof value ? wst_lifecycle_mode_by_name(value) : NULL;
    if (ops == NULL) {
        /* Said through the region, never on stderr: we hold the loader lock,
         * and a write to a full pipe that nobody drains would block with it.
         * The inspector reports the flag for each module. */
        wst_region_.runtime_flags |= WST_RUNTIME_MODE_FALLBACK;
        return DEFAULT_MODE;
    }
    return ops;
}

static uint64_t new_instance_id(void *module)
{
    LARGE_INTEGER now;
    QueryPerformanceCounter(&now);
    return wst_instance_id((uint64_t)(uintptr_t)module, (uint64_t)now.QuadPart);
}

static void on_process_attach(void *module)
{
    /* ntdll is loaded and we already hold the loader lock, so this takes
     * nothing new; resolving it now keeps the detach path free of lookups. */
    shutdown_in_progress = (wst_shutdown_in_progress_fn)(void (*)(void))GetProcAddress(
        GetModuleHandleW(L"ntdll.dll"), "RtlDllShutdownInProgress");
    active_mode = mode_from_environment();
    wst_region_.pid = GetCurrentProcessId();
    wst_region_.instance = new_instance_id(module);
    wst_region_.mode = active_mode->mode;
    wst_save_attach(module);
    wst_stripes_attach();
    active_mode->attach(module);
}

BOOL wst_lifecycle_process_exiting(void *reserved)
{
    if (reserved != NULL)
        return TRUE;
    return shutdown_in_progress != NULL && shutdown_in_progress();
}

static void on_process_detach(void *reserved)
{
    if (active_mode == NULL)
        return;
    /* The file is written once the worker has stopped (at exit it is gone
     * with every other thread), so the region no longer changes. */
    if (wst_lifecycle_process_exiting(reserved)) {
        active_mode->stop_at_exit();
        wst_save_at_end(1);
        return; /* the TLS slot and the stripes go with the process */
    }
    active_mode->stop_on_unload();
    wst_save_at_end(0);
    wst_stripes_detach();
}

static void on_thread_detach(void)
{
    wst_stripes_release_thread();
    if (active_mode != NULL && active_mode->thread_detach != NULL)
        active_mode->thread_detach();
}

void wst_lifecycle_on_loader_event(void *module, unsigned long reason, void *reserved)
{
    if (reason == DLL_PROCESS_ATTACH)
        on_process_attach(module);
    else if (reason == DLL_PROCESS_DETACH)
        on_process_detach(reserved);
    else if (reason == DLL_THREAD_DETACH)
        on_thread_detach();
}

BOOL wst_lifecycle_attached(void)
{
    return active_mode != NULL;
}

void wst_lifecycle_first_hit(void)
{
    active_mode->first_hit();
}
