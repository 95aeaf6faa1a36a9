/*
 * See write_report.h. Field names are an interface: add, never rename.
 */
#include "write_report.h"

#include <inttypes.h>
#include <stdlib.h>

#include "escape.h"
#include "winstrument/function_table.h"
#include "write_entry.h"

/* Every string from the target goes through wst_escape (src/common/escape.c,
 * docs/inspector.md "Strings from the target"). The escaped form is built in
 * a block sized by a first, counting pass; if memory runs out, a placeholder
 * is printed rather than the raw bytes. */
static void put_escaped(FILE *out, const char *s, enum wst_escape_style style)
{
    size_t n = wst_escape(NULL, 0, s, style);
    char *buf = malloc(n + 1);
    if (buf == NULL) {
        fputs("(out of memory)", out);
        return;
    }
    wst_escape(buf, n + 1, s, style);
    fwrite(buf, 1, n, out);
    free(buf);
}

void wst_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    put_escaped(out, s, WST_ESCAPE_JSON);
    fputc('"', out);
}

/* `"key": "..."`, then `, "key_hex": "..."` with the exact bytes when s is
 * not valid UTF-8, since the string itself shows such bytes as U+FFFD. */
static void json_field(FILE *out, const char *key, const char *s)
{
    fprintf(out, "\"%s\": ", key);
    wst_json_string(out, s);
    if (wst_utf8_valid(s))
        return;
    size_t n = wst_hex_bytes(NULL, 0, s);
    char *hex = malloc(n + 1);
    if (hex == NULL)
        return;
    wst_hex_bytes(hex, n + 1, s);
    fprintf(out, ", \"%s_hex\": \"%s\"", key, hex);
    free(hex);
}

/* Text output: no byte from the target that a terminal acts on reaches it. */
static void text_string(FILE *out, const char *s)
{
    put_escaped(out, s, WST_ESCAPE_TEXT);
}

void wst_json_field(FILE *out, const char *key, const char *s)
{
    json_field(out, key, s);
}

void wst_text_string(FILE *out, const char *s)
{
    text_string(out, s);
}

/* ---- the module's function table, from the region header ---------------- */

const char *wst_function_table_kind(const struct wst_region_info *info)
{
    if (info->header.functions_rva == 0)
        return "none";
    return info->header.functions_flags & WST_FN_FLAG_TIMED ? "timed" : "calls";
}

void wst_output_functions_hint(FILE *out, DWORD pid, const struct wst_module_report *m,
                               const char *indent)
{
    if (m->count != 0 || m->info.header.functions_rva == 0)
        return;
    fprintf(out, "%sno counters: a function table only; wst-inspect functions %lu --module ",
            indent, (unsigned long)pid);
    text_string(out, m->module.name);
    fputc('\n', out);
}

static void json_module_head(FILE *out, const struct wst_module_report *m)
{
    fputc('{', out);
    json_field(out, "name", m->module.name);
    fputs(", ", out);
    json_field(out, "path", m->module.path);
    fprintf(out, ", \"base\": \"0x%" PRIx64 "\", \"bits\": %u", m->module.base, m->module.bits);
    fprintf(out, ", \"mode\": \"%s\", \"worker\": \"%s\"", wst_mode_name(m->info.header.mode),
            wst_worker_state_name(m->info.header.worker_state));
    fprintf(out, ", \"functions\": \"%s\"", wst_function_table_kind(&m->info));
    fprintf(out, ", \"instance\": \"%016" PRIx64 "\", ", m->info.header.instance);
    json_field(out, "pipe", m->info.header.pipe_name);
    fprintf(out, ", \"worker_error\": %lu, \"mode_fallback\": %s",
            (unsigned long)m->info.header.worker_error,
            m->info.header.runtime_flags & WST_RUNTIME_MODE_FALLBACK ? "true" : "false");
    fprintf(out, ", \"helper\": \"%s\", \"helper_error\": %lu, \"helper_version\": %lu",
            wst_helper_state_name(m->info.header.helper_state),
            (unsigned long)m->info.header.helper_error,
            (unsigned long)m->info.header.helper_version);
    fprintf(out,
            ", \"trigger\": \"%s\", \"trigger_error\": %lu, \"idle_stop_ms\": %lu, "
            "\"worker_starts\": %lu",
            wst_trigger_state_name(m->info.header.trigger_state),
            (unsigned long)m->info.header.trigger_error, (unsigned long)m->info.header.idle_stop_ms,
            (unsigned long)m->info.header.worker_starts);
    fprintf(out, ", \"save\": \"%s\", \"save_error\": %lu",
            wst_save_state_name(m->info.header.save_state),
            (unsigned long)m->info.header.save_error);
}

