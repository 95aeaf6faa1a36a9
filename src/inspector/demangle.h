/*
 * C++ name demangling for the inspector's output (demangle.c), bounded in
 * work and output because the names come from a target's image. Main thread
 * only.
 */
#ifndef WST_INSPECTOR_DEMANGLE_H
#define WST_INSPECTOR_DEMANGLE_H

#include <stddef.h>

/* Names longer than this are not given to the demangler at all. libsupc++
 * (GCC 12) refuses them itself, as a stack guard (its parser keeps about 72
 * bytes of stack per input byte), and says only "invalid"; the bound here
 * makes the refusal visible with a mark and holds whatever its version does.
 * The COFF reader cuts names at 1024 bytes too (pe_symbols.c). */
#define WST_DEMANGLE_NAME_MAX 1024
/* The most output the demangler may print before it is stopped. Back
 * references (S_, S0_, ...) let a 200-byte name expand to gigabytes, so this
 * bounds both memory (nothing is kept past the caller's buffer) and time (the
 * printer is stopped as soon as it passes the bound). Ordinary names stay
 * far below it; the callers show at most 1 KiB of any name anyway. */
#define WST_DEMANGLE_OUT_MAX 65536

/* The output bound does not bound one search, which prints nothing: before
 * it prints a pack expansion ("Dp", and the expressions sp, sZ, sP, fl, fr,
 * fL, fR), the demangler looks for a parameter pack through the whole
 * pattern, following every back reference, so that search can take 2^levels
 * steps too (found by fuzz_demangle: 40 levels take hours). A name has at
 * most 2 components per byte (what the demangler allocates) and each back
 * reference (S_, S<seq>_) at most doubles their unfolded count, so a name
 * holding such a token and at most this many back references costs at most
 * 2 * 1024 * 2^12 steps (milliseconds). std:: names with packs hold fewer
 * (map's emplace: 8). */
#define WST_DEMANGLE_PACK_REFS_MAX 12

/* What the marked fallback ends with: the mangled name (cut so the mark
 * always fits), then one of these. docs/functions.md documents them. */
#define WST_DEMANGLE_STR_(x) #x
#define WST_DEMANGLE_STR(x) WST_DEMANGLE_STR_(x)
#define WST_DEMANGLE_MARK_NAME \
    " [not demangled: name over " WST_DEMANGLE_STR(WST_DEMANGLE_NAME_MAX) " bytes]"
#define WST_DEMANGLE_MARK_OUT \
    " [not demangled: output over " WST_DEMANGLE_STR(WST_DEMANGLE_OUT_MAX) " bytes]"
#define WST_DEMANGLE_MARK_REFS                                                                 \
    " [not demangled: pack expansion with over " WST_DEMANGLE_STR(WST_DEMANGLE_PACK_REFS_MAX)  \
    " back references]"

enum wst_demangle_result {
    WST_DEMANGLE_NONE = 0,    /* not "_Z...", or the demangler refused it: out is "" */
    WST_DEMANGLE_OK = 1,      /* out holds the demangled name, cut to fit */
    WST_DEMANGLE_REFUSED = 2, /* over a bound: out holds the marked mangled name */
};

/* Writes the demangled form of an Itanium-mangled name ("_Z...") into out
 * (size bytes, NUL-terminated). Returns non-zero when out is worth showing:
 * the demangled name, or the mangled name marked as over a bound. */
enum wst_demangle_result wst_demangle(const char *name, char *out, size_t size);

/* The same, and *printed (if not NULL) says how many bytes of output the
 * demangler produced before it finished or was stopped: the printer's work
 * (not the pack search, which prints nothing), which the tests and the fuzz
 * target hold under WST_DEMANGLE_OUT_MAX plus one chunk of the demangler's
 * own buffer (256 bytes). */
enum wst_demangle_result wst_demangle_measured(const char *name, char *out, size_t size,
                                               size_t *printed);

#endif
