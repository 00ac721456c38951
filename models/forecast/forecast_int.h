/* forecast_int.h - layout of cs_forecast and helpers shared by the files
 * of models/forecast (cs__fc_*). Not installed; callers use cs_forecast.h. */
#ifndef FORECAST_INT_H
#define FORECAST_INT_H

#include "cs_forecast.h"

#define CS_FC_MODEL_BYTES    128
#define CS_FC_Z80            1.2815515655446004
#define CS_FC_Z95            1.959963984540054
#define CS_FC_MAX_PERIOD     366u
#define CS_FC_MAX_N          ((size_t)1 << 24)
#define CS_FC_MAX_H          ((size_t)1 << 16)
#define CS_FC_MAX_SIM_VALUES ((size_t)10000000) /* n_sims x h: 80 MB */

struct cs_forecast {
    size_t h;
    double *mean;                      /* owned, h values */
    double *lo80, *hi80, *lo95, *hi95; /* owned, h values or all NULL */
    char model[CS_FC_MODEL_BYTES];
};

/* Returns a new forecast with h zeroed points (and interval arrays when
 * with_intervals), or NULL when out of memory. */
cs_forecast *cs__fc_alloc(size_t h, bool with_intervals);

/* Symmetric interval mean +- z * sd[j] for both levels. */
void cs__fc_normal_intervals(cs_forecast *f, const double *sd);

/* Empirical intervals from n_sims paths stored path-major
 * (paths[i * h + j]); paths is only read. */
cs_status cs__fc_sim_intervals(cs_forecast *f, double *paths, size_t n_sims,
                               cs_err *err);

/* Classical decomposition (ratio to / difference from a centred moving
 * average): fig[k] is the seasonal figure of positions t with
 * t % m == k, normalised to mean 1 (multiplicative) or sum 0. Needs
 * n >= 2m, and positive data when multiplicative. */
cs_status cs__fc_decompose(const double *y, size_t n, unsigned m,
                           bool multiplicative, double *fig, cs_err *err);

/* Seasonal adjustment used by SES, Holt, damped, drift and Theta. */
typedef struct cs__fc_season {
    unsigned m;
    bool adjusted; /* false: idx is neutral */
    bool additive; /* data not all positive: figures are added */
    double idx[CS_FC_MAX_PERIOD];
} cs__fc_season;

/* Runs the M3 seasonality test and, when it passes, a classical
 * decomposition: multiplicative for positive data, additive otherwise.
 * Returns whether it adjusted. */
bool cs__fc_deseasonalise(const double *y, size_t n, unsigned m,
                          cs__fc_season *s);

/* ETS fitting. */
typedef struct cs__ets_spec {
    char error; /* 'A' or 'M' */
    char trend; /* 'N' or 'A' */
    bool damped;
    char season; /* 'N', 'A' or 'M' */
} cs__ets_spec;

typedef struct cs__ets_fit {
    cs__ets_spec spec;
    unsigned m;
    double alpha, beta, gamma, phi;
    double l, b;                /* final states */
    double s[CS_FC_MAX_PERIOD]; /* final seasonal states, s[(t) % m] */
    size_t n;                   /* observations fitted */
    double sigma2;              /* residual variance (relative for M error) */
    double lik;                 /* n log(SSE) (+ 2 sum log|yhat| for M) */
    double aicc;
    size_t n_params;
    char model_name[CS_FC_MODEL_BYTES];
} cs__ets_fit;

typedef struct cs__ets_fixed {
    double alpha, beta, gamma, phi; /* NaN = estimate */
    bool heuristic_start; /* keep the heuristic l0, b0 (no ML for them) */
} cs__ets_fixed;

/* Parses "MAdN" / "ETS(M,Ad,N)" style names; 'Z' is allowed in
 * patterns (spec fields then hold 'Z'). */
cs_status cs__ets_parse(const char *s, cs__ets_spec *spec, cs_err *err);
void cs__ets_name(const cs__ets_spec *spec, char *buf, size_t len);

/* Fits one ETS model by maximum likelihood (gsl_multimin). */
cs_status cs__ets_fit_one(const double *y, size_t n, unsigned m,
                          const cs__ets_spec *spec, const cs__ets_fixed *fixed,
                          cs__ets_fit *fit, cs_err *err);
/* Fits the admissible models matching pattern (e.g. "ZZZ", "AZN", 'Z'
 * is any component; trend "Ad" is damped) into fits[0..*n_fits-1]
 * (room for CS_FC_ETS_MAX_MODELS) and sets *best to the lowest AICc. */
#define CS_FC_ETS_MAX_MODELS 18
cs_status cs__ets_select(const double *y, size_t n, unsigned m,
                         const char *pattern, const cs__ets_fixed *fixed,
                         cs__ets_fit *fits, size_t *n_fits, size_t *best,
                         cs_err *err);
/* Point forecasts (and intervals when f has them). */
cs_status cs__ets_forecast(const cs__ets_fit *fit, cs_forecast *f,
                           unsigned n_sims, uint64_t seed, cs_err *err);

/* Method bodies, each filling a cs_forecast of horizon h. */
cs_status cs__fc_naive(const double *y, size_t n, const cs_fc_opts *o,
                       cs_forecast *f, cs_err *err);
cs_status cs__fc_snaive(const double *y, size_t n, const cs_fc_opts *o,
                        cs_forecast *f, cs_err *err);
cs_status cs__fc_naive2(const double *y, size_t n, const cs_fc_opts *o,
                        cs_forecast *f, cs_err *err);
cs_status cs__fc_drift(const double *y, size_t n, const cs_fc_opts *o,
                       cs_forecast *f, cs_err *err);
cs_status cs__fc_theta(const double *y, size_t n, const cs_fc_opts *o,
                       cs_forecast *f, cs_err *err);
/* trend 'N' (SES), 'A' (Holt), 'D' (damped) on deseasonalised data. */
cs_status cs__fc_deseason_ets(const double *y, size_t n, char trend,
                              const cs_fc_opts *o, cs_forecast *f, cs_err *err);
cs_status cs__fc_ets(const double *y, size_t n, const cs_fc_opts *o,
                     cs_forecast *f, cs_err *err);
cs_status cs__fc_croston(const double *y, size_t n, cs_fc_method variant,
                         const cs_fc_opts *o, cs_forecast *f, cs_err *err);

#endif
