/* iim.c - static and dynamic inoperability input-output model over GSL
 * (LU solve). The cap at full inoperability follows the literature's
 * reading of q as a fraction of planned output (docs/models/
 * propagation.md, "Beyond full inoperability"). */
#include "cs_iim.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdlib.h>

#define CS_IIM_TOL        1e-12
#define CS_IIM_MAX_SWEEPS 100000u

static cs_status check_model(const double *a, size_t n, const double *c,
                             cs_err *err)
{
    if (a == NULL || c == NULL || n == 0)
        return cs_err_set(err, CS_E_INVALID, "A* or c* is empty");
    if (n > CS_IIM_MAX_SECTORS)
        return cs_err_set(err, CS_E_TOO_LARGE, "%zu sectors, at most %u", n,
                          CS_IIM_MAX_SECTORS);
    for (size_t i = 0; i < n * n; i++)
        if (!isfinite(a[i]) || a[i] < 0.0)
            return cs_err_set(err, CS_E_INVALID,
                              "A*[%zu][%zu] must be a non-negative number",
                              i / n, i % n);
    for (size_t i = 0; i < n; i++)
        if (!(c[i] >= 0.0 && c[i] <= 1.0))
            return cs_err_set(err, CS_E_INVALID, "c*[%zu] must lie in [0, 1]",
                              i);
    return CS_OK;
}

/* Spectral radius of A* (largest eigenvalue modulus) into *rho. */
static cs_status spectral_radius(const double *a, size_t n, double *rho,
                                 cs_err *err)
{
    gsl_matrix *m = gsl_matrix_alloc(n, n);
    gsl_vector_complex *ev = gsl_vector_complex_alloc(n);
    gsl_eigen_nonsymm_workspace *ws = gsl_eigen_nonsymm_alloc(n);
    cs_status rc = CS_OK;
    int gs;

    if (m == NULL || ev == NULL || ws == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n * n; i++)
        m->data[(i / n) * m->tda + i % n] = a[i];
    gs = gsl_eigen_nonsymm(m, ev, ws);
    if (gs != GSL_SUCCESS) {
        rc = cs_err_set(err, CS_E_NUMERIC,
                        "could not find the eigenvalues of A*: %s",
                        gsl_strerror(gs));
        goto out;
    }
    *rho = 0.0;
    for (size_t i = 0; i < n; i++)
        *rho = fmax(*rho, gsl_complex_abs(gsl_vector_complex_get(ev, i)));
out:
    gsl_eigen_nonsymm_free(ws);
    gsl_vector_complex_free(ev);
    gsl_matrix_free(m);
    return rc;
}

/* Solves (I - A*) q = c* by LU. */
static cs_status leontief_solve(const double *a, size_t n, const double *c,
                                double *q, cs_err *err)
{
    gsl_matrix *m = gsl_matrix_alloc(n, n);
    gsl_permutation *p = gsl_permutation_alloc(n);
    gsl_vector *b = gsl_vector_alloc(n), *x = gsl_vector_alloc(n);
    cs_status rc = CS_OK;
    int sign = 0, gs;

    if (m == NULL || p == NULL || b == NULL || x == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(m, i, j, (i == j ? 1.0 : 0.0) - a[i * n + j]);
        gsl_vector_set(b, i, c[i]);
    }
    gs = gsl_linalg_LU_decomp(m, p, &sign);
    if (gs == GSL_SUCCESS) {
        for (size_t i = 0; i < n; i++)
            if (fabs(gsl_matrix_get(m, i, i)) < 1e-14) {
                rc = cs_err_set(err, CS_E_NUMERIC,
                                "I - A* is singular: the sectors' "
                                "interdependencies do not damp out");
                goto out;
            }
        gs = gsl_linalg_LU_solve(m, p, b, x);
    }
    if (gs != GSL_SUCCESS) {
        rc = cs_err_set(err, CS_E_NUMERIC, "could not solve I - A*: %s",
                        gsl_strerror(gs));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        q[i] = gsl_vector_get(x, i);
        if (!isfinite(q[i])) {
            rc = cs_err_set(err, CS_E_NUMERIC,
                            "inoperability of sector %zu is not finite", i);
            goto out;
        }
    }
out:
    gsl_vector_free(x);
    gsl_vector_free(b);
    gsl_permutation_free(p);
    gsl_matrix_free(m);
    return rc;
}

