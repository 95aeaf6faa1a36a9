/*
 * See dwarf_line_tables.h. Every read goes through the unit's bounded
 * cursor; every path is bounded by WST_DWARF_MAX_PATH and the table by
 * WST_DWARF_MAX_FILES before anything is allocated.
 */
#include "dwarf_line_tables.h"

#include <stdlib.h>
#include <string.h>

#include "dwarf_forms.h"
#include "grow.h"

/* Line-table content types (DW_LNCT_*). */
enum {
    LNCT_PATH = 1,
    LNCT_DIRECTORY_INDEX = 2,
};

#define MAX_ENTRY_FORMATS 16u

static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != 0)
        n++;
    return n;
}

/* Appends an owned copy of dir/name (or name alone when it is absolute or
 * there is no dir) to lines->files. */
static int add_path(struct wst_line_files *l, const char *dir, const char *name)
{
    if (l->count >= WST_DWARF_MAX_FILES)
        return 0;
    char **files = wst_grow_for(l->files, l->count, 64, sizeof *files);
    if (files == NULL)
        return 0;
    l->files = files;
    int absolute = name[0] == '/' || name[0] == '\\' || (name[0] != 0 && name[1] == ':');
    size_t dlen = dir != NULL && !absolute ? bounded_len(dir, WST_DWARF_MAX_PATH) : 0;
    size_t nlen = bounded_len(name, WST_DWARF_MAX_PATH);
    if (dlen + nlen + 2 > WST_DWARF_MAX_PATH)
        return 0;
    char *p = malloc(dlen + nlen + 2);
    if (p == NULL)
        return 0;
    if (dlen > 0)
        memcpy(p, dir, dlen);
    size_t at = dlen;
    if (dlen > 0 && dir[dlen - 1] != '/' && dir[dlen - 1] != '\\')
        p[at++] = '/';
    memcpy(p + at, name, nlen);
    p[at + nlen] = 0;
    l->files[l->count++] = p;
    return 1;
}

/* ---- version 2 to 4 tables: NUL-terminated lists ---------------------- */

int wst_dwarf_read_tables_v4(struct wst_line_files *l, struct wst_line_unit *u,
                             struct wst_cursor *c)
{
    /* Directory 0 is the compilation directory, which the table omits;
     * names in it stay relative. */
    const char *dirs[256];
    size_t ndirs = 0;
    for (;;) {
        const char *d = wst_cursor_cstr(c);
        if (d == NULL)
            return 0;
        if (d[0] == 0)
            break;
        if (ndirs < sizeof dirs / sizeof dirs[0])
            dirs[ndirs++] = d;
    }
    u->file_base = l->count;
    for (;;) {
        const char *name = wst_cursor_cstr(c);
        if (name == NULL)
            return 0;
        if (name[0] == 0)
            break;
        uint64_t dir = wst_cursor_uleb(c);
        wst_cursor_uleb(c); /* modification time */
        wst_cursor_uleb(c); /* length */
        if (c->bad)
            return 0;
        const char *d = dir >= 1 && dir <= ndirs ? dirs[dir - 1] : NULL;
        if (!add_path(l, d, name))
            return 0;
    }
    u->file_count = l->count - u->file_base;
    return 1;
}

/* ---- version 5 tables: entry formats ---------------------------------- */

struct entry_format {
    uint64_t content, form;
};

static int read_formats(struct wst_cursor *c, struct entry_format *f, unsigned *n)
{
    *n = (unsigned)wst_cursor_le(c, 1);
    if (*n > MAX_ENTRY_FORMATS)
        return 0;
    for (unsigned i = 0; i < *n; i++) {
        f[i].content = wst_cursor_uleb(c);
        f[i].form = wst_cursor_uleb(c);
    }
    return !c->bad;
}

/* One attribute of an entry: a string for DW_LNCT_path, a number for the
 * rest; forms that hold neither are skipped by their size. */
