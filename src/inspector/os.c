/*
 * See os.h. Only this file names these Win32 functions for the inspector;
 * everything else calls through wst_inspector_os.
 */
#include "os.h"

/* Written twice below because C cannot initialise one static from another. */
// clang-format off
#define REAL_OS                                                                                \
    {                                                                                          \
    .OpenProcess = OpenProcess,                                                                \
    .CloseHandle = CloseHandle,                                                                \
    .GetExitCodeProcess = GetExitCodeProcess,                                                  \
    .ReadProcessMemory = ReadProcessMemory,                                                    \
    .EnumProcesses = EnumProcesses,                                                            \
    .EnumProcessModulesEx = EnumProcessModulesEx,                                              \
    .GetModuleFileNameExW = GetModuleFileNameExW,                                              \
    .GetModuleBaseNameW = GetModuleBaseNameW,                                                  \
    .QueryFullProcessImageNameW = QueryFullProcessImageNameW,                                  \
    .CreateFileW = CreateFileW,                                                                \
    .WaitNamedPipeW = WaitNamedPipeW,                                                          \
    .WriteFile = WriteFile,                                                                    \
    .ReadFile = ReadFile,                                                                      \
    .CreateEventW = CreateEventW,                                                              \
    .WaitForSingleObject = WaitForSingleObject,                                                \
    .CancelIo = CancelIo,                                                                      \
    .GetOverlappedResult = GetOverlappedResult,                                                \
    .OpenEventW = OpenEventW,                                                                  \
    .SetEvent = SetEvent,                                                                      \
    }
// clang-format on

static const struct wst_inspector_os real_os = REAL_OS;

struct wst_inspector_os wst_inspector_os = REAL_OS;

void wst_inspector_os_restore(void)
{
    wst_inspector_os = real_os;
}
