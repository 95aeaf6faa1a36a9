/*
 * wst_locker.dll: loads the DLL named by WST_LOCKER_TARGET, hits a probe in
 * it and frees it again, all inside its own DLL_PROCESS_ATTACH. The loader
 * lock is held throughout, so the worker that the hit submits can never have
 * started when the target unloads: the runtime must cancel it, because
 * waiting for it would deadlock. With WST_LOCKER_KEEP set it never frees the
 * target, which so stays loaded with its first hit made under the loader
 * lock (helper mode must defer its LoadLibrary past it). Deliberately not
 * instrumented.
 */
#include <windows.h>

typedef void(__cdecl *target_hit_fn)(unsigned n);

BOOL WINAPI DllMain(HINSTANCE self, DWORD reason, LPVOID reserved)
{
    char target[64];
    (void)self, (void)reserved;
    if (reason != DLL_PROCESS_ATTACH)
        return TRUE;
    DWORD n = GetEnvironmentVariableA("WST_LOCKER_TARGET", target, sizeof target);
    if (n == 0 || n >= sizeof target)
        return FALSE;
    HMODULE dll = LoadLibraryA(target);
    if (dll == NULL)
        return FALSE;
    target_hit_fn hit = (target_hit_fn)(void (*)(void))GetProcAddress(dll, "wst_target_hit");
    if (hit != NULL)
        hit(1);
    if (GetEnvironmentVariableA("WST_LOCKER_KEEP", NULL, 0) == 0)
        FreeLibrary(dll);
    return hit != NULL;
}
