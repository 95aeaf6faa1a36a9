/*
 * MUTANT terminate-thread, built only for the tests: a threadpool mode "solved" the
 * way the problem usually is. Its worker is a plain thread serving the same
 * pipe server, and unload kills it with TerminateThread, wherever it is:
 * holding a heap or CRT lock, in the middle of I/O, owning every pipe handle.
 *
 * The build links it in place of src/runtime/mode_threadpool.c
 * (libwinstrument-terminate-thread.a), and the driver runs the scenarios that
 * scenarios.MUTANTS names against it. At least one of them must fail (hang,
 * leak, corruption); if this mutant ever passes them all, the run fails.
 * Never ship it, never copy from it.
 */
#include <windows.h>

#include <string.h>

#include "mode.h"
#include "pipe_name.h"
#include "pipe_server.h"
#include "region_internal.h"
#include "winstrument/protocol.h"

static HANDLE worker;
static HANDLE stop_event;
static uint64_t module_base;

static DWORD WINAPI worker_main(void *arg)
{
    (void)arg;
    char name[WST_PIPE_NAME_MAX];
    struct wst_pipe_server *server = NULL;
    DWORD error = 0;
    wst_pipe_name_format(name, wst_region_.pid, wst_region_.instance);
    struct wst_pipe_server_config config = {
        .name = name, .stop_event = stop_event, .module_base = module_base,
        .started_ms = GetTickCount64(), .region = &wst_region_,
        .counters_begin = wst_region_counters_begin(), .counters_end = wst_region_counters_end()};
    if (wst_pipe_server_open(&server, &config, &error) != WST_SERVE_OK) {
        wst_region_set_worker_state(WST_WORKER_PIPE_FAILED);
        return 1;
    }
    memcpy(wst_region_.pipe_name, name, WST_PIPE_NAME_MAX);
    wst_region_set_worker_state(WST_WORKER_SERVING);
    wst_pipe_server_serve(server);
    wst_pipe_server_close(server);
    return 0;
}

static void wrong_attach(void *module)
{
    module_base = (uint64_t)(uintptr_t)module;
    wst_region_set_worker_state(WST_WORKER_IDLE);
}

static void wrong_first_hit(void)
{
    stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    wst_region_set_worker_state(WST_WORKER_STARTING);
    worker = CreateThread(NULL, 0, worker_main, NULL, 0, NULL);
}

static void wrong_stop(void)
{
    /* The shortcut: no signal, no wait, just kill it. */
    if (worker != NULL) {
        TerminateThread(worker, 0);
        CloseHandle(worker);
    }
    if (stop_event != NULL)
        CloseHandle(stop_event);
    worker = stop_event = NULL;
    wst_region_set_worker_state(WST_WORKER_STOPPED);
}

const struct wst_mode_ops wst_mode_threadpool = {
    .name = "threadpool",
    .mode = WST_MODE_THREADPOOL,
    .attach = wrong_attach,
    .first_hit = wrong_first_hit,
    .stop_on_unload = wrong_stop,
    .stop_at_exit = wrong_stop,
};
