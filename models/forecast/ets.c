/* ets.c - exponential smoothing in state-space form (Hyndman, Koehler,
 * Ord & Snyder 2008): the ETS(E,T,S) recursions, maximum-likelihood
 * estimation with gsl_multimin under the usual bounds, AICc selection,
 * analytic (class 1) or simulated prediction intervals. */
#include "forecast_int.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETS_LOWER      1e-4 /* "usual" bounds, Hyndman et al. 2008 §5.3 */
#define ETS_UPPER      0.9999
#define ETS_PHI_LOWER  0.8
#define ETS_PHI_UPPER  0.98
#define ETS_MAX_PARAMS (6 + CS_FC_MAX_PERIOD)
#define ETS_MAX_ITER   1000
#define ETS_SIZE_TOL   1e-3
#define ETS_STALL_ITER 15
#define ETS_STALL_REL  1e-5
#define ETS_BAD_LIK    1e100
#define ETS_INIT_YEARS 4u /* seasons used for the heuristic start */

typedef struct ets_work {
    const double *y;
    size_t n;
    unsigned m;
    cs__ets_spec spec;
    cs__ets_fixed fixed;
    double s0[CS_FC_MAX_PERIOD];
    double l0, b0;               /* heuristic initial level and slope */
    double lscale;               /* step of the level and slope parameters */
    int ia, ib, ig, ip, il, ibb; /* index in the parameter vector, or -1 */
    int is;                      /* first of m - 1 seasonal start parameters */
    size_t npar;
} ets_work;

/* Optimising the m - 1 seasonal starts as well (as forecast::ets does)
 * made M1 and tourism accuracy slightly worse and fits 2-3x slower, so
 * they stay at the heuristic values; the code path is kept for tests. */
#define ETS_OPT_SEASONS 0

typedef struct ets_par {
    double alpha, beta, gamma, phi, l0, b0;
} ets_par;

