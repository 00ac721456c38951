/* risk_weights.c - indicator weights: the entropy-weight method (熵权法),
 * AHP from a pairwise-comparison matrix (principal eigenvector, Saaty's
 * consistency ratio) and their blend. Sources: docs/models/risk-index.md. */
#include "risk_int.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdlib.h>

/* A reciprocal entry typed with two or three digits (0.33 for 1/3) is
 * accepted; a[i][j] * a[j][i] must be 1 within this. */
#define CS_RISK_AHP_RECIPROCAL_TOL 0.02

cs_status cs_risk_entropy_weights(const double *y, size_t n_rows, size_t n_cols,
                                  double *w, cs_err *err)
{
    double sum_d = 0.0, k;

    if (y == NULL || w == NULL || n_cols == 0)
        return cs_err_set(err, CS_E_INVALID, "indicator matrix is empty");
    if (n_rows < 2)
        return cs_err_set(err, CS_E_INVALID,
                          "entropy weights need at least 2 enterprises, "
                          "got %zu",
                          n_rows);
    for (size_t i = 0; i < n_rows * n_cols; i++)
        if (!(y[i] >= 0.0 && y[i] <= 1.0))
            return cs_err_set(err, CS_E_INVALID,
                              "normalised value at row %zu column %zu is "
                              "outside [0, 1]",
                              i / n_cols, i % n_cols);
    k = 1.0 / log((double)n_rows);
    for (size_t j = 0; j < n_cols; j++) {
        double s = 0.0, e = 0.0;
        for (size_t i = 0; i < n_rows; i++)
            s += y[i * n_cols + j];
        if (s > 0.0) {
            for (size_t i = 0; i < n_rows; i++) {
                double p = y[i * n_cols + j] / s;
                if (p > 0.0) /* 0 ln 0 = 0 */
                    e -= p * log(p);
            }
            e *= k;
        } else {
            e = 1.0; /* an all-zero column carries no information */
        }
        w[j] = fmax(0.0, 1.0 - e); /* divergence d_j */
        sum_d += w[j];
    }
    for (size_t j = 0; j < n_cols; j++)
        w[j] = sum_d > 1e-12 ? w[j] / sum_d : 1.0 / (double)n_cols;
    return CS_OK;
}

double cs_risk_random_index(size_t n)
{
    /* Saaty (1980), The Analytic Hierarchy Process, and Saaty (1990),
     * EJOR 48:9-26: average CI of random reciprocal matrices. */
    static const double ri[CS_RISK_AHP_MAX_N + 1] = {
        (double)NAN, 0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49};

    return n >= 1 && n <= CS_RISK_AHP_MAX_N ? ri[n] : (double)NAN;
}

static cs_status check_pairwise(const double *a, size_t n, cs_err *err)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            double v = a[i * n + j];
            if (!isfinite(v) || v <= 0.0)
                return cs_err_set(err, CS_E_INVALID,
                                  "pairwise[%zu][%zu] must be a positive "
                                  "number",
                                  i, j);
        }
        if (fabs(a[i * n + i] - 1.0) > 1e-9)
            return cs_err_set(err, CS_E_INVALID, "pairwise[%zu][%zu] must be 1",
                              i, i);
        for (size_t j = i + 1; j < n; j++)
            if (fabs(a[i * n + j] * a[j * n + i] - 1.0) >
                CS_RISK_AHP_RECIPROCAL_TOL)
                return cs_err_set(err, CS_E_INVALID,
                                  "pairwise[%zu][%zu] must be the "
                                  "reciprocal of pairwise[%zu][%zu]",
                                  j, i, i, j);
    }
    return CS_OK;
}

