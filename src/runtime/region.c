/*
 * The module's published region: the header that opens the ".wst" section and
 * the trailer that closes it. The counters between them come from the probe
 * sites (winstrument.h); the linker orders the three groups by their '$'
 * suffix. The constant fields are fixed here at compile time, so a reader can
 * validate the region even before the module has attached; the lifecycle and
 * the worker write the rest (each field in region.h says who).
 */
#include "region_internal.h"

__attribute__((section(".wst$a"), aligned(64), used)) struct wst_region_header wst_region_ = {
    .magic = WST_REGION_MAGIC,
    .layout_version = WST_LAYOUT_VERSION,
    .header_size = sizeof(struct wst_region_header),
    .counter_size = sizeof(struct wst_counter),
    .line_size = WST_LINE,
    .stripes = WST_STRIPES,
    .name_max = WST_NAME_MAX,
    .runtime_version = WST_VERSION_NUMBER,
};

__attribute__((section(".wst$z"), aligned(64), used)) struct wst_region_trailer wst_region_end_ = {
    .magic = WST_TRAILER_MAGIC,
};

struct wst_counter *wst_region_counters_begin(void)
{
    return (struct wst_counter *)((char *)&wst_region_ + sizeof wst_region_);
}

struct wst_counter *wst_region_counters_end(void)
{
    return (struct wst_counter *)&wst_region_end_;
}

void wst_region_set_worker_state(enum wst_worker_state state)
{
    __atomic_store_n(&wst_region_.worker_state, (uint32_t)state, __ATOMIC_RELEASE);
}
