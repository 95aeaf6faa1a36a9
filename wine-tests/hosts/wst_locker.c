/*
 * wst_locker.dll: loads the DLL named by WST_LOCKER_TARGET, hits a probe in
 * it, asks for its worker as an inspector does (signals its trigger) and
 * frees it again, all inside its own DLL_PROCESS_ATTACH. The loader lock is
 * held throughout, so the worker's callback, queued by the signal, can never
 * have started when the target unloads (its new pool thread first needs the
 * loader lock): the runtime must cancel it, because waiting for it would
 * deadlock. Deliberately not instrumented.
 *
 * The unload waits until the signal has been consumed (the event reads
 * unsignalled again: the wait fired and queued the callback), so that the
 * callback is surely pending, not merely about to be; bounded, since a
 * runtime whose wait never fires must not hang the scenario here.
 *
 * With WST_LOCKER_KEEP set it never frees the target, which so stays
 * loaded with its first hit made under the loader lock (helper mode must
 * defer its LoadLibrary past it).
 */
#include <windows.h>

#include <winternl.h>

#ifndef EVENT_QUERY_STATE
#define EVENT_QUERY_STATE 0x0001 /* winnt.h; absent from some mingw headers */
#endif

typedef void(__cdecl *target_hit_fn)(unsigned n);
typedef void(__cdecl *target_name_fn)(char *out);
typedef unsigned(__cdecl *target_state_fn)(void);
typedef NTSTATUS(NTAPI *query_event_fn)(HANDLE event, int cls, void *info, ULONG size,
                                        ULONG *returned);

struct event_basic_information {
    int type;   /* EVENT_TYPE */
    LONG state; /* non-zero: signalled */
};

/* Signals the target's trigger and waits (up to 2 s) until a wait took it. */
static void ask_for_worker(HMODULE dll)
{
    char name[96];
    target_name_fn trigger_name =
        (target_name_fn)(void (*)(void))GetProcAddress(dll, "wst_target_trigger_name");
    target_state_fn trigger_state =
        (target_state_fn)(void (*)(void))GetProcAddress(dll, "wst_target_trigger_state");
    query_event_fn query = (query_event_fn)(void (*)(void))GetProcAddress(
        GetModuleHandleA("ntdll.dll"), "NtQueryEvent");
    if (trigger_name == NULL || trigger_state == NULL || trigger_state() != 1 /* ARMED */)
        return;
    trigger_name(name);
    HANDLE event = OpenEventA(EVENT_MODIFY_STATE | EVENT_QUERY_STATE, FALSE, name);
    if (event == NULL)
        return;
    SetEvent(event);
    for (int waited = 0; query != NULL && waited < 2000; waited++) {
        struct event_basic_information info = {0, 1};
        if (query(event, 0 /* EventBasicInformation */, &info, sizeof info, NULL) != 0 ||
            info.state == 0)
            break;
        Sleep(1);
    }
    CloseHandle(event);
}

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
    ask_for_worker(dll);
    if (GetEnvironmentVariableA("WST_LOCKER_KEEP", NULL, 0) == 0)
        FreeLibrary(dll);
    return hit != NULL;
}