/* Helper mode without its helper: why, and what runs instead. */
static void text_helper_warning(FILE *out, const struct wst_module_report *m, const char *indent)
{
    const char *why;
    switch (m->info.header.helper_state) {
    case WST_HELPER_MISSING:
        why = "no wsthelper.dll next to the module or the EXE";
        break;
    case WST_HELPER_WRONG_VERSION:
        why = "wsthelper.dll is of another version";
        break;
    case WST_HELPER_LOAD_FAILED:
        why = "wsthelper.dll failed to load or start";
        break;
    default:
        return;
    }
    fprintf(out, "%swarning: ", indent);
    text_string(out, m->module.name);
    fprintf(out,
            ": helper %s: %s (interface %lu, win32 error %lu); no worker runs, counters "
            "stay readable through memory (--via memory)\n",
            wst_helper_state_name(m->info.header.helper_state), why,
            (unsigned long)m->info.header.helper_version,
            (unsigned long)m->info.header.helper_error);
}

/* What the runtime recorded instead of printing it (it never writes output):
 * one line per finding, naming the module. */
static void text_module_warnings(FILE *out, const struct wst_module_report *m, const char *indent)
{
    text_helper_warning(out, m, indent);
    if (m->info.header.worker_error != 0) {
        fprintf(out, "%swarning: ", indent);
        text_string(out, m->module.name);
        fprintf(out,
                ": the worker failed (win32 error %lu); counters stay readable through "
                "memory (--via memory)\n",
                (unsigned long)m->info.header.worker_error);
    }
    if (m->info.header.trigger_state == WST_TRIGGER_FAILED) {
        fprintf(out, "%swarning: ", indent);
        text_string(out, m->module.name);
        fprintf(out,
                ": its trigger could not be created (win32 error %lu%s); the worker "
                "started at the first hit instead of on demand\n",
                (unsigned long)m->info.header.trigger_error,
                m->info.header.trigger_error == ERROR_ALREADY_EXISTS ? ", the name was taken" : "");
    }
    if (m->info.header.runtime_flags & WST_RUNTIME_MODE_FALLBACK) {
        fprintf(out, "%swarning: ", indent);
        text_string(out, m->module.name);
        fprintf(out, ": WINSTRUMENT_MODE named no mode; the default (%s) runs\n",
                wst_mode_name(m->info.header.mode));
    }
}

static void json_counters(FILE *out, const struct wst_module_report *m)
{
    fputs(", \"counters\": [", out);
    for (size_t c = 0; c < m->count; c++) {
        fputs(c ? ", {" : "{", out);
        json_field(out, "name", m->counters[c].name);
        wst_output_entry_json(out, &m->counters[c]);
        fputc('}', out);
    }
    fputc(']', out);
}

static void text_module_head(FILE *out, const struct wst_module_report *m)
{
    text_string(out, m->module.name);
    fprintf(out, "  mode %s  worker %s", wst_mode_name(m->info.header.mode),
            wst_worker_state_name(m->info.header.worker_state));
    if (m->info.header.mode == WST_MODE_HELPER)
        fprintf(out, "  helper %s", wst_helper_state_name(m->info.header.helper_state));
    if (m->info.header.functions_rva != 0)
        fprintf(out, "  functions %s", wst_function_table_kind(&m->info));
}

/* A module the verb failed on: what discovery knew of it, and the error in
 * place of its data. */
static int json_module_error(FILE *out, const struct wst_module_report *m)
{
    if (m->error.status == WST_OK)
        return 0;
    fputs("{\"name\": ", out);
    wst_json_string(out, m->module.name);
    fputs(", \"path\": ", out);
    wst_json_string(out, m->module.path);
    fprintf(out, ", \"base\": \"0x%" PRIx64 "\", \"bits\": %u", m->module.base, m->module.bits);
    fprintf(out, ", \"error\": {\"status\": \"%s\", \"exit\": %d, \"message\": ",
            wst_status_name(m->error.status), wst_status_exit_code(m->error.status));
    wst_json_string(out, m->error.detail);
    fputs("}}", out);
    return 1;
}

static int text_module_error(FILE *out, const struct wst_module_report *m)
{
    if (m->error.status == WST_OK)
        return 0;
    text_string(out, m->module.name);
    fprintf(out, "  FAILED (%s): ", wst_status_name(m->error.status));
    text_string(out, m->error.detail);
    fputc('\n', out);
    return 1;
}

