/*
 * wst-inspect's entry point: parses the command line, runs one verb, and
 * turns its status into the one-line error and exit code documented in
 * docs/inspector.md. Single-threaded; the verbs live in inspect.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "csv.h"
#include "error.h"
#include "inspect.h"
#include "output.h"
#include "pipe_client.h"
#include "ps.h"
#include "serve.h"
#include "watch.h"
#include "winstrument/version.h"

static const char usage_text[] =
    "usage: wst-inspect VERB [options]\n"
    "\n"
    "Reads winstrument counters out of running processes.\n"
    "\n"
    "verbs:\n"
    "  list [--json]                      processes with instrumented modules\n"
    "  ps [--format text|json|csv]        every process: pid, executable, bits, instrumented\n"
    "  dump PID [--module NAME] [--format text|json|csv] [--via pipe|memory|auto]\n"
    "                                     a snapshot of the counters\n"
    "  watch PID [--module NAME] [--interval S] [--count N] [--format text|json|csv]\n"
    "                                     the counters and their rates every S seconds\n"
    "  reset PID [--module NAME] [--json] zero the counters (needs a worker)\n"
    "  stats PID [--module NAME] [--json] the worker's statistics\n"
    "  functions PID [--module NAME] [--sort calls|time|self] [--top N] [--all] [--json]\n"
    "            [--symbols FILE]         calls and time per function of modules built\n"
    "                                     with wst-cc --wst-functions\n"
    "  coverage PID --format drcov|lcov [-o FILE] [--module NAME]\n"
    "                                     which functions ran: drcov blocks, or an lcov\n"
    "                                     tracefile with DWARF lines (docs/coverage.md)\n"
    "  serve [--listen ADDRESS:PORT] [--allow-remote] [--max-connections N]\n"
    "                                     GET /metrics: every instrumented process, in\n"
    "                                     OpenMetrics (docs/prometheus.md)\n"
    "\n"
    "options:\n"
    "  --module NAME    only the module of that file name (e.g. foo.dll)\n"
    "  --json           JSON instead of text (schema in docs/inspector.md); errors too\n"
    "  --format F       text, json (watch: one object per line) or csv;\n"
    "                   coverage: drcov or lcov\n"
    "  -o FILE          coverage: write to FILE instead of stdout\n"
    "  --interval S     watch: seconds between samples (default 1, at least 0.05)\n"
    "  --count N        watch: stop after N intervals (default: until Ctrl+C)\n"
    "  --listen A:P     serve: the address (default " WST_SERVE_DEFAULT_LISTEN ", loopback)\n"
    "  --allow-remote   serve: permit a non-loopback --listen address\n"
    "  --max-connections N  serve: clients served at once (default 64, at most 200)\n"
    "  --via MODE       dump through the worker's pipe, by reading memory, or\n"
    "                   auto (default: the pipe when a worker serves, else memory)\n"
    "  --timeout MS     how long to wait for a worker's reply (default %u)\n"
    "  --sort KEY       functions: calls (default), time (inclusive) or self, largest first\n"
    "  --top N          functions: only the first N of each module\n"
    "  --symbols FILE   functions: names from this unstripped copy of --module's image\n"
    "  --all            functions: also every function of the image never called (0)\n"
    "  --help, --version\n";

typedef enum wst_status (*verb_fn)(const struct wst_options *, FILE *, struct wst_error *);

static enum wst_status dump_any(const struct wst_options *o, FILE *out, struct wst_error *err)
{
    return o->format == WST_FORMAT_CSV ? wst_dump_csv(o, out, err) : wst_verb_dump(o, out, err);
}

/* formats: a bit per enum wst_format the verb writes. */
#define F_TEXT (1u << WST_FORMAT_TEXT)
#define F_JSON (1u << WST_FORMAT_JSON)
#define F_CSV (1u << WST_FORMAT_CSV)
#define F_COVERAGE (1u << WST_FORMAT_DRCOV | 1u << WST_FORMAT_LCOV)

static const struct {
    const char *name;
    verb_fn run;
    int takes_pid;
    unsigned formats;
} verbs[] = {
    {"list", wst_verb_list, 0, F_TEXT | F_JSON},
    {"ps", wst_verb_ps, 0, F_TEXT | F_JSON | F_CSV},
    {"dump", dump_any, 1, F_TEXT | F_JSON | F_CSV},
    {"watch", wst_verb_watch, 1, F_TEXT | F_JSON | F_CSV},
    {"reset", wst_verb_reset, 1, F_TEXT | F_JSON},
    {"stats", wst_verb_stats, 1, F_TEXT | F_JSON},
    {"coverage", wst_verb_coverage, 1, F_COVERAGE},
    {"serve", wst_verb_serve, 0, F_TEXT},
    {"functions", wst_verb_functions, 1, F_TEXT | F_JSON},
};