static double logistic(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

static double logit(double p)
{
    return log(p / (1.0 - p));
}

cs_status cs__ets_parse(const char *s, cs__ets_spec *spec, cs_err *err)
{
    char buf[16];
    size_t j = 0;

    /* Accept "MAdN", "M,Ad,N" and "ETS(M,Ad,N)". */
    if (strncmp(s, "ETS(", 4) == 0 || strncmp(s, "ets(", 4) == 0)
        s += 4;
    for (; *s != '\0' && *s != ')'; s++) {
        if (*s == ',' || *s == ' ')
            continue;
        if (j + 1 >= sizeof(buf))
            return cs_err_set(err, CS_E_INVALID, "ets model name too long");
        buf[j++] = *s;
    }
    buf[j] = '\0';
    memset(spec, 0, sizeof(*spec));
    if (j == 3 || (j == 4 && (buf[2] == 'd' || buf[2] == 'D'))) {
        spec->error = buf[0];
        spec->trend = buf[1];
        spec->damped = j == 4;
        spec->season = buf[j - 1];
    } else {
        return cs_err_set(err, CS_E_INVALID,
                          "cannot parse ets model \"%s\": want e.g. MAdN", buf);
    }
    if (strchr("AMZ", spec->error) == NULL ||
        strchr("NAZ", spec->trend) == NULL ||
        strchr("NAMZ", spec->season) == NULL ||
        (spec->damped && spec->trend != 'A'))
        return cs_err_set(err, CS_E_INVALID,
                          "unsupported ets model \"%s\": error A/M, trend "
                          "N/A/Ad, season N/A/M",
                          buf);
    return CS_OK;
}

void cs__ets_name(const cs__ets_spec *spec, char *buf, size_t len)
{
    (void)snprintf(buf, len, "ETS(%c,%s,%c)", spec->error,
                   spec->trend == 'N' ? "N" : (spec->damped ? "Ad" : "A"),
                   spec->season);
}

/* Parameter vector -> model parameters, always inside the bounds. */
static void unpack(const ets_work *w, const double *x, ets_par *p)
{
    p->alpha = isfinite(w->fixed.alpha)
                   ? w->fixed.alpha
                   : ETS_LOWER + (ETS_UPPER - ETS_LOWER) * logistic(x[w->ia]);
    p->beta = 0.0;
    if (w->spec.trend == 'A')
        p->beta = isfinite(w->fixed.beta)
                      ? w->fixed.beta
                      : ETS_LOWER + (p->alpha - ETS_LOWER) * logistic(x[w->ib]);
    p->gamma = 0.0;
    if (w->spec.season != 'N')
        p->gamma =
            isfinite(w->fixed.gamma)
                ? w->fixed.gamma
                : ETS_LOWER + (1.0 - p->alpha - ETS_LOWER) * logistic(x[w->ig]);
    p->phi = 1.0;
    if (w->spec.damped)
        p->phi = isfinite(w->fixed.phi)
                     ? w->fixed.phi
                     : ETS_PHI_LOWER +
                           (ETS_PHI_UPPER - ETS_PHI_LOWER) * logistic(x[w->ip]);
    p->l0 = w->l0 + (w->il >= 0 ? w->lscale * x[w->il] : 0.0);
    p->b0 = w->spec.trend == 'A'
                ? w->b0 + (w->ibb >= 0 ? 0.1 * w->lscale * x[w->ibb] : 0.0)
                : 0.0;
}

/* One pass of the recursions over y. Returns lik (n log SSE, plus
 * 2 sum log|yhat| for multiplicative errors) or ETS_BAD_LIK when a
 * forecast leaves the model's domain; fills the final states. */
static double ets_pass(const ets_work *w, const ets_par *p, const double *x,
                       double *l_out, double *b_out, double *s, double *sse_out)
{
    const cs__ets_spec *sp = &w->spec;
    const unsigned m = sp->season == 'N' ? 1u : w->m;
    double l = p->l0, b = p->b0, sse = 0.0, slog = 0.0;
    double prod = 1.0; /* product of yhat, renormalised: log() is slow */
    int prod_exp = 0;

    if (sp->season != 'N') {
        memcpy(s, w->s0, m * sizeof(double));
        if (w->is >= 0 && x != NULL) {
            /* free starts for m - 1 seasons; the last one normalises */
            double tot = 0.0;
            const double stp = sp->season == 'M' ? 0.05 : 0.1 * w->lscale;
            for (unsigned k = 0; k + 1 < m; k++) {
                s[k] += stp * x[w->is + (int)k];
                tot += s[k];
            }
            s[m - 1] = (sp->season == 'M' ? (double)m : 0.0) - tot;
        }
    }
    for (size_t t = 0, k = 0; t < w->n; t++, k = k + 1 == m ? 0 : k + 1) {
        const double y = w->y[t];
        const double phib = p->phi * b;
        const double q = l + phib;
        double sv = 0.0, yhat, e, u;

        if (sp->season == 'A') {
            sv = s[k];
            yhat = q + sv;
            u = y - sv - q;
        } else if (sp->season == 'M') {
            sv = s[k];
            if (!(sv > 0.0) || !(q > 0.0))
                return ETS_BAD_LIK;
            yhat = q * sv;
            u = y / sv - q;
        } else {
            yhat = q;
            u = y - q;
        }
        e = y - yhat;
        if (sp->error == 'M') {
            double r;
            if (!(yhat > 0.0))
                return ETS_BAD_LIK;
            r = e / yhat;
            sse += r * r;
            prod *= yhat;
            if (prod > 1e100 || prod < 1e-100) {
                int ex;
                prod = frexp(prod, &ex);
                prod_exp += ex;
            }
        } else {
            sse += e * e;
        }
        l = q + p->alpha * u;
        if (sp->trend == 'A')
            b = phib + p->beta * u;
        if (sp->season == 'A')
            s[k] = sv + p->gamma * (y - q - sv);
        else if (sp->season == 'M')
            s[k] = sv + p->gamma * (y / q - sv);
    }
    if (!isfinite(sse) || !isfinite(l) || !isfinite(b))
        return ETS_BAD_LIK;
    if (sp->error == 'M')
        slog = log(prod) + (double)prod_exp * M_LN2;
    if (sse <= 0.0)
        sse = 1e-300; /* a perfect fit: keep log finite */
    *l_out = l;
    *b_out = b;
    *sse_out = sse;
    return (double)w->n * log(sse) + 2.0 * slog;
}

static double objective(const gsl_vector *v, void *ctx)
{
    const ets_work *w = ctx;
    double x[ETS_MAX_PARAMS], s[CS_FC_MAX_PERIOD], l, b, sse;
    ets_par p;

    for (size_t i = 0; i < w->npar; i++)
        x[i] = gsl_vector_get(v, i);
    unpack(w, x, &p);
    return ets_pass(w, &p, x, &l, &b, s, &sse);
}

/* Classical decomposition of y[0..n-1] (additive or multiplicative) into
 * m seasonal figures, normalised to sum 0 / mean 1. */
static cs_status decompose(const double *y, size_t n, unsigned m,
                           bool multiplicative, double *fig, cs_err *err)
{
    double sum[CS_FC_MAX_PERIOD] = {0}, cnt[CS_FC_MAX_PERIOD] = {0};
    const size_t half = m / 2;
    double tot = 0.0;

    if (n < 2 * (size_t)m)
        return cs_err_set(err, CS_E_INVALID,
                          "series has %zu points, need two seasons (%u)", n,
                          2 * m);
    for (size_t t = half; t + half < n; t++) {
        double ma = 0.0;
        if (m % 2 == 0) {
            /* centred 2 x m moving average */
            ma = 0.5 * (y[t - half] + y[t + half]);
            for (size_t j = t - half + 1; j < t + half; j++)
                ma += y[j];
        } else {
            for (size_t j = t - half; j <= t + half; j++)
                ma += y[j];
        }
        ma /= (double)m;
        if (multiplicative) {
            if (!(ma > 0.0))
                return cs_err_set(err, CS_E_NUMERIC,
                                  "moving average is not positive");
            sum[t % m] += y[t] / ma;
        } else {
            sum[t % m] += y[t] - ma;
        }
        cnt[t % m] += 1.0;
    }
    for (unsigned k = 0; k < m; k++) {
        fig[k] = sum[k] / cnt[k];
        tot += fig[k];
    }
    for (unsigned k = 0; k < m; k++) {
        if (multiplicative)
            fig[k] /= tot / (double)m;
        else
            fig[k] -= tot / (double)m;
    }
    return CS_OK;
}

cs_status cs__fc_decompose(const double *y, size_t n, unsigned m,
                           bool multiplicative, double *fig, cs_err *err)
{
    return decompose(y, n, m, multiplicative, fig, err);
}

/* Heuristic start (Hyndman et al. 2008 §2.6.1, as forecast::ets):
 * seasonal figures from a classical decomposition of the first seasons,
 * level and slope from a regression on the first adjusted values. */
static cs_status init_states(ets_work *w, cs_err *err)
{
    const size_t n = w->n;
    const bool seasonal = w->spec.season != 'N';
    size_t k;
    double sx = 0, sy = 0, sxx = 0, sxy = 0, slope, icept, ysd = 0, ymean;
    double ya[32];
    cs_status rc;

    if (seasonal) {
        size_t nd = (size_t)w->m * ETS_INIT_YEARS;
        if (nd > n)
            nd = n;
        rc = decompose(w->y, nd, w->m, w->spec.season == 'M', w->s0, err);
        if (rc != CS_OK)
            return rc;
    }
    k = n < 10 ? n : 10;
    if (seasonal && k < w->m)
        k = w->m < 32 ? w->m : 32;
    if (k > n)
        k = n;
    for (size_t t = 0; t < k; t++) {
        double v = w->y[t];
        if (w->spec.season == 'A')
            v -= w->s0[t % w->m];
        else if (w->spec.season == 'M')
            v /= w->s0[t % w->m];
        ya[t] = v;
        sx += (double)(t + 1);
        sy += v;
        sxx += (double)(t + 1) * (double)(t + 1);
        sxy += (double)(t + 1) * v;
    }
    ymean = sy / (double)k;
    if (k >= 2) {
        slope = (sxy - sx * sy / (double)k) / (sxx - sx * sx / (double)k);
        icept = ymean - slope * sx / (double)k;
    } else {
        slope = 0.0;
        icept = ymean;
    }
    for (size_t t = 0; t < k; t++)
        ysd += (ya[t] - ymean) * (ya[t] - ymean);
    ysd = sqrt(ysd / (double)k);
    if (w->spec.trend == 'A') {
        w->l0 = icept;
        w->b0 = slope;
    } else {
        w->l0 = ymean;
        w->b0 = 0.0;
    }
    w->lscale = ysd > 0.0 ? ysd : (fabs(ymean) > 0.0 ? 0.1 * fabs(ymean) : 1.0);
    if (w->spec.error == 'M' || w->spec.season == 'M') {
        if (!(w->l0 > 0.0))
            w->l0 = ymean > 0.0 ? ymean : 1e-3;
    }
    return CS_OK;
}

cs_status cs__ets_fit_one(const double *y, size_t n, unsigned m,
                          const cs__ets_spec *spec, const cs__ets_fixed *fixed,
                          cs__ets_fit *fit, cs_err *err)
{
    ets_work w;
    const gsl_multimin_fminimizer_type *T = gsl_multimin_fminimizer_nmsimplex2;
    gsl_multimin_fminimizer *mm = NULL;
    gsl_vector *x0 = NULL, *step = NULL;
    gsl_multimin_function fn;
    double x[ETS_MAX_PARAMS], best_lik, sse;
    size_t n_states, np;
    ets_par p;
    cs_status rc;
    int gs;

    memset(&w, 0, sizeof(w));
    w.y = y;
    w.n = n;
    w.m = spec->season == 'N' ? 1u : m;
    w.spec = *spec;
    w.fixed = *fixed;
    w.ia = w.ib = w.ig = w.ip = w.il = w.ibb = w.is = -1;
    if (spec->season != 'N' && (m < 2 || m > CS_FC_MAX_PERIOD))
        return cs_err_set(err, CS_E_INVALID,
                          "seasonal model needs a period in 2..%u, got %u",
                          CS_FC_MAX_PERIOD, m);
    rc = init_states(&w, err);
    if (rc != CS_OK)
        return rc;

    /* Start values follow forecast::ets's initparam. */
    if (!isfinite(fixed->alpha)) {
        w.ia = (int)w.npar;
        x[w.npar++] = logit((w.m > 1 ? 0.1 : 0.2));
    }
    if (spec->trend == 'A' && !isfinite(fixed->beta)) {
        w.ib = (int)w.npar;
        x[w.npar++] = logit(0.1);
    }
    if (spec->season != 'N' && !isfinite(fixed->gamma)) {
        w.ig = (int)w.npar;
        x[w.npar++] = logit(0.05);
    }
    if (spec->damped && !isfinite(fixed->phi)) {
        w.ip = (int)w.npar;
        x[w.npar++] = logit(0.94);
    }
    if (!fixed->heuristic_start) {
        w.il = (int)w.npar;
        x[w.npar++] = 0.0;
        if (spec->trend == 'A') {
            w.ibb = (int)w.npar;
            x[w.npar++] = 0.0;
        }
    }
    if (spec->season != 'N' && ETS_OPT_SEASONS) {
        w.is = (int)w.npar;
        for (unsigned k = 0; k + 1 < w.m; k++)
            x[w.npar++] = 0.0;
    }

    n_states = 1u + (spec->trend == 'A' ? 1u : 0u) +
               (spec->season != 'N' ? (size_t)w.m - 1u : 0u);
    np = (size_t)(w.ia >= 0) + (size_t)(w.ib >= 0) + (size_t)(w.ig >= 0) +
         (size_t)(w.ip >= 0) + n_states + 1u;
    /* np: estimated smoothing parameters + initial states + sigma */
    if (n < np + 2)
        return cs_err_set(err, CS_E_INVALID,
                          "series has %zu points, too short for %zu "
                          "parameters",
                          n, np);

    if (w.npar == 0) {
        /* everything fixed: one pass, nothing to optimise */
        unpack(&w, x, &p);
        best_lik = ets_pass(&w, &p, x, &fit->l, &fit->b, fit->s, &sse);
        if (!(best_lik < ETS_BAD_LIK))
            return cs_err_set(err, CS_E_NUMERIC,
                              "fixed parameters leave the model's domain");
        goto filled;
    }
    x0 = gsl_vector_alloc(w.npar);
    step = gsl_vector_alloc(w.npar);
    mm = gsl_multimin_fminimizer_alloc(T, w.npar);
    if (x0 == NULL || step == NULL || mm == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < w.npar; i++) {
        gsl_vector_set(x0, i, x[i]);
        gsl_vector_set(step, i, 1.0);
    }
    fn.n = w.npar;
    fn.f = objective;
    fn.params = &w;
    gs = gsl_multimin_fminimizer_set(mm, &fn, x0, step);
    if (gs != GSL_SUCCESS) {
        rc = cs_err_set(err, CS_E_NUMERIC, "could not start optimiser: %s",
                        gsl_strerror(gs));
        goto out;
    }
    {
        /* Stop when the simplex is small, or when the likelihood has not
         * improved by a relative 1e-7 in ETS_STALL_ITER iterations: a
         * bound approached through the logistic map leaves a flat
         * direction in which the simplex never shrinks. */
        double f_mark = HUGE_VAL; /* fval is unset until one iterate */
        int it;
        for (it = 0; it < ETS_MAX_ITER; it++) {
            double fnow;
            gs = gsl_multimin_fminimizer_iterate(mm);
            if (gs != GSL_SUCCESS)
                break;
            if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(mm),
                                       ETS_SIZE_TOL) == GSL_SUCCESS)
                break;
            if ((it + 1) % ETS_STALL_ITER == 0) {
                fnow = gsl_multimin_fminimizer_minimum(mm);
                if (f_mark - fnow <= ETS_STALL_REL * (fabs(fnow) + 1.0))
                    break;
                f_mark = fnow;
            }
        }
    }
    /* Evaluated here rather than read from mm: fval is not set when the
     * first iterate already failed. */
    best_lik = objective(gsl_multimin_fminimizer_x(mm), &w);
    if (!(best_lik < ETS_BAD_LIK) || !isfinite(best_lik)) {
        cs__ets_name(spec, fit->model_name, sizeof(fit->model_name));
        rc = cs_err_set(err, CS_E_NUMERIC, "could not fit %s", fit->model_name);
        goto out;
    }
    for (size_t i = 0; i < w.npar; i++)
        x[i] = gsl_vector_get(mm->x, i);
    unpack(&w, x, &p);
