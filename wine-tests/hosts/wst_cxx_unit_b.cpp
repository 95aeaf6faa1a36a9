/*
 * The cxx-two-units scenario's program: two translation units (this one and
 * wst_cxx_unit_a.cpp) share wst_cxx_units.h's inline function and template,
 * and each has an inline function of its own and a static function named
 * unit_local. The scenario builds it with toolchain/wst-c++ twice (-c and a
 * link; one compile-and-link step). Per round, the counts are:
 *
 *   cxx_units_a_inline  1   unit a's own inline function
 *   cxx_units_b_inline  1   this unit's
 *   cxx_units_inline    5   the shared inline function: 1 from a, 4 from b
 *   cxx_units_tpl       15  units_tpl<int> 1 (a) + 4 (b), <long> 2 (a),
 *                           <double> 8 (b): each site's share is distinct
 *   cxx_units_tpl_time  15  records, the template's time scope
 *   cxx_units_static    8   unit a's unit_local adds 3, this unit's 5
 *
 * Run: n rounds (n from the command line), prints "ready PID", and waits
 * for a line on stdin, so the inspector reads it live; then it exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

#include <winstrument.h>

inline void unit_b_inline()
{
    WST_COUNT("cxx_units_b_inline");
}

#include "wst_cxx_units.h"

static void unit_local()
{
    WST_ADD("cxx_units_static", 5);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 5;
    volatile double sink = unit_a_run(n);
    for (int i = 0; i < n; i++) {
        unit_b_inline();
        unit_local();
        for (int k = 0; k < 4; k++) {
            units_inline();
            sink = sink + units_tpl<int>(i + k);
        }
        for (int k = 0; k < 8; k++)
            sink = sink + units_tpl<double>(i + k);
    }
    printf("ready %lu\n", (unsigned long)GetCurrentProcessId());
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL)
        return 1;
    return sink < 0;
}
