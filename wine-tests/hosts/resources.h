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
};

void wst_resources_measure(struct wst_resources *out);

/* Measures until the thread count is at most `threads` or `settle_ms` passed:
 * idle thread-pool threads retire on their own some time after their pool
 * closes, and must not be counted as a leak while they do. */
void wst_resources_settle(struct wst_resources *out, unsigned long threads, unsigned settle_ms);

#endif
