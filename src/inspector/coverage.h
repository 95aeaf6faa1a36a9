/*
 * `wst-inspect coverage PID --format drcov|lcov [-o FILE] [--module M]`:
 * the functions read (functions.h) with the never-called functions
 * included, each module's image file read for its DWARF lines and its
 * header facts, and the result written by src/common/drcov.c or lcov.c.
 * Main thread only.
 */
#ifndef WST_INSPECTOR_COVERAGE_H
#define WST_INSPECTOR_COVERAGE_H

#include <stdio.h>

#include "error.h"
#include "inspect.h"

enum wst_status wst_verb_coverage(const struct wst_options *o, FILE *out, struct wst_error *err);

#endif
