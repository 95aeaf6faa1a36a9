/*
 * counters_dll.dll: the instrumented DLL of the dist_zip and i686 scenarios.
 * counters_work(n) counts n calls one hit at a time ("dll.calls") and adds 3n
 * in one hit ("dll.bytes"), so a reader that sums the stripes wrongly, or
 * reads the wrong width, sees a wrong number. Built from the source tree for
 * both architectures (scripts/module.mk) and, by the dist_zip scenario, with
 * nothing but a release zip's wst-cc.
 */
#include <winstrument.h>

__declspec(dllexport) unsigned counters_work(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        WST_COUNT("dll.calls");
    WST_ADD("dll.bytes", 3u * n);
    return n;
}
