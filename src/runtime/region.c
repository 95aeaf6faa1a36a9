/*
 * The module's published region: the header that opens the ".wst" section and
 * the trailer that closes it. The counters between them come from the probe
 * sites (winstrument.h); the linker orders the three groups by their '$'
 * suffix. The constant fields are fixed here at compile time, so a reader can
 * validate the region even before the module has attached; the lifecycle and
 * the worker write the rest (each field in region.h says who), the worker's
 * fields through the functions at the end.
 */
#include <windows.h>

#include <string.h>

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

/* Records why the worker does not serve, then publishes the state: a reader
 * that sees PIPE_FAILED sees the error too. Never printed: stderr may be a
 * full pipe. */
void wst_region_worker_failed(unsigned long error)
{
    __atomic_store_n(&wst_region_.worker_error, error != 0 ? error : ERROR_GEN_FAILURE,
                     __ATOMIC_RELAXED);
    wst_region_set_worker_state(WST_WORKER_PIPE_FAILED);
}

/* The region's pipe_name is valid while worker_state says SERVING: it is
 * written before the state is released, and the state leaves SERVING before
 * the name is cleared. */
void wst_region_publish_serving(const char *name)
{
    memcpy(wst_region_.pipe_name, name, WST_PIPE_NAME_MAX);
    wst_region_set_worker_state(WST_WORKER_SERVING);
}

void wst_region_unpublish(enum wst_worker_state state)
{
    wst_region_set_worker_state(state);
    memset(wst_region_.pipe_name, 0, WST_PIPE_NAME_MAX);
}

void wst_region_note_start(void)
{
    FILETIME now;
    GetSystemTimeAsFileTime(&now);
    uint64_t ticks = ((uint64_t)now.dwHighDateTime << 32) | now.dwLowDateTime;
    __atomic_store_n(&wst_region_.started_at, ticks, __ATOMIC_RELAXED);
}