cs_status cs_iim_static(const double *a_star, size_t n, const double *c_star,
                        double *q, double *q_raw, size_t *n_saturated,
                        cs_err *err)
{
    double *raw = NULL, *next = NULL;
    cs_status rc;
    size_t sat = 0;

    if (q == NULL)
        return cs_err_set(err, CS_E_INVALID, "output missing");
    rc = check_model(a_star, n, c_star, err);
    if (rc != CS_OK)
        return rc;
    raw = malloc(n * sizeof(*raw));
    next = malloc(n * sizeof(*next));
    if (raw == NULL || next == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    /* The model needs (I - A*)^-1 >= 0, i.e. spectral radius < 1: the
     * interdependencies must damp out (Perron-Frobenius). */
    {
        double rho = 0.0;
        rc = spectral_radius(a_star, n, &rho, err);
        if (rc != CS_OK)
            goto out;
        if (!(rho < 1.0 - 1e-12)) {
            rc = cs_err_set(err, CS_E_NUMERIC,
                            "A* has spectral radius %.6g, not below 1: "
                            "the interdependencies do not damp out",
                            rho);
            goto out;
        }
    }
    rc = leontief_solve(a_star, n, c_star, raw, err);
    if (rc != CS_OK)
        goto out;
    /* With A*, c* >= 0, a negative q means (I - A*)^-1 has a negative
     * entry, i.e. the spectral radius of A* is at least 1. */
    for (size_t i = 0; i < n; i++)
        if (raw[i] < -1e-9) {
            rc = cs_err_set(err, CS_E_NUMERIC,
                            "A* has spectral radius >= 1: sector %zu gets "
                            "negative inoperability",
                            i);
            goto out;
        }
    /* q = min(1, A* q + c*): start from the capped Leontief solution,
     * which lies above the fixed point, and iterate down (monotone). */
    for (size_t i = 0; i < n; i++)
        q[i] = fmin(1.0, fmax(0.0, raw[i]));
    for (uint32_t sweep = 0;; sweep++) {
        double change = 0.0;
        if (sweep == CS_IIM_MAX_SWEEPS) {
            rc = cs_err_set(err, CS_E_NUMERIC,
                            "capped inoperability did not converge in %u "
                            "sweeps",
                            CS_IIM_MAX_SWEEPS);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            double v = c_star[i];
            for (size_t j = 0; j < n; j++)
                v += a_star[i * n + j] * q[j];
            next[i] = fmin(1.0, v);
            change = fmax(change, fabs(next[i] - q[i]));
        }
        for (size_t i = 0; i < n; i++)
            q[i] = next[i];
        if (change <= CS_IIM_TOL)
            break;
    }
    for (size_t i = 0; i < n; i++)
        if (q[i] >= 1.0 - CS_IIM_TOL) {
            q[i] = 1.0;
            sat++;
        }
    if (q_raw != NULL)
        for (size_t i = 0; i < n; i++)
            q_raw[i] = raw[i];
    if (n_saturated != NULL)
        *n_saturated = sat;
    rc = CS_OK;
out:
    free(raw);
    free(next);
    return rc;
}

cs_status cs_iim_dynamic(const double *a_star, size_t n, const double *c_star,
                         const double *k, const double *q0, uint32_t days,
                         double *q_t, cs_err *err)
{
    cs_status rc = check_model(a_star, n, c_star, err);

    if (rc != CS_OK)
        return rc;
    if (k == NULL || q0 == NULL || q_t == NULL)
        return cs_err_set(err, CS_E_INVALID, "k, q0 or output missing");
    if (days > CS_IIM_MAX_DAYS)
        return cs_err_set(err, CS_E_TOO_LARGE, "%u days, at most %u",
                          (unsigned)days, CS_IIM_MAX_DAYS);
    for (size_t i = 0; i < n; i++) {
        if (!(k[i] >= 0.0 && isfinite(k[i])))
            return cs_err_set(err, CS_E_INVALID,
                              "k[%zu] must be a non-negative number", i);
        if (k[i] * (1.0 - a_star[i * n + i]) > 1.0 + 1e-12)
            return cs_err_set(err, CS_E_INVALID,
                              "k[%zu] * (1 - A*[%zu][%zu]) exceeds 1: a "
                              "daily step would overshoot",
                              i, i, i);
        if (!(q0[i] >= 0.0 && q0[i] <= 1.0))
            return cs_err_set(err, CS_E_INVALID, "q0[%zu] must lie in [0, 1]",
                              i);
        q_t[i] = q0[i];
    }
    for (uint32_t t = 0; t < days; t++) {
        const double *cur = q_t + (size_t)t * n;
        double *nx = q_t + (size_t)(t + 1) * n;
        for (size_t i = 0; i < n; i++) {
            double v = c_star[i] - cur[i];
            for (size_t j = 0; j < n; j++)
                v += a_star[i * n + j] * cur[j];
            nx[i] = fmin(1.0, fmax(0.0, cur[i] + k[i] * v));
        }
    }
    return CS_OK;
}

cs_status cs_iim_resilience(double q0, double q_t, double t_days, double a_ii,
                            double *k, cs_err *err)
{
    if (k == NULL)
        return cs_err_set(err, CS_E_INVALID, "output missing");
    if (!(q0 > 0.0 && q0 <= 1.0 && q_t > 0.0 && q_t < q0))
        return cs_err_set(err, CS_E_INVALID,
                          "need 0 < q(T) < q(0) <= 1 to recover");
    if (!(t_days > 0.0 && isfinite(t_days)))
        return cs_err_set(err, CS_E_INVALID, "recovery time must be positive");
    if (!(a_ii >= 0.0 && a_ii < 1.0))
        return cs_err_set(err, CS_E_INVALID, "a*_ii must lie in [0, 1)");
    *k = log(q0 / q_t) / (t_days * (1.0 - a_ii));
    return CS_OK;
}
