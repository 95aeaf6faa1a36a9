/*
 * Resource accounting for the leak scenarios: threads, handles and private
 * bytes of the calling process, measured the same way under Wine and on
 * Windows. Called only from the host's main thread.
 */
#ifndef WST_TEST_RESOURCES_H
#define WST_TEST_RESOURCES_H

struct wst_resources {
    unsigned long threads;
    unsigned long handles;
    unsigned long long private_bytes;
    unsigned long helper; /* 1 while wsthelper.dll is loaded (helper mode's DLL) */
};

void wst_resources_measure(struct wst_resources *out);

/* Measures until the thread count is at most `threads` and wsthelper.dll is
 * unloaded, or `settle_ms` passed: idle thread-pool threads retire on their
 * own some time after their pool closes, and a helper thread leaves (and
 * unloads the helper) some time after its module's unload returned; neither
 * is a leak while it is on its way. */
void wst_resources_settle(struct wst_resources *out, unsigned long threads, unsigned settle_ms);

#endif
