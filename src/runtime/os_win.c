/*
 * See os_win.h. The table is statically initialised with the import-library
 * stubs, so it is valid before the module's first line of code runs (a probe
 * may fire from a constructor, before any init function could).
 */
#include "os_win.h"

/* Written twice below because C cannot initialise one static from another. */
// clang-format off
#define REAL_OS                                                                                \
    {                                                                                          \
    .CreateNamedPipeW = CreateNamedPipeW,                                                      \
    .ConnectNamedPipe = ConnectNamedPipe,                                                      \
    .DisconnectNamedPipe = DisconnectNamedPipe,                                                \
    .GetNamedPipeHandleStateW = GetNamedPipeHandleStateW,                                      \
    .ReadFile = ReadFile,                                                                      \
    .WriteFile = WriteFile,                                                                    \
    .CancelIoEx = CancelIoEx,                                                                  \
    .GetOverlappedResult = GetOverlappedResult,                                                \
    .CreateEventW = CreateEventW,                                                              \
    .WaitForMultipleObjects = WaitForMultipleObjects,                                          \
    .NtOpenProcessToken = NtOpenProcessToken,                                                  \
    .NtQueryInformationToken = NtQueryInformationToken,                                        \
    .CreateThreadpool = CreateThreadpool,                                                      \
    .SetThreadpoolThreadMaximum = SetThreadpoolThreadMaximum,                                  \
    .CreateThreadpoolWork = CreateThreadpoolWork,                                              \
    .SubmitThreadpoolWork = SubmitThreadpoolWork,                                              \
    .WaitForThreadpoolWorkCallbacks = WaitForThreadpoolWorkCallbacks,                          \
    .CloseThreadpoolWork = CloseThreadpoolWork,                                                \
    .CloseThreadpool = CloseThreadpool,                                                        \
    .CreateThreadpoolWait = CreateThreadpoolWait,                                              \
    .SetThreadpoolWait = SetThreadpoolWait,                                                    \
    .CreateThreadpoolCleanupGroup = CreateThreadpoolCleanupGroup,                              \
    .CloseThreadpoolCleanupGroupMembers = CloseThreadpoolCleanupGroupMembers,                  \
    .CloseThreadpoolCleanupGroup = CloseThreadpoolCleanupGroup,                                \
    .HeapAlloc = HeapAlloc,                                                                    \
    .HeapFree = HeapFree,                                                                      \
    }
// clang-format on

static const struct wst_os real_os = REAL_OS;

struct wst_os wst_os = REAL_OS;

void wst_os_restore(void)
{
    wst_os = real_os;
}
