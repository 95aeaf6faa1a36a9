/*
 * See instance_id.h.
 */
#include "instance_id.h"

uint64_t wst_instance_id(uint64_t base, uint64_t ticks)
{
    return (ticks << 20) ^ base;
}