filled:
    memset(fit, 0, sizeof(*fit));
    fit->spec = *spec;
    fit->m = w.m;
    fit->alpha = p.alpha;
    fit->beta = p.beta;
    fit->gamma = p.gamma;
    fit->phi = p.phi;
    fit->n = n;
    fit->lik = ets_pass(&w, &p, x, &fit->l, &fit->b, fit->s, &sse);
    fit->n_params = np;
    fit->sigma2 = sse / (double)(n > np - 1 ? n - (np - 1) : 1);
    fit->aicc = fit->lik + 2.0 * (double)np +
                2.0 * (double)np * (double)(np + 1) / (double)(n - np - 1);
    cs__ets_name(spec, fit->model_name, sizeof(fit->model_name));
    rc = CS_OK;
out:
    gsl_multimin_fminimizer_free(mm);
    gsl_vector_free(x0);
    gsl_vector_free(step);
    return rc;
}

cs_status cs__ets_select(const double *y, size_t n, unsigned m,
                         const char *pattern, const cs__ets_fixed *fixed,
                         cs__ets_fit *fits, size_t *n_fits, size_t *best,
                         cs_err *err)
{
    static const char errors[] = "AM", seasons[] = "NAM";
    static const char *const trends[] = {"N", "A", "Ad"};
    cs__ets_spec pat;
    bool positive = true;
    cs_err last = {0};
    cs_status rc;

    *n_fits = 0;
    rc = cs__ets_parse(pattern, &pat, err);
    if (rc != CS_OK)
        return rc;
    for (size_t t = 0; t < n; t++)
        if (!(y[t] > 0.0))
            positive = false;
    for (int ie = 0; ie < 2; ie++) {
        for (int it = 0; it < 3; it++) {
            for (int is = 0; is < 3; is++) {
                cs__ets_spec sp = {.error = errors[ie],
                                   .trend = trends[it][0],
                                   .damped = it == 2,
                                   .season = seasons[is]};
                if (pat.error != 'Z' && pat.error != sp.error)
                    continue;
                if (pat.trend != 'Z' &&
                    (pat.trend != sp.trend || pat.damped != sp.damped))
                    continue;
                if (pat.season == 'S' && sp.season == 'N')
                    continue;
                if (pat.season != 'Z' && pat.season != 'S' &&
                    pat.season != sp.season)
                    continue;
                if (!positive && (sp.error == 'M' || sp.season == 'M'))
                    continue;
                /* additive error with multiplicative season is
                 * numerically unstable; like forecast::ets, fit it only
                 * when the pattern asks for an M season */
                if (sp.error == 'A' && sp.season == 'M' && pat.season != 'M')
                    continue;
                if (sp.season != 'N' && (m < 2 || n < 2 * (size_t)m))
                    continue;
                if (cs__ets_fit_one(y, n, m, &sp, fixed, &fits[*n_fits],
                                    &last) != CS_OK)
                    continue;
                if (*n_fits == 0 || fits[*n_fits].aicc < fits[*best].aicc)
                    *best = *n_fits;
                (*n_fits)++;
            }
        }
    }
    if (*n_fits == 0)
        return cs_err_set(err, last.code != CS_OK ? last.code : CS_E_NUMERIC,
                          "no ets model could be fitted%s%s",
                          last.code != CS_OK ? ": " : "", last.msg);
    return CS_OK;
}

