/*
 * winstrument: the API for instrumented code.
 *
 *   WST_COUNT("name")     adds 1 to the counter "name" of this module
 *   WST_ADD("name", n)    adds n
 *
 * Usable in any function of a DLL or an EXE that links libwinstrument.a, with
 * no init call. Each use site is a static record in the module's ".wst"
 * section (see winstrument/region.h), gathered by the linker: nothing is
 * registered at run time. Each counter has WST_STRIPES slots ("stripes"),
 * one cache line each, and the reader sums them. On x86_64 a thread owns one
 * stripe of its own (claimed at its first hit, released when it exits, and
 * taken back if it exits without releasing it), so a hit is an inline plain
 * add with no call, no lock and no shared cache line; threads beyond the
 * WST_STRIPES - 1 owned stripes add atomically to stripe 0. On i686 a hit is
 * an inline atomic add on a stripe chosen by thread id. Names longer than
 * WST_NAME_MAX - 1 bytes are rejected at compile time.
 *
 * The collector's mode comes from the environment variable WINSTRUMENT_MODE
 * (threadpool, threadless); read wst-inspect's docs to get the data out.
 */
#ifndef WINSTRUMENT_H
#define WINSTRUMENT_H

#include <stdint.h>

#include "winstrument/probe_abi.h"
#include "winstrument/region.h"

#define WST_ADD(name, n)                                                                       \
    do {                                                                                       \
        _Static_assert(sizeof(name) <= WST_NAME_MAX, "winstrument: counter name too long");    \
        __attribute__((section(".wst$m"), aligned(64), used)) static struct wst_counter       \
            wst_site_ = {WST_COUNTER_MAGIC, 0, name, {{0, {0}}}};                              \
        wst_counter_add_(&wst_site_, (uint64_t)(n));                                           \
    } while (0)

#define WST_COUNT(name) WST_ADD(name, 1)

#endif
