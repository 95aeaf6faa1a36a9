/*
 * The option table (options.h). Each row is one option: its name, whether
 * it takes a value (--opt VALUE or --opt=VALUE), the verbs it applies to,
 * its parser, and its lines in --help, printed verbatim in table order. An
 * option given to a verb outside its row's set is a usage error, whose
 * message names every option of that set ("--interval and --count apply to
 * watch only"); a row's `misuse` replaces that message where a set has a
 * better name. Main thread only.
 */
#include "options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipe_client.h"
#include "winstrument/function_table.h"

#define V(id) (1u << (id))
#define ALL_VERBS (V(WST_VERB_COUNT) - 1u)
#define PID_VERBS                                                                                  \
    (V(WST_VERB_DUMP) | V(WST_VERB_WATCH) | V(WST_VERB_RESET) | V(WST_VERB_STATS) |                \
     V(WST_VERB_COVERAGE) | V(WST_VERB_FUNCTIONS))

typedef enum wst_status (*option_parser)(struct wst_options *o, const char *value,
                                         struct wst_error *err);

struct option_row {
    const char *name;
    int takes_value;
    unsigned verbs;      /* V(WST_VERB_*) for each verb it applies to */
    option_parser parse; /* value is NULL for an option without one */
    const char *help;    /* its --help lines, verbatim; NULL: not listed */
    const char *misuse;  /* the error outside `verbs`; NULL: "... apply to X only" */
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

/* ---- the parsers, one per option ---------------------------------------- */

static enum wst_status add_from(struct wst_options *o, const char *v, struct wst_error *err)
{
    if (o->from_count == WST_FROM_MAX)
        return wst_error_set(err, WST_E_USAGE, 0, "--from takes at most %d files", WST_FROM_MAX);
    o->from[o->from_count++] = v;
    return WST_OK;
}

static enum wst_status parse_module(struct wst_options *o, const char *v, struct wst_error *err)
{
    (void)err;
    o->module = v;
    return WST_OK;
}

static enum wst_status parse_json(struct wst_options *o, const char *v, struct wst_error *err)
{
    (void)v;
    (void)err;
    o->json = 1;
    o->format = WST_FORMAT_JSON;
    o->format_given = 1;
    return WST_OK;
}

static enum wst_status parse_format(struct wst_options *o, const char *v, struct wst_error *err)
{
    static const char *const names[] = {"text", "json", "csv", "drcov", "lcov"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(v, names[i]) == 0) {
            o->format = (enum wst_format)i; /* in enum wst_format's order */
            o->json = o->format == WST_FORMAT_JSON;
            o->format_given = 1;
            return WST_OK;
        }
    }
    return wst_error_set(err, WST_E_USAGE, 0,
                         "--format takes text, json or csv (coverage: drcov or lcov)");
}

static enum wst_status parse_output(struct wst_options *o, const char *v, struct wst_error *err)
{
    (void)err;
    o->output = v;
    return WST_OK;
}

static enum wst_status parse_interval(struct wst_options *o, const char *v, struct wst_error *err)
{
    char *end;
    double s = strtod(v, &end);
    if (*v == '\0' || *end != '\0' || !(s >= 0.05 && s <= 86400))
        return wst_error_set(err, WST_E_USAGE, 0, "--interval takes 0.05 to 86400 seconds");
    o->interval_s = s;
    return WST_OK;
}

static enum wst_status parse_count(struct wst_options *o, const char *v, struct wst_error *err)
{
    if (!parse_u32(v, 0xffffffffUL, &o->count))
        return wst_error_set(err, WST_E_USAGE, 0, "--count takes a number of intervals");
    return WST_OK;
}

static enum wst_status parse_listen(struct wst_options *o, const char *v, struct wst_error *err)
{
    (void)err;
    o->listen = v;
    return WST_OK;
}

static enum wst_status parse_allow_remote(struct wst_options *o, const char *v,
                                          struct wst_error *err)
{
    (void)v;
    (void)err;
    o->allow_remote = 1;
    return WST_OK;
}

static enum wst_status parse_max_connections(struct wst_options *o, const char *v,
                                             struct wst_error *err)
{
    unsigned long n;
    if (!parse_u32(v, WST_SERVE_MAX_CONNECTIONS, &n) || n == 0)
        return wst_error_set(err, WST_E_USAGE, 0, "--max-connections takes 1 to %d",
                             WST_SERVE_MAX_CONNECTIONS);
    o->max_connections = n;
    return WST_OK;
}

