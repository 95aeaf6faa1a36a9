/*
 * See pe_symbols.h. Offsets follow the PE/COFF specification: the file
 * header's PointerToSymbolTable and NumberOfSymbols (18-byte records, the
 * string table right after them, opened by its own 4-byte size), the export
 * directory (data directory 0) and the exception directory (data directory
 * 3: 12-byte RUNTIME_FUNCTION records on x64). The headers are pe_image.c's
 * to parse. Fields are read with byte loads at checked offsets (bytes_le.h):
 * the buffer is a file from anywhere.
 */
#include "pe_symbols.h"

#include <stdlib.h>
#include <string.h>

#include "bytes_le.h"
#include "pe_image.h"

#define COFF_SYMBOL_SIZE 18u
#define MAX_NAME 1024u         /* longer names are cut: a name, not a payload */
#define MAX_SYMBOLS (1u << 24) /* more is corruption, not a big image */
#define COFF_CLASS_EXTERNAL 2u
#define COFF_CLASS_STATIC 3u
#define COFF_TYPE_FUNCTION 0x20u /* derived type "function" (bits 4-5 = 2) */

/* The headers, and the section table decoded once: every RVA lookup walks it. */
struct image {
    const unsigned char *b;
    size_t size;
    struct wst_pe_info info;
    struct wst_pe_section sections[WST_PE_MAX_SECTIONS];
};

/* The set under construction: names go into one growing pool; items keep
 * their name's offset there until the pool stops moving. */
struct builder {
    struct wst_symbol *items;
    size_t count, cap;
    size_t *name_at;
    char *pool;
    size_t pool_len, pool_cap;
};

/* ------------------------------------------------------------------------ */
/* Headers                                                                  */
/* ------------------------------------------------------------------------ */

static enum wst_status parse_headers(struct image *im)
{
    enum wst_status st = wst_pe_parse(im->b, im->size, &im->info);
    if (st != WST_OK)
        return st;
    for (uint16_t i = 0; i < im->info.section_count; i++)
        wst_pe_section_at(im->b, &im->info, i, &im->sections[i]);
    return WST_OK;
}

/* The file offset of [rva, rva + len), or SIZE_MAX when the file does not
 * hold all of it. */
static size_t file_offset(const struct image *im, uint32_t rva, size_t len)
{
    for (unsigned i = 0; i < im->info.section_count; i++) {
        const struct wst_pe_section *s = &im->sections[i];
        if (rva < s->rva || rva - s->rva >= s->raw_size)
            continue;
        size_t in = rva - s->rva;
        if (len > s->raw_size - in)
            return SIZE_MAX;
        size_t off = (size_t)s->raw_offset + in;
        return wst_le_fits(im->size, off, len) ? off : SIZE_MAX;
    }
    return SIZE_MAX;
}

/* The end (rva) of the section holding rva, or 0. */
static uint32_t section_end(const struct image *im, uint32_t rva)
{
    for (unsigned i = 0; i < im->info.section_count; i++) {
        const struct wst_pe_section *s = &im->sections[i];
        if (rva >= s->rva && rva - s->rva < s->virtual_size)
            return s->rva + s->virtual_size;
    }
    return 0;
}

/* The file's build id. A debug directory that the file does not hold, or a
 * malformed one, gives none: the caller then matches by the headers, and
 * names still come from the symbols, which are what this file is for. */
static void read_build_id(const struct image *im, struct wst_build_id *out)
{
    struct wst_pe_codeview_at at;
    memset(out, 0, sizeof *out);
    uint32_t dir_size = im->info.dir_size[WST_PE_DIR_DEBUG];
    size_t dir = file_offset(im, im->info.dir_rva[WST_PE_DIR_DEBUG], dir_size);
    if (dir_size == 0 || dir == SIZE_MAX ||
        wst_pe_codeview_find(im->b + dir, dir_size, &at) != WST_OK || at.size == 0 ||
        !wst_le_fits(im->size, at.file_offset, WST_PE_CODEVIEW_READ))
        return;
    wst_pe_build_id_parse(im->b + at.file_offset, WST_PE_CODEVIEW_READ, out);
}

/* ------------------------------------------------------------------------ */
/* The set under construction                                               */
/* ------------------------------------------------------------------------ */

static enum wst_status add(struct builder *bd, uint32_t rva, const char *name, size_t len,
                           uint8_t source)
{
    if (len == 0)
        return WST_OK;
    if (len > MAX_NAME)
        len = MAX_NAME;
    if (bd->count == bd->cap) {
        size_t cap = bd->cap ? bd->cap * 2 : 256;
        struct wst_symbol *items = realloc(bd->items, cap * sizeof *items);
        if (items == NULL)
            return WST_E_INTERNAL;
        bd->items = items;
        size_t *at = realloc(bd->name_at, cap * sizeof *at);
        if (at == NULL)
            return WST_E_INTERNAL;
        bd->name_at = at;
        bd->cap = cap;
    }
    if (bd->pool_cap - bd->pool_len < len + 1) {
        size_t cap = bd->pool_cap ? bd->pool_cap : 4096;
        while (cap - bd->pool_len < len + 1)
            cap *= 2;
        char *pool = realloc(bd->pool, cap);
        if (pool == NULL)
            return WST_E_INTERNAL;
        bd->pool = pool;
        bd->pool_cap = cap;
    }
    memcpy(bd->pool + bd->pool_len, name, len);
    bd->pool[bd->pool_len + len] = '\0';
    bd->name_at[bd->count] = bd->pool_len;
    bd->pool_len += len + 1;
    bd->items[bd->count] = (struct wst_symbol){.rva = rva, .source = source};
    bd->count++;
    return WST_OK;
}

