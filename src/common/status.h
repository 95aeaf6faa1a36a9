/*
 * Status codes shared by the inspector and the platform-free parsers (PE
 * image, region, protocol codec). Errors are values: every function that can
 * fail returns one of these, wst_status_name() names it, and
 * wst_status_exit_code() maps it to wst-inspect's documented exit code
 * (docs/inspector.md).
 */
#ifndef WST_STATUS_H
#define WST_STATUS_H

enum wst_status {
    WST_OK = 0,
    WST_E_USAGE,            /* bad command line */
    WST_E_NO_PROCESS,       /* no process with that pid */
    WST_E_ACCESS_DENIED,    /* the process exists but cannot be opened or read */
    WST_E_NOT_INSTRUMENTED, /* no module of the process has a .wst section */
    WST_E_NO_MODULE,        /* --module names no instrumented module */
    WST_E_VERSION,          /* unknown layout or protocol version */
    WST_E_CORRUPT,          /* bad magic, size or offset in a region */
    WST_E_BAD_IMAGE,        /* malformed PE headers */
    WST_E_TARGET_GONE,      /* the process or module went away during a read */
    WST_E_PIPE,             /* the worker's pipe failed or answered wrongly */
    WST_E_NO_WORKER,        /* the operation needs a worker and there is none */
    WST_E_PROTOCOL,         /* a malformed message */
    WST_E_TRUNCATED,        /* input ended before the structure did */
    WST_E_INTERNAL,         /* out of memory, or a bug */
    WST_E_PARTIAL,          /* some modules failed, others were reported */
    WST_E_NOT_TIMED,        /* a time was asked of a function table that counts calls only */
    WST_E_UNKNOWN_OUTCOME,  /* a request was sent, its effect could not be told */
    WST_E_BUILD_MISMATCH,   /* saved files of one module from different builds */
    WST_STATUS_COUNT
};

const char *wst_status_name(enum wst_status status);
const char *wst_status_message(enum wst_status status);
int wst_status_exit_code(enum wst_status status);

#endif
