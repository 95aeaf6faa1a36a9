/*
 * The runtime's only loader entry point. A static library gets no DllMain of
 * its own and must not ask the host to call it, so it registers a TLS
 * callback in the host module: the loader calls it for process and thread
 * attach and detach, in DLLs and EXEs alike. It only dispatches.
 *
 * Runs under the loader lock, on whatever thread the loader uses.
 */
#include <windows.h>

#include "lifecycle.h"

static void NTAPI wst_tls_callback(PVOID module, DWORD reason, PVOID reserved)
{
    wst_lifecycle_on_loader_event(module, reason, reserved);
}

/* mingw's CRT brackets the callbacks between .CRT$XLA and .CRT$XLZ; the TLS
 * directory (_tls_used) is only emitted when something references it. */
extern const IMAGE_TLS_DIRECTORY _tls_used;
__attribute__((used)) const void *const wst_tls_directory_ref_ = &_tls_used;
__attribute__((section(".CRT$XLW"), used)) const PIMAGE_TLS_CALLBACK wst_tls_callback_ptr_ =
    wst_tls_callback;
