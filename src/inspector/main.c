/*
 * wst-inspect's entry point: the verb table, --help and --version; it parses
 * the command line through the option table (options.c), runs one verb
 * (verb_<name>.c), and turns its status into the one-line error and exit
 * code documented in docs/inspector.md. Single-threaded.
 */
#include <string.h>

#include "error.h"
#include "options.h"
#include "output_state.h"
#include "pipe_client.h"
#include "verbs.h"
#include "winstrument/version.h"
#include "write_report.h"

/* The verbs, in enum wst_verb_id's order, each with its --help lines. */
#define F_TEXT (1u << WST_FORMAT_TEXT)
#define F_JSON (1u << WST_FORMAT_JSON)
#define F_CSV (1u << WST_FORMAT_CSV)
#define F_COVERAGE (1u << WST_FORMAT_DRCOV | 1u << WST_FORMAT_LCOV)

typedef enum wst_status (*verb_fn)(const struct wst_options *, FILE *, struct wst_error *);

static const struct {
    const char *name;
    verb_fn run;
    int takes_pid;
    unsigned formats; /* a bit per enum wst_format the verb writes */
    const char *help;
} verbs[WST_VERB_COUNT] = {
    [WST_VERB_LIST] =
        {"list", wst_verb_list, 0, F_TEXT | F_JSON,
         "  list [--json]                      processes with instrumented modules\n"},
    [WST_VERB_PS] = {"ps", wst_verb_ps, 0, F_TEXT | F_JSON | F_CSV,
                     "  ps [--format text|json|csv]        every process: pid, executable, bits, "
                     "instrumented\n"},
    [WST_VERB_DUMP] = {"dump", wst_verb_dump, 1, F_TEXT | F_JSON | F_CSV,
                       "  dump PID [--module NAME] [--format text|json|csv] [--via "
                       "pipe|memory|auto]\n"
                       "                                     a snapshot of the counters\n"
                       "  dump --from FILE... [--module NAME] [--json]\n"
                       "                                     the counters of files saved by\n"
                       "                                     WINSTRUMENT_SAVE=DIR, merged\n"},
    [WST_VERB_WATCH] = {"watch", wst_verb_watch, 1, F_TEXT | F_JSON | F_CSV,
                        "  watch PID [--module NAME] [--interval S] [--count N] [--format "
                        "text|json|csv]\n"
                        "                                     the counters and their rates every S "
                        "seconds\n"
                        "  watch PID --functions [--module NAME] [--top N] [--interval S] [--count N]\n"
                        "                                     a live top of functions by calls/s\n"},
    [WST_VERB_RESET] =
        {"reset", wst_verb_reset, 1, F_TEXT | F_JSON,
         "  reset PID [--module NAME] [--json] zero the counters and function tables\n"
         "                                     (needs a worker)\n"},
    [WST_VERB_STATS] = {"stats", wst_verb_stats, 1, F_TEXT | F_JSON,
                        "  stats PID [--module NAME] [--json] the worker's statistics\n"},
    [WST_VERB_FUNCTIONS] = {"functions", wst_verb_functions, 1, F_TEXT | F_JSON,
                            "  functions PID [--module NAME] [--sort calls|time|self] [--top N] "
                            "[--all] [--json]\n"
                            "            [--symbols FILE]         calls and time per function of "
                            "modules built\n"
                            "                                     with wst-cc --wst-functions\n"
                            "  functions --from FILE... [--module NAME] [options as above]\n"
                            "                                     the same from saved files, merged\n"},
    [WST_VERB_COVERAGE] = {"coverage", wst_verb_coverage, 1, F_COVERAGE,
                           "  coverage PID|--from FILE... [--format lcov|drcov] [-o FILE] "
                           "[--module NAME]\n"
                           "                                     which functions ran: drcov "
                           "blocks, or an lcov\n"
                           "                                     tracefile with DWARF lines "
                           "(docs/coverage.md)\n"},
    [WST_VERB_SERVE] = {"serve", wst_verb_serve, 0, F_TEXT,
                        "  serve [--listen ADDRESS:PORT] [--allow-remote] [--max-connections N]\n"
                        "        [--functions-top N]\n"
                        "                                     GET /metrics: every instrumented "
                        "process, in\n"
                        "                                     OpenMetrics (docs/prometheus.md)\n"},
};

