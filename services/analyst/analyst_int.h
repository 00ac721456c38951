/* analyst_int.h - cs-analyst's shared state: configuration, the current
 * model version, counters, and the stages of one cycle (indicators and
 * scores, alerts, forecasts, publishing). */
#ifndef ANALYST_INT_H
#define ANALYST_INT_H

#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs_err.h"
#include "cs_graph.h"
#include "cs_pg.h"
#include "cs_risk.h"

typedef struct analyst_cfg {
    char *pg_dsn;
    char *kafka_brokers; /* "" disables publishing */
    char *kafka_extra;
    char *alerts_topic;
    char *as_of; /* "" = now; else an ISO 8601 timestamp (tests, replays) */
    char *clock; /* "wall" or "data": what "now" is when as_of is "" */
    uint32_t interval_s;
    uint32_t rescore_s; /* rescore without new data after this long */
    bool once;
    bool incremental; /* with once: an incremental cycle, not a full one */
    uint32_t model_promote;  /* 0: none */
    uint32_t model_backtest; /* 0: none */
    uint32_t backtest_points, backtest_step_days;
    bool side_connections; /* work beside a cycle on more connections */
    char *http_addr;
    uint32_t http_port;
    char *log_level;
} analyst_cfg;

/* Indicators the analyst knows, in enterprise_indicators column order. */
typedef enum analyst_ind {
    IND_ON_TIME_RATE = 0,
    IND_LEAD_TIME_MEAN,
    IND_LEAD_TIME_CV,
    IND_FILL_RATE,
    IND_SUPPLIER_HHI,
    IND_SINGLE_SOURCE,
    IND_CUSTOMER_HHI,
    IND_PRODUCTION_DROP_Z,
    IND_UTILISATION,
    IND_EVENT_EXPOSURE,
    IND_CRITICALITY,
    IND_N
} analyst_ind;

typedef struct analyst_ind_info {
    const char *name; /* column of enterprise_indicators, config name */
    cs_risk_dir dir;
} analyst_ind_info;

extern const analyst_ind_info analyst_inds[IND_N];

typedef enum weights_method {
    WEIGHTS_ENTROPY = 0,
    WEIGHTS_EXPERT,    /* the configured weights as given */
    WEIGHTS_BLEND,     /* alpha expert + (1 - alpha) entropy */
    WEIGHTS_AHP,       /* AHP over the configured pairwise matrix */
    WEIGHTS_AHP_BLEND, /* alpha AHP + (1 - alpha) entropy */
} weights_method;

typedef enum peer_group {
    PEER_NONE = 0,
    PEER_INDUSTRY, /* GB/T 4754 division: letter + 2 digits */
    PEER_REGION,   /* GB/T 2260 province: 2 digits */
} peer_group;

/* The current model version, read from model_versions at each cycle. */
typedef struct analyst_model {
    int version;
    size_t n_inds;
    analyst_ind inds[IND_N]; /* indicators used, in order */
    double expert[IND_N];    /* by analyst_ind; NaN when not given */
    double ahp[IND_N * IND_N];
    bool has_ahp;
    weights_method weights;
    double alpha;
    cs_risk_norm norm;
    peer_group peers;
    cs_risk_thresholds thresholds;
    cs_risk_level alert_min_level;
    /* Non-compensatory rule: event_exposure >= floor_exposure raises the
     * level to at least floor_level (0 exposure: off). */
    double floor_exposure;
    cs_risk_level floor_level;
    double event_min_exposure;
    uint32_t window_days, event_window_days;
    double crit_damping;
    uint32_t crit_max_tiers;
    char fc_method[32];
    uint32_t fc_period, fc_horizon, fc_min_points, fc_n_sims;
    uint64_t fc_seed;
    double service_level, default_lead_time_days;
} analyst_model;

typedef struct analyst_stats {
    _Atomic uint64_t cycles, cycles_skipped, cycle_failures;
    _Atomic uint64_t cycle_ms_sum, last_cycle_ms;
    _Atomic uint64_t enterprises_scored, forecasts, model_errors;
    _Atomic uint64_t alerts_raised, alerts_resolved, alerts_published;
    _Atomic uint64_t propagation_runs;
    _Atomic uint64_t db_up;
} analyst_stats;

