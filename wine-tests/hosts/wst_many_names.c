/*
 * The extra counters of wst_many_names.dll (target_dll.c plus this file): 4,200
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
/* A hundred names per function: one function of 4,200 sites is more than
 * GCC's variable tracking wants to handle (it says so, and retries). */
#define WST_MANY_FN(id)                                                                        \
    static void many_##id(void)                                                                \
    {                                                                                          \
        WST_MANY_100(#id)                                                                      \
    }
#define WST_MANY_FN10(d)                                                                       \
    WST_MANY_FN(d##0) WST_MANY_FN(d##1) WST_MANY_FN(d##2) WST_MANY_FN(d##3) WST_MANY_FN(d##4)  \
    WST_MANY_FN(d##5) WST_MANY_FN(d##6) WST_MANY_FN(d##7) WST_MANY_FN(d##8) WST_MANY_FN(d##9)
#define WST_MANY_CALL10(d)                                                                     \
    many_##d##0(); many_##d##1(); many_##d##2(); many_##d##3(); many_##d##4();                 \
    many_##d##5(); many_##d##6(); many_##d##7(); many_##d##8(); many_##d##9();

/* many.0000 .. many.4199 */
WST_MANY_FN10(0) WST_MANY_FN10(1) WST_MANY_FN10(2) WST_MANY_FN10(3) WST_MANY_FN(40) WST_MANY_FN(41)

__declspec(dllexport) void __cdecl wst_many_hit(void)
{
    WST_MANY_CALL10(0) WST_MANY_CALL10(1) WST_MANY_CALL10(2) WST_MANY_CALL10(3)
    many_40();
    many_41();
}