static int parse_u32(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (s == NULL || s[0] < '0' || s[0] > '9')
        return 0;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return 0;
    *out = v;
    return 1;
}

/* The value of --opt VALUE or --opt=VALUE at argv[*i], or NULL if argv[*i]
 * is not that option. A missing value is reported through *missing. */
static const char *option_value(int argc, char **argv, int *i, const char *opt, int *missing)
{
    size_t len = strlen(opt);
    if (strncmp(argv[*i], opt, len) != 0)
        return NULL;
    if (argv[*i][len] == '=')
        return argv[*i] + len + 1;
    if (argv[*i][len] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

static enum wst_status parse_option(int argc, char **argv, int *i, struct wst_options *o,
                                    struct wst_error *err)
{
    int missing = 0;
    const char *v;
    unsigned long n;
    if (strcmp(argv[*i], "--json") == 0) {
        o->json = 1;
        o->format = WST_FORMAT_JSON;
    } else if (strcmp(argv[*i], "--all") == 0) {
        o->all_functions = 1;
    } else if (strcmp(argv[*i], "--allow-remote") == 0) {
        o->allow_remote = 1;
    } else if ((v = option_value(argc, argv, i, "--format", &missing)) != NULL) {
        if (strcmp(v, "text") == 0)
            o->format = WST_FORMAT_TEXT;
        else if (strcmp(v, "json") == 0)
            o->format = WST_FORMAT_JSON;
        else if (strcmp(v, "csv") == 0)
            o->format = WST_FORMAT_CSV;
        else if (strcmp(v, "drcov") == 0)
            o->format = WST_FORMAT_DRCOV;
        else if (strcmp(v, "lcov") == 0)
            o->format = WST_FORMAT_LCOV;
        else
            return wst_error_set(err, WST_E_USAGE, 0,
                                 "--format takes text, json or csv (coverage: drcov or lcov)");
        o->json = o->format == WST_FORMAT_JSON;
    } else if ((v = option_value(argc, argv, i, "--interval", &missing)) != NULL) {
        char *end;
        double s = strtod(v, &end);
        if (*v == '\0' || *end != '\0' || !(s >= 0.05 && s <= 86400))
            return wst_error_set(err, WST_E_USAGE, 0, "--interval takes 0.05 to 86400 seconds");
        o->interval_s = s;
    } else if ((v = option_value(argc, argv, i, "--count", &missing)) != NULL) {
        if (!parse_u32(v, 0xffffffffUL, &n))
            return wst_error_set(err, WST_E_USAGE, 0, "--count takes a number of intervals");
        o->count = n;
    } else if ((v = option_value(argc, argv, i, "--output", &missing)) != NULL) {
        o->output = v;
    } else if ((v = option_value(argc, argv, i, "--listen", &missing)) != NULL) {
        o->listen = v;
    } else if ((v = option_value(argc, argv, i, "--max-connections", &missing)) != NULL) {
        if (!parse_u32(v, WST_SERVE_MAX_CONNECTIONS, &n) || n == 0)
            return wst_error_set(err, WST_E_USAGE, 0, "--max-connections takes 1 to %d",
                                 WST_SERVE_MAX_CONNECTIONS);
        o->max_connections = n;
    } else if ((v = option_value(argc, argv, i, "--sort", &missing)) != NULL) {
        if (strcmp(v, "calls") == 0)
            o->sort = WST_SORT_CALLS;
        else if (strcmp(v, "time") == 0)
            o->sort = WST_SORT_TIME;
        else if (strcmp(v, "self") == 0)
            o->sort = WST_SORT_SELF;
        else
            return wst_error_set(err, WST_E_USAGE, 0, "--sort takes calls, time or self");
        o->sort_given = 1;
    } else if ((v = option_value(argc, argv, i, "--top", &missing)) != NULL) {
        if (!parse_u32(v, 0xffffffffUL, &n) || n == 0)
            return wst_error_set(err, WST_E_USAGE, 0, "--top takes a number of functions (1 or more)");
        o->top = n;
    } else if ((v = option_value(argc, argv, i, "--symbols", &missing)) != NULL) {
        o->symbols = v;
    } else if ((v = option_value(argc, argv, i, "--module", &missing)) != NULL) {
        o->module = v;
    } else if ((v = option_value(argc, argv, i, "--via", &missing)) != NULL) {
        if (strcmp(v, "pipe") == 0)
            o->via = WST_VIA_PIPE;
        else if (strcmp(v, "memory") == 0)
            o->via = WST_VIA_MEMORY;
        else if (strcmp(v, "auto") == 0)
            o->via = WST_VIA_AUTO;
        else
            return wst_error_set(err, WST_E_USAGE, 0, "--via takes pipe, memory or auto");
    } else if ((v = option_value(argc, argv, i, "--timeout", &missing)) != NULL) {
        if (!parse_u32(v, 600000, &n) || n == 0)
            return wst_error_set(err, WST_E_USAGE, 0, "--timeout takes 1 to 600000 ms");
        o->timeout_ms = (DWORD)n;
    } else if (missing) {
        return wst_error_set(err, WST_E_USAGE, 0, "%s needs a value", argv[*i]);
    } else {
        return wst_error_set(err, WST_E_USAGE, 0, "unknown option %s", argv[*i]);
    }
    return WST_OK;
}

static enum wst_status parse_args(int argc, char **argv, int verb, struct wst_options *o,
                                  struct wst_error *err)
{
    int have_pid = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0) {
            if (i + 1 >= argc)
                return wst_error_set(err, WST_E_USAGE, 0, "-o needs a file name");
            o->output = argv[++i];
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] == '-') {
            enum wst_status st = parse_option(argc, argv, &i, o, err);
            if (st != WST_OK)
                return st;
            continue;
        }
        unsigned long pid;
        if (!verbs[verb].takes_pid || have_pid)
            return wst_error_set(err, WST_E_USAGE, 0, "unexpected argument %s", argv[i]);
        if (!parse_u32(argv[i], 0xffffffffUL, &pid))
            return wst_error_set(err, WST_E_USAGE, 0, "not a process id: %s", argv[i]);
        o->pid = (DWORD)pid;
        have_pid = 1;
    }
    if (verbs[verb].takes_pid && !have_pid)
        return wst_error_set(err, WST_E_USAGE, 0, "%s needs a PID", verbs[verb].name);
    const char *name = verbs[verb].name;
    if (o->via != WST_VIA_AUTO && strcmp(name, "dump") != 0 && strcmp(name, "watch") != 0)
        return wst_error_set(err, WST_E_USAGE, 0, "--via applies to dump and watch only");
    int coverage = strcmp(name, "coverage") == 0;
    if (coverage && o->format != WST_FORMAT_DRCOV && o->format != WST_FORMAT_LCOV)
        return wst_error_set(err, WST_E_USAGE, 0, "coverage needs --format drcov or lcov");
    if (o->output != NULL && !coverage)
        return wst_error_set(err, WST_E_USAGE, 0, "-o applies to coverage only");
    if (!(verbs[verb].formats & (1u << o->format)))
        return wst_error_set(err, WST_E_USAGE, 0, "%s does not write that --format", name);
    if ((o->interval_s > 0 || o->count > 0) && strcmp(name, "watch") != 0)
        return wst_error_set(err, WST_E_USAGE, 0, "--interval and --count apply to watch only");
    if ((o->listen || o->allow_remote || o->max_connections) && strcmp(name, "serve") != 0)
        return wst_error_set(err, WST_E_USAGE, 0, "--listen, --allow-remote and "
                                                  "--max-connections apply to serve only");
    if ((o->sort_given || o->top || o->symbols || o->all_functions) &&
        strcmp(name, "functions") != 0)
        return wst_error_set(err, WST_E_USAGE, 0, "--sort, --top, --all and --symbols apply to "
                                                  "functions only");
    if (o->symbols != NULL && o->module == NULL)
        return wst_error_set(err, WST_E_USAGE, 0, "--symbols needs --module: it names one image");
    if (o->module != NULL && !verbs[verb].takes_pid)
        return wst_error_set(err, WST_E_USAGE, 0, "--module needs a PID verb");
    return WST_OK;
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
        printf(usage_text, WST_PIPE_TIMEOUT_MS);
        return 0;
    }
    if (has_flag(argc, argv, "--version")) {
        printf("wst-inspect %s (layout %d, protocol %d)\n", WST_VERSION_STRING, WST_LAYOUT_VERSION,
               WST_PROTOCOL_VERSION);
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, usage_text, WST_PIPE_TIMEOUT_MS);
        return wst_status_exit_code(WST_E_USAGE);
    }
    int verb = -1;
    for (size_t v = 0; v < sizeof verbs / sizeof verbs[0]; v++) {
        if (strcmp(argv[1], verbs[v].name) == 0)
            verb = (int)v;
    }
    if (verb < 0) {
        wst_error_set(&err, WST_E_USAGE, 0, "unknown verb %s", argv[1]);
        if (wants_json(argc, argv))
            o.format = WST_FORMAT_JSON;
        return fail(&err, &o);
    }
    if (parse_args(argc, argv, verb, &o, &err) != WST_OK) {
        if (wants_json(argc, argv))
            o.format = WST_FORMAT_JSON;
        return fail(&err, &o);
    }
    enum wst_status st = verbs[verb].run(&o, stdout, &err);
    if (st != WST_OK) {
        err.status = st;
        return fail(&err, &o);
    }
    return fflush(stdout) == 0 ? 0 : wst_status_exit_code(WST_E_INTERNAL);
}
