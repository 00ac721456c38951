/* risk_normalise.c - direction-aware min-max and robust z-score
 * normalisation of indicators within peer groups, with the documented
 * missing-value rule (docs/models/risk-index.md, "Normalisation"). */
#include "risk_int.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* 1.4826 * MAD estimates sigma for normal data (Rousseeuw & Croux 1993);
 * 1.2533 = sqrt(pi/2) does the same for the mean absolute deviation,
 * the fallback when more than half the values equal the median. */
#define CS_RISK_MAD_SCALE    1.4826
#define CS_RISK_MEANAD_SCALE 1.2533
#define CS_RISK_Z_CLAMP      3.0
/* A column without information in a group (every present value equal,
 * or none present) contributes nothing to anyone's score: 0, the safest
 * normalised value. 0.5 here made a column that turned constant add
 * w_j * 50 points to everybody (issue 4). */
#define CS_RISK_NO_INFORMATION 0.0

static void swap_d(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

/* k-th smallest of v[0..n-1]; reorders v so that v[0..k-1] <= v[k] <=
 * v[k+1..n-1]. Hoare partitioning keeps runs of equal values (binary
 * flags) linear. */
static double select_kth(double *v, size_t n, size_t k)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

    while (lo < hi) {
        double pivot = v[lo + (hi - lo) / 2];
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                swap_d(&v[i], &v[j]);
                i++;
                j--;
            }
        }
        if (kk <= j)
            hi = j;
        else if (kk >= i)
            lo = i;
        else
            return v[kk];
    }
    return v[kk];
}

double cs__risk_median(double *v, size_t n)
{
    double hi = select_kth(v, n, n / 2);

    if (n % 2 == 1)
        return hi;
    /* after selection every element below n/2 is <= hi: take their max */
    double lo = v[0];
    for (size_t i = 1; i < n / 2; i++)
        if (v[i] > lo)
            lo = v[i];
    return 0.5 * (lo + hi);
}

struct row_group {
    uint32_t group;
    size_t row;
};

static int by_group(const void *a, const void *b)
{
    const struct row_group *x = a, *y = b;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    return x->row < y->row ? -1 : (x->row > y->row);
}

static double clamp01(double v)
{
    return v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v);
}

/* (v - lo) / (hi - lo) for lo <= v <= hi, lo < hi, all finite: in
 * halves when hi - lo overflows (values near DBL_MAX), but not
 * otherwise (halving the smallest subnormals gives 0 / 0). */
static double minmax_share(double v, double lo, double hi)
{
    if (isfinite(hi - lo))
        return (v - lo) / (hi - lo);
    return (0.5 * v - 0.5 * lo) / (0.5 * hi - 0.5 * lo);
}

/* One value normalised with its group's parameters p. A value outside
 * the range p was found on (a later one) is clamped like any other. */
static double apply_param(double v, cs_risk_dir dir, cs_risk_norm method,
                          const cs_risk_norm_param *p)
{
    double sign = dir == CS_RISK_HIGHER_SAFER ? -1.0 : 1.0, z;

    if (!isfinite(v))
        return p->fill;
    if (method == CS_RISK_NORM_MINMAX) {
        if (!(p->hi > p->lo)) /* every present value equal, or none */
            return CS_RISK_NO_INFORMATION;
        return clamp01(sign > 0 ? minmax_share(v, p->lo, p->hi)
                                : 1.0 - minmax_share(v, p->lo, p->hi));
    }
    if (!(p->hi > 0.0)) /* every present value equal, or none */
        return CS_RISK_NO_INFORMATION;
    z = sign * (v - p->lo) / p->hi;
    z = fmax(-CS_RISK_Z_CLAMP, fmin(CS_RISK_Z_CLAMP, z));
    return (z + CS_RISK_Z_CLAMP) / (2.0 * CS_RISK_Z_CLAMP);
}

/* Finds the parameters of column j for the rows rg[0..n-1] of one group
 * into *p and normalises them with it. scratch has room for n doubles. */
static void normalise_group(const double *x, size_t n_cols, size_t j,
                            cs_risk_dir dir, cs_risk_norm method,
                            const struct row_group *rg, size_t n,
                            double *scratch, cs_risk_norm_param *p, double *out)
{
    size_t n_present = 0;

    *p = (cs_risk_norm_param){
        .lo = (double)NAN, .hi = (double)NAN, .fill = CS_RISK_NO_INFORMATION};
    for (size_t k = 0; k < n; k++) {
        double v = x[rg[k].row * n_cols + j];
        if (isfinite(v))
            scratch[n_present++] = v;
    }
    if (n_present > 0 && method == CS_RISK_NORM_MINMAX) {
        p->lo = p->hi = scratch[0];
        for (size_t k = 1; k < n_present; k++) {
            p->lo = fmin(p->lo, scratch[k]);
            p->hi = fmax(p->hi, scratch[k]);
        }
    } else if (n_present > 0) {
        double scale;
        p->lo = cs__risk_median(scratch, n_present);
        for (size_t k = 0; k < n_present; k++)
            scratch[k] = fabs(scratch[k] - p->lo);
        scale = CS_RISK_MAD_SCALE * cs__risk_median(scratch, n_present);
        if (!(scale > 0.0)) {
            double sum = 0.0;
            for (size_t k = 0; k < n_present; k++)
                sum += scratch[k];
            scale = CS_RISK_MEANAD_SCALE * sum / (double)n_present;
        }
        p->hi = scale;
    }
    for (size_t k = 0; k < n; k++) {
        size_t at = rg[k].row * n_cols + j;
        if (isfinite(x[at]))
            out[at] = apply_param(x[at], dir, method, p);
    }
    /* Missing values (NaN, and infinities, which carry no usable
     * magnitude): the group median of the normalised column, so a
     * gap neither raises nor lowers an enterprise against its peers; a
     * group without any value has no information either. */
    if (n_present > 0) {
        size_t m = 0;
        for (size_t k = 0; k < n; k++) {
            size_t at = rg[k].row * n_cols + j;
            if (isfinite(x[at]))
                scratch[m++] = out[at];
        }
        p->fill = cs__risk_median(scratch, m);
    }
    for (size_t k = 0; k < n; k++) {
        size_t at = rg[k].row * n_cols + j;
        if (!isfinite(x[at]))
            out[at] = p->fill;
    }
}

