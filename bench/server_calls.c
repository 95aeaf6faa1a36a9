/*
 * server_calls: one DLL of bench_lifecycle loaded, called, (optionally)
 * woken until serving, and freed, three times, with marker calls between
 * the phases, so that a WINEDEBUG=+server trace of it can be cut into
 * phases and its Wine server calls counted (docs/design/modes.md, "Costs"). The
 * markers are CloseHandle of bogus handles 0x1000 + phase: they show in the
 * trace as close_handle( handle=0000100N ) and change nothing.
 *
 *   server_calls.exe DLL [serve] [trigger]
 * serve: wait until the worker serves before the free; trigger: signal the
 * load's trigger first (threadpool mode). After the free it sleeps 300 ms so
 * that a helper thread's leaving shows before the next marker.
 * Threads: the main thread only (the DLL may start its own). Not
 * instrumented; prints nothing but failures.
 */
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "winstrument/region.h"

typedef void(__cdecl *call_fn)(void);
typedef unsigned(__cdecl *state_fn)(void);
typedef void(__cdecl *name_fn)(char *out);

static void marker(unsigned phase)
{
    CloseHandle((HANDLE)(ULONG_PTR)(0x1000u + phase));
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int serve = argc > 2 && strcmp(argv[2], "serve") == 0;
    int trigger = argc > 3 && strcmp(argv[3], "trigger") == 0;
    LoadLibraryW(L"advapi32.dll");
    for (int cycle = 0; cycle < 3; cycle++) {
        marker(1); /* load */
        HMODULE h = LoadLibraryA(argv[1]);
        if (h == NULL) {
            fprintf(stderr, "server_calls: cannot load %s (%lu)\n", argv[1], GetLastError());
            return 1;
        }
        call_fn call = (call_fn)(void (*)(void))GetProcAddress(h, "bench_lc_call");
        state_fn state = (state_fn)(void (*)(void))GetProcAddress(h, "bench_lc_worker_state");
        name_fn name = (name_fn)(void (*)(void))GetProcAddress(h, "bench_lc_trigger_name");
        if (call == NULL || state == NULL || name == NULL)
            return 1;
        marker(2); /* call */
        call();
        marker(3); /* wake until serving */
        if (trigger) {
            char n[WST_PIPE_NAME_MAX];
            name(n);
            HANDLE e = OpenEventA(EVENT_MODIFY_STATE, FALSE, n);
            if (e != NULL) {
                SetEvent(e);
                CloseHandle(e);
            }
        }
        for (ULONGLONG until = GetTickCount64() + 5000; serve && state() != WST_WORKER_SERVING;)
            if (GetTickCount64() > until)
                return 3;
            else
                Sleep(1);
        marker(4); /* free */
        FreeLibrary(h);
        marker(5); /* after the free: what other threads do */
        Sleep(300);
        marker(6);
    }
    return 0;
}
