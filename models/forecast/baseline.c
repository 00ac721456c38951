/* baseline.c - naive, seasonal naive and Naive2, the M3 seasonality test
 * and classical multiplicative seasonal adjustment, and the SES / Holt /
 * damped family on adjusted data (as in the M-competitions). */
#include "forecast_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CS_FC_SEASONAL_TCRIT 1.645 /* 90% one-sided, as in M3/M4 code */

bool cs_forecast_is_seasonal(const double *y, size_t n, unsigned m)
{
    double mean = 0.0, var = 0.0, acc = 0.0, r = 0.0;

    if (m < 2 || n < 3 * (size_t)m)
        return false;
    for (size_t t = 0; t < n; t++)
        mean += y[t];
    mean /= (double)n;
    for (size_t t = 0; t < n; t++)
        var += (y[t] - mean) * (y[t] - mean);
    if (!(var > 0.0))
        return false;
    /* |r_m| > t * sqrt((1 + 2 sum_{k<m} r_k^2) / n) */
    for (unsigned k = 1; k <= m; k++) {
        double c = 0.0;
        for (size_t t = 0; t + k < n; t++)
            c += (y[t] - mean) * (y[t + k] - mean);
        r = c / var;
        if (k < m)
            acc += r * r;
    }
    return fabs(r) >
           CS_FC_SEASONAL_TCRIT / sqrt((double)n) * sqrt(1.0 + 2.0 * acc);
}

bool cs__fc_deseasonalise(const double *y, size_t n, unsigned m,
                          cs__fc_season *s)
{
    bool positive = true;

    s->m = m;
    s->adjusted = false;
    s->additive = false;
    for (unsigned k = 0; k < m; k++)
        s->idx[k] = 1.0;
    if (m < 2 || !cs_forecast_is_seasonal(y, n, m))
        return false;
    for (size_t t = 0; t < n; t++)
        if (!(y[t] > 0.0))
            positive = false;
    if (cs__fc_decompose(y, n, m, positive, s->idx, NULL) != CS_OK) {
        for (unsigned k = 0; k < m; k++)
            s->idx[k] = 1.0;
        return false;
    }
    s->additive = !positive;
    s->adjusted = true;
    return true;
}

/* Returns new memory with the adjusted series, or NULL. */
static double *adjusted(const double *y, size_t n, const cs__fc_season *s)
{
    double *x = malloc(n * sizeof(double));

    if (x == NULL)
        return NULL;
    for (size_t t = 0; t < n; t++) {
        if (!s->adjusted)
            x[t] = y[t];
        else if (s->additive)
            x[t] = y[t] - s->idx[t % s->m];
        else
            x[t] = y[t] / s->idx[t % s->m];
    }
    return x;
}

static void reseasonalise(cs_forecast *f, size_t n, const cs__fc_season *s)
{
    if (!s->adjusted)
        return;
    for (size_t j = 0; j < f->h; j++) {
        double v = s->idx[(n + j) % s->m];
        double *pts[5] = {f->mean, f->lo80, f->hi80, f->lo95, f->hi95};
        for (int k = 0; k < 5; k++) {
            if (pts[k] == NULL)
                continue;
            if (s->additive)
                pts[k][j] += v;
            else
                pts[k][j] *= v;
        }
    }
}

/* Random-walk forecast from lag k, sd growing with the number of
 * seasons ahead (k = 1: plain naive). */
static cs_status lag_naive(const double *y, size_t n, size_t k, cs_forecast *f)
{
    double ss = 0.0, sigma = 0.0;
    size_t cnt = 0;

    if (n < k)
        k = 1;
    for (size_t j = 0; j < f->h; j++)
        f->mean[j] = y[n - k + j % k];
    for (size_t t = k; t < n; t++, cnt++)
        ss += (y[t] - y[t - k]) * (y[t] - y[t - k]);
    if (cnt > 0)
        sigma = sqrt(ss / (double)cnt);
    if (f->lo80 != NULL) {
        double *sd = malloc(f->h * sizeof(double));
        if (sd == NULL)
            return CS_E_NOMEM;
        for (size_t j = 0; j < f->h; j++)
            sd[j] = sigma * sqrt((double)(j / k + 1));
        cs__fc_normal_intervals(f, sd);
        free(sd);
    }
    return CS_OK;
}

