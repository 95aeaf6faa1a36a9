/*
 * The saved file of WINSTRUMENT_SAVE=DIR: when the module ends (FreeLibrary,
 * or the process's exit by ExitProcess, a return from main or the last
 * ExitThread: every one reaches DLL_PROCESS_DETACH) it writes its region,
 * its function table if it has one, and its identity into
 * DIR\<module>.<pid>.<instance>.wst (docs/design/saved-file.md). A process
 * ended by TerminateProcess runs no detach, and saves nothing.
 *
 * Entered only by the lifecycle, under the loader lock: at process attach
 * (wst_save_attach) and at process detach (wst_save_at_end), after the mode
 * has stopped the worker, so that the region no longer changes under it
 * (at exit every other thread is already gone).
 *
 * Rules, because the loader lock is held: writing a local file is allowed,
 * but the runtime never blocks on output (a write to a full pipe would hold
 * the loader lock until someone drains it). So the name is created with
 * CREATE_NEW, never opening what already exists (a FIFO placed there, a
 * squatter's file), and whatever opened must be a disk file
 * (GetFileType == FILE_TYPE_DISK): a pipe, a console or a device such as
 * \\.\NUL is closed unwritten. Sizes are bounded. Every failure goes into
 * the region header (save_state, save_error), a partial file is deleted,
 * and the detach goes on: nothing is printed, nothing is retried.
 *
 * Imports only kernel32 (make import-check).
 */
#include <windows.h>

#include <string.h>

#include "region_internal.h"
#include "save.h"
#include "winstrument/saved.h"
#include "winstrument/version.h"

/* The longest name the file may have, DIR included: beyond MAX_PATH, which
 * CreateFileW takes with a \\?\ prefix the user may give. */
#define SAVE_PATH_MAX 4096u
/* A region or table larger than this is not written (the inspector's own
 * bound on a region is 64 MiB, src/common/region_parse.h). */
#define SAVE_PART_MAX (64u * 1024u * 1024u)

/* Written at process attach by the lifecycle, read at detach by the same
 * loader-locked path: no other thread touches them. */
static WCHAR file_path[SAVE_PATH_MAX];
static struct wst_saved_identity identity;
static const unsigned char *module_base;

static void record(unsigned state, unsigned long error)
{
    wst_region_.save_error = (uint32_t)error;
    __atomic_store_n(&wst_region_.save_state, (uint32_t)state, __ATOMIC_RELEASE);
}

static uint64_t now_ticks(void)
{
    FILETIME now;
    GetSystemTimeAsFileTime(&now);
    return ((uint64_t)now.dwHighDateTime << 32) | now.dwLowDateTime;
}

/* A module's own file name as UTF-8 in out[WST_SAVED_PATH_MAX]. */
static void utf8_path(HMODULE module, char *out)
{
    WCHAR wide[WST_SAVED_PATH_MAX];
    DWORD n = GetModuleFileNameW(module, wide, WST_SAVED_PATH_MAX);
    out[0] = '\0';
    if (n == 0 || n >= WST_SAVED_PATH_MAX)
        return;
    int len =
        WideCharToMultiByte(CP_UTF8, 0, wide, (int)n, out, WST_SAVED_PATH_MAX - 1, NULL, NULL);
    out[len > 0 ? len : 0] = '\0';
}

/* The image's headers: machine, timestamp, size, and its build id if the
 * linker wrote a CodeView ("RSDS") record in the debug directory (ld
 * --build-id, as wst-cc links). Our own mapped image, so trusted; the
 * bounds are checked against SizeOfImage all the same. */
static void note_image(const unsigned char *base)
{
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)base;
    const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)(base + dos->e_lfanew);
    uint32_t image_size = nt->OptionalHeader.SizeOfImage;
    identity.machine = nt->FileHeader.Machine;
    identity.timestamp = nt->FileHeader.TimeDateStamp;
    identity.size_of_image = image_size;
    if (nt->OptionalHeader.NumberOfRvaAndSizes <= IMAGE_DIRECTORY_ENTRY_DEBUG)
        return;
    const IMAGE_DATA_DIRECTORY *dir =
        &nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_DEBUG];
    if (dir->VirtualAddress == 0 || dir->VirtualAddress >= image_size ||
        dir->Size > image_size - dir->VirtualAddress)
        return;
    const IMAGE_DEBUG_DIRECTORY *entry =
        (const IMAGE_DEBUG_DIRECTORY *)(base + dir->VirtualAddress);
    for (size_t i = 0; i < dir->Size / sizeof *entry && i < 16; i++) {
        uint32_t at = entry[i].AddressOfRawData;
        if (entry[i].Type != IMAGE_DEBUG_TYPE_CODEVIEW || entry[i].SizeOfData < 24 || at == 0 ||
            at >= image_size || image_size - at < 24 || memcmp(base + at, "RSDS", 4) != 0)
            continue;
        identity.build_id_present = 1;
        memcpy(identity.build_id, base + at + 4, sizeof identity.build_id);
        return;
    }
}

static void put_hex(WCHAR *out, uint64_t v, unsigned digits)
{
    for (unsigned i = 0; i < digits; i++)
        out[i] = L"0123456789abcdef"[(v >> (4 * (digits - 1 - i))) & 15];
}

/* DIR\<module base name>.<pid, 8 hex>.<instance, 16 hex>.wst: the pid and
 * the instance (unique among the loads of the process) keep the names of
 * modules, loads and processes apart. Returns 0 when it does not fit. */
