/*
 * `wst-inspect ps`: every process of the system, instrumented or not, with
 * its pid, executable, bitness and whether it has an instrumented module,
 * so that a user can find the Windows pid of any program. A process that
 * cannot be opened is still listed (from the Toolhelp snapshot), with what
 * could not be learnt left unknown. Main thread only.
 *
 * The list comes from a Toolhelp snapshot, which names every
 * process without opening it. Bitness: a WoW64 process is 32-bit, any other
 * has the system's native width (GetNativeSystemInfo, so that a 32-bit
 * inspector reports a 64-bit system's processes right). "Instrumented" is
 * discovery.c's answer, which needs PROCESS_VM_READ; without it the answer
 * is unknown, not "no".
 */
#include "verbs.h"

#include <stdlib.h>
#include <string.h>
#include <tlhelp32.h>

#include "write_csv.h"
#include "write_report.h"

struct ps_row {
    DWORD pid;
    char exe[WST_MODULE_NAME_MAX];
    unsigned bits;           /* 0: unknown */
    int instrumented;        /* 1 yes, 0 no, -1 unknown */
    size_t modules;          /* instrumented modules */
    enum wst_status problem; /* why something is unknown */
};

static unsigned native_bits(void)
{
    SYSTEM_INFO si;
    GetNativeSystemInfo(&si);
    return si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_INTEL ? 32 : 64;
}

static void examine(struct ps_row *row, unsigned system_bits)
{
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, row->pid);
    if (h != NULL) {
        BOOL wow64 = FALSE;
        if (IsWow64Process(h, &wow64))
            row->bits = wow64 ? 32 : system_bits;
        CloseHandle(h);
    }
    struct wst_remote r;
    struct wst_error err = {0};
    struct wst_module *mods = NULL;
    size_t n = 0;
    row->instrumented = -1;
    row->problem = wst_remote_open(row->pid, &r, &err);
    if (row->problem != WST_OK)
        return;
    row->problem = wst_discover_modules(&r, NULL, &mods, &n, &err);
    if (row->problem == WST_OK) {
        row->instrumented = 1;
        row->modules = n;
    } else if (row->problem == WST_E_NOT_INSTRUMENTED) {
        row->instrumented = 0;
        row->problem = WST_OK;
    }
    free(mods);
    wst_remote_close(&r);
}

static void write_row(FILE *out, enum wst_format format, const struct ps_row *row, int first)
{
    static const char *const yes_no[] = {"unknown", "no", "yes"};
    const char *instrumented = yes_no[row->instrumented + 1];
    if (format == WST_FORMAT_JSON) {
        fprintf(out, "%s{\"pid\": %lu, \"executable\": ", first ? "" : ", ",
                (unsigned long)row->pid);
        wst_json_string(out, row->exe);
        if (row->bits)
            fprintf(out, ", \"bits\": %u", row->bits);
        else
            fputs(", \"bits\": null", out);
        fprintf(out, ", \"instrumented\": %s, \"modules\": %zu",
                row->instrumented < 0 ? "null" : row->instrumented ? "true" : "false",
                row->modules);
        if (row->problem != WST_OK)
            fprintf(out, ", \"error\": \"%s\"", wst_status_name(row->problem));
        fputc('}', out);
    } else if (format == WST_FORMAT_CSV) {
        fprintf(out, "%lu,", (unsigned long)row->pid);
        wst_csv_field(out, row->exe);
        if (row->bits)
            fprintf(out, ",%u,%s\n", row->bits, instrumented);
        else
            fprintf(out, ",,%s\n", instrumented);
    } else {
        char bits[8] = "?";
        if (row->bits)
            snprintf(bits, sizeof bits, "%u", row->bits);
        fprintf(out, "%8lu  %4s  %-12s  ", (unsigned long)row->pid, bits, instrumented);
        for (const unsigned char *p = (const unsigned char *)row->exe; *p != '\0'; p++)
            fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
        fputc('\n', out);
    }
}

enum wst_status wst_verb_ps(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        return wst_error_set(err, WST_E_ACCESS_DENIED, e, "listing processes");
    }
    unsigned system_bits = native_bits();
    PROCESSENTRY32W pe = {.dwSize = sizeof pe};
    if (o->format == WST_FORMAT_JSON)
        fputs("{\"processes\": [", out);
    else if (o->format == WST_FORMAT_CSV)
        fputs("pid,executable,bits,instrumented\n", out);
    else
        fprintf(out, "%8s  %4s  %-12s  %s\n", "PID", "BITS", "INSTRUMENTED", "EXECUTABLE");
    int first = 1;
    for (BOOL more = Process32FirstW(snap, &pe); more; more = Process32NextW(snap, &pe)) {
        if (pe.th32ProcessID == 0)
            continue; /* the idle process: nothing to open or read */
        struct ps_row row = {.pid = pe.th32ProcessID};
        wst_utf8_from_wide(pe.szExeFile, row.exe, sizeof row.exe);
        examine(&row, system_bits);
        write_row(out, o->format, &row, first);
        first = 0;
    }
    if (o->format == WST_FORMAT_JSON)
        fputs("]}\n", out);
    CloseHandle(snap);
    return WST_OK;
}
