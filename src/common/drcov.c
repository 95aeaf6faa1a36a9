/*
 * See drcov.h. The module table's columns and number widths are those of
 * DynamoRIO's own Windows output ("%3u, 0x%016llx, ..., 0x%08x, %s"), so a
 * reader written against DynamoRIO's files parses ours the same way. A path
 * that holds a line break (it came from another process) would end the
 * module's line early; such bytes are written as '?'.
 */
#include "drcov.h"

static void put_hex(struct wst_strbuf *b, uint64_t v, unsigned digits)
{
    static const char hex[] = "0123456789abcdef";
    char s[2 + 16];
    s[0] = '0';
    s[1] = 'x';
    for (unsigned i = 0; i < digits; i++)
        s[2 + i] = hex[(v >> (4 * (digits - 1 - i))) & 0xf];
    wst_strbuf_append(b, s, 2 + digits);
}

/* A module's path, from the target: escape.h's text form, so that it holds
 * no line break (one module per line) and nothing a terminal acts on. */
static void put_line_safe(struct wst_strbuf *b, const char *s)
{
    wst_strbuf_text(b, s);
}

static void put_le(struct wst_strbuf *b, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        wst_strbuf_putc(b, (char)(unsigned char)(v >> (8 * i)));
}

/* An unknown size still marks the function's first byte; a size that runs
 * past the 32-bit offset space is cut there. */
static uint64_t extent(const struct wst_cov_function *f)
{
    uint64_t size = f->size == 0 ? 1 : f->size;
    uint64_t room = ((uint64_t)1 << 32) - f->rva;
    return size < room ? size : room;
}

/* A called function becomes ceil(extent / 0xffff) entries. */
static size_t entries_of(const struct wst_cov_function *f)
{
    if (f->calls == 0)
        return 0;
    return (size_t)((extent(f) + WST_DRCOV_MAX_BLOCK - 1) / WST_DRCOV_MAX_BLOCK);
}

static void put_entries(struct wst_strbuf *b, const struct wst_cov_function *f)
{
    uint64_t left = extent(f);
    uint64_t start = f->rva;
    while (left > 0) {
        uint64_t n = left > WST_DRCOV_MAX_BLOCK ? WST_DRCOV_MAX_BLOCK : left;
        put_le(b, start, 4);
        put_le(b, n, 2);
        put_le(b, f->module, 2);
        start += n;
        left -= n;
    }
}

void wst_drcov_write(const struct wst_coverage *cov, struct wst_strbuf *out)
{
    wst_strbuf_puts(out, "DRCOV VERSION: 2\nDRCOV FLAVOR: winstrument\n");
    wst_strbuf_puts(out, "Module Table: version 2, count ");
    wst_strbuf_u64(out, cov->module_count);
    wst_strbuf_puts(out, "\nColumns: id, base, end, entry, checksum, timestamp, path\n");
    for (size_t i = 0; i < cov->module_count; i++) {
        const struct wst_cov_module *m = &cov->modules[i];
        wst_strbuf_printf(out, "%3u, ", (unsigned)i);
        put_hex(out, m->base, 16);
        wst_strbuf_puts(out, ", ");
        put_hex(out, m->end, 16);
        wst_strbuf_puts(out, ", ");
        put_hex(out, m->entry, 16);
        wst_strbuf_puts(out, ", ");
        put_hex(out, m->checksum, 8);
        wst_strbuf_puts(out, ", ");
        put_hex(out, m->timestamp, 8);
        wst_strbuf_puts(out, ", ");
        put_line_safe(out, m->path);
        wst_strbuf_putc(out, '\n');
    }
    size_t n = 0;
    for (size_t i = 0; i < cov->function_count; i++)
        n += entries_of(&cov->functions[i]);
    wst_strbuf_puts(out, "BB Table: ");
    wst_strbuf_u64(out, n);
    wst_strbuf_puts(out, " bbs\n");
    for (size_t i = 0; i < cov->function_count; i++) {
        if (cov->functions[i].calls > 0)
            put_entries(out, &cov->functions[i]);
    }
}
