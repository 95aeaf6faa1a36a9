/*
 * winstrument: the API for instrumented code.
 *
 *   WST_COUNT("name")          adds 1 to the counter "name" of this module
 *   WST_ADD("name", n)         adds n
 *   WST_SET("name", v)         sets the gauge "name" to v (int64_t; the last write wins)
 *   WST_GAUGE_ADD("name", d)   adds d (int64_t, may be negative) to the gauge "name"
 *   WST_RECORD("name", v)      records v (uint64_t) in the distribution "name"
 *   WST_TIME_SCOPE("name")     records the time from here to the end of the
 *                              enclosing block, in ns, in the distribution "name"
 *
 * Usable in any function of a DLL or an EXE that links libwinstrument.a, with
 * no init call. Each use site is a static record in the module's ".wst"
 * section (see winstrument/region.h), gathered by the linker: nothing is
 * registered at run time. Each counter has WST_STRIPES slots ("stripes"),
 * one cache line each, and the reader sums them. On x86_64 a thread owns one
 * stripe of its own (claimed at its first hit, released when it exits, and
 * taken back if it exits without releasing it), so a hit is an inline plain
 * add with no call, no lock and no shared cache line; threads beyond the
 * WST_STRIPES - 1 owned stripes add atomically to stripe 0. On i686 a hit is
 * an inline atomic add on a stripe chosen by thread id. Names longer than
 * WST_NAME_MAX - 1 bytes are rejected at compile time.
 *
 * Distributions (count, sum, min, max exact; percentiles from log-linear
 * buckets within 3.125%) keep each thread's sum in its stripe and add 1
 * atomically to a bucket of one of two shards, the one the thread's stripe
 * picks, so the first two recording threads share no line; the count is the
 * buckets' total. No lock, no allocation. A time scope
 * reads the TSC at both ends (rdtsc, inline), once the module has calibrated
 * it against QueryPerformanceCounter without waiting, and QPC until then or
 * where the TSC is not invariant (docs/region.md, "Clock"); in C
 * it uses GCC's cleanup attribute, so return, break and goto out of the block
 * still record, and in C++ a destructor, so an exception does too. Its
 * statement declares variables: under -std=c89 -pedantic, put it where a
 * declaration may go. A name has one kind per module; the inspector reports
 * a name used with two kinds (docs/inspector.md).
 *
 * The collector's mode comes from the environment variable WINSTRUMENT_MODE
 * (threadpool, threadless); read wst-inspect's docs to get the data out.
 */
#ifndef WINSTRUMENT_H
#define WINSTRUMENT_H

#include <stdint.h>

#include "winstrument/probe_abi.h"
#include "winstrument/region.h"

/* Where a probe site goes. In C, every site is in ".wst$m", which the linker
 * sorts between the header (.wst$a) and the trailer (.wst$z). In C++ a site
 * in an inline function or a template is COMDAT data, and the linker keeps
 * one COMDAT section per section NAME, so sites must not share names across
 * translation units. toolchain/wst-c++ compiles with WST_CXX_SITES_RENAMED_
 * and -fdata-sections: the site has no section attribute, g++ puts it in
 * ".data$<its mangled name>" (unique per variable), and wst-c++ renames that
 * section to ".wst$m<its mangled name>" in the object. Without wst-c++ each
 * site gets ".wst$m<__COUNTER__>": right in one translation unit without
 * templates, wrong across several (a probe in an inline function or a
 * template may fail to link or be lost, silently), so the header warns
 * unless WST_CXX_COUNTER_SECTIONS says the build accepts that
 * (docs/region.md, "C++"). */
#if defined(__cplusplus) && defined(WST_CXX_SITES_RENAMED_)
#define WST_SITE_ATTRS_ __attribute__((aligned(64), used))
#else
#define WST_SITE_ATTRS_ __attribute__((section(WST_SECTION_), aligned(64), used))
#endif
#ifdef __cplusplus
#if !defined(WST_CXX_SITES_RENAMED_) && !defined(WST_CXX_COUNTER_SECTIONS)
#warning "winstrument.h: C++ without toolchain/wst-c++ may lose probes of inline functions \
and templates (docs/region.md, C++); define WST_CXX_COUNTER_SECTIONS to accept that"
#endif
#define WST_SECTION_ WST_SECTION_AT_(__COUNTER__)
#define WST_SECTION_AT_(n) WST_SECTION_AT2_(n)
#define WST_SECTION_AT2_(n) ".wst$m" #n
#else
#define WST_SECTION_ ".wst$m"
#endif