/* Class 1 (additive error, linear) forecast variance, Hyndman et al.
 * 2008 Table 6.1 / eq. (6.1): v_h = s2 (1 + sum_{j<h} c_j^2),
 * c_j = alpha + beta phi_j + gamma d_{j,m}. */
static void class1_sd(const cs__ets_fit *fit, size_t h, double *sd)
{
    double acc = 0.0, phij = 0.0;

    for (size_t j = 1; j <= h; j++) {
        sd[j - 1] = sqrt(fit->sigma2 * (1.0 + acc));
        phij = fit->spec.damped ? fit->phi * (1.0 + phij) : (double)j;
        {
            double c = fit->alpha;
            if (fit->spec.trend == 'A')
                c += fit->beta * phij;
            if (fit->spec.season == 'A' && j % fit->m == 0)
                c += fit->gamma;
            acc += c * c;
        }
    }
}

/* Advances the states by one step given the realised y. */
static double ets_step(const cs__ets_fit *fit, double *l, double *b, double *s,
                       size_t t, double eps, bool *ok)
{
    const cs__ets_spec *sp = &fit->spec;
    const double phib = fit->phi * *b, q = *l + phib;
    const size_t k = t % fit->m;
    double sv = sp->season == 'N' ? 0.0 : s[k];
    double yhat = sp->season == 'A' ? q + sv : sp->season == 'M' ? q * sv : q;
    double y = sp->error == 'M' ? yhat * (1.0 + eps) : yhat + eps;
    double u;

    if (sp->season == 'M' && (!(q > 0.0) || !(sv > 0.0))) {
        *ok = false;
        return yhat;
    }
    u = sp->season == 'A' ? y - sv - q : sp->season == 'M' ? y / sv - q : y - q;
    *l = q + fit->alpha * u;
    if (sp->trend == 'A')
        *b = phib + fit->beta * u;
    if (sp->season == 'A')
        s[k] = sv + fit->gamma * (y - q - sv);
    else if (sp->season == 'M')
        s[k] = sv + fit->gamma * (y / q - sv);
    return y;
}

