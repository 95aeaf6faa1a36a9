/*
 * `wst-inspect coverage PID [--format lcov|drcov] [-o FILE] [--module M]`
 * (or `--from FILE...`, saved files: functions_saved.c, each module's base
 * then 0): the functions read (functions.h) with the never-called functions
 * included, each module's image file read for its DWARF lines and its
 * header facts, and the result written by src/common/drcov.c or lcov.c.
 * Main thread only.
 *
 * The export is built in memory and written at once, so a
 * failure halfway leaves no half-written file. Both formats go out in
 * binary mode: drcov's block table is binary, and a tracefile whose lines
 * end in "\r\n" would give genhtml source paths ending in '\r'.
 *
 * A module whose image file has no usable DWARF still gets its functions
 * (drcov needs no lines); the reason goes to stderr. Where the DWARF names
 * each compile unit's switches, never-called functions of units built
 * without -finstrument-functions are left out: they were never counted. A module whose read
 * failed is left out and makes the verb end with WST_E_PARTIAL after the
 * others are written, as `dump` does.
 */
#include "verbs.h"

#include <fcntl.h>
#include <io.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drcov.h"
#include "dwarf_lines.h"
#include "dwarf_units.h"
#include "file_read.h"
#include "functions.h"
#include "lcov.h"
#include "output_state.h"
#include "pe_file.h"
#include "write_report.h"

/* drcov's module id is 16 bits. */
#define MAX_COVERAGE_MODULES 0xffffu

struct image_facts {
    struct wst_dwarf_lines lines;
    int have_lines;
    struct wst_dwarf_units units; /* compile units built with -finstrument-functions */
    int have_units;               /* their producers could be read: units says which */
};

/* A warning on stderr. It names the target's module and the path of its
 * image, so the whole line is escaped as every string from the target is
 * (docs/inspector.md, "Strings from the target"). */
static void warn(const char *fmt, ...) __attribute__((format(__MINGW_PRINTF_FORMAT, 1, 2)));
static void warn(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fputs("wst-inspect: coverage: ", stderr);
    wst_text_string(stderr, line);
    fputc('\n', stderr);
}

/* Reads the module's image file for its header facts and DWARF lines. A
 * failure only costs the lines (and entry, checksum, timestamp): reported,
 * not fatal. */
static void load_image(const struct wst_function_module *fm, struct wst_cov_module *cm,
                       struct image_facts *facts)
{
    const char *path = fm->image_path[0] ? fm->image_path : fm->path;
    unsigned char *file = NULL;
    size_t size;
    struct wst_error e = {0};
    struct wst_pe_file pe;
    memset(facts, 0, sizeof *facts);
    if (wst_read_file(path, WST_FILE_READ_LIMIT, &file, &size, &e) != WST_OK) {
        wst_error_prefix(&e, "coverage: %s: no line information", fm->name);
        wst_error_print(stderr, &e);
        return;
    }
    if (wst_pe_file_open(file, size, &pe) != WST_OK) {
        warn("%s: %s is not a PE image; no line information", fm->name, path);
        goto out;
    }
    cm->entry = pe.info.entry_point != 0 ? fm->base + pe.info.entry_point : 0;
    cm->checksum = pe.info.checksum;
    cm->timestamp = pe.info.timestamp;
    if (wst_dwarf_lines_load(&pe, &facts->lines) != WST_OK) {
        warn("%s: unreadable DWARF in %s (%s); no line information", fm->name, path,
             facts->lines.error);
        goto out;
    }
    facts->have_lines = facts->lines.row_count > 0;
    /* Without readable producers (-gno-record-gcc-switches) nothing tells
     * instrumented code from the rest, and every function stays listed. */
    if (wst_dwarf_units_with_switch(&pe, "-finstrument-functions", &facts->units) == WST_OK)
        facts->have_units = facts->units.with_producer > 0;
out:
    free(file);
}

struct model {
    struct wst_cov_module *modules;
    struct wst_cov_function *functions;
    struct image_facts *facts;
    struct wst_coverage cov;
};

static void model_free(struct model *m)
{
    for (size_t i = 0; m->facts != NULL && i < m->cov.module_count; i++) {
        wst_dwarf_lines_free(&m->facts[i].lines);
        wst_dwarf_units_free(&m->facts[i].units);
    }
    free(m->facts);
    free(m->modules);
    free(m->functions);
}

/* A never-called function of a compile unit built without
 * -finstrument-functions (mingw's CRT, winstrument's runtime) has no hooks:
 * "0 calls" would be false, so it is left out. So is a never-called one
 * with no line at all in an image whose units say how they were built: it
 * comes from an object without DWARF (a static library's), not from code
 * known to be instrumented. A called function is always kept. */
static int uninstrumented(const struct image_facts *facts, const struct wst_function *f,
                          int found, uint64_t unit)
{
    return f->calls == 0 && facts->have_units &&
           (!found || !wst_dwarf_units_has(&facts->units, unit));
}

