/*
 * sample.c's C++ twin, built through toolchain/wst-c++ and with the plain
 * mingw-w64 g++ (-DWST_SAMPLE_BARE) by scripts/check-imports.py. It uses what
 * pulls libstdc++ and the unwinder into a DLL (a container, a string, an
 * exception), so that an instrumented build which imported their DLLs
 * (libstdc++-6.dll, libgcc_s_*.dll) would show. Never run, only linked.
 */
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef WST_SAMPLE_BARE
#define WST_COUNT(name) ((void)0)
#define WST_ADD(name, n) ((void)(n))
#else
#include <winstrument.h>
#endif

extern "C" __declspec(dllexport) std::size_t sample_words(const char *text)
{
    WST_COUNT("sample.calls");
    std::vector<std::string> words(1);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == ' ')
            words.push_back(std::string());
        else
            words.back() += *p;
    }
    if (words.size() > 1000)
        throw std::length_error("too many words");
    WST_ADD("sample.words", words.size());
    return words.size();
}