/* --help lists the verbs in this order (functions before coverage, as it
 * always did). */
static const enum wst_verb_id help_order[WST_VERB_COUNT] = {
    WST_VERB_LIST,  WST_VERB_PS,        WST_VERB_DUMP,     WST_VERB_WATCH, WST_VERB_RESET,
    WST_VERB_STATS, WST_VERB_FUNCTIONS, WST_VERB_COVERAGE, WST_VERB_SERVE,
};

static void usage(FILE *out)
{
    fputs("usage: wst-inspect VERB [options]\n"
          "\n"
          "Reads winstrument counters out of running processes.\n"
          "\n"
          "verbs:\n",
          out);
    for (size_t i = 0; i < WST_VERB_COUNT; i++)
        fputs(verbs[help_order[i]].help, out);
    fputs("\n", out);
    wst_options_usage(out);
}

static int has_flag(int argc, char **argv, const char *flag)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], flag) == 0)
            return 1;
    }
    return 0;
}

/* Whether the command line asks for JSON anywhere, for an error found
 * before the parse reached that option. */
static int wants_json(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "--format=json") == 0 ||
            (strcmp(argv[i], "--format") == 0 && i + 1 < argc && strcmp(argv[i + 1], "json") == 0))
            return 1;
    }
    return 0;
}

/* With --json, the error is also a JSON object on stdout, so that a program
 * that reads stdout always gets JSON; the exit code stays the same. */
static void json_error(FILE *out, const struct wst_error *err)
{
    fprintf(out, "{\"error\": {\"status\": \"%s\", \"exit_code\": %d, \"message\": ",
            wst_status_name(err->status), wst_status_exit_code(err->status));
    wst_json_string(out, wst_status_message(err->status));
    fputs(", \"detail\": ", out);
    wst_json_string(out, err->detail);
    fprintf(out, ", \"win32\": %lu}}\n", err->win32);
}

static int fail(const struct wst_error *err, const struct wst_options *o)
{
    if (o != NULL && o->format == WST_FORMAT_JSON)
        json_error(stdout, err);
    fflush(stdout);
    wst_error_print(stderr, err);
    if (err->status == WST_E_USAGE)
        fputs("Try 'wst-inspect --help'.\n", stderr);
    return wst_status_exit_code(err->status);
}

int main(int argc, char **argv)
{
    struct wst_error err = {0};
    struct wst_options o = {.via = WST_VIA_AUTO, .timeout_ms = WST_PIPE_TIMEOUT_MS};
    if (has_flag(argc, argv, "--help") || has_flag(argc, argv, "-h")) {
        usage(stdout);
        return 0;
    }
    if (has_flag(argc, argv, "--version")) {
        printf("wst-inspect %s (layout %d, protocol %d)\n", WST_VERSION_STRING, WST_LAYOUT_VERSION,
               WST_PROTOCOL_VERSION);
        return 0;
    }
    if (argc < 2) {
        usage(stderr);
        return wst_status_exit_code(WST_E_USAGE);
    }
    int verb = -1;
    for (size_t v = 0; v < WST_VERB_COUNT; v++) {
        if (strcmp(argv[1], verbs[v].name) == 0)
            verb = (int)v;
    }
    if (verb < 0) {
        wst_error_set(&err, WST_E_USAGE, 0, "unknown verb %s", argv[1]);
        if (wants_json(argc, argv))
            o.format = WST_FORMAT_JSON;
        return fail(&err, &o);
    }
    if (wst_options_parse(argc, argv, (enum wst_verb_id)verb, verbs[verb].name,
                          verbs[verb].takes_pid, verbs[verb].formats, &o, &err) != WST_OK) {
        if (wants_json(argc, argv))
            o.format = WST_FORMAT_JSON;
        return fail(&err, &o);
    }
    enum wst_status st = verbs[verb].run(&o, stdout, &err);
    if (st != WST_OK) {
        err.status = st;
        return fail(&err, &o);
    }
    if (fflush(stdout) == 0 || wst_output_reader_gone(stdout))
        return 0; /* all written, or the reader took what it wanted and left */
    wst_error_set(&err, WST_E_INTERNAL, GetLastError(), "writing the output to stdout failed");
    wst_error_print(stderr, &err);
    return wst_status_exit_code(WST_E_INTERNAL);
}