/* The checks every normalisation makes of its inputs. */
static cs_status check_inputs(const double *x, size_t n_rows, size_t n_cols,
                              const cs_risk_dir *dir, cs_risk_norm method,
                              const double *out, cs_err *err)
{
    if (x == NULL || dir == NULL || out == NULL || n_rows == 0 || n_cols == 0)
        return cs_err_set(err, CS_E_INVALID,
                          "indicator matrix is empty or missing");
    if (n_cols > CS_RISK_MAX_INDICATORS)
        return cs_err_set(err, CS_E_TOO_LARGE,
                          "%zu indicators, at most %d supported", n_cols,
                          CS_RISK_MAX_INDICATORS);
    if (method != CS_RISK_NORM_MINMAX && method != CS_RISK_NORM_ROBUST_Z)
        return cs_err_set(err, CS_E_INVALID, "unknown normalisation %d",
                          (int)method);
    for (size_t j = 0; j < n_cols; j++)
        if (dir[j] != CS_RISK_HIGHER_RISKIER && dir[j] != CS_RISK_HIGHER_SAFER)
            return cs_err_set(err, CS_E_INVALID,
                              "indicator %zu has an unknown direction", j);
    for (size_t i = 0; i < n_rows * n_cols; i++)
        if (isinf(x[i]))
            return cs_err_set(err, CS_E_INVALID,
                              "indicator value at row %zu column %zu is "
                              "infinite",
                              i / n_cols, i % n_cols);
    return CS_OK;
}

cs_status cs_risk_normalise(const double *x, size_t n_rows, size_t n_cols,
                            const cs_risk_dir *dir, const uint32_t *group,
                            cs_risk_norm method, double *out, cs_err *err)
{
    return cs_risk_normalise_fit(x, n_rows, n_cols, dir, group, 0, method, out,
                                 NULL, err);
}

cs_status cs_risk_normalise_fit(const double *x, size_t n_rows, size_t n_cols,
                                const cs_risk_dir *dir, const uint32_t *group,
                                size_t n_groups, cs_risk_norm method,
                                double *out, cs_risk_norm_param *params,
                                cs_err *err)
{
    struct row_group *rg = NULL;
    double *scratch = NULL;
    cs_status rc = check_inputs(x, n_rows, n_cols, dir, method, out, err);

    if (rc != CS_OK)
        return rc;
    if (params != NULL) {
        for (size_t i = 0; i < n_rows; i++)
            if ((group != NULL ? group[i] : 0) >= n_groups)
                return cs_err_set(
                    err, CS_E_INVALID, "row %zu: peer group %u of %zu", i,
                    (unsigned)(group != NULL ? group[i] : 0), n_groups);
        /* Groups without rows: no information. */
        for (size_t i = 0; i < n_groups * n_cols; i++)
            params[i] = (cs_risk_norm_param){.lo = (double)NAN,
                                             .hi = (double)NAN,
                                             .fill = CS_RISK_NO_INFORMATION};
    }
    rg = malloc(n_rows * sizeof(*rg));
    scratch = malloc(n_rows * sizeof(*scratch));
    if (rg == NULL || scratch == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n_rows; i++) {
        rg[i].group = group != NULL ? group[i] : 0;
        rg[i].row = i;
    }
    if (group != NULL)
        qsort(rg, n_rows, sizeof(*rg), by_group);
    for (size_t a = 0; a < n_rows;) {
        size_t b = a + 1;
        while (b < n_rows && rg[b].group == rg[a].group)
            b++;
        for (size_t j = 0; j < n_cols; j++) {
            cs_risk_norm_param p;
            normalise_group(x, n_cols, j, dir[j], method, rg + a, b - a,
                            scratch, &p, out);
            if (params != NULL)
                params[(size_t)rg[a].group * n_cols + j] = p;
        }
        a = b;
    }
    rc = CS_OK;
out:
    free(rg);
    free(scratch);
    return rc;
}

cs_status cs_risk_normalise_with(const double *x, size_t n_rows, size_t n_cols,
                                 const cs_risk_dir *dir, const uint32_t *group,
                                 size_t n_groups, cs_risk_norm method,
                                 const cs_risk_norm_param *params, double *out,
                                 cs_err *err)
{
    cs_status rc = check_inputs(x, n_rows, n_cols, dir, method, out, err);

    if (rc != CS_OK)
        return rc;
    if (params == NULL)
        return cs_err_set(err, CS_E_INVALID, "no normalisation parameters");
    for (size_t i = 0; i < n_rows; i++) {
        uint32_t g = group != NULL ? group[i] : 0;
        if (g >= n_groups)
            return cs_err_set(err, CS_E_INVALID,
                              "row %zu: peer group %u of %zu", i, (unsigned)g,
                              n_groups);
        for (size_t j = 0; j < n_cols; j++)
            out[i * n_cols + j] = apply_param(x[i * n_cols + j], dir[j], method,
                                              &params[(size_t)g * n_cols + j]);
    }
    return CS_OK;
}