static void add_functions(struct model *m, const struct wst_function_module *fm, uint32_t id)
{
    const struct image_facts *facts = &m->facts[id];
    for (size_t k = 0; k < fm->count; k++) {
        const struct wst_function *f = &fm->functions[k];
        struct wst_cov_function *cf = &m->functions[m->cov.function_count];
        uint64_t unit = 0;
        int found = facts->have_lines &&
                    wst_dwarf_lines_find(&facts->lines, f->rva, &cf->source, &cf->line, &unit);
        if (uninstrumented(facts, f, found, unit))
            continue;
        if (!found) {
            cf->source = NULL;
            cf->line = 0;
        }
        cf->module = id;
        cf->rva = f->rva;
        cf->size = f->size;
        cf->name = f->name;
        cf->calls = f->calls;
        m->cov.function_count++;
    }
}

static enum wst_status build(const struct wst_functions_result *r, struct model *m,
                             struct wst_error *err)
{
    size_t functions = 0;
    for (size_t i = 0; i < r->count; i++)
        functions += r->modules[i].error.status == WST_OK ? r->modules[i].count : 0;
    memset(m, 0, sizeof *m);
    if (r->count > MAX_COVERAGE_MODULES)
        return wst_error_set(err, WST_E_INTERNAL, 0, "more than %u modules",
                             MAX_COVERAGE_MODULES);
    m->modules = calloc(r->count + 1, sizeof *m->modules);
    m->facts = calloc(r->count + 1, sizeof *m->facts);
    m->functions = calloc(functions + 1, sizeof *m->functions);
    if (m->modules == NULL || m->facts == NULL || m->functions == NULL)
        return wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
    m->cov.modules = m->modules;
    m->cov.functions = m->functions;
    for (size_t i = 0; i < r->count; i++) {
        const struct wst_function_module *fm = &r->modules[i];
        if (fm->error.status != WST_OK)
            continue;
        uint32_t id = (uint32_t)m->cov.module_count++;
        struct wst_cov_module *cm = &m->modules[id];
        cm->path = fm->path;
        cm->base = fm->base;
        cm->end = fm->base + fm->size;
        load_image(fm, cm, &m->facts[id]);
        add_functions(m, fm, id);
    }
    return WST_OK;
}

static enum wst_status emit(const struct wst_options *o, const struct wst_coverage *cov,
                            FILE *out, struct wst_error *err)
{
    struct wst_strbuf b = {0};
    enum wst_status st = WST_OK;
    if (o->format == WST_FORMAT_DRCOV) {
        wst_drcov_write(cov, &b);
    } else {
        size_t skipped = wst_lcov_write(cov, NULL, &b);
        if (skipped == (size_t)-1) {
            b.failed = 1;
        } else if (skipped == cov->function_count && skipped > 0) {
            st = wst_error_set(err, WST_E_BAD_IMAGE, 0, "no function has a source line: "
                                                        "build the modules with -g");
            goto out;
        } else if (skipped > 0) {
            warn("%zu of %zu functions have no source line (built without -g?) and are left "
                 "out of the lcov output",
                 skipped, cov->function_count);
        }
    }
    if (b.failed) {
        st = wst_error_set(err, WST_E_INTERNAL, 0, "out of memory");
        goto out;
    }
    if (o->output != NULL) {
        st = wst_write_file(o->output, b.data, b.len, err);
        goto out;
    }
    fflush(out);
    _setmode(_fileno(out), _O_BINARY);
    if (b.len > 0 && fwrite(b.data, 1, b.len, out) != b.len && !wst_output_reader_gone(out))
        st = wst_error_set(err, WST_E_INTERNAL, 0, "writing the output");
out:
    wst_strbuf_free(&b);
    return st;
}

/* Each failed module's error on stderr; the first one becomes the verb's. */
static enum wst_status report_partial(const struct wst_functions_result *r, struct wst_error *err)
{
    int first = 1;
    for (size_t i = 0; i < r->count; i++) {
        if (r->modules[i].error.status == WST_OK)
            continue;
        if (first)
            *err = r->modules[i].error;
        else
            wst_error_print(stderr, &r->modules[i].error);
        first = 0;
    }
    err->status = WST_E_PARTIAL;
    return WST_E_PARTIAL;
}

enum wst_status wst_verb_coverage(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    struct wst_functions_query q = {.module = o->module, .include_uncalled = 1};
    struct wst_functions_result r = {0};
    struct model m;
    enum wst_status st = o->from_count > 0 ? wst_functions_read_saved(o, &q, &r, err)
                                           : wst_functions_read(o->pid, &q, &r, err);
    if (st != WST_OK && st != WST_E_PARTIAL)
        return st;
    enum wst_status read_st = st;
    st = build(&r, &m, err);
    if (st == WST_OK)
        st = emit(o, &m.cov, out, err);
    if (st == WST_OK && read_st == WST_E_PARTIAL)
        st = report_partial(&r, err);
    model_free(&m);
    wst_functions_free(&r);
    return st;
}
