/*
 * See resources.h. Threads come from a Toolhelp snapshot. Handles are probed
 * value by value with GetHandleInformation, because GetProcessHandleCount
 * answers 0 under Wine 8. Private bytes are the committed MEM_PRIVATE regions
 * of the address space, summed by VirtualQuery, because Wine 8 leaves the
 * PrivateUsage of GetProcessMemoryInfo at 0.
 */
#include <windows.h>

#include <tlhelp32.h>

#include "resources.h"

/* Handle values are multiples of 4; a test process never gets near this. */
#define HANDLE_PROBE_LIMIT 0x10000u

static unsigned long count_threads(void)
{
    DWORD pid = GetCurrentProcessId();
    unsigned long n = 0;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    THREADENTRY32 entry = {.dwSize = sizeof entry};
    if (snap == INVALID_HANDLE_VALUE)
        return 0;
    for (BOOL ok = Thread32First(snap, &entry); ok; ok = Thread32Next(snap, &entry)) {
        if (entry.th32OwnerProcessID == pid)
            n++;
    }
    CloseHandle(snap);
    return n;
}

static unsigned long count_handles(void)
{
    unsigned long n = 0;
    DWORD flags;
    for (uintptr_t value = 4; value < HANDLE_PROBE_LIMIT; value += 4) {
        if (GetHandleInformation((HANDLE)value, &flags))
            n++;
    }
    return n;
}

static unsigned long long count_private_bytes(void)
{
    unsigned long long total = 0;
    MEMORY_BASIC_INFORMATION info;
    const char *at = NULL;
    while (VirtualQuery(at, &info, sizeof info) == sizeof info) {
        if (info.State == MEM_COMMIT && info.Type == MEM_PRIVATE)
            total += info.RegionSize;
        const char *next = (const char *)info.BaseAddress + info.RegionSize;
        if (next <= at)
            break;
        at = next;
    }
    return total;
}

void wst_resources_measure(struct wst_resources *out)
{
    out->threads = count_threads();
    out->handles = count_handles();
    out->private_bytes = count_private_bytes();
    out->helper = GetModuleHandleW(L"wsthelper.dll") != NULL;
}

void wst_resources_settle(struct wst_resources *out, const struct wst_resources *baseline,
                          unsigned settle_ms)
{
    DWORD start = GetTickCount();
    for (;;) {
        wst_resources_measure(out);
        if ((out->threads <= baseline->threads && out->handles <= baseline->handles &&
             !out->helper) ||
            GetTickCount() - start >= settle_ms)
            return;
        Sleep(20);
    }
}
