/*
 * The function table of a module built with `wst-cc --wst-functions`: the
 * table object itself, its slow paths (a function's first call claims its
 * slot; a thread's first call claims a stripe and, in timed builds, its
 * shadow stack), and what happens at the loader's events: the header is
 * filled and published at process attach, a thread's shadow stack is freed
 * at its DLL_THREAD_DETACH, every remaining one at unload.
 *
 * Linked only into modules whose hooks (function_hooks.c, in
 * libwinstrument-functions.a or libwinstrument-calls.a) reference it; the
 * hooks also carry its TLS callback, so it names nothing of theirs.
 *
 * Threads: the slow paths run on any thread that calls an instrumented
 * function, possibly under the loader lock (an instrumented DllMain). They
 * never wait for anything but the list lock, which is held only to link or
 * unlink one state and never across a call that could take another lock
 * except HeapFree at unload. They keep the caller's last-error value.
 *
 * Unload: a thread's shadow stack lives on the process heap and holds only
 * integers (RVAs, slots, stack addresses, clock ticks), never a pointer into
 * the module. At unload every state is freed and the TLS slot released
 * (TlsFree clears it in every thread), so nothing of a thread refers to the
 * module's memory, or to memory the module owned, once it is gone.
 */
#include <windows.h>

#include <stddef.h>
#include <string.h>

#include "function_table.h"
#include "lifecycle.h"
#include "region_internal.h"
#include "stripes.h"
#include "winstrument/probe_abi.h"

/* The hooks' flags (WST_FN_FLAG_TIMED or 0), handed over at attach by the
 * hooks variant linked in (function_hooks.c); constant afterwards. */
static uint32_t hooks_flags;

extern IMAGE_DOS_HEADER __ImageBase;

/* Zero until attach fills the header; keys and cells only grow afterwards. */
struct wst_fn_table wst_fn_table_ __attribute__((aligned(64)));

uint32_t wst_fn_thread_slot_offset_;
static DWORD thread_slot = TLS_OUT_OF_INDEXES;

/* Every thread state not yet freed, so that unload frees them all. */
static SRWLOCK list_lock = SRWLOCK_INIT;
static struct wst_fn_thread *threads_head;

#define TEB_TLS_SLOTS_COUNT 64u
#define TEB_TLS_EXPANSION_COUNT 1024u
#if defined(__x86_64__)
#define TEB_TLS_SLOTS 0x1480u
#else
#define TEB_TLS_SLOTS 0xe10u
#endif