static int read_form(struct wst_cursor *c, const struct wst_line_unit *u,
                     const struct wst_line_strings *s, uint64_t form, const char **str,
                     uint64_t *num)
{
    const unsigned char *skip;
    size_t off_size = u->offset64 ? 8 : 4;
    *str = NULL;
    *num = 0;
    switch (form) {
    case WST_DW_FORM_STRING:
        *str = wst_cursor_cstr(c);
        return *str != NULL;
    case WST_DW_FORM_LINE_STRP:
        *str = wst_section_string(s->line_str, s->line_str_len, wst_cursor_le(c, off_size));
        return !c->bad && *str != NULL;
    case WST_DW_FORM_STRP:
        *str = wst_section_string(s->str, s->str_len, wst_cursor_le(c, off_size));
        return !c->bad && *str != NULL;
    case WST_DW_FORM_DATA1:
        *num = wst_cursor_le(c, 1);
        break;
    case WST_DW_FORM_DATA2:
        *num = wst_cursor_le(c, 2);
        break;
    case WST_DW_FORM_DATA4:
        *num = wst_cursor_le(c, 4);
        break;
    case WST_DW_FORM_DATA8:
        *num = wst_cursor_le(c, 8);
        break;
    case WST_DW_FORM_UDATA:
        *num = wst_cursor_uleb(c);
        break;
    case WST_DW_FORM_SDATA:
        wst_cursor_sleb(c);
        break;
    case WST_DW_FORM_DATA16:
        wst_cursor_take(c, 16, &skip);
        break;
    case WST_DW_FORM_BLOCK1:
        wst_cursor_take(c, (size_t)wst_cursor_le(c, 1), &skip);
        break;
    case WST_DW_FORM_BLOCK2:
        wst_cursor_take(c, (size_t)wst_cursor_le(c, 2), &skip);
        break;
    case WST_DW_FORM_BLOCK4:
        wst_cursor_take(c, (size_t)wst_cursor_le(c, 4), &skip);
        break;
    case WST_DW_FORM_BLOCK: {
        uint64_t n = wst_cursor_uleb(c);
        if (n > (uint64_t)(c->end - c->p))
            return 0;
        wst_cursor_take(c, (size_t)n, &skip);
        break;
    }
    default:
        return 0; /* strx and others need sections a line table should not use */
    }
    return !c->bad;
}

/* Reads a directory or file table: its entry formats, its count, then the
 * entries. Each path goes to lines->files; a file's is joined with its
 * directory. */
static int read_entries_v5(struct wst_line_files *l, const struct wst_line_unit *u,
                           struct wst_cursor *c, const struct wst_line_strings *s, int is_dir)
{
    struct entry_format fmt[MAX_ENTRY_FORMATS];
    unsigned nfmt;
    if (!read_formats(c, fmt, &nfmt))
        return 0;
    uint64_t count = wst_cursor_uleb(c);
    /* Each entry takes at least a byte, so a count past the bytes left lies. */
    if (c->bad || count > (uint64_t)(c->end - c->p))
        return 0;
    for (uint64_t i = 0; i < count; i++) {
        const char *path = NULL;
        uint64_t dir = 0;
        for (unsigned k = 0; k < nfmt; k++) {
            const char *str;
            uint64_t num;
            if (!read_form(c, u, s, fmt[k].form, &str, &num))
                return 0;
            if (fmt[k].content == LNCT_PATH)
                path = str;
            else if (fmt[k].content == LNCT_DIRECTORY_INDEX)
                dir = num;
        }
        if (path == NULL)
            return 0;
        const char *d = NULL;
        if (!is_dir && dir < u->dir_count)
            d = l->files[u->dir_first + dir];
        if (!add_path(l, d, path))
            return 0;
    }
    return 1;
}

int wst_dwarf_read_tables_v5(struct wst_line_files *l, struct wst_line_unit *u,
                             struct wst_cursor *c, const struct wst_line_strings *s)
{
    /* The directories are kept in lines->files too (the files' paths are
     * joined with them); the row file indexes skip over them. */
    u->dir_first = l->count;
    if (!read_entries_v5(l, u, c, s, 1))
        return 0;
    u->dir_count = l->count - u->dir_first;
    u->file_base = l->count;
    if (!read_entries_v5(l, u, c, s, 0))
        return 0;
    u->file_count = l->count - u->file_base;
    return 1;
}
