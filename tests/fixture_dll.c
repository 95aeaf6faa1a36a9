/*
 * A small instrumented DLL that the unit tests read as a file: a real PE
 * image with a ".wst" section, as the linker lays it out, for x86_64 (PE32+)
 * and i686 (PE32). Never loaded by the tests.
 */
#include <winstrument.h>

__declspec(dllexport) void fixture_hit(int n)
{
    WST_COUNT("fixture.calls");
    WST_ADD("fixture.total", n);
    if (n < 0)
        WST_COUNT("fixture.calls"); /* a second site of the same name */
}