void wst_fn_note_(uint64_t *field, uint64_t n)
{
    __atomic_fetch_add(field, n, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------------ */
/* Slots                                                                    */
/* ------------------------------------------------------------------------ */

uint32_t wst_fn_slot_slow_(uint32_t rva)
{
    struct wst_fn_table_header *h = &wst_fn_table_.header;
    uint32_t i = (rva * 0x9e3779b1u) >> (32u - 12u);
    for (unsigned n = 0; n < WST_FN_MAX_PROBE; n++) {
        uint32_t k = __atomic_load_n(&wst_fn_table_.keys[i], __ATOMIC_ACQUIRE);
        if (k == rva)
            return i;
        if (k == 0) {
            /* Reserve a place in the budget first: the table never holds
             * more than WST_FN_MAX_FUNCTIONS, whatever the races. */
            uint32_t used = __atomic_add_fetch(&h->used, 1, __ATOMIC_RELAXED);
            if (used > WST_FN_MAX_FUNCTIONS) {
                __atomic_fetch_sub(&h->used, 1, __ATOMIC_RELAXED);
                break;
            }
            uint32_t expected = 0;
            if (__atomic_compare_exchange_n(&wst_fn_table_.keys[i], &expected, rva, 0,
                                            __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
                return i;
            __atomic_fetch_sub(&h->used, 1, __ATOMIC_RELAXED);
            if (expected == rva)
                return i; /* another thread inserted the same function */
        }
        i = (i + 1u) & (WST_FN_CAPACITY - 1u);
    }
    wst_fn_note_(&h->overflow_calls, 1);
    return WST_FN_NO_SLOT;
}

/* ------------------------------------------------------------------------ */
/* Cells of threads without a stripe of their own                           */
/* ------------------------------------------------------------------------ */

void wst_fn_add_slow_(uint32_t slot, int time, uint64_t incl_ns, uint64_t self_ns)
{
    DWORD last_error = GetLastError();
    if (!wst_runtime_hit_seen_)
        wst_runtime_first_hit_();
#if defined(__x86_64__)
    unsigned s = wst_stripes_of_this_thread();
#else
    unsigned s = 0; /* i686 hits are atomic on every stripe: stripe 0 is as good */
#endif
    if (s != 0) {
        /* Owned: this thread is the stripe's only writer. */
        if (time) {
            *(volatile uint64_t *)&wst_fn_table_.time_ns[s][slot] += incl_ns;
            *(volatile uint64_t *)&wst_fn_table_.self_ns[s][slot] += self_ns;
        } else {
            *(volatile uint64_t *)&wst_fn_table_.calls[s][slot] += 1;
        }
    } else if (time) {
        __atomic_fetch_add(&wst_fn_table_.time_ns[0][slot], incl_ns, __ATOMIC_RELAXED);
        __atomic_fetch_add(&wst_fn_table_.self_ns[0][slot], self_ns, __ATOMIC_RELAXED);
    } else {
        __atomic_fetch_add(&wst_fn_table_.calls[0][slot], 1, __ATOMIC_RELAXED);
    }
    SetLastError(last_error);
}

/* ------------------------------------------------------------------------ */
/* Thread states                                                            */
/* ------------------------------------------------------------------------ */

static void link_state(struct wst_fn_thread *t)
{
    AcquireSRWLockExclusive(&list_lock);
    t->prev = NULL;
    t->next = threads_head;
    if (threads_head != NULL)
        threads_head->prev = t;
    threads_head = t;
    __atomic_fetch_add(&wst_fn_table_.header.threads_live, 1, __ATOMIC_RELAXED);
    ReleaseSRWLockExclusive(&list_lock);
}

static void unlink_state(struct wst_fn_thread *t)
{
    AcquireSRWLockExclusive(&list_lock);
    if (t->prev != NULL)
        t->prev->next = t->next;
    else
        threads_head = t->next;
    if (t->next != NULL)
        t->next->prev = t->prev;
    __atomic_fetch_sub(&wst_fn_table_.header.threads_live, 1, __ATOMIC_RELAXED);
    ReleaseSRWLockExclusive(&list_lock);
}

struct wst_fn_thread *wst_fn_thread_slow_(void)
{
    if (thread_slot == TLS_OUT_OF_INDEXES)
        return NULL;
    DWORD last_error = GetLastError();
    struct wst_fn_thread *t = NULL;
    uintptr_t held = (uintptr_t)TlsGetValue(thread_slot);
    if (held > WST_FN_THREAD_RELEASED) {
        t = (struct wst_fn_thread *)held; /* the hot path missed the expansion array */
    } else if (held == WST_FN_THREAD_NONE) {
        /* HEAP_ZERO_MEMORY: depth, skipped and cells start at 0; the
         * frames are written before they are read. */
        t = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof *t);
        if (t != NULL) {
            t->tsc_from = WST_FN_QPC_ONLY;
            link_state(t);
            TlsSetValue(thread_slot, t);
            wst_fn_note_(&wst_fn_table_.header.threads, 1);
        }
    }
    SetLastError(last_error);
    return t;
}

static void release_thread(void)
{
    if (thread_slot == TLS_OUT_OF_INDEXES)
        return;
    DWORD last_error = GetLastError();
    uintptr_t held = (uintptr_t)TlsGetValue(thread_slot);
    /* Hooks that run later on this thread (a DllMain at thread detach runs
     * after the TLS callbacks) count calls but time nothing: a new state now
     * would never be freed. */
    TlsSetValue(thread_slot, (void *)WST_FN_THREAD_RELEASED);
    if (held > WST_FN_THREAD_RELEASED) {
        unlink_state((struct wst_fn_thread *)held);
        HeapFree(GetProcessHeap(), 0, (void *)held);
    }
    SetLastError(last_error);
}

static void free_all_states(void)
{
    /* Unload: no hook of the module runs any more (a thread still inside one
     * is the host's bug, docs/functions.md), so the list is ours. */
    AcquireSRWLockExclusive(&list_lock);
    struct wst_fn_thread *t = threads_head;
    threads_head = NULL;
    wst_fn_table_.header.threads_live = 0;
    ReleaseSRWLockExclusive(&list_lock);
    while (t != NULL) {
        struct wst_fn_thread *next = t->next;
        HeapFree(GetProcessHeap(), 0, t);
        t = next;
    }
}

/* ------------------------------------------------------------------------ */
/* Loader events                                                            */
/* ------------------------------------------------------------------------ */

static void take_thread_slot(void)
{
    thread_slot = TlsAlloc();
    if (thread_slot == TLS_OUT_OF_INDEXES)
        return; /* calls are still counted; nothing is timed */
    if (thread_slot < TEB_TLS_SLOTS_COUNT)
        wst_fn_thread_slot_offset_ = TEB_TLS_SLOTS + thread_slot * (uint32_t)sizeof(void *);
    else if (thread_slot < TEB_TLS_SLOTS_COUNT + TEB_TLS_EXPANSION_COUNT)
        wst_fn_thread_slot_offset_ = WST_TLS_EXPANSION_TAG +
                                     (thread_slot - TEB_TLS_SLOTS_COUNT) * (uint32_t)sizeof(void *);
}

static void publish_table(void)
{
    struct wst_fn_table_header *h = &wst_fn_table_.header;
    h->version = WST_FN_TABLE_VERSION;
    h->header_size = sizeof *h;
    h->capacity = WST_FN_CAPACITY;
    h->stripes = WST_STRIPES;
    h->flags = hooks_flags;
    h->table_size = sizeof wst_fn_table_;
    h->keys_offset = offsetof(struct wst_fn_table, keys);
    h->calls_offset = offsetof(struct wst_fn_table, calls);
    h->time_offset = offsetof(struct wst_fn_table, time_ns);
    h->self_offset = offsetof(struct wst_fn_table, self_ns);
    h->stack_depth = WST_FN_STACK_DEPTH;
    /* The magic last, then the region header's pointer: a reader that sees
     * either sees a complete header. */
    __atomic_store_n(&h->magic, WST_FN_TABLE_MAGIC, __ATOMIC_RELEASE);
    wst_region_.functions_size = sizeof wst_fn_table_;
    wst_region_.functions_flags = hooks_flags;
    __atomic_store_n(&wst_region_.functions_rva,
                     (uint32_t)((uintptr_t)&wst_fn_table_ - (uintptr_t)&__ImageBase),
                     __ATOMIC_RELEASE);
}

void wst_fn_on_loader_event(void *module, unsigned long reason, void *reserved, uint32_t flags)
{
    (void)module;
    if (reason == DLL_PROCESS_ATTACH) {
        hooks_flags = flags;
        if (hooks_flags & WST_FN_FLAG_TIMED)
            take_thread_slot();
        publish_table();
    } else if (reason == DLL_THREAD_DETACH) {
        release_thread();
    } else if (reason == DLL_PROCESS_DETACH) {
        if (wst_lifecycle_process_exiting(reserved))
            return; /* the heap and the slot go with the process */
        wst_fn_thread_slot_offset_ = 0;
        free_all_states();
        if (thread_slot != TLS_OUT_OF_INDEXES)
            TlsFree(thread_slot); /* clears the slot in every thread */
        thread_slot = TLS_OUT_OF_INDEXES;
    }
}
