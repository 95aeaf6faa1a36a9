/*
 * wst_stripes_dll.dll: an instrumented DLL that tests/test_stripes.c loads
 * and unloads. It records into a distribution on request (which bucket
 * shard a stripe's records land in). Its own DllMain hits a counter at
 * DLL_THREAD_DETACH, as a
 * host's may: that hit runs after the runtime's TLS callback has released the
 * exiting thread's stripe. It exports its region header and its TLS slot's
 * TEB offset, and what its probes read from the slot, so that the test can
 * check where hits land, that they take the fast path, and what the header
 * reports about stripe ownership.
 *
 * Threads: any; the exports only read.
 */
#include <windows.h>

#include <winstrument.h>

BOOL WINAPI DllMain(HINSTANCE module, DWORD reason, LPVOID reserved)
{
    (void)module;
    (void)reserved;
    if (reason == DLL_THREAD_DETACH)
        WST_COUNT("dll.detach");
    return TRUE;
}

__declspec(dllexport) void stripes_dll_hit(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        WST_COUNT("dll.hit");
}

/* n records of v into one distribution: which shard they land in is the
 * test's question (region.h, WST_DIST_SHARDS). */
__declspec(dllexport) void stripes_dll_record(uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        WST_RECORD("dll.dist", v);
}

extern struct wst_region_header wst_region_;

__declspec(dllexport) struct wst_region_header *stripes_dll_region(void)
{
    return &wst_region_;
}

__declspec(dllexport) uint32_t stripes_dll_slot_offset(void)
{
    return wst_stripe_slot_offset_;
}

/* What the inline probe reads from the calling thread's slot: the test checks
 * that it is an owned stripe's offset, which is the fast path's condition. */
__declspec(dllexport) uint64_t stripes_dll_slot_read(void)
{
    return wst_stripe_slot_read_();
}