/* What one cycle did (the --once summary). */
typedef struct analyst_summary {
    int64_t cycle_id;
    int model_version;
    bool is_full, skipped;
    uint64_t n_enterprises, n_forecasts, n_forecast_skipped;
    uint64_t n_alerts_raised, n_alerts_resolved, n_published;
    uint64_t n_model_errors;
    uint64_t n_runs, n_runs_failed, n_alternatives, n_aggregates;
    uint64_t n_fc_aggregates;
    double s_scores, s_alerts, s_forecasts, s_propagation;       /* by stage */
    double s_criticality, s_indicators, s_write, s_alternatives; /* parts */
    uint64_t n_recomputed;     /* enterprises whose indicators were computed */
    double s_rollup;           /* bringing the daily roll-ups up to date */
    double s_rollup_ahead;     /* ... of it building them before the cycle */
    double s_propagation_side; /* the cascades' thread, beside the cycle */
    double s_criticality_side; /* criticality's thread, beside the cycle */
    double s_indicators_side;  /* indicators_side's thread, beside it */
    bool aggregates_side;      /* ... then aggregates_rest, in the rows */
    double s_forecasts_side;   /* a full cycle's forecasts, beside it */
    bool rollup_built;         /* ... by building them from the facts */
    double seconds;
} analyst_summary;

typedef struct analyst {
    const analyst_cfg *cfg;
    cs_pg *db;
    rd_kafka_t *producer; /* NULL when publishing is off */
    analyst_stats stats;
} analyst;

/* analyst_sql.c */
extern const cs_pg_stmt analyst_stmts[];
extern const size_t analyst_n_stmts;
/* Not prepared: the temporary table a full cycle computes its
 * indicators into while its criticality is computed beside, and the
 * statement that stores them with it. */
extern const char analyst_sql_ind_tmp[];
extern const char analyst_sql_ind_crit[];
extern const char analyst_copy_scores[];
extern const char analyst_copy_forecasts[];
extern const char analyst_copy_impacts[];
extern const char analyst_copy_aggregates[];
extern const char analyst_copy_chains[];
extern const char analyst_copy_alternatives[];
extern const char analyst_copy_fc_aggregates[];

/* Runs one cycle (full when is_full or a queued request asks for it).
 * Takes the cycle lock: when another analyst holds it, returns CS_OK
 * with sum->skipped set (or waits, when wait_lock). */
cs_status analyst_cycle(analyst *a, bool is_full, bool wait_lock,
                        analyst_summary *sum, cs_err *err);

/* model.c: reads the current model version, or a given one. */
cs_status analyst_model_load(analyst *a, analyst_model *m, cs_err *err);
cs_status analyst_model_load_version(analyst *a, uint32_t version,
                                     analyst_model *m, cs_err *err);

/* versions.c: `--model-promote N` makes N the current version (rolling
 * back is promoting the old number); `--model-backtest N` scores the
 * stored history as of earlier dates with N and with the current
 * version, inside transactions that are rolled back, and prints how well
 * each score foretold late deliveries (JSON on stdout). */
cs_status analyst_promote(analyst *a, uint32_t version, cs_err *err);
cs_status analyst_backtest(analyst *a, uint32_t version, cs_err *err);

/* What an incremental cycle recomputes: the indicators of the stale
 * enterprises; the others' current ones stay their newest rows, written
 * by the last full cycle or an incremental one since. */
/* The cycle transaction's settings (cycle.c): no JIT, 256 MB for sorts
 * and hashes, plans for the parameters, no parallel workers. */
#define CYCLE_SETTINGS                                                         \
    "SET LOCAL jit = off; SET LOCAL work_mem = '256MB';"                       \
    " SET LOCAL plan_cache_mode = force_custom_plan;"                          \
    " SET LOCAL max_parallel_workers_per_gather = 0"

/* cycle.c: a connection of a thread beside the cycle, in a READ ONLY
 * transaction of the cycle's snapshot snap (exported), with the cycle's
 * settings; *out NULL on failure. Closing it ends the transaction. */
cs_status analyst_snapshot_open(const char *dsn, const char *snap, cs_pg **out,
                                cs_err *err);

typedef struct analyst_side analyst_side;
typedef struct analyst_incr {
    const char *full_cycle; /* the last full cycle's cycle_id */
    const char *full_at;    /* its rows' computed_at */
    const char *stale;      /* text[] literal of credit codes */
    analyst_side *side;     /* indicators_side beside the cycle, or NULL */
} analyst_incr;

/* score.c: an incremental cycle's indicators that the roll-ups do not
 * give (indicators_side), read by a thread on a connection of its own
 * from the cycle's snapshot, started before the roll-ups are brought up
 * to date on the cycle's connection; analyst_score takes the rows. When
 * it cannot start, *out is NULL and analyst_score reads everything
 * itself (CS_OK either way unless the cycle's connection failed). It
 * borrows as_of and incr's strings: free it before them. */
cs_status analyst_side_start(analyst *a, const analyst_model *m,
                             int64_t cycle_id, const char *as_of,
                             const analyst_incr *incr, analyst_side **out,
                             cs_err *err);
/* Waits for the thread and frees; NULL is fine. */
void analyst_side_free(analyst_side *s);

