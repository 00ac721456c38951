/* croston.c - intermittent demand: Croston (1972), the Syntetos-Boylan
 * approximation (2005), Teunter-Syntetos-Babai (2011), the ADI / CV^2
 * classification of Syntetos, Boylan & Croston (2005), and simulated
 * intervals from the fitted occurrence and size processes. */
#include "forecast_int.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CS_FC_ADI_CUT   1.32
#define CS_FC_CV2_CUT   0.49
#define CS_FC_GRID_LO   0.02 /* smoothing grid when not fixed */
#define CS_FC_GRID_STEP 0.02
#define CS_FC_GRID_N    15

cs_status cs_forecast_classify(const double *y, size_t n,
                               cs_fc_demand_class *cls, double *adi,
                               double *cv2, cs_err *err)
{
    size_t nz = 0;
    double s = 0.0, ss = 0.0, mean, var;

    if (y == NULL || n == 0)
        return cs_err_set(err, CS_E_INVALID, "series is empty");
    for (size_t t = 0; t < n; t++) {
        if (!isfinite(y[t]) || y[t] < 0.0)
            return cs_err_set(err, CS_E_INVALID,
                              "demand %zu is negative or not finite", t);
        if (y[t] > 0.0) {
            nz++;
            s += y[t];
        }
    }
    if (nz == 0)
        return cs_err_set(err, CS_E_INVALID, "series has no demand");
    mean = s / (double)nz;
    for (size_t t = 0; t < n; t++)
        if (y[t] > 0.0)
            ss += (y[t] - mean) * (y[t] - mean);
    var = nz > 1 ? ss / (double)(nz - 1) : 0.0;
    *adi = (double)n / (double)nz;
    *cv2 = var / (mean * mean);
    if (*adi < CS_FC_ADI_CUT)
        *cls = *cv2 < CS_FC_CV2_CUT ? CS_FC_SMOOTH : CS_FC_ERRATIC;
    else
        *cls = *cv2 < CS_FC_CV2_CUT ? CS_FC_INTERMIT : CS_FC_LUMPY;
    return CS_OK;
}

typedef struct cr_state {
    double z, p; /* size and interval (Croston) or probability (TSB) */
} cr_state;

/* Runs the recursion; returns the in-sample one-step MSE of z/p (or
 * p*z) and the final state. */
static double cr_pass(const double *y, size_t n, cs_fc_method v,
                      cs_fc_croston_init init, double a_z, double a_p,
                      cr_state *st)
{
    size_t first = 0, nz = 0, last = 0;
    double z, p, sz = 0.0, sq = 0.0, mse = 0.0;
    size_t cnt = 0;

    while (first < n && y[first] <= 0.0)
        first++;
    for (size_t t = 0; t < n; t++)
        if (y[t] > 0.0) {
            sz += y[t];
            sq += (double)(t - (nz == 0 ? 0 : last) + (nz == 0 ? 1 : 0));
            last = t;
            nz++;
        }
    if (init == CS_FC_CROSTON_MEAN) {
        z = sz / (double)nz;
        p = sq / (double)nz;
    } else {
        z = y[first];
        p = (double)(first + 1);
    }
    if (v == CS_FC_TSB)
        p = 1.0 / p;
    {
        size_t q = 1;
        for (size_t t = first + 1; t < n; t++) {
            double fc = v == CS_FC_TSB ? p * z : z / p;
            mse += (y[t] - fc) * (y[t] - fc);
            cnt++;
            if (v == CS_FC_TSB) {
                p += a_p * ((y[t] > 0.0 ? 1.0 : 0.0) - p);
                if (y[t] > 0.0)
                    z += a_z * (y[t] - z);
            } else if (y[t] > 0.0) {
                z += a_z * (y[t] - z);
                p += a_p * ((double)q - p);
                q = 1;
            } else {
                q++;
            }
        }
    }
    st->z = z;
    st->p = p;
    return cnt > 0 ? mse / (double)cnt : 0.0;
}

