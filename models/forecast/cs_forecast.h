/* cs_forecast.h - demand forecasts with prediction intervals: naive
 * baselines, exponential smoothing (ETS), Theta, Croston-type methods for
 * intermittent demand, and automatic / combined modes. Pure computation
 * over arrays, no I/O. Maths and sources: docs/models/forecasting.md. */
#ifndef CS_FORECAST_H
#define CS_FORECAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs_err.h"

typedef enum cs_fc_method {
    CS_FC_NAIVE = 0, /* last value */
    CS_FC_SNAIVE,    /* last value of the same season */
    CS_FC_NAIVE2,    /* naive on seasonally adjusted data (M-competition) */
    CS_FC_DRIFT,     /* random walk with drift on seasonally adjusted data */
    CS_FC_SES,       /* deseasonalised simple exponential smoothing */
    CS_FC_HOLT,      /* deseasonalised Holt linear trend */
    CS_FC_DAMPED,    /* deseasonalised damped trend */
    CS_FC_ETS,       /* ETS state-space model, chosen by AICc or fixed */
    CS_FC_THETA,     /* Theta method, M3 seasonal adjustment */
    CS_FC_CROSTON,
    CS_FC_SBA,          /* Syntetos-Boylan approximation */
    CS_FC_TSB,          /* Teunter-Syntetos-Babai */
    CS_FC_INTERMITTENT, /* Croston or SBA routed by ADI / CV^2 */
    CS_FC_COMB,         /* median of ETS, Theta and damped trend */
    CS_FC_AUTO,         /* picks the family per series */
    CS_FC_N_METHODS
} cs_fc_method;

/* How Croston-type methods start. */
typedef enum cs_fc_croston_init {
    CS_FC_CROSTON_FIRST = 0, /* first non-zero demand, and its interval
                                counted from the start of the series */
    CS_FC_CROSTON_MEAN,      /* mean of non-zero demands and intervals */
} cs_fc_croston_init;

/* Demand classes of Syntetos, Boylan & Croston (2005). */
typedef enum cs_fc_demand_class {
    CS_FC_SMOOTH = 0, /* ADI < 1.32, CV^2 < 0.49 */
    CS_FC_ERRATIC,    /* ADI < 1.32, CV^2 >= 0.49 */
    CS_FC_INTERMIT,   /* ADI >= 1.32, CV^2 < 0.49 */
    CS_FC_LUMPY,      /* ADI >= 1.32, CV^2 >= 0.49 */
} cs_fc_demand_class;

/* Options. Start from cs_forecast_opts_default(); parameters left NaN
 * are estimated. */
typedef struct cs_fc_opts {
    cs_fc_method method;
    unsigned period;          /* seasonal period m: 1, 4, 12, 7, ... */
    char ets_model[8];        /* "" or "ZZZ" = AICc choice, else e.g. "MAdN" */
    bool ets_average;         /* weight the ETS models by AICc (Kolassa 2011)
                                 instead of keeping the best one */
    bool log_transform;       /* fit log(y), forecast exp(.): medians; needs
                                 y > 0 */
    bool ets_heuristic_start; /* ETS: start level/slope from the heuristic
                                 instead of estimating them (2x faster) */
    double alpha, beta, gamma, phi; /* ETS / SES smoothing, NaN = fit */
    double alpha_size;              /* Croston-type: demand-size smoothing */
    double alpha_interval; /* Croston/SBA: interval; TSB: probability */
    cs_fc_croston_init croston_init;
    bool want_intervals; /* compute lo/hi 80 and 95 */
    unsigned n_sims;     /* sample paths where intervals are simulated */
    uint64_t seed;       /* simulation seed: same seed, same result */
} cs_fc_opts;

typedef struct cs_forecast cs_forecast; /* opaque fitted forecast */

void cs_forecast_opts_default(cs_fc_opts *o);

/* Fits y[0..n-1] (borrowed) and forecasts h steps. On success *out is new;
 * the caller frees it with cs_forecast_free(). Errors: CS_E_INVALID for
 * empty input, h == 0, non-finite values, negative values for
 * Croston-type methods; CS_E_TOO_LARGE beyond 2^24 points, h > 2^16 or
 * n_sims x h > 10^7; CS_E_NUMERIC when no model could be fitted. */
cs_status cs_forecast_run(const double *y, size_t n, size_t h,
                          const cs_fc_opts *o, cs_forecast **out, cs_err *err);
void cs_forecast_free(cs_forecast *f); /* NULL is a no-op */

/* Accessors: arrays of cs_forecast_horizon(f) values, borrowed from f
 * (valid until cs_forecast_free). Interval arrays are NULL unless the
 * options asked for intervals; level is 80 or 95. */
size_t cs_forecast_horizon(const cs_forecast *f);
const double *cs_forecast_mean(const cs_forecast *f);
cs_status cs_forecast_interval(const cs_forecast *f, unsigned level,
                               const double **lo, const double **hi,
                               cs_err *err);
/* The model actually used, e.g. "ETS(M,Ad,N)", "Theta", "SBA". Borrowed. */
const char *cs_forecast_model(const cs_forecast *f);

/* Static lower-case name ("ets", "theta", ...) and its inverse. The parser
 * also accepts "ETS(A,Ad,N)"-style names, which set o->ets_model. */
const char *cs_forecast_method_name(cs_fc_method m);
cs_status cs_forecast_method_parse(const char *name, cs_fc_opts *o,
                                   cs_err *err);

/* ADI (mean interval between non-zero demands) and CV^2 of the non-zero
 * sizes; y must be finite and non-negative. */
cs_status cs_forecast_classify(const double *y, size_t n,
                               cs_fc_demand_class *cls, double *adi,
                               double *cv2, cs_err *err);

/* M3 seasonality test (autocorrelation at lag m, 90%): true when the
 * series should be seasonally adjusted. */
bool cs_forecast_is_seasonal(const double *y, size_t n, unsigned m);

#endif
