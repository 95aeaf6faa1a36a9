/*
 * wst_slow.dll: its DLL_PROCESS_ATTACH sleeps, holding the loader lock, so
 * that a FreeLibrary on another thread meets a contended loader lock.
 * Deliberately not instrumented.
 */
#include <windows.h>

BOOL WINAPI DllMain(HINSTANCE self, DWORD reason, LPVOID reserved)
{
    (void)self, (void)reserved;
    if (reason == DLL_PROCESS_ATTACH)
        Sleep(100);
    return TRUE;
}
