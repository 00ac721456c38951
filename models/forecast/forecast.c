/* forecast.c - the public entry point: input checks, method names,
 * dispatch to each family, and the combination and automatic modes. */
#include "forecast_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CS_FC_COMB_MEMBERS 3

static const char *const method_names[CS_FC_N_METHODS] = {
    [CS_FC_NAIVE] = "naive",
    [CS_FC_SNAIVE] = "snaive",
    [CS_FC_NAIVE2] = "naive2",
    [CS_FC_DRIFT] = "drift",
    [CS_FC_SES] = "ses",
    [CS_FC_HOLT] = "holt",
    [CS_FC_DAMPED] = "damped",
    [CS_FC_ETS] = "ets",
    [CS_FC_THETA] = "theta",
    [CS_FC_CROSTON] = "croston",
    [CS_FC_SBA] = "sba",
    [CS_FC_TSB] = "tsb",
    [CS_FC_INTERMITTENT] = "intermittent",
    [CS_FC_COMB] = "comb",
    [CS_FC_AUTO] = "auto",
};

void cs_forecast_opts_default(cs_fc_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->method = CS_FC_AUTO;
    o->period = 1;
    o->alpha = o->beta = o->gamma = o->phi = NAN;
    o->alpha_size = o->alpha_interval = NAN;
    o->croston_init = CS_FC_CROSTON_FIRST;
    o->want_intervals = true;
    o->n_sims = 1000;
    o->seed = 42;
}

const char *cs_forecast_method_name(cs_fc_method m)
{
    if ((int)m < 0 || m >= CS_FC_N_METHODS)
        return "unknown";
    return method_names[m];
}

cs_status cs_forecast_method_parse(const char *name, cs_fc_opts *o, cs_err *err)
{
    for (int i = 0; i < (int)CS_FC_N_METHODS; i++) {
        if (strcmp(name, method_names[i]) == 0) {
            o->method = (cs_fc_method)i;
            o->ets_model[0] = '\0'; /* plain "ets": choose by AICc */
            return CS_OK;
        }
    }
    if (strncmp(name, "ETS(", 4) == 0 || strncmp(name, "ets(", 4) == 0) {
        cs__ets_spec sp;
        cs_status rc = cs__ets_parse(name, &sp, err);
        if (rc != CS_OK)
            return rc;
        o->method = CS_FC_ETS;
        (void)snprintf(o->ets_model, sizeof(o->ets_model), "%c%s%c", sp.error,
                       sp.trend == 'N' ? "N" : (sp.damped ? "Ad" : "A"),
                       sp.season);
        return CS_OK;
    }
    return cs_err_set(
        err, CS_E_INVALID,
        "unknown forecast method \"%s\" (want naive, snaive, "
        "naive2, drift, ses, holt, damped, ets, ETS(A,Ad,N), theta, "
        "croston, sba, tsb, intermittent, comb or auto)",
        name);
}

cs_forecast *cs__fc_alloc(size_t h, bool with_intervals)
{
    cs_forecast *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return NULL;
    f->h = h;
    f->mean = calloc(h, sizeof(double));
    if (with_intervals) {
        f->lo80 = calloc(h, sizeof(double));
        f->hi80 = calloc(h, sizeof(double));
        f->lo95 = calloc(h, sizeof(double));
        f->hi95 = calloc(h, sizeof(double));
    }
    if (f->mean == NULL ||
        (with_intervals && (f->lo80 == NULL || f->hi80 == NULL ||
                            f->lo95 == NULL || f->hi95 == NULL))) {
        cs_forecast_free(f);
        return NULL;
    }
    return f;
}

void cs_forecast_free(cs_forecast *f)
{
    if (f == NULL)
        return;
    free(f->mean);
    free(f->lo80);
    free(f->hi80);
    free(f->lo95);
    free(f->hi95);
    free(f);
}

size_t cs_forecast_horizon(const cs_forecast *f)
{
    return f->h;
}

const double *cs_forecast_mean(const cs_forecast *f)
{
    return f->mean;
}

const char *cs_forecast_model(const cs_forecast *f)
{
    return f->model;
}

cs_status cs_forecast_interval(const cs_forecast *f, unsigned level,
                               const double **lo, const double **hi,
                               cs_err *err)
{
    if (f->lo80 == NULL)
        return cs_err_set(err, CS_E_INVALID,
                          "forecast was made without intervals");
    if (level == 80) {
        *lo = f->lo80;
        *hi = f->hi80;
    } else if (level == 95) {
        *lo = f->lo95;
        *hi = f->hi95;
    } else {
        return cs_err_set(err, CS_E_INVALID,
                          "interval level %u not available (80 or 95)", level);
    }
    return CS_OK;
}

