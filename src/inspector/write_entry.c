/*
 * See write_entry.h. Percentiles come from the merged buckets
 * (src/common/dist_math.c): p50, p90, p99 are nearest-rank percentiles,
 * each within 3.125% of the exact value.
 */
#include "write_entry.h"

#include <inttypes.h>

#include "dist_math.h"

static const char *kind_name(uint32_t kind)
{
    switch (kind) {
    case WST_KIND_COUNTER:
        return "counter";
    case WST_KIND_GAUGE:
        return "gauge";
    case WST_KIND_DISTRIBUTION:
        return "distribution";
    default:
        return "unknown";
    }
}

/* "counter and gauge", for a name used with several kinds. */
static void put_kinds(FILE *out, uint32_t kinds)
{
    const char *sep = "";
    for (uint32_t k = 0; k <= WST_KIND_DISTRIBUTION; k++) {
        if (kinds & (1u << k)) {
            fprintf(out, "%s%s", sep, kind_name(k));
            sep = " and ";
        }
    }
}

static const char *unit(const struct wst_region_counter *e)
{
    return e->flags & WST_DIST_UNIT_NS ? "ns" : "";
}

static uint64_t percentile(const struct wst_region_counter *e, unsigned q)
{
    return e->buckets != NULL ? wst_dist_percentile(e->buckets, q, e->min, e->max) : 0;
}

static void json_distribution(FILE *out, const struct wst_region_counter *e)
{
    fprintf(out,
            ", \"count\": %" PRIu64 ", \"sum\": %" PRIu64 ", \"min\": %" PRIu64
            ", \"max\": %" PRIu64,
            e->value, e->sum, e->min, e->max);
    fprintf(out, ", \"p50\": %" PRIu64 ", \"p90\": %" PRIu64 ", \"p99\": %" PRIu64,
            percentile(e, 500), percentile(e, 900), percentile(e, 990));
    fprintf(out, ", \"unit\": \"%s\", \"buckets\": [", unit(e));
    const char *sep = "";
    for (unsigned i = 0; e->buckets != NULL && i < WST_DIST_BUCKETS; i++) {
        if (e->buckets[i] == 0)
            continue;
        fprintf(out, "%s[%" PRIu64 ", %" PRIu64 "]", sep, wst_dist_bucket_upper(i),
                e->buckets[i]);
        sep = ", ";
    }
    fputc(']', out);
    char why[WST_DIST_WHY_MAX];
    if (!wst_dist_check(e->value, e->buckets, why, sizeof why))
        fprintf(out, ", \"inconsistent\": \"%s\"", why);
}

void wst_output_entry_json(FILE *out, const struct wst_region_counter *e)
{
    fprintf(out, ", \"kind\": \"%s\"", kind_name(e->kind));
    if (e->kind == WST_KIND_DISTRIBUTION)
        json_distribution(out, e);
    else if (e->kind == WST_KIND_GAUGE)
        fprintf(out, ", \"value\": %" PRId64, (int64_t)e->value);
    else
        fprintf(out, ", \"value\": %" PRIu64, e->value);
    if (e->flags & WST_REGION_KIND_CONFLICT) {
        fputs(", \"error\": \"the name is used as ", out);
        put_kinds(out, e->conflict_kinds);
        fputs(" in this module; only its first kind is shown\"", out);
    }
}

void wst_output_entry_text(FILE *out, const struct wst_region_counter *e)
{
    if (e->kind == WST_KIND_DISTRIBUTION) {
        const char *u = unit(e);
        fprintf(out, "  distribution  count %" PRIu64, e->value);
        if (e->value != 0) {
            fprintf(out, "  mean %" PRIu64 "%s", e->sum / e->value, u);
            fprintf(out, "  p50 %" PRIu64 "%s  p90 %" PRIu64 "%s  p99 %" PRIu64 "%s",
                    percentile(e, 500), u, percentile(e, 900), u, percentile(e, 990), u);
            fprintf(out, "  max %" PRIu64 "%s", e->max, u);
        }
        char why[WST_DIST_WHY_MAX];
        if (!wst_dist_check(e->value, e->buckets, why, sizeof why))
            fprintf(out, "  INCONSISTENT: %s", why);
    } else if (e->kind == WST_KIND_GAUGE) {
        fprintf(out, " %" PRId64 "  (gauge)", (int64_t)e->value);
    } else {
        fprintf(out, " %" PRIu64, e->value);
    }
    if (e->flags & WST_REGION_KIND_CONFLICT) {
        fputs("  ERROR: the name is used as ", out);
        put_kinds(out, e->conflict_kinds);
        fputs(" in this module", out);
    }
    fputc('\n', out);
}
