/* cs_risk.h - supplier risk index (风险指数评估): normalised indicators,
 * entropy / AHP / blended weights, a 0-100 score with a red-orange-
 * yellow-blue level and per-indicator contributions, and aggregation to
 * chain, tier, region or industry. Pure computation, no I/O.
 * Maths and sources: docs/models/risk-index.md. */
#ifndef CS_RISK_H
#define CS_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "cs_err.h"

#define CS_RISK_MAX_INDICATORS 64
#define CS_RISK_AHP_MAX_N      10 /* Saaty's random index table ends here */

/* Which way an indicator points. */
typedef enum cs_risk_dir {
    CS_RISK_HIGHER_RISKIER = 0, /* e.g. lead-time CV, concentration */
    CS_RISK_HIGHER_SAFER = 1,   /* e.g. on-time delivery rate */
} cs_risk_dir;

typedef enum cs_risk_norm {
    CS_RISK_NORM_MINMAX = 0,   /* (x - min) / (max - min) within the group */
    CS_RISK_NORM_ROBUST_Z = 1, /* median / MAD z-score, clamped to +-3 */
} cs_risk_norm;

/* Alert levels, lowest first (red > orange > yellow > blue). */
typedef enum cs_risk_level {
    CS_RISK_BLUE = 0,
    CS_RISK_YELLOW,
    CS_RISK_ORANGE,
    CS_RISK_RED,
} cs_risk_level;

/* A score at or above a threshold takes that level. */
typedef struct cs_risk_thresholds {
    double yellow, orange, red; /* 0 <= yellow <= orange <= red <= 100 */
} cs_risk_thresholds;

extern const cs_risk_thresholds cs_risk_default_thresholds; /* 25 50 75 */

typedef enum cs_risk_agg {
    CS_RISK_AGG_MEAN = 0, /* weighted mean of member scores */
    CS_RISK_AGG_MAX = 1,  /* worst member */
} cs_risk_agg;

/* Normalises x (n_rows enterprises x n_cols indicators, row-major; NaN
 * marks a missing value) within each peer group into out (same shape,
 * caller-allocated), where 0 is the safest and 1 the riskiest. dir has
 * n_cols entries; group has n_rows peer-group ids, or is NULL for one
 * group. A column without information in a group - every present value
 * equal, or none present - normalises to 0 there, so it contributes
 * nothing to the score. Other missing values take the group median of
 * the normalised column. Borrows every input. */
cs_status cs_risk_normalise(const double *x, size_t n_rows, size_t n_cols,
                            const cs_risk_dir *dir, const uint32_t *group,
                            cs_risk_norm method, double *out, cs_err *err);

/* The parameters cs_risk_normalise found for one peer group and
 * indicator: min-max lo = min, hi = max; robust z lo = median, hi = the
 * scale (1.4826 MAD, else 1.2533 mean absolute deviation); NaN when the
 * group had no value. fill is what a missing value normalises to (the
 * group median of the normalised column, 0 without information). */
typedef struct cs_risk_norm_param {
    double lo, hi, fill;
} cs_risk_norm_param;

/* As cs_risk_normalise, and when params is not NULL also stores the
 * parameters of each group and column in params[g * n_cols + j]
 * (n_groups x n_cols; every group id must be below n_groups; groups
 * without rows get no-information parameters). */
cs_status cs_risk_normalise_fit(const double *x, size_t n_rows, size_t n_cols,
                                const cs_risk_dir *dir, const uint32_t *group,
                                size_t n_groups, cs_risk_norm method,
                                double *out, cs_risk_norm_param *params,
                                cs_err *err);

/* Normalises x against fixed parameters (params[group[i] * n_cols + j],
 * from cs_risk_normalise_fit on an earlier population): the rows are
 * placed among those peers instead of among themselves, clamped to [0, 1]
 * as usual. Applied to the rows they were fitted on, it gives exactly
 * what cs_risk_normalise gave. */
cs_status cs_risk_normalise_with(const double *x, size_t n_rows, size_t n_cols,
                                 const cs_risk_dir *dir, const uint32_t *group,
                                 size_t n_groups, cs_risk_norm method,
                                 const cs_risk_norm_param *params, double *out,
                                 cs_err *err);

/* Entropy weights (熵权法) of normalised indicators y (n_rows x n_cols,
 * values in [0, 1]) into w (n_cols, sums to 1). When no column varies,
 * every weight is 1/n_cols. */
cs_status cs_risk_entropy_weights(const double *y, size_t n_rows, size_t n_cols,
                                  double *w, cs_err *err);

typedef struct cs_risk_ahp_result {
    double lambda_max; /* principal eigenvalue of the pairwise matrix */
    double ci;         /* (lambda_max - n) / (n - 1) */
    double cr;         /* ci / RI(n); 0 for n <= 2 */
} cs_risk_ahp_result;

