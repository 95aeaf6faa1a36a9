/*
 * The `instance` of one load of a module (region header, pipe name, HELLO):
 * unique among the modules loaded at the same time, and different from the
 * previous load of a module reloaded at the same base.
 *
 * Pure arithmetic on its arguments: any thread may call it, it calls no OS
 * function (lifecycle.c reads the clock and passes it), so it is unit-tested
 * natively and under Wine alike.
 */
#ifndef WST_INSTANCE_ID_H
#define WST_INSTANCE_ID_H

#include <stdint.h>

/* `base` is the module's load address; `ticks` a clock reading that changes
 * between two loads (QueryPerformanceCounter). */
uint64_t wst_instance_id(uint64_t base, uint64_t ticks);

#endif
