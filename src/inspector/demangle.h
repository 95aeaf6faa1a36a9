/*
 * C++ name demangling for the inspector's output (demangle.c). Main thread
 * only.
 */
#ifndef WST_INSPECTOR_DEMANGLE_H
#define WST_INSPECTOR_DEMANGLE_H

#include <stddef.h>

/* Writes the demangled form of an Itanium-mangled name ("_Z...") into out,
 * truncated to fit, and returns 1; returns 0 (out untouched) for any other
 * name or one that does not demangle. */
int wst_demangle(const char *name, char *out, size_t size);

#endif