/* ---- the time scopes' clock, from the region header (dump --json, stats) --- */

static const char *clock_source_name(uint16_t source)
{
    switch (source) {
    case WST_CLOCK_UNSET:
        return "unset";
    case WST_CLOCK_CALIBRATING:
        return "qpc-calibrating";
    case WST_CLOCK_TSC:
        return "tsc";
    case WST_CLOCK_QPC:
        return "qpc";
    default:
        return "unknown";
    }
}

static void module_clock(FILE *out, int json, const struct wst_region_info *info)
{
    const char *name = clock_source_name(info->header.clock_source);
    if (json) {
        fprintf(out,
                ", \"clock\": {\"source\": \"%s\", \"tsc_hz\": %" PRIu64
                ", \"calibration_ms\": %u, \"error_ppb\": %" PRIu32 "}",
                name, info->header.clock_tsc_hz, (unsigned)info->header.clock_interval_ms,
                info->header.clock_error_ppb);
        return;
    }
    switch (info->header.clock_source) {
    case WST_CLOCK_TSC:
        fprintf(out,
                "    clock tsc: %" PRIu64 " Hz, calibrated over %u ms, error bound %" PRIu32
                " ppb\n",
                info->header.clock_tsc_hz, (unsigned)info->header.clock_interval_ms,
                info->header.clock_error_ppb);
        break;
    case WST_CLOCK_CALIBRATING:
        fputs("    clock qpc: calibrating the TSC\n", out);
        break;
    case WST_CLOCK_QPC:
        fputs("    clock qpc: no usable invariant TSC\n", out);
        break;
    case WST_CLOCK_UNSET:
        fputs("    clock unset: no time scope has run\n", out);
        break;
    default:
        fprintf(out, "    clock unknown (source %u)\n", (unsigned)info->header.clock_source);
        break;
    }
}

void wst_output_dump(FILE *out, int json, DWORD pid, const struct wst_module_report *r, size_t n)
{
    if (json) {
        fprintf(out, "{\"pid\": %lu, \"modules\": [", (unsigned long)pid);
        for (size_t i = 0; i < n; i++) {
            fputs(i ? ", " : "", out);
            if (json_module_error(out, &r[i]))
                continue;
            json_module_head(out, &r[i]);
            fprintf(out, ", \"via\": \"%s\", \"generation\": %" PRIu64, r[i].via, r[i].generation);
            fprintf(out, ", \"complete\": %s, \"consistent\": %s", r[i].complete ? "true" : "false",
                    r[i].settled ? "true" : "false");
            module_clock(out, 1, &r[i].info);
            json_counters(out, &r[i]);
            fputc('}', out);
        }
        fputs("]}\n", out);
        return;
    }
    fprintf(out, "pid %lu\n", (unsigned long)pid);
    for (size_t i = 0; i < n; i++) {
        fputs("  ", out);
        if (text_module_error(out, &r[i]))
            continue;
        text_module_head(out, &r[i]);
        fprintf(out, "  via %s  generation %" PRIu64 "%s%s\n    ", r[i].via, r[i].generation,
                r[i].complete ? "" : "  INCOMPLETE (the pipe reply left names out)",
                r[i].settled ? "" : "  UNSETTLED (the counters kept changing under the read)");
        text_string(out, r[i].module.path);
        fputc('\n', out);
        text_module_warnings(out, &r[i], "    ");
        wst_output_functions_hint(out, pid, &r[i], "    ");
        for (size_t c = 0; c < r[i].count; c++) {
            fputs("    ", out);
            text_string(out, r[i].counters[c].name);
            wst_output_entry_text(out, &r[i].counters[c]);
        }
    }
}

void wst_output_list(FILE *out, int json, const struct wst_process_report *p, size_t n)
{
    if (json)
        fputs("{\"processes\": [", out);
    for (size_t i = 0; i < n; i++) {
        if (json) {
            fprintf(out, "%s{\"pid\": %lu, ", i ? ", " : "", (unsigned long)p[i].pid);
            json_field(out, "executable", p[i].executable);
            fputs(", \"modules\": [", out);
        } else {
            fprintf(out, "%lu  ", (unsigned long)p[i].pid);
            text_string(out, p[i].executable);
            fputc('\n', out);
        }
        for (size_t m = 0; m < p[i].count; m++) {
            if (json) {
                fputs(m ? ", " : "", out);
                json_module_head(out, &p[i].modules[m]);
                fputc('}', out);
            } else {
                fputs("    ", out);
                text_module_head(out, &p[i].modules[m]);
                fputc('\n', out);
                text_module_warnings(out, &p[i].modules[m], "      ");
            }
        }
        if (json)
            fputs("]}", out);
    }
    if (json)
        fputs("]}\n", out);
}

