/*
 * The function table's loader entry point: a second TLS callback, linked
 * only into modules built with --wst-functions (function_table.c names it),
 * so that modules without function hooks carry none of this. It runs after
 * the runtime's own callback (.CRT$XLW; this one is .CRT$XLX), so the
 * lifecycle has chosen the mode before the table is published. It only
 * dispatches.
 *
 * Runs under the loader lock, on whatever thread the loader uses.
 */
#include <windows.h>

#include "function_table.h"

static void NTAPI wst_fn_tls_callback(PVOID module, DWORD reason, PVOID reserved)
{
    wst_fn_on_loader_event(module, reason, reserved);
}

/* tls_hook.c already makes the linker emit the TLS directory (_tls_used). */
__attribute__((section(".CRT$XLX"), used)) const PIMAGE_TLS_CALLBACK wst_fn_tls_callback_ptr_ =
    wst_fn_tls_callback;