/* ------------------------------------------------------------------------ */
/* COFF symbols                                                             */
/* ------------------------------------------------------------------------ */

static enum wst_status read_coff(const struct image *im, struct builder *bd, int *present)
{
    uint32_t symtab = im->info.symbol_table, nsyms = im->info.symbol_count;
    *present = 0;
    if (symtab == 0 || nsyms == 0)
        return WST_OK; /* stripped */
    if (nsyms > MAX_SYMBOLS || !wst_le_fits(im->size, symtab, (size_t)nsyms * COFF_SYMBOL_SIZE))
        return WST_E_BAD_IMAGE;
    size_t strtab = symtab + (size_t)nsyms * COFF_SYMBOL_SIZE;
    size_t strsize = 0;
    if (wst_le_fits(im->size, strtab, 4)) {
        strsize = wst_le32(im->b + strtab);
        if (strsize < 4 || !wst_le_fits(im->size, strtab, strsize))
            strsize = 0; /* no usable string table: long names are skipped */
    }
    *present = 1;
    for (uint32_t i = 0; i < nsyms; i++) {
        const unsigned char *s = im->b + symtab + (size_t)i * COFF_SYMBOL_SIZE;
        int16_t section = (int16_t)wst_le16(s + 12);
        uint16_t type = wst_le16(s + 14);
        uint8_t sclass = s[16], aux = s[17];
        i += aux; /* auxiliary records follow their symbol */
        if ((type & 0x30u) != COFF_TYPE_FUNCTION || section <= 0 ||
            (unsigned)section > im->info.section_count ||
            (sclass != COFF_CLASS_EXTERNAL && sclass != COFF_CLASS_STATIC))
            continue;
        const char *name;
        size_t len;
        if (wst_le32(s) == 0) {
            size_t at = wst_le32(s + 4);
            if (strsize == 0 || at < 4 || at >= strsize)
                continue;
            name = (const char *)im->b + strtab + at;
            const char *end = memchr(name, '\0', strsize - at);
            len = end ? (size_t)(end - name) : strsize - at;
        } else {
            name = (const char *)s;
            const char *end = memchr(name, '\0', 8);
            len = end ? (size_t)(end - name) : 8;
        }
        /* i686's C names carry the leading underscore of its ABI. */
        if (im->info.bits == 32 && len > 1 && name[0] == '_') {
            name++;
            len--;
        }
        uint32_t rva = im->sections[section - 1].rva + wst_le32(s + 8);
        enum wst_status st = add(bd, rva, name, len, WST_SYMBOL_COFF);
        if (st != WST_OK)
            return st;
    }
    return WST_OK;
}

/* ------------------------------------------------------------------------ */
/* Exports                                                                  */
/* ------------------------------------------------------------------------ */

static enum wst_status read_exports(const struct image *im, struct builder *bd)
{
    uint32_t dir_rva = im->info.dir_rva[WST_PE_DIR_EXPORT],
             dir_size = im->info.dir_size[WST_PE_DIR_EXPORT];
    if (dir_rva == 0 || dir_size < 40)
        return WST_OK;
    size_t dir = file_offset(im, dir_rva, 40);
    if (dir == SIZE_MAX)
        return WST_E_BAD_IMAGE;
    uint32_t nfuncs = wst_le32(im->b + dir + 20), nnames = wst_le32(im->b + dir + 24);
    if (nfuncs > MAX_SYMBOLS || nnames > MAX_SYMBOLS)
        return WST_E_BAD_IMAGE;
    size_t funcs = file_offset(im, wst_le32(im->b + dir + 28), (size_t)nfuncs * 4);
    size_t names = file_offset(im, wst_le32(im->b + dir + 32), (size_t)nnames * 4);
    size_t ords = file_offset(im, wst_le32(im->b + dir + 36), (size_t)nnames * 2);
    if (nnames == 0)
        return WST_OK;
    if (funcs == SIZE_MAX || names == SIZE_MAX || ords == SIZE_MAX)
        return WST_E_BAD_IMAGE;
    for (uint32_t i = 0; i < nnames; i++) {
        uint16_t ord = wst_le16(im->b + ords + 2u * i);
        if (ord >= nfuncs)
            continue;
        uint32_t rva = wst_le32(im->b + funcs + 4u * ord);
        if (rva == 0 || (rva >= dir_rva && rva - dir_rva < dir_size))
            continue; /* a forwarder names another DLL's function */
        size_t at = file_offset(im, wst_le32(im->b + names + 4u * i), 1);
        if (at == SIZE_MAX)
            continue;
        const char *name = (const char *)im->b + at;
        const char *end = memchr(name, '\0', im->size - at);
        size_t len = end ? (size_t)(end - name) : im->size - at;
        enum wst_status st = add(bd, rva, name, len, WST_SYMBOL_EXPORT);
        if (st != WST_OK)
            return st;
    }
    return WST_OK;
}

