/*
 * wst_fn_cxx.dll: C++ built with `wst-c++ --wst-functions`, for the
 * functions-unwind scenario: an exception thrown through instrumented
 * frames. GCC runs each frame's exit hook as the exception unwinds it (the
 * instrumented body is wrapped in a cleanup), so the shadow stack needs no
 * repair: the scenario checks that none was made.
 *
 * Also a function whose symbol is issue 23's hostile mangled name, for the
 * functions-hostile-name scenario: 40 levels of nested template back
 * references, whose demangling doubles at each level (an unbounded demangler
 * never finishes it). The label takes the target's own symbol prefix ('_' on
 * i686), so the COFF name is that name on both architectures.
 */
#include <stdexcept>

#define API extern "C" __declspec(dllexport)
#define ONE __attribute__((noinline, noclone))

#define STR_(x) #x
#define STR(x) STR_(x)
/* Written out by cases/functions.py's hostile_mangled(40), which checks it. */
#define HOSTILE_NAME                                                                       \
    "_Z1f1AIS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_I" \
    "S_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_S_ES0_ES1_ES2_ES3_ES4_ES5_ES6_ES7_ES8_ES9_ESA_ESB_" \
    "ESC_ESD_ESE_ESF_ESG_ESH_ESI_ESJ_ESK_ESL_ESM_ESN_ESO_ESP_ESQ_ESR_ESS_EST_ESU_ESV_ESW_ESX_" \
    "ESY_ESZ_ES10_ES11_ES12_E"

ONE static int cxx_hostile_name(int n) __asm__(STR(__USER_LABEL_PREFIX__) HOSTILE_NAME);
ONE static int cxx_hostile_name(int n)
{
    volatile int k = n;
    return k + 1;
}

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
    if (cxx_hostile_name(depth) != depth + 1)
        return 0;
    try {
        return cxx_thrower(depth);
    } catch (const std::exception &) {
        return -1;
    }
}
