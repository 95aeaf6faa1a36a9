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

/* Measures until threads and handles are back to at most the baseline's and
 * wsthelper.dll is unloaded, or `settle_ms` passed: idle thread-pool threads
 * retire on their own some time after their pool closes, and a helper thread
 * leaves (and unloads the helper) some time after its module's unload
 * returned; neither is a leak while it is on its way. Handles count too: a
 * baseline taken while the warm-up's helper thread was still leaving counts
 * one thread more, so the thread count alone could end the wait while the
 * last helper's handles were still open. */
void wst_resources_settle(struct wst_resources *out, const struct wst_resources *baseline,
                          unsigned settle_ms);

#endif