cs_status cs__fc_croston(const double *y, size_t n, cs_fc_method variant,
                         const cs_fc_opts *o, cs_forecast *f, cs_err *err)
{
    cs_fc_demand_class cls;
    double adi, cv2, best = INFINITY, a_z = 0.1, a_p = 0.1, level;
    cr_state st;
    const char *name;
    cs_status rc;
    bool all_zero = true;

    for (size_t t = 0; t < n; t++) {
        if (y[t] < 0.0)
            return cs_err_set(err, CS_E_INVALID,
                              "demand %zu is negative (%g): intermittent "
                              "methods need non-negative demand",
                              t, y[t]);
        if (y[t] > 0.0)
            all_zero = false;
    }
    if (all_zero) {
        /* Documented fallback: no demand seen, forecast zero. */
        (void)snprintf(f->model, sizeof(f->model), "Zero");
        if (f->lo80 != NULL)
            for (size_t j = 0; j < f->h; j++)
                f->lo80[j] = f->hi80[j] = f->lo95[j] = f->hi95[j] = 0.0;
        return CS_OK;
    }
    rc = cs_forecast_classify(y, n, &cls, &adi, &cv2, err);
    if (rc != CS_OK)
        return rc;
    if (variant == CS_FC_INTERMITTENT)
        variant = cls == CS_FC_SMOOTH ? CS_FC_CROSTON : CS_FC_SBA;

    /* Smoothing constants: fixed, or the grid point with the lowest
     * in-sample one-step MSE. */
    for (int i = 0; i < CS_FC_GRID_N; i++) {
        double az = isfinite(o->alpha_size)
                        ? o->alpha_size
                        : CS_FC_GRID_LO + CS_FC_GRID_STEP * (double)i;
        for (int k = 0; k < CS_FC_GRID_N; k++) {
            double ap = isfinite(o->alpha_interval)
                            ? o->alpha_interval
                            : CS_FC_GRID_LO + CS_FC_GRID_STEP * (double)k;
            double mse = cr_pass(y, n, variant, o->croston_init, az, ap, &st);
            if (mse < best) {
                best = mse;
                a_z = az;
                a_p = ap;
            }
            if (isfinite(o->alpha_interval))
                break;
        }
        if (isfinite(o->alpha_size))
            break;
    }
    (void)cr_pass(y, n, variant, o->croston_init, a_z, a_p, &st);
    switch (variant) {
    case CS_FC_SBA:
        level = (1.0 - a_p / 2.0) * st.z / st.p;
        name = "SBA";
        break;
    case CS_FC_TSB:
        level = st.p * st.z;
        name = "TSB";
        break;
    default:
        level = st.z / st.p;
        name = "Croston";
        break;
    }
    for (size_t j = 0; j < f->h; j++)
        f->mean[j] = level;
    (void)snprintf(f->model, sizeof(f->model), "%s", name);
    if (f->lo80 == NULL)
        return CS_OK;

    /* Intervals by simulation: demand occurs with the fitted probability,
     * sizes resampled from the observed ones and rescaled so that the
     * expected demand equals the point forecast. */
    {
        const size_t ns = o->n_sims > 0 ? o->n_sims : 1000;
        const double prob = variant == CS_FC_TSB ? st.p : 1.0 / st.p;
        double *sizes = malloc(n * sizeof(double));
        double *paths = malloc(ns * f->h * sizeof(double));
        gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
        size_t nz = 0;
        double msz = 0.0, scale;

        if (sizes == NULL || paths == NULL || r == NULL) {
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
            goto sim_out;
        }
        gsl_rng_set(r, (unsigned long)o->seed);
        for (size_t t = 0; t < n; t++)
            if (y[t] > 0.0) {
                sizes[nz++] = y[t];
                msz += y[t];
            }
        msz /= (double)nz;
        scale = prob > 0.0 ? level / (prob * msz) : 0.0;
        for (size_t i = 0; i < ns; i++)
            for (size_t j = 0; j < f->h; j++) {
                double v = 0.0;
                if (gsl_rng_uniform(r) < prob)
                    v = scale * sizes[gsl_rng_uniform_int(r, nz)];
                paths[i * f->h + j] = v;
            }
        rc = cs__fc_sim_intervals(f, paths, ns, err);
    sim_out:
        gsl_rng_free(r);
        free(paths);
        free(sizes);
    }
    return rc;
}