static enum wst_status parse_functions_top(struct wst_options *o, const char *v,
                                           struct wst_error *err)
{
    unsigned long n;
    if (!parse_u32(v, WST_FN_CAPACITY, &n))
        return wst_error_set(err, WST_E_USAGE, 0, "--functions-top takes 0 to %u",
                             (unsigned)WST_FN_CAPACITY);
    o->functions_top = n;
    o->functions_top_given = 1;
    return WST_OK;
}

static enum wst_status parse_via(struct wst_options *o, const char *v, struct wst_error *err)
{
    if (strcmp(v, "pipe") == 0)
        o->via = WST_VIA_PIPE;
    else if (strcmp(v, "memory") == 0)
        o->via = WST_VIA_MEMORY;
    else if (strcmp(v, "auto") == 0)
        o->via = WST_VIA_AUTO;
    else
        return wst_error_set(err, WST_E_USAGE, 0, "--via takes pipe, memory or auto");
    return WST_OK;
}

static enum wst_status parse_timeout(struct wst_options *o, const char *v, struct wst_error *err)
{
    unsigned long n;
    if (!parse_u32(v, 600000, &n) || n == 0)
        return wst_error_set(err, WST_E_USAGE, 0, "--timeout takes 1 to 600000 ms");
    o->timeout_ms = (DWORD)n;
    return WST_OK;
}

static enum wst_status parse_sort(struct wst_options *o, const char *v, struct wst_error *err)
{
    if (strcmp(v, "calls") == 0)
        o->sort = WST_SORT_CALLS;
    else if (strcmp(v, "time") == 0)
        o->sort = WST_SORT_TIME;
    else if (strcmp(v, "self") == 0)
        o->sort = WST_SORT_SELF;
    else
        return wst_error_set(err, WST_E_USAGE, 0, "--sort takes calls, time or self");
    o->sort_given = 1;
    return WST_OK;
}

static enum wst_status parse_top(struct wst_options *o, const char *v, struct wst_error *err)
{
    if (!parse_u32(v, 0xffffffffUL, &o->top) || o->top == 0)
        return wst_error_set(err, WST_E_USAGE, 0, "--top takes a number of functions (1 or more)");
    return WST_OK;
}

static enum wst_status parse_watch_functions(struct wst_options *o, const char *v,
                                             struct wst_error *err)
{
    (void)v;
    (void)err;
    o->watch_functions = 1;
    return WST_OK;
}

static enum wst_status parse_symbols(struct wst_options *o, const char *v, struct wst_error *err)
{
    (void)err;
    o->symbols = v;
    return WST_OK;
}

static enum wst_status parse_all(struct wst_options *o, const char *v, struct wst_error *err)
{
    (void)v;
    (void)err;
    o->all_functions = 1;
    return WST_OK;
}

/* ---- the table ------------------------------------------------------------ */

