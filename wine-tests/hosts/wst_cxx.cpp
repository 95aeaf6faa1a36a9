/*
 * wst_cxx.dll: C++ instrumented with winstrument, built with toolchain/wst-c++
 * (the dist-cxx scenario, driven by wst_dist_host.exe cxx). Templates (two
 * instantiations of one probe site), inline functions from a header, and
 * exceptions thrown through a time scope, whose destructor records the
 * duration while the exception unwinds.
 *
 * Threads: the host's main thread only.
 */
#include <windows.h>

#include <stdexcept>

#include "wst_cxx.h"

namespace {

/* Spins `ticks` inside a scope, then throws through it. *inner gets the
 * ticks measured inside the scope, up to the throw. */
[[noreturn]] void spin_and_throw(uint64_t ticks, uint64_t *inner)
{
    WST_TIME_SCOPE("cxx_throw");
    LARGE_INTEGER start, now;
    QueryPerformanceCounter(&start);
    do
        QueryPerformanceCounter(&now);
    while (static_cast<uint64_t>(now.QuadPart - start.QuadPart) < ticks);
    *inner = static_cast<uint64_t>(now.QuadPart - start.QuadPart);
    throw std::runtime_error("through the scope");
}

} // namespace

/* rounds times: both template instantiations, the header's inline function,
 * and a throw through a scope of `ticks`. inner[i] and outer[i] get the
 * ticks measured inside and outside that scope. Returns the number of
 * exceptions caught (rounds when all went well). */
extern "C" __declspec(dllexport) int wst_cxx_run(int rounds, uint64_t ticks, uint64_t *inner,
                                                 uint64_t *outer)
{
    int caught = 0;
    for (int i = 0; i < rounds; i++) {
        wst_cxx_worker<1>::run(i);
        wst_cxx_worker<2>::run(i);
        wst_cxx_inline_square(static_cast<uint64_t>(i));
        LARGE_INTEGER t0, t1;
        QueryPerformanceCounter(&t0);
        try {
            spin_and_throw(ticks, &inner[i]);
        } catch (const std::runtime_error &) {
            caught++;
        }
        QueryPerformanceCounter(&t1);
        outer[i] = static_cast<uint64_t>(t1.QuadPart - t0.QuadPart);
    }
    return caught;
}