void cs__fc_normal_intervals(cs_forecast *f, const double *sd)
{
    for (size_t j = 0; j < f->h; j++) {
        f->lo80[j] = f->mean[j] - CS_FC_Z80 * sd[j];
        f->hi80[j] = f->mean[j] + CS_FC_Z80 * sd[j];
        f->lo95[j] = f->mean[j] - CS_FC_Z95 * sd[j];
        f->hi95[j] = f->mean[j] + CS_FC_Z95 * sd[j];
    }
}

/* k-th smallest of a[0..n-1] (0-based), partially reordering a:
 * Hoare's selection, expected O(n); gsl_sort's heapsort dominated the
 * cost of simulated intervals. */
static double select_kth(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;

    while (lo < hi) {
        double pivot = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return a[k];
}

/* Quantile p with linear interpolation between order statistics, as
 * gsl_stats_quantile_from_sorted_data (index p (n - 1)). */
static double quantile(double *a, size_t n, double p)
{
    const double idx = p * (double)(n - 1);
    const size_t k = (size_t)idx;
    const double frac = idx - (double)k;
    double lo = select_kth(a, n, k), hi = lo;

    if (frac > 0.0 && k + 1 < n) {
        /* after selection every element right of k is >= a[k] */
        hi = a[k + 1];
        for (size_t i = k + 2; i < n; i++)
            if (a[i] < hi)
                hi = a[i];
    }
    return lo + frac * (hi - lo);
}

cs_status cs__fc_sim_intervals(cs_forecast *f, double *paths, size_t n_sims,
                               cs_err *err)
{
    double *col = malloc(n_sims * sizeof(double));

    if (col == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    for (size_t j = 0; j < f->h; j++) {
        for (size_t i = 0; i < n_sims; i++)
            col[i] = paths[i * f->h + j];
        f->lo80[j] = quantile(col, n_sims, 0.1);
        f->hi80[j] = quantile(col, n_sims, 0.9);
        f->lo95[j] = quantile(col, n_sims, 0.025);
        f->hi95[j] = quantile(col, n_sims, 0.975);
    }
    free(col);
    return CS_OK;
}

cs_status cs__fc_ets(const double *y, size_t n, const cs_fc_opts *o,
                     cs_forecast *f, cs_err *err)
{
    cs__ets_fixed fx = {o->alpha, o->beta, o->gamma, o->phi,
                        o->ets_heuristic_start};
    cs__ets_fit *fits = malloc(CS_FC_ETS_MAX_MODELS * sizeof(*fits));
    const char *pat = o->ets_model[0] != '\0' ? o->ets_model : "ZZZ";
    cs_forecast *g = NULL;
    size_t n_fits = 0, best = 0;
    cs_status rc;

    if (fits == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    rc = cs__ets_select(y, n, o->period, pat, &fx, fits, &n_fits, &best, err);
    if (rc == CS_OK)
        rc = cs__ets_forecast(&fits[best], f, o->n_sims, o->seed, err);
    if (rc == CS_OK && o->ets_average && n_fits > 1) {
        /* Akaike weights (Kolassa 2011): w_i ~ exp(-(AICc_i - min) / 2).
         * Intervals stay those of the best model, moved with the mean. */
        double wsum = 0.0;
        double *acc = calloc(f->h, sizeof(double));
        g = cs__fc_alloc(f->h, false);
        if (acc == NULL || g == NULL) {
            free(acc);
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n_fits; i++) {
            double w = exp(-0.5 * (fits[i].aicc - fits[best].aicc));
            if (!(w > 1e-6) ||
                cs__ets_forecast(&fits[i], g, 0, 0, NULL) != CS_OK)
                continue;
            for (size_t j = 0; j < f->h; j++)
                acc[j] += w * g->mean[j];
            wsum += w;
        }
        for (size_t j = 0; j < f->h; j++) {
            double shift = acc[j] / wsum - f->mean[j];
            f->mean[j] += shift;
            if (f->lo80 != NULL) {
                f->lo80[j] += shift;
                f->hi80[j] += shift;
                f->lo95[j] += shift;
                f->hi95[j] += shift;
            }
        }
        free(acc);
        (void)snprintf(f->model, sizeof(f->model), "ETS avg of %zu, best %.20s",
                       n_fits, fits[best].model_name);
    }
out:
    cs_forecast_free(g);
    free(fits);
    return rc;
}

static double median3(double a, double b, double c)
{
    if (a > b) {
        double t = a;
        a = b;
        b = t;
    }
    /* now a <= b */
    if (c <= a)
        return a;
    if (c >= b)
        return b;
    return c;
}

/* Runs one method into a fresh forecast (*out is new on success). */
static cs_status run_method(const double *y, size_t n, size_t h,
                            const cs_fc_opts *o, cs_fc_method m,
                            cs_forecast **out, cs_err *err);

/* Bound k of a member: 0 lo80, 1 hi80, 2 lo95, 3 hi95. */
static const double *member_bound(const cs_forecast *g, int k)
{
    const double *const b[4] = {g->lo80, g->hi80, g->lo95, g->hi95};
    return b[k];
}

/* Median of three members, point by point. Interval bounds are the
 * median of the members' bounds, or with envelope their outermost
 * bounds (the members' disagreement is itself uncertainty). A member
 * that cannot be fitted (a short series) is replaced by the
 * deseasonalised SES, then by the seasonal naive. */
static cs_status run_median3(const double *y, size_t n, size_t h,
                             const cs_fc_opts *const mo[3],
                             const cs_fc_method members[3], bool envelope,
                             const char *label, cs_forecast *f, cs_err *err)
{
    cs_forecast *mf[CS_FC_COMB_MEMBERS] = {NULL};
    cs_status rc = CS_OK;

    for (int i = 0; i < CS_FC_COMB_MEMBERS; i++) {
        cs_err e2 = {0};
        cs_fc_opts plain = *mo[i];
        plain.log_transform = false;
        if (run_method(y, n, h, mo[i], members[i], &mf[i], &e2) != CS_OK &&
            run_method(y, n, h, &plain, members[i], &mf[i], &e2) != CS_OK &&
            run_method(y, n, h, &plain, CS_FC_SES, &mf[i], &e2) != CS_OK) {
            rc = run_method(y, n, h, &plain, CS_FC_SNAIVE, &mf[i], err);
            if (rc != CS_OK)
                goto out;
        }
    }
    for (size_t j = 0; j < h; j++) {
        f->mean[j] = median3(mf[0]->mean[j], mf[1]->mean[j], mf[2]->mean[j]);
        if (f->lo80 != NULL) {
            double *const dst[4] = {f->lo80, f->hi80, f->lo95, f->hi95};
            for (int k = 0; k < 4; k++) {
                const double a = member_bound(mf[0], k)[j];
                const double b = member_bound(mf[1], k)[j];
                const double c = member_bound(mf[2], k)[j];
                if (!envelope)
                    dst[k][j] = median3(a, b, c);
                else if (k % 2 == 0)
                    dst[k][j] = fmin(a, fmin(b, c));
                else
                    dst[k][j] = fmax(a, fmax(b, c));
            }
        }
    }
    (void)snprintf(f->model, sizeof(f->model),
                   "%s: median of %.40s, %.24s, "
                   "%.40s",
                   label, mf[0]->model, mf[1]->model, mf[2]->model);
out:
    for (int i = 0; i < CS_FC_COMB_MEMBERS; i++)
        cs_forecast_free(mf[i]);
    return rc;
}

/* The combination: median of ETS, Theta and damped trend. */
static cs_status run_comb(const double *y, size_t n, size_t h,
                          const cs_fc_opts *o, cs_forecast *f, cs_err *err)
{
    static const cs_fc_method members[CS_FC_COMB_MEMBERS] = {
        CS_FC_ETS, CS_FC_THETA, CS_FC_DAMPED};
    const cs_fc_opts *const mo[CS_FC_COMB_MEMBERS] = {o, o, o};
    return run_median3(y, n, h, mo, members, false, "Comb", f, err);
}

/* Automatic mode (docs/models/forecasting.md, "automatic mode"):
 * - intermittent series (zeros, ADI >= 1.32): Croston / SBA by class;
 * - non-seasonal period: median of naive, drift and Holt, three trend
 *   hypotheses (none, global, local) of which the median is the middle;
 * - seasonal period: median of seasonal naive, drift on adjusted data
 *   and ETS with Akaike weights, fitted to log(y) when y > 0 (additive
 *   models on the log scale; exp gives the median forecast). */
static cs_status run_auto(const double *y, size_t n, size_t h,
                          const cs_fc_opts *o, cs_forecast *f, cs_err *err)
{
    static const cs_fc_method plain[CS_FC_COMB_MEMBERS] = {
        CS_FC_NAIVE, CS_FC_DRIFT, CS_FC_HOLT};
    static const cs_fc_method seasonal[CS_FC_COMB_MEMBERS] = {
        CS_FC_SNAIVE, CS_FC_DRIFT, CS_FC_ETS};
    cs_fc_demand_class cls;
    double adi = 1.0, cv2 = 0.0;
    bool nonneg = true, has_zero = false, positive = true;
    cs_fc_opts base = *o, ets = *o;
    const cs_fc_opts *const mo[CS_FC_COMB_MEMBERS] = {&base, &base, &ets};

    for (size_t t = 0; t < n; t++) {
        if (y[t] < 0.0)
            nonneg = false;
        if (y[t] == 0.0)
            has_zero = true;
        if (!(y[t] > 0.0))
            positive = false;
    }
    if (nonneg && has_zero &&
        (cs_forecast_classify(y, n, &cls, &adi, &cv2, NULL) != CS_OK ||
         cls == CS_FC_INTERMIT || cls == CS_FC_LUMPY))
        return cs__fc_croston(y, n, CS_FC_INTERMITTENT, o, f, err);
    base.log_transform = false;
    if (o->period < 2)
        return run_median3(y, n, h, mo, plain, true, "Auto", f, err);
    ets.ets_average = true;
    ets.ets_heuristic_start = true;
    ets.log_transform = positive;
    (void)snprintf(ets.ets_model, sizeof(ets.ets_model), "%s",
                   positive ? "AZZ" : "ZZZ");
    return run_median3(y, n, h, mo, seasonal, false, "Auto", f, err);
}

static cs_status dispatch(const double *y, size_t n, const cs_fc_opts *o,
                          cs_fc_method m, cs_forecast *f, cs_err *err)
{
    switch (m) {
    case CS_FC_NAIVE:
        return cs__fc_naive(y, n, o, f, err);
    case CS_FC_SNAIVE:
        return cs__fc_snaive(y, n, o, f, err);
    case CS_FC_NAIVE2:
        return cs__fc_naive2(y, n, o, f, err);
    case CS_FC_DRIFT:
        return cs__fc_drift(y, n, o, f, err);
    case CS_FC_SES:
        return cs__fc_deseason_ets(y, n, 'N', o, f, err);
    case CS_FC_HOLT:
        return cs__fc_deseason_ets(y, n, 'A', o, f, err);
    case CS_FC_DAMPED:
        return cs__fc_deseason_ets(y, n, 'D', o, f, err);
    case CS_FC_ETS:
        return cs__fc_ets(y, n, o, f, err);
    case CS_FC_THETA:
        return cs__fc_theta(y, n, o, f, err);
    case CS_FC_CROSTON:
    case CS_FC_SBA:
    case CS_FC_TSB:
    case CS_FC_INTERMITTENT:
        return cs__fc_croston(y, n, m, o, f, err);
    case CS_FC_COMB:
        return run_comb(y, n, f->h, o, f, err);
    case CS_FC_AUTO:
        return run_auto(y, n, f->h, o, f, err);
    case CS_FC_N_METHODS:
        break;
    }
    return cs_err_set(err, CS_E_INVALID, "unknown forecast method %d", (int)m);
}

static cs_status run_method(const double *y, size_t n, size_t h,
                            const cs_fc_opts *o, cs_fc_method m,
                            cs_forecast **out, cs_err *err)
{
    cs_forecast *f = cs__fc_alloc(h, o->want_intervals);
    double *ly = NULL;
    cs_fc_opts lo;
    cs_status rc;

    if (f == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    if (!o->log_transform) {
        rc = dispatch(y, n, o, m, f, err);
    } else {
        /* Fit on the log scale; exp of a point forecast is the median of
         * the back-transformed distribution, and exp of each interval
         * bound is the same quantile on the original scale. */
        ly = malloc(n * sizeof(double));
        if (ly == NULL) {
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
            goto out;
        }
        for (size_t t = 0; t < n; t++) {
            if (!(y[t] > 0.0)) {
                rc = cs_err_set(err, CS_E_INVALID,
                                "log transform needs positive values, "
                                "value %zu is %g",
                                t, y[t]);
                goto out;
            }
            ly[t] = log(y[t]);
        }
        lo = *o;
        lo.log_transform = false;
        rc = dispatch(ly, n, &lo, m, f, err);
        if (rc == CS_OK) {
            double *arr[5] = {f->mean, f->lo80, f->hi80, f->lo95, f->hi95};
            char name[CS_FC_MODEL_BYTES];
            for (int k = 0; k < 5; k++)
                for (size_t j = 0; arr[k] != NULL && j < h; j++)
                    arr[k][j] = exp(arr[k][j]);
            memcpy(name, f->model, sizeof(name));
            (void)snprintf(f->model, sizeof(f->model), "log %.100s", name);
        }
    }
out:
    free(ly);
    if (rc != CS_OK) {
        cs_forecast_free(f);
        return rc;
    }
    *out = f;
    return CS_OK;
}

/* Floor of the interval half-widths (docs/models/forecasting.md,
 * "Interval floor"): a model that fits the past exactly (a perfectly
 * linear or constant series) has zero residual variance and would claim
 * a zero-width interval. No interval is narrower than that of a one-step
 * sd of CS_FC_MIN_REL_SD times the recent level (mean |y| of the last
 * max(m, 4) points, or of the whole series if those are 0), growing as
 * sqrt(h). An all-zero series keeps its documented zero width. */
#define CS_FC_MIN_REL_SD 0.005

static void interval_floor(const double *y, size_t n, unsigned m,
                           cs_forecast *f)
{
    size_t k = m > 4 ? m : 4, from;
    double level = 0.0;

    if (f->lo80 == NULL)
        return;
    if (k > n)
        k = n;
    from = n - k;
    for (size_t t = from; t < n; t++)
        level += fabs(y[t]);
    if (!(level > 0.0)) {
        from = 0;
        for (size_t t = 0; t < n; t++)
            level += fabs(y[t]);
    }
    level /= (double)(n - from);
    if (!(level > 0.0))
        return;
    for (size_t j = 0; j < f->h; j++) {
        double sd = CS_FC_MIN_REL_SD * level * sqrt((double)(j + 1));
        double mu = f->mean[j];
        f->lo80[j] = fmin(f->lo80[j], mu - CS_FC_Z80 * sd);
        f->hi80[j] = fmax(f->hi80[j], mu + CS_FC_Z80 * sd);
        f->lo95[j] = fmin(f->lo95[j], mu - CS_FC_Z95 * sd);
        f->hi95[j] = fmax(f->hi95[j], mu + CS_FC_Z95 * sd);
    }
}

cs_status cs_forecast_run(const double *y, size_t n, size_t h,
                          const cs_fc_opts *o, cs_forecast **out, cs_err *err)
{
    cs_status rc;

    if (y == NULL || n == 0)
        return cs_err_set(err, CS_E_INVALID, "series is empty");
    if (n > CS_FC_MAX_N)
        return cs_err_set(err, CS_E_TOO_LARGE,
                          "series has %zu points, limit is %zu", n,
                          CS_FC_MAX_N);
    if (h == 0)
        return cs_err_set(err, CS_E_INVALID, "horizon must be at least 1");
    if (h > CS_FC_MAX_H)
        return cs_err_set(err, CS_E_TOO_LARGE, "horizon %zu exceeds %zu", h,
                          CS_FC_MAX_H);
    if (o->want_intervals && (size_t)o->n_sims * h > CS_FC_MAX_SIM_VALUES)
        return cs_err_set(err, CS_E_TOO_LARGE,
                          "%u simulated paths of %zu steps exceed %zu values",
                          o->n_sims, h, CS_FC_MAX_SIM_VALUES);
    if (o->period == 0 || o->period > CS_FC_MAX_PERIOD)
        return cs_err_set(err, CS_E_INVALID, "period must be in 1..%u, got %u",
                          CS_FC_MAX_PERIOD, o->period);
    for (size_t t = 0; t < n; t++)
        if (!isfinite(y[t]))
            return cs_err_set(err, CS_E_INVALID,
                              "series value %zu is not a finite number", t);
    rc = run_method(y, n, h, o, o->method, out, err);
    if (rc == CS_OK) {
        for (size_t j = 0; j < h; j++)
            if (!isfinite((*out)->mean[j])) {
                cs_forecast_free(*out);
                *out = NULL;
                return cs_err_set(err, CS_E_NUMERIC,
                                  "forecast step %zu is not finite", j + 1);
            }
        interval_floor(y, n, o->period, *out);
    }
    return rc;
}