cs_status cs__ets_forecast(const cs__ets_fit *fit, cs_forecast *f,
                           unsigned n_sims, uint64_t seed, cs_err *err)
{
    const cs__ets_spec *sp = &fit->spec;
    const size_t h = f->h;
    double phij = 0.0;
    cs_status rc = CS_OK;

    for (size_t j = 1; j <= h; j++) {
        double q, sv;
        phij = sp->trend == 'N' ? 0.0
               : sp->damped     ? fit->phi * (1.0 + phij)
                                : (double)j;
        q = fit->l + phij * fit->b;
        sv = sp->season == 'N' ? 0.0 : fit->s[(fit->n + j - 1) % fit->m];
        f->mean[j - 1] = sp->season == 'A'   ? q + sv
                         : sp->season == 'M' ? q * sv
                                             : q;
    }
    (void)snprintf(f->model, sizeof(f->model), "%s", fit->model_name);
    if (f->lo80 == NULL)
        return CS_OK;
    if (sp->error == 'A' && sp->season != 'M') {
        double *sd = malloc(h * sizeof(double));
        if (sd == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        class1_sd(fit, h, sd);
        cs__fc_normal_intervals(f, sd);
        free(sd);
        return CS_OK;
    }
    /* Multiplicative models: no simple closed form for every h, so
     * simulate sample paths (Hyndman et al. 2008 §6.1). */
    {
        const size_t ns = n_sims > 0 ? n_sims : 1000;
        double *paths = malloc(ns * h * sizeof(double));
        double s[CS_FC_MAX_PERIOD];
        gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
        const double sigma = sqrt(fit->sigma2);

        if (paths == NULL || r == NULL) {
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
            goto sim_out;
        }
        gsl_rng_set(r, (unsigned long)seed);
        for (size_t i = 0; i < ns; i++) {
            double l = fit->l, b = fit->b;
            bool ok = true;
            memcpy(s, fit->s, fit->m * sizeof(double));
            for (size_t j = 0; j < h; j++) {
                double eps = gsl_ran_gaussian_ziggurat(r, sigma);
                if (sp->error == 'M' && eps < -1.0)
                    eps = -1.0; /* demand cannot go below zero */
                paths[i * h + j] =
                    ok ? ets_step(fit, &l, &b, s, fit->n + j, eps, &ok) : 0.0;
            }
        }
        rc = cs__fc_sim_intervals(f, paths, ns, err);
    sim_out:
        gsl_rng_free(r);
        free(paths);
    }
    return rc;
}