cs_status cs__fc_naive(const double *y, size_t n, const cs_fc_opts *o,
                       cs_forecast *f, cs_err *err)
{
    (void)o;
    (void)snprintf(f->model, sizeof(f->model), "Naive");
    if (lag_naive(y, n, 1, f) != CS_OK)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    return CS_OK;
}

cs_status cs__fc_snaive(const double *y, size_t n, const cs_fc_opts *o,
                        cs_forecast *f, cs_err *err)
{
    size_t k = o->period >= 2 && n >= o->period ? o->period : 1;

    (void)snprintf(f->model, sizeof(f->model), k > 1 ? "SNaive" : "Naive");
    if (lag_naive(y, n, k, f) != CS_OK)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    return CS_OK;
}

cs_status cs__fc_naive2(const double *y, size_t n, const cs_fc_opts *o,
                        cs_forecast *f, cs_err *err)
{
    cs__fc_season ss;
    const unsigned m = o->period;
    double *x;
    cs_status rc = CS_OK;

    /* The 1982 M-competition adjusted every seasonal series (the M3
     * seasonality test came later); that reproduces its Naive2 best. */
    ss.m = m;
    ss.adjusted = false;
    ss.additive = false;
    if (m >= 2 && n >= 2 * (size_t)m) {
        bool positive = true;
        for (size_t t = 0; t < n; t++)
            if (!(y[t] > 0.0))
                positive = false;
        ss.adjusted =
            positive && cs__fc_decompose(y, n, m, true, ss.idx, NULL) == CS_OK;
    }
    x = adjusted(y, n, &ss);
    if (x == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    if (lag_naive(x, n, 1, f) != CS_OK)
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
    else
        reseasonalise(f, n, &ss);
    (void)snprintf(f->model, sizeof(f->model), "Naive2");
    free(x);
    return rc;
}

/* Random walk with drift (Hyndman & Athanasopoulos, FPP §5.2): the last
 * adjusted value plus j times the mean change; sd from the one-step
 * residuals, sigma sqrt(j (1 + j / (n - 1))). */
cs_status cs__fc_drift(const double *y, size_t n, const cs_fc_opts *o,
                       cs_forecast *f, cs_err *err)
{
    cs__fc_season sea;
    double drift, ss = 0.0, sigma;
    double *x;

    if (n < 2)
        return cs_err_set(err, CS_E_INVALID,
                          "series has %zu points, drift needs 2", n);
    cs__fc_deseasonalise(y, n, o->period, &sea);
    x = adjusted(y, n, &sea);
    if (x == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    drift = (x[n - 1] - x[0]) / (double)(n - 1);
    for (size_t t = 1; t < n; t++) {
        double e = x[t] - x[t - 1] - drift;
        ss += e * e;
    }
    sigma = n > 2 ? sqrt(ss / (double)(n - 2)) : 0.0;
    for (size_t j = 0; j < f->h; j++) {
        double k = (double)(j + 1);
        f->mean[j] = x[n - 1] + k * drift;
        if (f->lo80 != NULL) {
            double sd = sigma * sqrt(k * (1.0 + k / (double)(n - 1)));
            f->lo80[j] = f->mean[j] - CS_FC_Z80 * sd;
            f->hi80[j] = f->mean[j] + CS_FC_Z80 * sd;
            f->lo95[j] = f->mean[j] - CS_FC_Z95 * sd;
            f->hi95[j] = f->mean[j] + CS_FC_Z95 * sd;
        }
    }
    reseasonalise(f, n, &sea);
    (void)snprintf(f->model, sizeof(f->model), "Drift");
    free(x);
    return CS_OK;
}

cs_status cs__fc_deseason_ets(const double *y, size_t n, char trend,
                              const cs_fc_opts *o, cs_forecast *f, cs_err *err)
{
    cs__fc_season sea;
    cs__ets_spec sp = {.error = 'A',
                       .trend = trend == 'N' ? 'N' : 'A',
                       .damped = trend == 'D',
                       .season = 'N'};
    cs__ets_fixed fx = {o->alpha, o->beta, NAN, o->phi, o->ets_heuristic_start};
    cs__ets_fit *fit = malloc(sizeof(*fit));
    bool adj = cs__fc_deseasonalise(y, n, o->period, &sea);
    double *x = adjusted(y, n, &sea);
    cs_status rc;

    if (fit == NULL || x == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    rc = cs__ets_fit_one(x, n, 1, &sp, &fx, fit, err);
    if (rc != CS_OK)
        goto out;
    rc = cs__ets_forecast(fit, f, o->n_sims, o->seed, err);
    if (rc != CS_OK)
        goto out;
    reseasonalise(f, n, &sea);
    (void)snprintf(f->model, sizeof(f->model), "%s%s",
                   trend == 'N'   ? "SES"
                   : trend == 'A' ? "Holt"
                                  : "Damped",
                   adj ? " (deseasonalised)" : "");
out:
    free(fit);
    free(x);
    return rc;
}

/* Theta method (Assimakopoulos & Nikolopoulos 2000) in the form of
 * Hyndman & Billah (2003): SES on the adjusted series plus half the
 * slope of its linear trend, b/2 * (j - 1 + (1 - (1 - alpha)^n) / alpha),
 * as forecast::thetaf; M3 multiplicative adjustment when the series
 * passes the seasonality test. */
cs_status cs__fc_theta(const double *y, size_t n, const cs_fc_opts *o,
                       cs_forecast *f, cs_err *err)
{
    cs__fc_season sea;
    cs__ets_spec sp = {.error = 'A', .trend = 'N', .season = 'N'};
    cs__ets_fixed fx = {o->alpha, NAN, NAN, NAN, o->ets_heuristic_start};
    cs__ets_fit *fit = malloc(sizeof(*fit));
    double *x = NULL, sx = 0, sy = 0, sxx = 0, sxy = 0, slope, a, drift;
    cs_status rc;

    cs__fc_deseasonalise(y, n, o->period, &sea);
    x = adjusted(y, n, &sea);
    if (fit == NULL || x == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    if (n < 3) {
        rc = cs_err_set(err, CS_E_INVALID,
                        "series has %zu points, theta needs 3", n);
        goto out;
    }
    rc = cs__ets_fit_one(x, n, 1, &sp, &fx, fit, err);
    if (rc != CS_OK)
        goto out;
    rc = cs__ets_forecast(fit, f, o->n_sims, o->seed, err);
    if (rc != CS_OK)
        goto out;
    for (size_t t = 0; t < n; t++) {
        sx += (double)t;
        sy += x[t];
        sxx += (double)t * (double)t;
        sxy += (double)t * x[t];
    }
    slope = (sxy - sx * sy / (double)n) / (sxx - sx * sx / (double)n);
    a = fit->alpha > 1e-10 ? fit->alpha : 1e-10;
    drift = (1.0 - pow(1.0 - a, (double)n)) / a;
    for (size_t j = 0; j < f->h; j++) {
        double d = 0.5 * slope * ((double)j + drift);
        f->mean[j] += d;
        if (f->lo80 != NULL) {
            f->lo80[j] += d;
            f->hi80[j] += d;
            f->lo95[j] += d;
            f->hi95[j] += d;
        }
    }
    reseasonalise(f, n, &sea);
    (void)snprintf(f->model, sizeof(f->model), "Theta");
out:
    free(fit);
    free(x);
    return rc;
}
