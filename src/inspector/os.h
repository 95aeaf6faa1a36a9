/*
 * The inspector's thin OS layer: every Win32 call that can fail in a way the
 * inspector must map to a status goes through this table, so a unit test can
 * replace one entry (say, ReadProcessMemory failing on its second call) and
 * check the error path without touching the code under test.
 *
 * The table is filled at static-initialisation time with the real functions
 * and is read-only afterwards except in tests, which swap entries on the one
 * thread that runs them. Nothing here keeps state of its own.
 */
#ifndef WST_INSPECTOR_OS_H
#define WST_INSPECTOR_OS_H

#include <windows.h>

struct wst_inspector_os {
    HANDLE(WINAPI *open_process)(DWORD access, BOOL inherit, DWORD pid);
    BOOL(WINAPI *close_handle)(HANDLE h);
    BOOL(WINAPI *get_exit_code_process)(HANDLE process, LPDWORD code);
    BOOL(WINAPI *read_process_memory)
    (HANDLE process, LPCVOID address, LPVOID buffer, SIZE_T size, SIZE_T *read);
    BOOL(WINAPI *enum_processes)(DWORD *pids, DWORD bytes, DWORD *needed);
    BOOL(WINAPI *enum_process_modules_ex)
    (HANDLE process, HMODULE *modules, DWORD bytes, LPDWORD needed, DWORD filter);
    DWORD(WINAPI *get_module_file_name_ex)(HANDLE process, HMODULE module, LPWSTR name, DWORD size);
    DWORD(WINAPI *get_module_base_name)(HANDLE process, HMODULE module, LPWSTR name, DWORD size);
    BOOL(WINAPI *query_full_process_image_name)
    (HANDLE process, DWORD flags, LPWSTR name, PDWORD size);
    HANDLE(WINAPI *create_file)
    (LPCWSTR name, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES sa, DWORD disposition,
     DWORD flags, HANDLE template_file);
    BOOL(WINAPI *wait_named_pipe)(LPCWSTR name, DWORD timeout_ms);
    BOOL(WINAPI *write_file)
    (HANDLE h, LPCVOID buffer, DWORD size, LPDWORD written, LPOVERLAPPED ov);
    BOOL(WINAPI *read_file)(HANDLE h, LPVOID buffer, DWORD size, LPDWORD read, LPOVERLAPPED ov);
};

/* The table in use. Tests assign single members and restore wst_inspector_os_real. */
extern struct wst_inspector_os wst_inspector_os;
extern const struct wst_inspector_os wst_inspector_os_real;

#endif
