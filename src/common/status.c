/*
 * Names, messages and exit codes of enum wst_status, in one table so that the
 * three can never disagree. The exit codes are part of wst-inspect's
 * interface: never renumber one, only add.
 */
#include "status.h"

static const struct {
    const char *name;
    const char *message;
    int exit_code;
} statuses[WST_STATUS_COUNT] = {
    [WST_OK] = {"ok", "success", 0},
    [WST_E_USAGE] = {"usage", "bad command line", 2},
    [WST_E_NO_PROCESS] = {"no-process", "no such process", 3},
    [WST_E_ACCESS_DENIED] = {"access-denied", "access denied", 4},
    [WST_E_NOT_INSTRUMENTED] = {"not-instrumented", "no instrumented module in the process", 5},
    [WST_E_NO_MODULE] = {"no-module", "no instrumented module of that name", 6},
    [WST_E_VERSION] = {"version-mismatch", "unknown layout or protocol version", 7},
    [WST_E_CORRUPT] = {"corrupt-region", "corrupt region", 8},
    [WST_E_BAD_IMAGE] = {"bad-image", "malformed PE image", 9},
    [WST_E_TARGET_GONE] = {"target-gone", "the target went away during the read", 10},
    [WST_E_PIPE] = {"pipe-error", "the worker's pipe failed", 11},
    [WST_E_NO_WORKER] = {"no-worker", "no worker serves this module", 12},
    [WST_E_PROTOCOL] = {"protocol-error", "malformed message", 13},
    [WST_E_TRUNCATED] = {"truncated", "input ends too early", 14},
    [WST_E_INTERNAL] = {"internal", "internal error", 70},
    [WST_E_PARTIAL] = {"partial", "some modules failed", 15},
    [WST_E_NOT_TIMED] = {"not-timed", "the function table counts calls only", 16},
    [WST_E_UNKNOWN_OUTCOME] = {"unknown-outcome", "the request was sent, its outcome is unknown",
                               17},
    [WST_E_BUILD_MISMATCH] = {"build-mismatch", "saved files of different builds of a module", 18},
};

static int in_range(enum wst_status status)
{
    return (unsigned)status < WST_STATUS_COUNT && statuses[status].name != 0;
}

const char *wst_status_name(enum wst_status status)
{
    return in_range(status) ? statuses[status].name : "unknown";
}

const char *wst_status_message(enum wst_status status)
{
    return in_range(status) ? statuses[status].message : "unknown error";
}

int wst_status_exit_code(enum wst_status status)
{
    return in_range(status) ? statuses[status].exit_code : 70;
}
