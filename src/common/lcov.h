/*
 * An lcov tracefile (geninfo(1)'s format, read by genhtml) from a coverage
 * model: for each source file, TN, SF, one FN:<line>,<name> and
 * FNDA:<count>,<name> per function (never-called ones with 0), FNF, FNH,
 * then DA:<line>,<count> for each function's first line with LF and LH, and
 * end_of_record. Functions without a source line (an image built without -g)
 * are left out; wst_lcov_write returns how many. Platform-free; writes into
 * a strbuf, no state beyond one allocation of its own.
 */
#ifndef WST_LCOV_H
#define WST_LCOV_H

#include "coverage_model.h"
#include "strbuf.h"

/* Returns the number of functions left out for want of a source line, or
 * (size_t)-1 when out of memory. `test_name` may be NULL or empty. */
size_t wst_lcov_write(const struct wst_coverage *cov, const char *test_name,
                      struct wst_strbuf *out);

#endif
