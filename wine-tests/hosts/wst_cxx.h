/*
 * Inline functions in a header, each with its own probes: every translation
 * unit that uses them gets a COMDAT copy of the function and of its probe
 * sites, which the linker folds (wst_cxx.cpp, the dist-cxx scenario).
 */
#ifndef WST_CXX_H
#define WST_CXX_H

#include <winstrument.h>

inline uint64_t wst_cxx_inline_square(uint64_t x)
{
    WST_TIME_SCOPE("cxx_inline");
    WST_RECORD("cxx_sizes", x);
    return x * x;
}

/* What every instantiation of the template below runs: one site that all
 * instantiations share, so their counts add under one name (a probe in the
 * template's body would be one site per instantiation; cxx-template-probe
 * covers that). */
inline int wst_cxx_template_body(int i, int n)
{
    WST_TIME_SCOPE("cxx_template");
    WST_COUNT("cxx_template_calls");
    return i * n;
}

template <int N> struct wst_cxx_worker {
    static int run(int i) { return wst_cxx_template_body(i, N); }
};

#endif