void wst_output_reset(FILE *out, int json, DWORD pid, const struct wst_module_report *r, size_t n)
{
    if (json)
        fprintf(out, "{\"pid\": %lu, \"modules\": [", (unsigned long)pid);
    for (size_t i = 0; i < n; i++) {
        if (json) {
            fputs(i ? ", " : "", out);
            if (json_module_error(out, &r[i]))
                continue;
            json_module_head(out, &r[i]);
            fprintf(out, ", \"generation\": %" PRIu64 ", \"answered\": %s}", r[i].generation,
                    r[i].unanswered ? "false" : "true");
        } else if (text_module_error(out, &r[i])) {
            continue;
        } else {
            text_string(out, r[i].module.name);
            fprintf(out, ": reset, generation %" PRIu64 "%s\n", r[i].generation,
                    r[i].unanswered ? " (the worker did not answer; the generation moved)" : "");
        }
    }
    if (json)
        fputs("]}\n", out);
}

/* ---- stats: stripe use, from the region header (docs/region.md) ---------- */

static const char *stripe_scheme(uint16_t flags)
{
    if (flags & WST_STRIPE_FLAG_THREAD_ID)
        return "by-thread-id";
    if (flags & WST_STRIPE_FLAG_NO_SLOT)
        return "no-tls-slot";
    if (flags & WST_STRIPE_FLAG_OWNED)
        return flags & WST_STRIPE_FLAG_EXPANSION ? "owned-expansion-slot" : "owned";
    return "unset";
}

static void stats_stripes(FILE *out, int json, const struct wst_region_info *info)
{
    if (json) {
        fprintf(out,
                ", \"stripes\": {\"scheme\": \"%s\", \"flags\": %u, \"owned\": %u, "
                "\"ownable\": %u, \"claims\": %" PRIu32 ", \"reclaims\": %" PRIu32
                ", \"shared\": %" PRIu32 "}",
                stripe_scheme(info->header.stripe_flags), info->header.stripe_flags,
                info->header.stripes_owned, WST_STRIPES - 1, info->header.stripe_claims,
                info->header.stripe_reclaims, info->header.stripe_shared);
        return;
    }
    fprintf(out,
            "    stripes %s: %u of %u owned  claims %" PRIu32 "  reclaimed %" PRIu32
            "  threads on the shared stripe %" PRIu32 "\n",
            stripe_scheme(info->header.stripe_flags), info->header.stripes_owned, WST_STRIPES - 1,
            info->header.stripe_claims, info->header.stripe_reclaims, info->header.stripe_shared);
}

/* ---- stats ---------------------------------------------------------------- */

void wst_output_stats(FILE *out, int json, DWORD pid, const struct wst_module_report *r, size_t n)
{
    if (json)
        fprintf(out, "{\"pid\": %lu, \"modules\": [", (unsigned long)pid);
    else
        fprintf(out, "pid %lu\n", (unsigned long)pid); /* as dump's text starts */
    for (size_t i = 0; i < n; i++) {
        const struct wst_msg_stats *s = &r[i].stats;
        if (json) {
            fputs(i ? ", " : "", out);
            if (json_module_error(out, &r[i]))
                continue;
            json_module_head(out, &r[i]);
            fprintf(out,
                    ", \"requests\": %" PRIu64 ", \"errors\": %" PRIu64
                    ", \"connections\": %" PRIu64 ", \"uptime_ms\": %" PRIu64,
                    s->requests, s->errors, s->connections, s->uptime_ms);
            stats_stripes(out, json, &r[i].info);
            module_clock(out, json, &r[i].info);
            fputs("}", out);
        } else if (!text_module_error(out, &r[i])) {
            fputs("  ", out);
            text_module_head(out, &r[i]);
            fprintf(out,
                    "\n    requests %" PRIu64 "  errors %" PRIu64 "  connections %" PRIu64
                    "  uptime %" PRIu64 " ms\n",
                    s->requests, s->errors, s->connections, s->uptime_ms);
            stats_stripes(out, json, &r[i].info);
            module_clock(out, json, &r[i].info);
        }
    }
    if (json)
        fputs("]}\n", out);
}
