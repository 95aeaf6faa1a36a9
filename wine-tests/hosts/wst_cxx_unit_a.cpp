/*
 * The cxx-two-units scenario's first translation unit (see
 * wst_cxx_unit_b.cpp for the program and its expected counts). Its first
 * probe is an inline function of its own, and it has a static function of
 * the same name and counter name as unit b's: under the old scheme
 * (".wst$m<__COUNTER__>") this unit's first site and unit b's shared one
 * section name, and the linker kept one of them.
 */
#include <winstrument.h>

inline void unit_a_inline()
{
    WST_COUNT("cxx_units_a_inline");
}

#include "wst_cxx_units.h"

static void unit_local()
{
    WST_ADD("cxx_units_static", 3);
}

double unit_a_run(int n)
{
    volatile double sink = 0;
    for (int i = 0; i < n; i++) {
        unit_a_inline();
        units_inline();
        unit_local();
        sink = sink + units_tpl<int>(i) + units_tpl<long>(i) + units_tpl<long>(i + 1);
    }
    return sink;
}