/* --output is -o's long name, unlisted in --help as it always was. */
static const struct option_row options[] = {
    {"--module", 1, PID_VERBS, parse_module,
     "  --module NAME    only the module of that file name (e.g. foo.dll)\n",
     "--module needs a PID verb"},
    {"--json", 0, ALL_VERBS, parse_json,
     "  --json           JSON instead of text (schema in docs/inspector.md); errors too\n", NULL},
    {"--format", 1, ALL_VERBS, parse_format,
     "  --format F       text, json (watch: one object per line) or csv;\n"
     "                   coverage: lcov (the default) or drcov\n",
     NULL},
    {"-o", 1, V(WST_VERB_COVERAGE), parse_output,
     "  -o FILE          coverage: write to FILE instead of stdout\n", NULL},
    {"--output", 1, V(WST_VERB_COVERAGE), parse_output, NULL, "-o applies to coverage only"},
    {"--interval", 1, V(WST_VERB_WATCH), parse_interval,
     "  --interval S     watch: seconds between samples (default 1, at least 0.05)\n", NULL},
    {"--count", 1, V(WST_VERB_WATCH), parse_count,
     "  --count N        watch: stop after N intervals (default: until Ctrl+C)\n", NULL},
    {"--listen", 1, V(WST_VERB_SERVE), parse_listen,
     "  --listen A:P     serve: the address (default " WST_SERVE_DEFAULT_LISTEN ", loopback)\n",
     NULL},
    {"--allow-remote", 0, V(WST_VERB_SERVE), parse_allow_remote,
     "  --allow-remote   serve: permit a non-loopback --listen address\n", NULL},
    {"--max-connections", 1, V(WST_VERB_SERVE), parse_max_connections,
     "  --max-connections N  serve: clients served at once (default 64, at most 200)\n", NULL},
    {"--functions-top", 1, V(WST_VERB_SERVE), parse_functions_top,
     "  --functions-top N  serve: functions per module in the function families\n"
     "                   (default 20; 0: none; docs/prometheus.md has their cost)\n",
     NULL},
    {"--from", 1, V(WST_VERB_DUMP) | V(WST_VERB_FUNCTIONS) | V(WST_VERB_COVERAGE), add_from,
     "  --from FILE...   dump, functions, coverage: read files saved by WINSTRUMENT_SAVE=DIR\n"
     "                   instead of a process (every argument after it is a file);\n"
     "                   several merge\n",
     NULL},
    {"--via", 1, V(WST_VERB_DUMP) | V(WST_VERB_WATCH), parse_via,
     "  --via MODE       dump through the worker's pipe, by reading memory, or\n"
     "                   auto (default: the pipe when a worker serves, else memory)\n",
     NULL},
    {"--timeout", 1, ALL_VERBS, parse_timeout,
     "  --timeout MS     how long to wait for a worker's reply (default %u)\n", NULL},
    {"--sort", 1, V(WST_VERB_FUNCTIONS), parse_sort,
     "  --sort KEY       functions: calls (default), time (inclusive) or self, largest first\n",
     NULL},
    {"--top", 1, V(WST_VERB_FUNCTIONS) | V(WST_VERB_WATCH), parse_top,
     "  --top N          functions: only the first N of each module (watch --functions:\n"
     "                   default 20)\n",
     NULL},
    {"--functions", 0, V(WST_VERB_WATCH), parse_watch_functions,
     "  --functions      watch: a live top of each function table's functions by calls/s\n",
     NULL},
    {"--symbols", 1, V(WST_VERB_FUNCTIONS), parse_symbols,
     "  --symbols FILE   functions: names from this unstripped copy of --module's image\n", NULL},
    {"--all", 0, V(WST_VERB_FUNCTIONS), parse_all,
     "  --all            functions: also every function of the image never called (0)\n", NULL},
};

#define OPTION_COUNT (sizeof options / sizeof options[0])

static const char *const verb_names[WST_VERB_COUNT] = {
    "list", "ps", "dump", "watch", "reset", "stats", "coverage", "serve", "functions",
};

void wst_options_usage(FILE *out)
{
    fputs("options:\n", out);
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        if (options[i].help != NULL)
            fprintf(out, options[i].help, WST_PIPE_TIMEOUT_MS); /* only --timeout has a %u */
    }
    fputs("  --help, --version\n", out);
}

/* "--a, --b and --c apply to X and Y only": every listed option whose set
 * is row's, and the verbs of that set. */
static enum wst_status misused(const struct option_row *row, struct wst_error *err)
{
    if (row->misuse != NULL)
        return wst_error_set(err, WST_E_USAGE, 0, "%s", row->misuse);
    char names[256] = "", verbs[128] = "";
    size_t n = 0, listed = 0, k = 0;
    for (size_t i = 0; i < OPTION_COUNT; i++)
        n += options[i].help != NULL && options[i].verbs == row->verbs;
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        if (options[i].help == NULL || options[i].verbs != row->verbs)
            continue;
        listed++;
        const char *sep = listed == 1 ? "" : listed == n ? " and " : ", ";
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", sep, options[i].name);
    }
    size_t verb_count = 0;
    for (unsigned v = 0; v < WST_VERB_COUNT; v++)
        verb_count += (row->verbs >> v) & 1u;
    for (unsigned v = 0; v < WST_VERB_COUNT; v++) {
        if (!((row->verbs >> v) & 1u))
            continue;
        k++;
        const char *sep = k == 1 ? "" : k == verb_count ? " and " : ", ";
        size_t used = strlen(verbs);
        snprintf(verbs + used, sizeof verbs - used, "%s%s", sep, verb_names[v]);
    }
    return wst_error_set(err, WST_E_USAGE, 0, "%s %s to %s only", names,
                         n == 1 ? "applies" : "apply", verbs);
}

