/*
 * wst_hostile.dll: an instrumented DLL whose counter names are hostile to a
 * terminal, for the hostile-names scenario (wine-tests/cases/hostile.py): ESC
 * sequences, the 8-bit CSI byte 0x9b, U+009B (the same control as UTF-8), a
 * right-to-left override, and bytes that are not UTF-8 at all. The inspector
 * must show them escaped in text and exactly (a _hex member) in JSON.
 *
 * Threads: whoever calls wst_hostile_hit. Never does anything else.
 */
#include <windows.h>

#include <winstrument.h>

/* The names, byte for byte, are repeated in cases/hostile.py. */
#define HOSTILE_CSI "evil.\x1b[2J\x1b]0;pwned\x07.\x9b" "31m.\xc2\x9b" "31m.\xe2\x80\xae.\xff\xfe"
#define HOSTILE_PLAIN "plain.hits"

__declspec(dllexport) void __cdecl wst_hostile_hit(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        WST_COUNT(HOSTILE_CSI);
        WST_COUNT(HOSTILE_PLAIN);
    }
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)instance;
    (void)reason;
    (void)reserved;
    return TRUE;
}