/* A cycle's propagation runs (propagation.c). */
typedef struct analyst_prop analyst_prop;
/* A cycle's forecasts (forecast.c). */
typedef struct analyst_fc analyst_fc;

/* score.c: indicators, criticality, scores for cycle_id (inside the
 * cycle's transaction); all indicators when incr is NULL. prop: a
 * cycle's propagation runs, whose thread it starts when the other core
 * is free (NULL in a backtest: then everything runs on the cycle's
 * connection). */
cs_status analyst_score(analyst *a, const analyst_model *m, int64_t cycle_id,
                        const char *as_of, const analyst_incr *incr,
                        analyst_prop *prop, analyst_fc *fc,
                        analyst_summary *sum, cs_err *err);

/* chains.c: chain_members rows (chain, uscc, tier, cycle) of the graph's
 * industry chains into cb; buyer_div[i] is the GB/T 4754 division of
 * links[i]'s buyer ("" when unknown). */
cs_status analyst_chains(const char *const *names, size_t n_names,
                         const cs_link *links, const char *const *buyer_div,
                         size_t n_links, uint32_t max_tiers, const char *cycle,
                         cs_copybuf *cb, size_t *n_rows, cs_err *err);

/* rollup.c: brings the indicators' daily roll-ups up to date for this
 * cycle (builds them when empty or short of its window, else recomputes
 * what facts stored or revised since the watermark touch) and marks them
 * as cycle_id's, so its indicators read them. */
cs_status analyst_rollup(analyst *a, const analyst_model *m, int64_t cycle_id,
                         const char *as_of, const char *watermark,
                         analyst_summary *sum, cs_err *err);
/* Before the cycle's transaction: builds the roll-ups, when they must be,
 * in transactions of their own, the three tables at once. */
cs_status analyst_rollup_prebuild(analyst *a, analyst_summary *sum,
                                  cs_err *err);

/* alerts.c: raises and resolves alerts from this cycle's scores. */
cs_status analyst_alerts(analyst *a, const analyst_model *m, int64_t cycle_id,
                         const char *as_of, analyst_summary *sum, cs_err *err);

/* alternatives.c: ranks alternative suppliers for single-sourced items
 * and suppliers at or above the alert level. */
cs_status analyst_alternatives(analyst *a, const analyst_model *m,
                               int64_t cycle_id, const char *as_of,
                               analyst_summary *sum, cs_err *err);

/* forecast.c: forecasts and stock for stale series (all when is_full).
 * beside: a full cycle's forecasts computed beside it (analyst_fc) or
 * NULL; when it was not computed, the cycle computes them itself. */
cs_status analyst_forecast(analyst *a, const analyst_model *m, int64_t cycle_id,
                           const char *as_of, const char *watermark,
                           bool is_full, analyst_fc *beside,
                           analyst_summary *sum, cs_err *err);
/* A cycle's forecasts to compute on another connection with its
 * snapshot (analyst_fc_compute: reads the series and fits them, rows
 * kept for analyst_forecast to store). */
cs_status analyst_fc_new(const analyst_model *m, int64_t cycle_id,
                         const char *as_of, const char *watermark, bool is_full,
                         analyst_fc **out, cs_err *err);
cs_status analyst_fc_compute(cs_pg *db, analyst_fc *f, cs_err *err);
void analyst_fc_free(analyst_fc *f);

/* propagation.c: queues today's standing runs for active risk events
 * and takes the queued scenarios (start; their cascades then run beside
 * the cycle, in a thread on a connection of its own), then stores what
 * the cascades gave (finish). free: joins and frees (any time, NULL
 * too). */
cs_status analyst_propagate_start(analyst *a, const analyst_model *m,
                                  const char *as_of, analyst_prop **out,
                                  cs_err *err);
cs_status analyst_propagate_finish(analyst *a, const analyst_model *m,
                                   int64_t cycle_id, const char *as_of,
                                   analyst_prop *j, analyst_summary *sum,
                                   cs_err *err);
void analyst_propagate_free(analyst_prop *j);
/* Starts the runs' thread (once; NULL or no runs: nothing). */
void analyst_propagate_go(analyst_prop *j);

/* publish.c: sends unpublished alerts to the alerts topic and marks
 * those Kafka acknowledged. Outside the cycle transaction. */
cs_status analyst_publish(analyst *a, analyst_summary *sum, cs_err *err);

/* Helpers shared by the stages. */
double analyst_clock(void);        /* monotonic seconds */
double analyst_num(const char *s); /* "" or NULL -> NaN */
/* Shortest text that reads back to v; non_finite for NaN and Inf. */
void analyst_fmt_double(char *buf, size_t buf_bytes, double v,
                        const char *non_finite);
int analyst_level_rank(const char *level); /* -1 when unknown */
cs_status analyst_pg_error(cs_status rc, cs_err *err, const char *what);

#endif
