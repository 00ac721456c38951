/* inventory.c - safety stock, reorder point, fill rate through the
 * standard normal loss function, EOQ and days of cover
 * (Chopra & Meindl, Supply Chain Management, ch. 11-12; Silver, Pyke &
 * Thomas, Inventory and Production Management in Supply Chains, ch. 6). */
#include "cs_inventory.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_roots.h>
#include <math.h>

#define CS_INV_K_LO     (-8.0) /* bracket for the loss-function root */
#define CS_INV_K_HI     8.0
#define CS_INV_ROOT_TOL 1e-12
#define CS_INV_MAX_ITER 200

static cs_status check_demand(const cs_inv_demand *d, cs_err *err)
{
    if (d == NULL)
        return cs_err_set(err, CS_E_INVALID, "demand is missing");
    if (!isfinite(d->mean) || d->mean < 0.0)
        return cs_err_set(err, CS_E_INVALID,
                          "demand mean must be finite and >= 0");
    if (!isfinite(d->sd) || d->sd < 0.0)
        return cs_err_set(err, CS_E_INVALID,
                          "demand sd must be finite and >= 0");
    if (!isfinite(d->lead_time) || d->lead_time < 0.0)
        return cs_err_set(err, CS_E_INVALID,
                          "lead time must be finite and >= 0");
    if (!isfinite(d->lead_time_sd) || d->lead_time_sd < 0.0)
        return cs_err_set(err, CS_E_INVALID,
                          "lead time sd must be finite and >= 0");
    return CS_OK;
}

cs_status cs_inv_sigma_ltd(const cs_inv_demand *d, double *out, cs_err *err)
{
    cs_status rc = check_demand(d, err);

    if (rc != CS_OK)
        return rc;
    *out = sqrt(d->lead_time * d->sd * d->sd +
                d->mean * d->mean * d->lead_time_sd * d->lead_time_sd);
    if (!isfinite(*out))
        return cs_err_set(err, CS_E_NUMERIC,
                          "sd of demand over the lead time overflows");
    return CS_OK;
}

cs_status cs_inv_safety_stock_csl(const cs_inv_demand *d, double csl,
                                  double *ss, cs_err *err)
{
    double sigma;
    cs_status rc;

    if (!(csl > 0.0 && csl < 1.0))
        return cs_err_set(err, CS_E_INVALID,
                          "cycle service level must be in (0, 1), got %g", csl);
    rc = cs_inv_sigma_ltd(d, &sigma, err);
    if (rc != CS_OK)
        return rc;
    *ss = gsl_cdf_ugaussian_Pinv(csl) * sigma;
    return CS_OK;
}

double cs_inv_normal_loss(double k)
{
    return gsl_ran_ugaussian_pdf(k) - k * gsl_cdf_ugaussian_Q(k);
}

typedef struct loss_target {
    double g; /* wanted G(k) */
} loss_target;

static double loss_gap(double k, void *p)
{
    const loss_target *t = p;
    return cs_inv_normal_loss(k) - t->g;
}

