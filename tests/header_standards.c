/*
 * Compiled, never run: scripts/check-header-standards.sh builds this file
 * with every C standard that GCC accepts (from -ansi on) and, as C++, with
 * every C++ standard of mingw-w64's g++, for both architectures, with
 * -pedantic -Wall -Wextra -Werror. It uses each macro of <winstrument.h>,
 * so that a construct one standard lacks (a trailing enumerator comma in
 * C89, a C11 keyword in C++) fails the build, not a user's.
 */
#include <winstrument.h>

int wst_header_standards_use(int x);

int wst_header_standards_use(int x)
{
    WST_TIME_SCOPE("standards.scope");
    WST_COUNT("standards.count");
    WST_ADD("standards.add", 2);
    WST_SET("standards.gauge", x);
    WST_GAUGE_ADD("standards.gauge", -1);
    WST_RECORD("standards.record", (unsigned)x);
    {
        WST_TIME_SCOPE("standards.nested");
        if (x > 1)
            return x;
    }
    return 0;
}