/* A counter-shaped record of `kind` named `name`, as the static `var`, and
 * its address as `var`p_. */
#define WST_SITE_(var, name, kind)                                                             \
    WST_STATIC_ASSERT_(sizeof(name) <= WST_NAME_MAX, "winstrument: name too long");            \
    WST_SITE_ATTRS_ static struct wst_counter var = {                                          \
        WST_COUNTER_MAGIC, kind, name, {{0, {0}}}};                                            \
    struct wst_counter *const var##p_ = &var

#define WST_DIST_SITE_(var, name, flags)                                                       \
    WST_STATIC_ASSERT_(sizeof(name) <= WST_NAME_MAX, "winstrument: name too long");            \
    WST_SITE_ATTRS_ static struct wst_distribution                                             \
        var = {WST_DIST_MAGIC,      WST_KIND_DISTRIBUTION | (flags), name, {{0, 0, {0}}},      \
               {0, 0, {0}}, {{0}}};                                                            \
    struct wst_distribution *const var##p_ = &var

#define WST_ADD(name, n)                                                                       \
    do {                                                                                       \
        WST_SITE_(wst_site_, name, WST_KIND_COUNTER);                                          \
        wst_counter_add_(wst_site_p_, (uint64_t)(n));                                           \
    } while (0)

#define WST_COUNT(name) WST_ADD(name, 1)

#define WST_SET(name, v)                                                                       \
    do {                                                                                       \
        WST_SITE_(wst_site_, name, WST_KIND_GAUGE);                                            \
        wst_gauge_set_(wst_site_p_, (int64_t)(v));                                              \
    } while (0)

#define WST_GAUGE_ADD(name, d)                                                                 \
    do {                                                                                       \
        WST_SITE_(wst_site_, name, WST_KIND_GAUGE);                                            \
        wst_gauge_add_(wst_site_p_, (int64_t)(d));                                              \
    } while (0)

#define WST_RECORD(name, v)                                                                    \
    do {                                                                                       \
        WST_DIST_SITE_(wst_site_, name, 0);                                                    \
        wst_dist_record_(wst_site_p_, (uint64_t)(v));                                           \
    } while (0)

/* Two declarations (the site, then the scope's state), named after the line's
 * __COUNTER__ so that scopes nest in one block. */
#define WST_TIME_SCOPE(name) WST_TIME_SCOPE_AT_(name, __COUNTER__)
#define WST_TIME_SCOPE_AT_(name, n) WST_TIME_SCOPE_AT2_(name, n)
#ifdef __cplusplus
struct wst_scope_raii_ {
    struct wst_scope_ s;
    explicit wst_scope_raii_(struct wst_distribution *site) : s(wst_scope_begin_(site)) {}
    ~wst_scope_raii_() { wst_scope_end_(&s); }

  private:
    wst_scope_raii_(const wst_scope_raii_ &);
    wst_scope_raii_ &operator=(const wst_scope_raii_ &);
};
#define WST_TIME_SCOPE_AT2_(name, n)                                                           \
    WST_DIST_SITE_(wst_time_site_##n, name, WST_DIST_UNIT_NS);                                 \
    wst_scope_raii_ wst_scope_##n(wst_time_site_##n##p_)
#else
#define WST_TIME_SCOPE_AT2_(name, n)                                                           \
    WST_DIST_SITE_(wst_time_site_##n, name, WST_DIST_UNIT_NS);                                 \
    struct wst_scope_ wst_scope_##n __attribute__((cleanup(wst_scope_end_))) =                 \
        wst_scope_begin_(wst_time_site_##n##p_)
#endif

#endif
