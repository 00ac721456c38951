/* cs_metrics.h - Prometheus text exposition (format 0.0.4) from a static
 * table of atomic counters and gauges. No maintained C client exists;
 * tests check the output with `promtool check metrics`. */
#ifndef CS_METRICS_H
#define CS_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cs_metric_type {
    CS_METRIC_COUNTER,
    CS_METRIC_GAUGE
} cs_metric_type;

/* One sample. Samples of one family are consecutive in the table and
 * share name, help and type; labels is the text inside the braces
 * (e.g. "reason=\"malformed_json\"") or NULL. */
typedef struct cs_metric {
    const char *name;
    const char *help;
    cs_metric_type type;
    const char *labels;
    _Atomic uint64_t *value;
} cs_metric;

static inline void cs_metric_add(_Atomic uint64_t *v, uint64_t n)
{
    atomic_fetch_add_explicit(v, n, memory_order_relaxed);
}

static inline void cs_metric_set(_Atomic uint64_t *v, uint64_t n)
{
    atomic_store_explicit(v, n, memory_order_relaxed);
}

/* Returns a new malloc'd text (caller frees), *len_out its length, or
 * NULL when out of memory. Adds process_start_time_seconds. */
char *cs_metrics_render(const cs_metric *m, size_t n, size_t *len_out);

#endif
