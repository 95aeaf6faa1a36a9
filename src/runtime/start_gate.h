/*
 * The agreement between a mode's first hit, which starts something once, and
 * its stop (unload or exit), which must never stop a start half made nor let
 * one begin after it: threadpool mode (its fallback trigger) and helper mode
 * share it. One interlocked word, enum start_state:
 *   IDLE -> STARTING -> RUNNING   the first hit, exactly one caller
 *   IDLE or RUNNING -> CLOSED     the stop (wst_start_claim_stop)
 *   -> EXITED                     stop_at_exit: bars a first hit like CLOSED,
 *                                 but a stop after it still stops what was
 *                                 started (the test-only exit-wait mutant,
 *                                 which handles exit like an unload, relies
 *                                 on it: scenarios.MUTANTS)
 * Threads: any; takes no lock. Never waits for more than a first hit's few
 * lock-free calls between STARTING and RUNNING.
 */
#ifndef WST_START_GATE_H
#define WST_START_GATE_H

#include <windows.h>

enum start_state { START_IDLE = 0, START_STARTING, START_RUNNING, START_CLOSED, START_EXITED };

/* Claims the stop: CLOSED from IDLE or RUNNING (or EXITED). While a first
 * hit is mid-start on another thread, waits for it to finish: its calls take
 * no lock the stop may hold. Returns START_CLOSED when nothing had started
 * (or a stop came first), START_RUNNING when something started. */
static inline LONG wst_start_claim_stop(volatile LONG *start)
{
    for (;;) {
        LONG s = InterlockedCompareExchange(start, START_CLOSED, START_IDLE);
        if (s == START_IDLE || s == START_CLOSED)
            return s;
        if ((s == START_RUNNING || s == START_EXITED) &&
            InterlockedCompareExchange(start, START_CLOSED, s) == s)
            return START_RUNNING;
        Sleep(1);
    }
}

#endif