/* Saaty's random consistency index RI(n) for 1 <= n <= 10, else NaN. */
double cs_risk_random_index(size_t n);

/* AHP weights from a positive reciprocal pairwise matrix (n x n,
 * row-major; a[i][j] = how much more important i is than j) into w
 * (n entries, sums to 1) and res. When res->cr >= max_cr it still fills
 * w and res but returns CS_E_INVALID: the judgements are inconsistent.
 * Pass max_cr = 0.1 for Saaty's rule. */
cs_status cs_risk_ahp(const double *pairwise, size_t n, double max_cr,
                      double *w, cs_risk_ahp_result *res, cs_err *err);

/* w = alpha * w_ahp + (1 - alpha) * w_entropy, renormalised to sum 1. */
cs_status cs_risk_blend_weights(const double *w_ahp, const double *w_entropy,
                                size_t n, double alpha, double *w, cs_err *err);

typedef struct cs_risk cs_risk; /* opaque: weights and thresholds */

/* Returns a new scorer; the caller frees it with cs_risk_free(). Copies
 * weights (n_indicators, non-negative, summing to 1 within 1e-6) and
 * thresholds (NULL for the defaults). */
cs_risk *cs_risk_new(const double *weights, size_t n_indicators,
                     const cs_risk_thresholds *thresholds, cs_err *err);

size_t cs_risk_n_indicators(const cs_risk *r);

/* Scores n_rows normalised rows y (n_rows x n_indicators): score in
 * [0, 100] = 100 * sum_j w_j y_j. contrib (n_rows x n_indicators, or
 * NULL) receives 100 * w_j y_j, which sums to the score; level (n_rows,
 * or NULL) receives the alert level. */
cs_status cs_risk_score(const cs_risk *r, const double *y, size_t n_rows,
                        double *score, double *contrib, cs_risk_level *level,
                        cs_err *err);

cs_risk_level cs_risk_level_of(const cs_risk *r, double score);

/* "red", "orange", "yellow" or "blue"; a static string. */
const char *cs_risk_level_name(cs_risk_level level);

/* Writes one sentence explaining a score into buf, e.g.
 * "68, orange: on_time_rate 0.71 (+22.1), single_source 3 (+15.0)",
 * naming at most top_k indicators with the largest contributions. raw
 * holds the indicator values as given (NaN prints "missing"). A name may
 * carry a placeholder for the value: "{v}" (as given) or "{%}" (x 100,
 * with "%"), e.g. "on-time delivery at {%}" gives "on-time delivery at
 * 71% (+22.1)"; without one the value follows the name. Returns the
 * length snprintf would have written (truncated when >= buf_bytes). */
size_t cs_risk_explain(double score, cs_risk_level level,
                       const char *const *names, const double *raw,
                       const double *contrib, size_t n, size_t top_k, char *buf,
                       size_t buf_bytes);

/* Aggregates member scores into n_groups group scores: group[i] <
 * n_groups names member i's group; weight (n, e.g. purchase volume) may
 * be NULL for equal weights. A group without members gets NaN. */
cs_status cs_risk_aggregate(const double *score, const double *weight,
                            const uint32_t *group, size_t n, size_t n_groups,
                            cs_risk_agg method, double *out, cs_err *err);

void cs_risk_free(cs_risk *r); /* NULL is a no-op */

/* --- indicator helpers (risk_indicators.c); every input borrowed --- */

/* Herfindahl-Hirschman index of a supplier base (or customer base) from
 * volumes: sum of squared shares, in (0, 1]; 1 = single source. */
cs_status cs_risk_hhi(const double *volume, size_t n, double *hhi, cs_err *err);

/* Coefficient of variation (sample standard deviation / mean) of, e.g.,
 * lead times; n >= 2 and a positive mean. */
cs_status cs_risk_cv(const double *x, size_t n, double *cv, cs_err *err);

/* Production drop against the enterprise's own baseline, as a z-score:
 * (mean(history) - current) / sd(history), so a drop is positive
 * (riskier). n >= 2; a flat history (sd 0) gives 0 when current equals
 * it and +-CS_RISK_Z_FLAT otherwise. */
#define CS_RISK_Z_FLAT 10.0
cs_status cs_risk_baseline_z(const double *history, size_t n, double current,
                             double *z, cs_err *err);

/* Exposure to one risk event: severity (0-1) x proximity x time overlap,
 * with proximity = max(0, 1 - distance_km / radius_km) and overlap the
 * fraction of the window [from, to) (days) the event is active in.
 * Sum over events for the indicator. */
cs_status cs_risk_event_exposure(double severity, double distance_km,
                                 double radius_km, double event_start_day,
                                 double event_end_day, double from_day,
                                 double to_day, double *exposure, cs_err *err);

#endif
