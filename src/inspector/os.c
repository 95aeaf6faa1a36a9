/*
 * The real entries of the OS table (os.h). Only this file names these Win32
 * functions for the inspector; everything else calls through wst_inspector_os.
 */
#include "os.h"

#include <psapi.h>

/* Both tables start as the real functions; tests assign members of wst_inspector_os
 * and copy wst_inspector_os_real back when done. */
#define WST_OS_REAL_ENTRIES                                                                        \
    {                                                                                              \
        .open_process = OpenProcess, .close_handle = CloseHandle,                                  \
        .get_exit_code_process = GetExitCodeProcess, .read_process_memory = ReadProcessMemory,     \
        .enum_processes = EnumProcesses, .enum_process_modules_ex = EnumProcessModulesEx,          \
        .get_module_file_name_ex = GetModuleFileNameExW,                                           \
        .get_module_base_name = GetModuleBaseNameW,                                                \
        .query_full_process_image_name = QueryFullProcessImageNameW, .create_file = CreateFileW,   \
        .wait_named_pipe = WaitNamedPipeW, .write_file = WriteFile, .read_file = ReadFile,         \
    }

const struct wst_inspector_os wst_inspector_os_real = WST_OS_REAL_ENTRIES;
struct wst_inspector_os wst_inspector_os = WST_OS_REAL_ENTRIES;
