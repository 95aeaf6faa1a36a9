/*
 * wst_fn_cxx.dll: C++ built with `wst-c++ --wst-functions`, for the
 * functions-unwind scenario: an exception thrown through instrumented
 * frames. GCC runs each frame's exit hook as the exception unwinds it (the
 * instrumented body is wrapped in a cleanup), so the shadow stack needs no
 * repair: the scenario checks that none was made.
 */
#include <stdexcept>

#define API extern "C" __declspec(dllexport)
#define ONE __attribute__((noinline, noclone))

ONE static int cxx_thrower(int n)
{
    volatile int k = n;
    if (k == 0)
        throw std::runtime_error("through instrumented frames");
    return cxx_thrower(k - 1) + 1;
}

/* cxx_thrower(depth) .. cxx_thrower(0) left by the exception. */
API ONE int cxx_catch(int depth)
{
    try {
        return cxx_thrower(depth);
    } catch (const std::exception &) {
        return -1;
    }
}
