/*
 * See write_saved.h. Strings from the files (paths) are escaped like a live
 * target's (write_report.c); entries print as dump prints them
 * (write_entry.c).
 */
#include "write_saved.h"

#include <inttypes.h>
#include <string.h>

#include "pe_build_id.h"
#include "write_entry.h"
#include "write_report.h"

static const char *machine_name(uint16_t machine)
{
    return machine == 0x8664 ? "x86_64" : machine == 0x14c ? "i686" : "unknown";
}

static const char *end_name(uint32_t reason)
{
    return reason == WST_SAVED_END_UNLOAD ? "unload" : "process-exit";
}

static void build_text(const struct wst_saved_identity *id, char *out)
{
    struct wst_build_id b = {.present = id->build_id_present};
    memcpy(b.bytes, id->build_id, sizeof b.bytes);
    wst_build_id_format(&b, out);
}

static void json_file(FILE *out, const struct wst_saved_input *in)
{
    const struct wst_saved_identity *id = &in->saved.identity;
    char build[WST_BUILD_ID_TEXT_MAX];
    build_text(id, build);
    fputc('{', out);
    wst_json_field(out, "file", in->file);
    fputs(", ", out);
    wst_json_field(out, "module", wst_saved_module_name(id));
    fputs(", ", out);
    wst_json_field(out, "path", id->module_path);
    fputs(", ", out);
    wst_json_field(out, "exe", id->exe_path);
    fprintf(out,
            ", \"pid\": %lu, \"instance\": \"%016" PRIx64 "\", \"machine\": \"%s\", "
            "\"build_id\": \"%s\", \"timestamp\": %lu, \"size_of_image\": %lu, "
            "\"loaded_at\": %" PRIu64 ", \"ended_at\": %" PRIu64 ", \"end\": \"%s\", "
            "\"mode\": \"%s\", \"generation\": %" PRIu64 ", \"function_table\": %zu}",
            (unsigned long)id->pid, id->instance, machine_name(id->machine), build,
            (unsigned long)id->timestamp, (unsigned long)id->size_of_image, id->loaded_at,
            id->ended_at, end_name(id->end_reason), wst_mode_name(in->info.header.mode),
            in->info.header.generation, in->saved.functions_size);
}

static void json_module(FILE *out, const struct wst_saved_set *set,
                        const struct wst_saved_module *m)
{
    const struct wst_saved_identity *id = &set->inputs[m->first].saved.identity;
    char build[WST_BUILD_ID_TEXT_MAX];
    build_text(id, build);
    fputc('{', out);
    wst_json_field(out, "name", wst_saved_module_name(id));
    fputs(", ", out);
    wst_json_field(out, "path", id->module_path);
    fprintf(out, ", \"build_id\": \"%s\", \"files\": [", build);
    for (size_t i = 0; i < m->file_count; i++)
        fprintf(out, "%s%zu", i ? ", " : "", m->files[i]);
    fputs("], \"counters\": [", out);
    for (size_t c = 0; c < m->merged_count; c++) {
        fputs(c ? ", {" : "{", out);
        wst_json_field(out, "name", m->merged[c].name);
        wst_output_entry_json(out, &m->merged[c]);
        fputc('}', out);
    }
    fputs("], \"gauges\": [", out);
    const char *sep = "";
    for (size_t i = 0; i < m->file_count; i++) {
        const struct wst_saved_input *in = &set->inputs[m->files[i]];
        for (size_t c = 0; c < in->count; c++) {
            if (in->counters[c].kind != WST_KIND_GAUGE)
                continue;
            fprintf(out, "%s{\"file\": %zu, ", sep, m->files[i]);
            wst_json_field(out, "name", in->counters[c].name);
            fprintf(out, ", \"value\": %" PRId64 "}", (int64_t)in->counters[c].value);
            sep = ", ";
        }
    }
    fputs("]}", out);
}

static void text_module(FILE *out, const struct wst_saved_set *set,
                        const struct wst_saved_module *m)
{
    const struct wst_saved_identity *id = &set->inputs[m->first].saved.identity;
    char build[WST_BUILD_ID_TEXT_MAX];
    build_text(id, build);
    fputs("  ", out);
    wst_text_string(out, wst_saved_module_name(id));
    fprintf(out, "  build %s  files", build);
    for (size_t i = 0; i < m->file_count; i++)
        fprintf(out, " %zu", m->files[i]);
    fputs("\n", out);
    for (size_t c = 0; c < m->merged_count; c++) {
        fputs("    ", out);
        wst_text_string(out, m->merged[c].name);
        wst_output_entry_text(out, &m->merged[c]);
    }
    for (size_t i = 0; i < m->file_count; i++) {
        const struct wst_saved_input *in = &set->inputs[m->files[i]];
        for (size_t c = 0; c < in->count; c++) {
            if (in->counters[c].kind != WST_KIND_GAUGE)
                continue;
            fputs("    ", out);
            wst_text_string(out, in->counters[c].name);
            fprintf(out, " %" PRId64 "  (gauge, file %zu)\n", (int64_t)in->counters[c].value,
                    m->files[i]);
        }
    }
}

void wst_output_saved(FILE *out, int json, const struct wst_saved_set *set)
{
    if (json) {
        fputs("{\"files\": [", out);
        for (size_t i = 0; i < set->input_count; i++) {
            fputs(i ? ", " : "", out);
            json_file(out, &set->inputs[i]);
        }
        fputs("], \"modules\": [", out);
        for (size_t k = 0; k < set->module_count; k++) {
            fputs(k ? ", " : "", out);
            json_module(out, set, &set->modules[k]);
        }
        fputs("]}\n", out);
        return;
    }
    fprintf(out, "saved files %zu\n", set->input_count);
    for (size_t i = 0; i < set->input_count; i++) {
        const struct wst_saved_identity *id = &set->inputs[i].saved.identity;
        fprintf(out, "  [%zu] ", i);
        wst_text_string(out, set->inputs[i].file);
        fputs("  ", out);
        wst_text_string(out, wst_saved_module_name(id));
        fprintf(out, "  pid %lu  instance %016" PRIx64 "  %s  ended by %s\n",
                (unsigned long)id->pid, id->instance, machine_name(id->machine),
                end_name(id->end_reason));
    }
    for (size_t k = 0; k < set->module_count; k++)
        text_module(out, set, &set->modules[k]);
}
