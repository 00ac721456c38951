/* eval.h - pieces of cs-forecast-eval shared with its unit tests: the
 * long-CSV reader, the accuracy measures and the published-figures file.
 * Not part of the model library. */
#ifndef CS_FORECAST_EVAL_H
#define CS_FORECAST_EVAL_H

#include <stdbool.h>
#include <math.h>
#include <stddef.h>

#include "cs_err.h"

#define EV_NAN              ((double)NAN) /* NAN is a float */
#define EV_MAX_ID_BYTES     64
#define EV_MAX_PERIOD_BYTES 16
#define EV_MAX_LINE_BYTES   4096

typedef struct ev_series {
    char id[EV_MAX_ID_BYTES];
    char period[EV_MAX_PERIOD_BYTES]; /* yearly, quarterly, ... */
    unsigned m;                       /* seasonal period of `period` */
    double *train;                    /* owned, n_train values */
    size_t n_train, cap_train;
    double *test; /* owned, n_test values */
    size_t n_test, cap_test;
    size_t horizon; /* the horizon column */
} ev_series;

typedef struct ev_data {
    ev_series *s; /* owned array of n series, in order of first row */
    size_t n, cap;
    size_t *hash; /* owned open-addressing table of series index + 1 */
    size_t hash_cap;
} ev_data;

/* Seasonal period of a period name: yearly/other 1, quarterly 4,
 * monthly 12, weekly 52, daily 7, hourly 24; 0 when unknown. */
unsigned ev_period_m(const char *period);

/* Reads the long CSV (series_id,period,horizon,split,t,value in any
 * column order; other columns ignored). Fills *d, which the caller
 * releases with ev_data_free() even on failure. */
cs_status ev_read_csv(const char *path, ev_data *d, cs_err *err);
void ev_data_free(ev_data *d);

/* Splits a CSV line in place (RFC 4180 quotes); returns the number of
 * fields, at most max; f[i] point into line. */
size_t ev_split_csv(char *line, char **f, size_t max);

/* Per-step accuracy of one forecast, M-competition style:
 * ape = 100 |y - f| / |y|, sape = 200 |y - f| / (|y| + |f|),
 * ase = |y - f| / scale. NaN where undefined (y = 0, scale = 0). */
typedef struct ev_point {
    double ape, sape, ase, ase_all;
    bool in80, in95;
} ev_point;

/* Mean absolute lag-m difference of x[0..n-1] (falls back to lag 1 when
 * n <= m): the MASE scale of Hyndman & Koehler (2006). NaN if n < 2. */
double ev_mase_scale(const double *x, size_t n, unsigned m);
/* The same over train followed by test: the scaling that reproduces the
 * tourism competition's printed MASE (see docs/models/forecasting.md). */
double ev_mase_scale_all(const double *train, size_t n_train,
                         const double *test, size_t n_test, unsigned m);

/* Scores one forecast: fc holds 5 * h values (mean, lo80, hi80, lo95,
 * hi95; NaN bounds when there are no intervals). Fills pts[0..k-1] for
 * the k = min(h, n_test) steps and returns k. */
size_t ev_points(const ev_series *s, const double *fc, size_t h, ev_point *pts);

/* Running sums of one group (a period, or everything), per step. */
#define EV_MAX_H 256
typedef struct ev_group {
    char name[EV_MAX_PERIOD_BYTES + 8];
    size_t n_series;
    size_t max_h;
    double sum[4][EV_MAX_H]; /* ape, sape, ase, ase_all */
    size_t cnt[4][EV_MAX_H];
    size_t n_points, n_in80, n_in95, n_int;
} ev_group;

void ev_group_add(ev_group *g, const ev_point *p, size_t n_steps,
                  bool has_intervals);
/* Mean over series of measure k at step h (1-based), NaN if none. */
double ev_group_at(const ev_group *g, int k, size_t h);
/* Mean over all (series, step) pairs with step in a..b (1-based,
 * inclusive): pooled, as the M-competition averages horizons. */
double ev_group_range(const ev_group *g, int k, size_t a, size_t b);

#endif
