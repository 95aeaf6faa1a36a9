/*
 * wst_hostile_host.exe: loads wst_hostile.dll under a hostile file name and
 * makes its loader entry hostile too, for the hostile-names scenario
 * (wine-tests/cases/hostile.py). Deliberately not instrumented itself.
 *
 *   1. copies wst_hostile.dll to a name holding U+009B and U+202E (both legal
 *      in a Windows file name) and three '#' placeholders, loads it, hits
 *      its counters 3 times;
 *   2. overwrites the placeholders, in the loader's own FullDllName and
 *      BaseDllName (the PEB that wst-inspect reads remotely), with ESC, BEL
 *      and ESC: characters no file name may hold, but that a target may put
 *      into its own PEB;
 *   3. prints "pid N", then "ready", and waits for a line on stdin.
 *
 * Single-threaded. Frees the DLL and deletes its copy before it exits.
 */
#include <windows.h>
#include <winternl.h>

#include <stdio.h>
#include <wchar.h>

#define HOSTILE_FILE L"wst_hostile_#\x009b#\x202e#.dll"

typedef void(__cdecl *hit_fn)(unsigned n);

static void patch(UNICODE_STRING *s)
{
    static const WCHAR replacement[] = {0x1b, 0x07, 0x1b};
    unsigned next = 0;
    for (USHORT i = 0; i < s->Length / sizeof(WCHAR) && next < 3; i++) {
        if (s->Buffer[i] == L'#')
            s->Buffer[i] = replacement[next++];
    }
}

/* The loader entry of `module`: PEB -> Ldr -> InMemoryOrderModuleList. In
 * both Windows' and Wine's LDR_DATA_TABLE_ENTRY, BaseDllName follows
 * FullDllName directly (winternl.h leaves it unnamed). */
/* GCC takes mingw's __readgsqword(0x30) for an access to a zero-length
 * array (a known false positive of -Warray-bounds on NtCurrentTeb). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
static PPEB own_peb(void)
{
    return NtCurrentTeb()->ProcessEnvironmentBlock;
}
#pragma GCC diagnostic pop

static int patch_loader_entry(HMODULE module)
{
    PPEB peb = own_peb();
    LIST_ENTRY *head = &peb->Ldr->InMemoryOrderModuleList;
    for (LIST_ENTRY *link = head->Flink; link != head; link = link->Flink) {
        LDR_DATA_TABLE_ENTRY *e = CONTAINING_RECORD(link, LDR_DATA_TABLE_ENTRY, InMemoryOrderLinks);
        if (e->DllBase != (void *)module)
            continue;
        patch(&e->FullDllName);
        patch((UNICODE_STRING *)(&e->FullDllName + 1));
        return 1;
    }
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    WCHAR dir[MAX_PATH], from[MAX_PATH], to[MAX_PATH];
    DWORD n = GetModuleFileNameW(NULL, dir, MAX_PATH);
    while (n > 0 && dir[n - 1] != L'\\')
        n--;
    dir[n] = L'\0';
    swprintf(from, MAX_PATH, L"%lswst_hostile.dll", dir);
    swprintf(to, MAX_PATH, L"%ls%ls", dir, HOSTILE_FILE);
    if (!CopyFileW(from, to, FALSE)) {
        printf("error copy %lu\n", GetLastError());
        return 90;
    }
    HMODULE m = LoadLibraryW(to);
    if (m == NULL) {
        printf("error load %lu\n", GetLastError());
        return 90;
    }
    hit_fn hit = (hit_fn)(void (*)(void))GetProcAddress(m, "wst_hostile_hit");
    if (hit == NULL) {
        printf("error export %lu\n", GetLastError());
        return 90;
    }
    hit(3);
    if (!patch_loader_entry(m)) {
        printf("error no loader entry\n");
        return 90;
    }
    printf("pid %lu\n", GetCurrentProcessId());
    printf("ready\n");
    char line[16];
    fgets(line, sizeof line, stdin);
    FreeLibrary(m);
    DeleteFileW(to);
    return 0;
}
