/*
 * The module scripts/check-imports.py builds twice from one source: through
 * toolchain/wst-cc (instrumented) and with the plain mingw-w64 compiler and
 * -DWST_SAMPLE_BARE (the same code without winstrument), as a DLL and, with
 * -DWST_SAMPLE_EXE, as an EXE. Their import tables are compared: winstrument
 * may add ntdll.dll and nothing else.
 *
 * It does what a small instrumented library does: counters, a time scope and
 * a distribution, and an exported function; under --wst-functions every
 * function is hooked as well. Never run, only linked and read.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef WST_SAMPLE_BARE
#define WST_COUNT(name) ((void)0)
#define WST_ADD(name, n) ((void)(n))
#define WST_TIME_SCOPE(name) ((void)0)
#define WST_RECORD(name, v) ((void)(v))
#else
#include <winstrument.h>
#endif

static uint32_t mix(uint32_t h, unsigned char c)
{
    WST_COUNT("sample.bytes");
    return (h ^ c) * 16777619u;
}

__declspec(dllexport) uint32_t sample_hash(const unsigned char *p, size_t n)
{
    WST_TIME_SCOPE("sample.hash_time");
    WST_RECORD("sample.hash_size", (uint64_t)n);
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = mix(h, p[i]);
    WST_ADD("sample.hashes", 1);
    return h;
}

#ifdef WST_SAMPLE_EXE
int main(int argc, char **argv)
{
    return (int)(sample_hash((const unsigned char *)argv[0], (size_t)argc) & 1u);
}
#endif