cs_status cs_inv_safety_stock_fill_rate(const cs_inv_demand *d, double fr,
                                        double q, double *ss, cs_err *err)
{
    gsl_root_fsolver *s = NULL;
    gsl_function fn;
    loss_target t;
    double sigma, k = 0.0;
    cs_status rc;
    int gs = GSL_CONTINUE;

    if (!(fr > 0.0 && fr < 1.0))
        return cs_err_set(err, CS_E_INVALID,
                          "fill rate must be in (0, 1), got %g", fr);
    if (!(q > 0.0) || !isfinite(q))
        return cs_err_set(err, CS_E_INVALID,
                          "order quantity must be positive, got %g", q);
    rc = cs_inv_sigma_ltd(d, &sigma, err);
    if (rc != CS_OK)
        return rc;
    if (sigma == 0.0) {
        *ss = 0.0; /* no uncertainty, no safety stock needed */
        return CS_OK;
    }
    t.g = (1.0 - fr) * q / sigma;
    if (t.g >= cs_inv_normal_loss(CS_INV_K_LO) ||
        t.g <= cs_inv_normal_loss(CS_INV_K_HI))
        return cs_err_set(err, CS_E_NUMERIC,
                          "fill rate %g with order quantity %g needs a "
                          "safety factor outside [%g, %g]",
                          fr, q, CS_INV_K_LO, CS_INV_K_HI);
    fn.function = loss_gap;
    fn.params = &t;
    s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (s == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    if (gsl_root_fsolver_set(s, &fn, CS_INV_K_LO, CS_INV_K_HI) != GSL_SUCCESS) {
        gsl_root_fsolver_free(s);
        return cs_err_set(err, CS_E_NUMERIC,
                          "could not bracket the safety factor");
    }
    for (int it = 0; it < CS_INV_MAX_ITER && gs == GSL_CONTINUE; it++) {
        if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
            break;
        k = gsl_root_fsolver_root(s);
        gs = gsl_root_test_interval(gsl_root_fsolver_x_lower(s),
                                    gsl_root_fsolver_x_upper(s),
                                    CS_INV_ROOT_TOL, 0.0);
    }
    gsl_root_fsolver_free(s);
    if (gs != GSL_SUCCESS || !isfinite(k))
        return cs_err_set(err, CS_E_NUMERIC,
                          "could not solve for the safety factor");
    *ss = k * sigma;
    return CS_OK;
}

cs_status cs_inv_fill_rate(const cs_inv_demand *d, double ss, double q,
                           double *fr, cs_err *err)
{
    double sigma;
    cs_status rc;

    if (!(q > 0.0) || !isfinite(q))
        return cs_err_set(err, CS_E_INVALID,
                          "order quantity must be positive, got %g", q);
    if (!isfinite(ss))
        return cs_err_set(err, CS_E_INVALID, "safety stock is not finite");
    rc = cs_inv_sigma_ltd(d, &sigma, err);
    if (rc != CS_OK)
        return rc;
    if (sigma == 0.0) {
        *fr = ss >= 0.0 ? 1.0 : 1.0 + ss / q;
        if (*fr < 0.0)
            *fr = 0.0;
        return CS_OK;
    }
    *fr = 1.0 - sigma * cs_inv_normal_loss(ss / sigma) / q;
    if (*fr < 0.0)
        *fr = 0.0;
    return CS_OK;
}

cs_status cs_inv_reorder_point(const cs_inv_demand *d, double ss, double *rop,
                               cs_err *err)
{
    cs_status rc = check_demand(d, err);

    if (rc != CS_OK)
        return rc;
    if (!isfinite(ss))
        return cs_err_set(err, CS_E_INVALID, "safety stock is not finite");
    *rop = d->mean * d->lead_time + ss;
    return CS_OK;
}

cs_status cs_inv_eoq(double annual_demand, double order_cost,
                     double holding_cost, double *q, cs_err *err)
{
    if (!isfinite(annual_demand) || annual_demand < 0.0)
        return cs_err_set(err, CS_E_INVALID,
                          "annual demand must be finite and >= 0");
    if (!isfinite(order_cost) || order_cost < 0.0)
        return cs_err_set(err, CS_E_INVALID,
                          "order cost must be finite and >= 0");
    if (!(holding_cost > 0.0) || !isfinite(holding_cost))
        return cs_err_set(err, CS_E_INVALID,
                          "holding cost must be positive, got %g",
                          holding_cost);
    *q = sqrt(2.0 * annual_demand * order_cost / holding_cost);
    return CS_OK;
}

cs_status cs_inv_days_of_cover(double on_hand, double daily_demand,
                               double *days, cs_err *err)
{
    if (!isfinite(on_hand))
        return cs_err_set(err, CS_E_INVALID, "stock on hand is not finite");
    if (!isfinite(daily_demand) || daily_demand < 0.0)
        return cs_err_set(err, CS_E_INVALID,
                          "daily demand must be finite and >= 0");
    if (daily_demand == 0.0)
        *days = on_hand > 0.0 ? (double)INFINITY : 0.0;
    else
        *days = on_hand / daily_demand;
    return CS_OK;
}
