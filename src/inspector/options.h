/*
 * The parsed command line that every verb reads (struct wst_options), and
 * the option table behind it (options.c): each option's name, whether it
 * takes a value, the verbs it applies to, its parser and its help lines.
 * The table produces both the "options:" part of --help and the "applies
 * to X only" errors, so a new option is one row. Main thread only.
 */
#ifndef WST_INSPECTOR_OPTIONS_H
#define WST_INSPECTOR_OPTIONS_H

#include <stdio.h>

#include "error.h"
#include "report.h"

enum wst_via { WST_VIA_AUTO, WST_VIA_PIPE, WST_VIA_MEMORY };

enum wst_format {
    WST_FORMAT_TEXT,
    WST_FORMAT_JSON,
    WST_FORMAT_CSV,
    WST_FORMAT_DRCOV,
    WST_FORMAT_LCOV
};

/* dump --from: at most this many saved files in one run. */
#define WST_FROM_MAX 256

enum wst_function_sort { WST_SORT_CALLS, WST_SORT_TIME, WST_SORT_SELF };

/* serve: its listening address and its bounds on clients at once, which
 * --listen and --max-connections default to and are checked against. */
#define WST_SERVE_DEFAULT_LISTEN "127.0.0.1:9464"
#define WST_SERVE_DEFAULT_CONNECTIONS 64
#define WST_SERVE_MAX_CONNECTIONS 200

/* The verbs, as the option table names them (a bit each: 1u << WST_VERB_*).
 * main.c's verb table is in this order. */
enum wst_verb_id {
    WST_VERB_LIST,
    WST_VERB_PS,
    WST_VERB_DUMP,
    WST_VERB_WATCH,
    WST_VERB_RESET,
    WST_VERB_STATS,
    WST_VERB_COVERAGE,
    WST_VERB_SERVE,
    WST_VERB_FUNCTIONS,
    WST_VERB_COUNT
};

struct wst_options {
    DWORD pid;
    const char *module; /* NULL: every instrumented module */
    int json;
    enum wst_via via;
    DWORD timeout_ms;
    /* watch, serve, ps and --format (fleet.c, verb_watch.c, verb_serve.c, verb_ps.c) */
    enum wst_format format; /* --json sets WST_FORMAT_JSON too */
    int format_given;       /* --format or --json was given (coverage defaults to lcov) */
    double interval_s;      /* watch */
    unsigned long count;    /* watch: intervals to show, 0 = until Ctrl+C */
    const char *listen;     /* serve: ADDRESS:PORT */
    int allow_remote;       /* serve: a non-loopback address is allowed */
    unsigned long max_connections;
    /* serve: functions per module in the function families; 0: none */
    unsigned long functions_top;
    int functions_top_given;
    /* functions (verb_functions.c) */
    const char *symbols; /* --symbols FILE */
    int sort;            /* enum wst_function_sort */
    int sort_given;
    unsigned long top;  /* --top N, 0 = all (watch --functions: 20) */
    int watch_functions; /* watch --functions: the live top of functions */
    const char *output; /* coverage: -o FILE; NULL: stdout */
    int all_functions;  /* --all: also every function symbol never called */
    /* dump, functions and coverage --from FILE...: saved files, not a process */
    const char *from[WST_FROM_MAX];
    size_t from_count;
};

/* Parses argv[2 ..] for the verb `verb` (named `verb_name`; `takes_pid`: it
 * needs a PID argument; `formats`: a bit 1u << WST_FORMAT_* per format it
 * writes) into *o, which holds the defaults on entry. Every option given
 * must apply to the verb (the table says which do); WST_E_USAGE with the
 * message otherwise. */
enum wst_status wst_options_parse(int argc, char **argv, enum wst_verb_id verb,
                                  const char *verb_name, int takes_pid, unsigned formats,
                                  struct wst_options *o, struct wst_error *err);

/* The "options:" part of --help, one entry per row of the table. */
void wst_options_usage(FILE *out);

#endif
