/* cs_cascade.h - day-by-day disruption cascade on the enterprise graph:
 * a capacity loss on some enterprises (or a whole region) for a while;
 * buyers draw down their stock of the lost input, then lose output in
 * proportion to the input's share. Maths: docs/models/propagation.md. */
#ifndef CS_CASCADE_H
#define CS_CASCADE_H

#include <stddef.h>
#include <stdint.h>

#include "cs_graph.h"

#define CS_CASCADE_MAX_HORIZON_DAYS 3650u

typedef struct cs_shock {
    const uint32_t *nodes; /* borrowed; the shocked nodes, or NULL */
    size_t n_nodes;
    int has_region; /* also shock every node of region */
    uint32_t region;
    double capacity_loss; /* fraction of capacity lost, [0, 1] */
    uint32_t start_day;   /* first day of the loss, 0-based */
    uint32_t duration_days;
} cs_shock;

/* How a buyer's output answers a short input (see the docs). */
typedef enum cs_prod_fn {
    CS_PROD_LINEAR = 0,   /* x = cap * (1 - sum share_e * (1 - avail_e)) */
    CS_PROD_LEONTIEF = 1, /* x = min(cap, min over needed inputs avail_e) */
} cs_prod_fn;

typedef struct cs_cascade_opts {
    uint32_t horizon_days; /* 1 .. CS_CASCADE_MAX_HORIZON_DAYS */
    double surge;          /* extra delivery rate to refill stock, >= 0 */
    cs_prod_fn fn;
    int keep_levels; /* fill cs_cascade_result.levels; refused
                        (CS_E_TOO_LARGE) past 2^27 nodes x days */
} cs_cascade_opts;

extern const cs_cascade_opts cs_cascade_default_opts; /* 90 d, 0.1, linear */

typedef struct cs_impact {
    uint32_t node;
    int32_t tier;      /* links from the nearest shocked node; 0 = shocked,
                          -1 = not downstream of any shocked node */
    int32_t tts_day;   /* first day output fell below plan */
    int32_t ttr_day;   /* first day back at plan for good; -1 = not
                          within the horizon */
    double min_level;  /* lowest operating level, [0, 1] */
    double lost_units; /* sum over days of (1 - level) * output_per_day */
    double lost_value; /* lost_units * unit_value */
} cs_impact;

typedef struct cs_cascade_result {
    uint32_t horizon_days;
    size_t n_impacted;  /* nodes whose output fell below plan */
    cs_impact *impacts; /* n_impacted, most lost value first */
    double *levels;     /* n_impacted x horizon_days operating levels in
                           the order of impacts, or NULL */
    double total_lost_units, total_lost_value;
} cs_cascade_result;

/* Runs the cascade. opts NULL means the defaults. On CS_OK *out is new;
 * the caller frees it with cs_cascade_result_free(). Borrows the rest. */
cs_status cs_cascade_run(const cs_graph *g, const cs_shock *shocks,
                         size_t n_shocks, const cs_cascade_opts *opts,
                         cs_cascade_result **out, cs_err *err);

void cs_cascade_result_free(cs_cascade_result *r); /* NULL is a no-op */

#endif