/* The row argv[*i] names, and its value (moving *i past it), or an error. */
static enum wst_status match(int argc, char **argv, int *i, const struct option_row **row,
                             const char **value, struct wst_error *err)
{
    const char *arg = argv[*i];
    for (size_t r = 0; r < OPTION_COUNT; r++) {
        size_t len = strlen(options[r].name);
        if (strncmp(arg, options[r].name, len) != 0)
            continue;
        *row = &options[r];
        *value = NULL;
        if (arg[len] == '\0' && !options[r].takes_value)
            return WST_OK;
        if (!options[r].takes_value)
            continue;
        /* -o FILE only: a short option has no "=" form. */
        if (arg[len] == '=' && arg[1] == '-') {
            *value = arg + len + 1;
            return WST_OK;
        }
        if (arg[len] != '\0')
            continue;
        if (*i + 1 >= argc)
            return arg[1] == '-' ? wst_error_set(err, WST_E_USAGE, 0, "%s needs a value", arg)
                                 : wst_error_set(err, WST_E_USAGE, 0, "-o needs a file name");
        *value = argv[++*i];
        return WST_OK;
    }
    return wst_error_set(err, WST_E_USAGE, 0, "unknown option %s", arg);
}

enum wst_status wst_options_parse(int argc, char **argv, enum wst_verb_id verb,
                                  const char *verb_name, int takes_pid, unsigned formats,
                                  struct wst_options *o, struct wst_error *err)
{
    int have_pid = 0;
    const struct option_row *misplaced = NULL; /* the first option outside its verbs */
    for (int i = 2; i < argc; i++) {
        if (argv[i][0] == '-' && (argv[i][1] == '-' || strcmp(argv[i], "-o") == 0)) {
            const struct option_row *row = NULL;
            const char *value = NULL;
            enum wst_status st = match(argc, argv, &i, &row, &value, err);
            if (st == WST_OK)
                st = row->parse(o, value, err);
            if (st != WST_OK)
                return st;
            if (!(row->verbs & V(verb)) && misplaced == NULL)
                misplaced = row;
            continue;
        }
        if (o->from_count > 0) {
            enum wst_status st = add_from(o, argv[i], err);
            if (st != WST_OK)
                return st;
            continue;
        }
        unsigned long pid;
        if (!takes_pid || have_pid)
            return wst_error_set(err, WST_E_USAGE, 0, "unexpected argument %s", argv[i]);
        if (!parse_u32(argv[i], 0xffffffffUL, &pid))
            return wst_error_set(err, WST_E_USAGE, 0, "not a process id: %s", argv[i]);
        o->pid = (DWORD)pid;
        have_pid = 1;
    }
    if (o->from_count > 0 && have_pid)
        return wst_error_set(err, WST_E_USAGE, 0, "%s reads a PID or --from files, not both",
                             verb_name);
    if (o->from_count > 0 && (o->via != WST_VIA_AUTO || o->format == WST_FORMAT_CSV))
        return wst_error_set(err, WST_E_USAGE, 0,
                             "--from writes no CSV, and reads no process (--via)");
    if (takes_pid && !have_pid && o->from_count == 0)
        return wst_error_set(err, WST_E_USAGE, 0, "%s needs a PID", verb_name);
    if (misplaced != NULL)
        return misused(misplaced, err);
    /* The checks between options' values. */
    if (verb == WST_VERB_COVERAGE && !o->format_given)
        o->format = WST_FORMAT_LCOV; /* genhtml's input, the common case */
    if (verb == WST_VERB_COVERAGE && o->format != WST_FORMAT_DRCOV && o->format != WST_FORMAT_LCOV)
        return wst_error_set(err, WST_E_USAGE, 0, "coverage needs --format drcov or lcov");
    if (!(formats & (1u << o->format)))
        return wst_error_set(err, WST_E_USAGE, 0, "%s does not write that --format", verb_name);
    if (verb == WST_VERB_WATCH && o->top != 0 && !o->watch_functions)
        return wst_error_set(err, WST_E_USAGE, 0, "--top applies to functions and watch --functions");
    if (o->symbols != NULL && o->module == NULL)
        return wst_error_set(err, WST_E_USAGE, 0, "--symbols needs --module: it names one image");
    return WST_OK;
}