static int compose_name(size_t dir_len)
{
    const char *slash = strrchr(identity.module_path, '\\');
    const char *base = slash != NULL ? slash + 1 : identity.module_path;
    WCHAR name[WST_SAVED_PATH_MAX];
    int n = MultiByteToWideChar(CP_UTF8, 0, base, -1, name, WST_SAVED_PATH_MAX);
    if (n <= 1)
        return 0;
    size_t len = (size_t)n - 1, need = dir_len + 1 + len + 1 + 8 + 1 + 16 + 4 + 1;
    if (need > SAVE_PATH_MAX)
        return 0;
    WCHAR *p = file_path + dir_len;
    if (dir_len > 0 && file_path[dir_len - 1] != L'\\' && file_path[dir_len - 1] != L'/')
        *p++ = L'\\';
    memcpy(p, name, len * sizeof *p);
    p += len;
    *p++ = L'.';
    put_hex(p, identity.pid, 8);
    p += 8;
    *p++ = L'.';
    put_hex(p, identity.instance, 16);
    p += 16;
    memcpy(p, L".wst", 5 * sizeof *p);
    return 1;
}

void wst_save_attach(void *module)
{
    DWORD n = GetEnvironmentVariableW(L"WINSTRUMENT_SAVE", file_path, SAVE_PATH_MAX);
    if (n == 0)
        return; /* unset or empty: saving is off, and costs nothing more */
    module_base = (const unsigned char *)module;
    identity.pid = wst_region_.pid;
    identity.instance = wst_region_.instance;
    identity.loaded_at = now_ticks();
    utf8_path((HMODULE)module, identity.module_path);
    utf8_path(NULL, identity.exe_path);
    note_image(module_base);
    if (n >= SAVE_PATH_MAX || !compose_name(n)) {
        record(WST_SAVE_FAILED, WST_SAVE_E_TOO_LONG);
        return;
    }
    record(WST_SAVE_ARMED, 0);
}

static int write_all(HANDLE file, const void *data, size_t size)
{
    const unsigned char *p = data;
    while (size > 0) {
        DWORD chunk = size > 0x40000000u ? 0x40000000u : (DWORD)size, done = 0;
        if (!WriteFile(file, p, chunk, &done, NULL) || done == 0)
            return 0;
        p += done;
        size -= done;
    }
    return 1;
}

static int write_record(HANDLE file, uint32_t kind, const void *data, size_t size)
{
    static const unsigned char zeros[8];
    struct wst_saved_record_head head = {.kind = kind, .size = size};
    return write_all(file, &head, sizeof head) && write_all(file, data, size) &&
           write_all(file, zeros, (8 - size % 8) % 8);
}

static size_t padded(size_t size)
{
    return sizeof(struct wst_saved_record_head) + (size + 7) / 8 * 8;
}

/* Writes the container into the open disk file; 0 on a failed write. */
static int write_container(HANDLE file, const void *region, size_t region_size, const void *table,
                           size_t table_size)
{
    struct wst_saved_header header = {
        .magic = WST_SAVED_MAGIC,
        .version = WST_SAVED_VERSION,
        .header_size = sizeof header,
        .records = table != NULL ? 3 : 2,
        .runtime_version = WST_VERSION_NUMBER,
    };
    header.file_size = sizeof header + padded(sizeof identity) + padded(region_size) +
                       (table != NULL ? padded(table_size) : 0);
    return write_all(file, &header, sizeof header) &&
           write_record(file, WST_SAVED_IDENTITY, &identity, sizeof identity) &&
           write_record(file, WST_SAVED_REGION, region, region_size) &&
           (table == NULL || write_record(file, WST_SAVED_FUNCTIONS, table, table_size));
}

unsigned wst_save_at_end(int process_exiting)
{
    if (__atomic_load_n(&wst_region_.save_state, __ATOMIC_ACQUIRE) != WST_SAVE_ARMED)
        return wst_region_.save_state;
    identity.ended_at = now_ticks();
    identity.end_reason = process_exiting ? WST_SAVED_END_PROCESS_EXIT : WST_SAVED_END_UNLOAD;
    const unsigned char *region = (const unsigned char *)&wst_region_;
    size_t region_size = (size_t)((const unsigned char *)wst_region_counters_end() - region) +
                         sizeof(struct wst_region_trailer);
    const void *table = NULL;
    size_t table_size = wst_region_.functions_size;
    if (wst_region_.functions_rva != 0 && table_size != 0)
        table = module_base + wst_region_.functions_rva;
    if (region_size > SAVE_PART_MAX || table_size > SAVE_PART_MAX) {
        record(WST_SAVE_FAILED, WST_SAVE_E_TOO_LARGE);
        return WST_SAVE_FAILED;
    }
    /* CREATE_NEW: never open what is already there. No FILE_FLAG_OVERLAPPED
     * and no sharing: a plain synchronous write to a file of our own. */
    HANDLE file =
        CreateFileW(file_path, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        record(WST_SAVE_FAILED, GetLastError());
        return WST_SAVE_FAILED;
    }
    unsigned long error = 0;
    if (GetFileType(file) != FILE_TYPE_DISK)
        error = WST_SAVE_E_NOT_DISK;
    else if (!write_container(file, region, region_size, table, table_size))
        error = GetLastError() != 0 ? GetLastError() : ERROR_WRITE_FAULT;
    CloseHandle(file);
    if (error != 0) {
        if (error != WST_SAVE_E_NOT_DISK)
            DeleteFileW(file_path); /* ours (CREATE_NEW), and incomplete */
        record(WST_SAVE_FAILED, error);
        return WST_SAVE_FAILED;
    }
    record(WST_SAVE_SAVED, 0);
    return WST_SAVE_SAVED;
}