/* ------------------------------------------------------------------------ */
/* Sizes                                                                    */
/* ------------------------------------------------------------------------ */

static int by_rva(const void *a, const void *b)
{
    const struct wst_symbol *x = a, *y = b;
    if (x->rva != y->rva)
        return x->rva < y->rva ? -1 : 1;
    if (x->source != y->source)
        return x->source < y->source ? -1 : 1; /* COFF first: it names statics too */
    return 0;
}

static const struct wst_symbol *find_start(const struct wst_symbols *s, uint32_t rva)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->items[mid].rva < rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->count && s->items[lo].rva == rva ? &s->items[lo] : NULL;
}

/* x64: a RUNTIME_FUNCTION per function with unwind data gives its extent. */
static void exact_sizes(const struct image *im, struct wst_symbols *s)
{
    uint32_t dir_rva = im->info.dir_rva[WST_PE_DIR_EXCEPTION],
             n = im->info.dir_size[WST_PE_DIR_EXCEPTION] / 12u;
    if (im->info.bits != 64 || dir_rva == 0 || n == 0)
        return;
    size_t at = file_offset(im, dir_rva, (size_t)n * 12u);
    if (at == SIZE_MAX)
        return;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t begin = wst_le32(im->b + at + 12u * i), end = wst_le32(im->b + at + 12u * i + 4u);
        struct wst_symbol *sym = (struct wst_symbol *)find_start(s, begin);
        if (sym != NULL && end > begin) {
            sym->size = end - begin;
            sym->exact_size = 1;
        }
    }
}

/* Elsewhere: up to the next function, within its section. */
static void estimated_sizes(const struct image *im, struct wst_symbols *s)
{
    for (size_t i = 0; i < s->count; i++) {
        struct wst_symbol *sym = &s->items[i];
        if (sym->exact_size)
            continue;
        uint32_t end = section_end(im, sym->rva);
        if (i + 1 < s->count && s->items[i + 1].rva < end)
            end = s->items[i + 1].rva;
        sym->size = end > sym->rva ? end - sym->rva : 0;
    }
}

/* ------------------------------------------------------------------------ */
/* The set                                                                  */
/* ------------------------------------------------------------------------ */

enum wst_status wst_symbols_from_image(const void *file, size_t size, struct wst_symbols *out)
{
    struct image im;
    struct builder bd = {0};
    memset(out, 0, sizeof *out);
    memset(&im, 0, sizeof im);
    im.b = file;
    im.size = size;
    enum wst_status st = parse_headers(&im);
    int coff = 0;
    if (st == WST_OK)
        st = read_coff(&im, &bd, &coff);
    if (st == WST_OK)
        st = read_exports(&im, &bd);
    if (st != WST_OK) {
        free(bd.items);
        free(bd.name_at);
        free(bd.pool);
        return st;
    }
    for (size_t i = 0; i < bd.count; i++)
        bd.items[i].name = (const char *)(uintptr_t)bd.name_at[i]; /* sorted with the item */
    free(bd.name_at);
    if (bd.count > 1)
        qsort(bd.items, bd.count, sizeof *bd.items, by_rva);
    size_t kept = 0;
    for (size_t i = 0; i < bd.count; i++) {
        if (kept > 0 && bd.items[kept - 1].rva == bd.items[i].rva)
            continue; /* an alias, or the export of a function COFF named */
        bd.items[kept] = bd.items[i];
        bd.items[kept].name = bd.pool + (size_t)(uintptr_t)bd.items[i].name;
        kept++;
    }
    out->items = bd.items;
    out->count = kept;
    out->strings = bd.pool;
    out->size_of_image = im.info.size_of_image;
    out->timestamp = im.info.timestamp;
    out->entry_point = im.info.entry_point;
    out->size_of_code = im.info.size_of_code;
    read_build_id(&im, &out->build_id);
    out->bits = im.info.bits;
    out->stripped = !coff;
    exact_sizes(&im, out);
    estimated_sizes(&im, out);
    return WST_OK;
}

const struct wst_symbol *wst_symbols_find(const struct wst_symbols *s, uint32_t rva)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->items[mid].rva <= rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct wst_symbol *sym = &s->items[lo - 1];
    if (sym->size != 0 && rva - sym->rva >= sym->size)
        return NULL;
    return sym;
}

void wst_symbols_free(struct wst_symbols *s)
{
    free(s->items);
    free(s->strings);
    memset(s, 0, sizeof *s);
}