cs_status cs_risk_ahp(const double *pairwise, size_t n, double max_cr,
                      double *w, cs_risk_ahp_result *res, cs_err *err)
{
    gsl_matrix *m = NULL;
    gsl_vector_complex *eval = NULL;
    gsl_matrix_complex *evec = NULL;
    gsl_eigen_nonsymmv_workspace *ws = NULL;
    cs_status rc;
    size_t best = 0;
    double sum = 0.0, lambda;
    int gs;

    if (pairwise == NULL || w == NULL || res == NULL || n == 0)
        return cs_err_set(err, CS_E_INVALID, "pairwise matrix is empty");
    if (n > CS_RISK_AHP_MAX_N)
        return cs_err_set(err, CS_E_TOO_LARGE,
                          "pairwise matrix has %zu criteria, at most %d "
                          "(Saaty's random index table)",
                          n, CS_RISK_AHP_MAX_N);
    if (!(max_cr > 0.0))
        return cs_err_set(err, CS_E_INVALID, "max_cr must be positive");
    rc = check_pairwise(pairwise, n, err);
    if (rc != CS_OK)
        return rc;
    if (n == 1) {
        w[0] = 1.0;
        *res = (cs_risk_ahp_result){.lambda_max = 1.0, .ci = 0.0, .cr = 0.0};
        return CS_OK;
    }

    m = gsl_matrix_alloc(n, n);
    eval = gsl_vector_complex_alloc(n);
    evec = gsl_matrix_complex_alloc(n, n);
    ws = gsl_eigen_nonsymmv_alloc(n);
    if (m == NULL || eval == NULL || evec == NULL || ws == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(m, i, j, pairwise[i * n + j]);
    gs = gsl_eigen_nonsymmv(m, eval, evec, ws);
    if (gs != GSL_SUCCESS) {
        rc = cs_err_set(err, CS_E_NUMERIC,
                        "could not find the eigenvalues of the pairwise "
                        "matrix: %s",
                        gsl_strerror(gs));
        goto out;
    }
    /* Perron-Frobenius: a positive matrix has a simple real eigenvalue
     * of largest modulus with a positive eigenvector. */
    for (size_t i = 1; i < n; i++)
        if (GSL_REAL(gsl_vector_complex_get(eval, i)) >
            GSL_REAL(gsl_vector_complex_get(eval, best)))
            best = i;
    lambda = GSL_REAL(gsl_vector_complex_get(eval, best));
    for (size_t i = 0; i < n; i++) {
        w[i] = GSL_REAL(gsl_matrix_complex_get(evec, i, best));
        sum += w[i];
    }
    for (size_t i = 0; i < n; i++) {
        w[i] /= sum;
        if (!isfinite(w[i]) || w[i] <= 0.0) {
            rc = cs_err_set(err, CS_E_NUMERIC,
                            "principal eigenvector of the pairwise matrix "
                            "is not positive");
            goto out;
        }
    }
    res->lambda_max = lambda;
    res->ci = fmax(0.0, (lambda - (double)n) / (double)(n - 1));
    res->cr = n <= 2 ? 0.0 : res->ci / cs_risk_random_index(n);
    if (!isfinite(res->lambda_max) || !isfinite(res->cr)) {
        rc = cs_err_set(err, CS_E_NUMERIC,
                        "consistency of the pairwise matrix is not finite");
        goto out;
    }
    if (res->cr >= max_cr) {
        rc = cs_err_set(err, CS_E_INVALID,
                        "pairwise judgements are inconsistent: CR %.3f is "
                        "not below %.3f; revise the comparisons",
                        res->cr, max_cr);
        goto out;
    }
    rc = CS_OK;
out:
    gsl_eigen_nonsymmv_free(ws);
    gsl_matrix_complex_free(evec);
    gsl_vector_complex_free(eval);
    gsl_matrix_free(m);
    return rc;
}

cs_status cs_risk_blend_weights(const double *w_ahp, const double *w_entropy,
                                size_t n, double alpha, double *w, cs_err *err)
{
    double sum = 0.0;

    if (w_ahp == NULL || w_entropy == NULL || w == NULL || n == 0)
        return cs_err_set(err, CS_E_INVALID, "weight vectors are empty");
    if (!(alpha >= 0.0 && alpha <= 1.0))
        return cs_err_set(err, CS_E_INVALID, "alpha must lie in [0, 1]");
    for (size_t j = 0; j < n; j++) {
        if (!(w_ahp[j] >= 0.0) || !(w_entropy[j] >= 0.0) ||
            !isfinite(w_ahp[j]) || !isfinite(w_entropy[j]))
            return cs_err_set(err, CS_E_INVALID,
                              "weight %zu must be a non-negative number", j);
        w[j] = alpha * w_ahp[j] + (1.0 - alpha) * w_entropy[j];
        sum += w[j];
    }
    if (!(sum > 0.0))
        return cs_err_set(err, CS_E_INVALID, "blended weights sum to zero");
    for (size_t j = 0; j < n; j++)
        w[j] /= sum;
    return CS_OK;
}
