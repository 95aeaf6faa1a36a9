/*
 * The extra counters of wst_many.dll (wst_probe.c plus this file): 4,200
 * distinct counter names, more than one pipe snapshot reply can carry
 * (4,095, docs/protocol.md). The pipe-many-counters scenario checks that no
 * name is dropped silently. The sites are static data, so they are in the
 * region whether or not wst_many_hit ever runs; it is exported so that the
 * linker keeps this object and so a scenario can hit them all once.
 */
#include <winstrument.h>

#define WST_MANY_1(p) WST_COUNT("many." p);
#define WST_MANY_10(p)                                                                         \
    WST_MANY_1(p "0") WST_MANY_1(p "1") WST_MANY_1(p "2") WST_MANY_1(p "3") WST_MANY_1(p "4")  \
    WST_MANY_1(p "5") WST_MANY_1(p "6") WST_MANY_1(p "7") WST_MANY_1(p "8") WST_MANY_1(p "9")
#define WST_MANY_100(p)                                                                        \
    WST_MANY_10(p "0") WST_MANY_10(p "1") WST_MANY_10(p "2") WST_MANY_10(p "3")                \
    WST_MANY_10(p "4") WST_MANY_10(p "5") WST_MANY_10(p "6") WST_MANY_10(p "7")                \
    WST_MANY_10(p "8") WST_MANY_10(p "9")
#define WST_MANY_1000(p)                                                                       \
    WST_MANY_100(p "0") WST_MANY_100(p "1") WST_MANY_100(p "2") WST_MANY_100(p "3")            \
    WST_MANY_100(p "4") WST_MANY_100(p "5") WST_MANY_100(p "6") WST_MANY_100(p "7")            \
    WST_MANY_100(p "8") WST_MANY_100(p "9")

__declspec(dllexport) void __cdecl wst_many_hit(void)
{
    /* many.0000 .. many.4199 */
    WST_MANY_1000("0") WST_MANY_1000("1") WST_MANY_1000("2") WST_MANY_1000("3")
    WST_MANY_100("40") WST_MANY_100("41")
}
