/*
 * Finds this module's ".wst" section through its own PE headers and sums one
 * counter's stripes, walking the records the way region.h describes (line by
 * line: counter, zero padding, or the trailer that ends the walk).
 *
 * Called from the benchmark's main thread while workers may still be adding,
 * so stripe values are read with relaxed atomic loads: a torn 64-bit read is
 * impossible, a slightly stale one is harmless. Never writes anything.
 */
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "self_region.h"

/* The linker's symbol for the first byte of the image that holds this code:
 * the EXE or DLL we are part of, with no call and no loader lock. Declared as
 * an array of unknown size, because the image extends far beyond the DOS
 * header that the usual IMAGE_DOS_HEADER declaration would claim. */
extern const unsigned char __ImageBase[];

/* ------------------------------------------------------------------------ */
/* Locating the section                                                     */
/* ------------------------------------------------------------------------ */

static const IMAGE_SECTION_HEADER *find_section(const unsigned char *base, const char *name)
{
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)base;
    if (dos->e_magic != IMAGE_DOS_SIGNATURE)
        return NULL;
    const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)(base + dos->e_lfanew);
    if (nt->Signature != IMAGE_NT_SIGNATURE)
        return NULL;
    const IMAGE_SECTION_HEADER *s = IMAGE_FIRST_SECTION(nt);
    size_t len = strlen(name);
    for (unsigned i = 0; i < nt->FileHeader.NumberOfSections; i++, s++) {
        /* Section names are 8 bytes, NUL-padded only when shorter. */
        if (memcmp(s->Name, name, len) == 0 && (len == 8 || s->Name[len] == '\0'))
            return s;
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Walking the records                                                      */
/* ------------------------------------------------------------------------ */

static int header_is_valid(const struct wst_region_header *h, size_t section_size)
{
    return h->magic == WST_REGION_MAGIC && h->layout_version == WST_LAYOUT_VERSION &&
           h->header_size == sizeof *h && h->counter_size == sizeof(struct wst_counter) &&
           h->line_size == WST_LINE && h->stripes == WST_STRIPES && section_size >= sizeof *h;
}

static void add_counter(const struct wst_counter *c, struct bench_counter_read *out)
{
    for (unsigned s = 0; s < WST_STRIPES; s++) {
        uint64_t v = __atomic_load_n(&c->stripes[s].value, __ATOMIC_RELAXED);
        out->stripes[s] += v;
        out->total += v;
    }
    out->sites++;
}

int bench_read_own_counter(const char *name, struct bench_counter_read *out)
{
    memset(out, 0, sizeof *out);
    const unsigned char *base = __ImageBase;
    const IMAGE_SECTION_HEADER *sec = find_section(base, WST_SECTION_NAME);
    if (sec == NULL) {
        fprintf(stderr, "bench: this module has no %s section\n", WST_SECTION_NAME);
        return -1;
    }
    const unsigned char *region = base + sec->VirtualAddress;
    size_t size = sec->Misc.VirtualSize;
    const struct wst_region_header *h = (const struct wst_region_header *)region;
    if (!header_is_valid(h, size)) {
        fprintf(stderr, "bench: the %s section has no valid region header\n", WST_SECTION_NAME);
        return -1;
    }
    out->mode = h->mode;
    for (size_t off = h->header_size; off + WST_LINE <= size;) {
        uint32_t magic;
        memcpy(&magic, region + off, sizeof magic);
        if (magic == WST_TRAILER_MAGIC) {
            if (out->sites > 0)
                return 0;
            fprintf(stderr, "bench: no counter '%s' in this module\n", name);
            return -1;
        }
        if (magic == 0) {
            off += WST_LINE; /* linker padding between two objects' counters */
            continue;
        }
        if (magic != WST_COUNTER_MAGIC || off + sizeof(struct wst_counter) > size)
            break;
        const struct wst_counter *c = (const struct wst_counter *)(region + off);
        if (strncmp(c->name, name, WST_NAME_MAX) == 0)
            add_counter(c, out);
        off += sizeof(struct wst_counter);
    }
    fprintf(stderr, "bench: corrupt region (no trailer)\n");
    return -1;
}

const char *bench_mode_name(uint32_t mode)
{
    switch (mode) {
    case WST_MODE_THREADLESS:
        return "threadless";
    case WST_MODE_THREADPOOL:
        return "threadpool";
    case WST_MODE_HELPER:
        return "helper";
    default:
        return "unset";
    }
}
