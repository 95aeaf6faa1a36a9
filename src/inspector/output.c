/*
 * See output.h. Field names are an interface: add, never rename.
 */
#include "output.h"

#include <inttypes.h>

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_length(const unsigned char *s)
{
    size_t n;
    uint32_t min;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        min = 0x800;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    uint32_t cp = s[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0; /* also stops at the NUL */
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void wst_json_string(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', out);
    while (*p != '\0') {
        size_t n = utf8_length(p);
        if (*p == '"' || *p == '\\') {
            fprintf(out, "\\%c", *p);
        } else if (*p < 0x20 || n == 0) {
            fprintf(out, "\\u%04x", *p);
            n = 1;
        } else {
            fwrite(p, 1, n, out);
        }
        p += n ? n : 1;
    }
    fputc('"', out);
}

/* Text output: control bytes from the target never reach the terminal. */
static void text_string(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
}

static void json_module_head(FILE *out, const struct wst_module_report *m)
{
    fputs("{\"name\": ", out);
    wst_json_string(out, m->module.name);
    fputs(", \"path\": ", out);
    wst_json_string(out, m->module.path);
    fprintf(out, ", \"base\": \"0x%" PRIx64 "\", \"bits\": %u", m->module.base, m->module.bits);
    fprintf(out, ", \"mode\": \"%s\", \"worker\": \"%s\"", wst_mode_name(m->info.mode),
            wst_worker_state_name(m->info.worker_state));
    fprintf(out, ", \"instance\": \"%016" PRIx64 "\", \"pipe\": ", m->info.instance);
    wst_json_string(out, m->info.pipe_name);
}

static void json_counters(FILE *out, const struct wst_module_report *m)
{
    fputs(", \"counters\": [", out);
    for (size_t c = 0; c < m->count; c++) {
        fputs(c ? ", {\"name\": " : "{\"name\": ", out);
        wst_json_string(out, m->counters[c].name);
        fprintf(out, ", \"value\": %" PRIu64 "}", m->counters[c].value);
    }
    fputc(']', out);
}

static void text_module_head(FILE *out, const struct wst_module_report *m)
{
    text_string(out, m->module.name);
    fprintf(out, "  mode %s  worker %s", wst_mode_name(m->info.mode),
            wst_worker_state_name(m->info.worker_state));
}

void wst_output_dump(FILE *out, int json, DWORD pid, const struct wst_module_report *r, size_t n)
{
    if (json) {
        fprintf(out, "{\"pid\": %lu, \"modules\": [", (unsigned long)pid);
        for (size_t i = 0; i < n; i++) {
            fputs(i ? ", " : "", out);
            json_module_head(out, &r[i]);
            fprintf(out, ", \"via\": \"%s\", \"generation\": %" PRIu64, r[i].via, r[i].generation);
            json_counters(out, &r[i]);
            fputc('}', out);
        }
        fputs("]}\n", out);
        return;
    }
    fprintf(out, "pid %lu\n", (unsigned long)pid);
    for (size_t i = 0; i < n; i++) {
        fputs("  ", out);
        text_module_head(out, &r[i]);
        fprintf(out, "  via %s  generation %" PRIu64 "\n    ", r[i].via, r[i].generation);
        text_string(out, r[i].module.path);
        fputc('\n', out);
        for (size_t c = 0; c < r[i].count; c++) {
            fputs("    ", out);
            text_string(out, r[i].counters[c].name);
            fprintf(out, " %" PRIu64 "\n", r[i].counters[c].value);
        }
    }
}

void wst_output_list(FILE *out, int json, const struct wst_process_report *p, size_t n)
{
    if (json)
        fputs("{\"processes\": [", out);
    for (size_t i = 0; i < n; i++) {
        if (json) {
            fprintf(out, "%s{\"pid\": %lu, \"executable\": ", i ? ", " : "",
                    (unsigned long)p[i].pid);
            wst_json_string(out, p[i].executable);
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
            json_module_head(out, &r[i]);
            fprintf(out, ", \"generation\": %" PRIu64 "}", r[i].generation);
        } else {
            text_string(out, r[i].module.name);
            fprintf(out, ": reset, generation %" PRIu64 "\n", r[i].generation);
        }
    }
    if (json)
        fputs("]}\n", out);
}

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
            json_module_head(out, &r[i]);
            fprintf(out,
                    ", \"requests\": %" PRIu64 ", \"errors\": %" PRIu64
                    ", \"connections\": %" PRIu64 ", \"uptime_ms\": %" PRIu64 "}",
                    s->requests, s->errors, s->connections, s->uptime_ms);
        } else {
            fputs("  ", out);
            text_module_head(out, &r[i]);
            fprintf(out,
                    "\n    requests %" PRIu64 "  errors %" PRIu64 "  connections %" PRIu64
                    "  uptime %" PRIu64 " ms\n",
                    s->requests, s->errors, s->connections, s->uptime_ms);
        }
    }
    if (json)
        fputs("]}\n", out);
}
