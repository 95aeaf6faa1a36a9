/*
 * The cxx-two-units scenario's shared header, included by both translation
 * units of its program (wst_cxx_unit_a.cpp, wst_cxx_unit_b.cpp): an inline
 * function and a function template, each with probes. Their sites are COMDAT
 * statics, one per inline function and one per template instantiation
 * across the link, whichever units use them.
 */
#ifndef WST_CXX_UNITS_H
#define WST_CXX_UNITS_H

#include <winstrument.h>

inline void units_inline()
{
    WST_COUNT("cxx_units_inline");
}

template <typename T> __attribute__((noinline)) T units_tpl(T x)
{
    WST_COUNT("cxx_units_tpl");
    WST_TIME_SCOPE("cxx_units_tpl_time");
    return x + x;
}

/* Unit a's calls, n rounds; unit b's are its main's. */
double unit_a_run(int n);

#endif
