/* cmd_stock.c - `cs-model stock`: safety stock, reorder point, fill
 * rate, EOQ and days of cover from demand statistics, or from a demand
 * history forecast with models/forecast. */
#include "cs_model_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs_forecast.h"
#include "cs_inventory.h"

#define STOCK_MAX_LEAD 10000.0 /* periods forecast from a history */

/* Mean demand per period over the lead time and the one-step forecast
 * error sd, read back from the 80% interval of the automatic forecast. */
static cs_status from_history(const double *y, size_t n, unsigned period,
                              double lead_time, cs_inv_demand *d, char *model,
                              size_t model_len, cs_err *err)
{
    cs_fc_opts o;
    cs_forecast *f = NULL;
    const double *lo, *hi, *mean;
    size_t h = (size_t)ceil(lead_time);
    double s = 0.0;
    cs_status rc;

    if (h < 1)
        h = 1;
    cs_forecast_opts_default(&o);
    o.period = period;
    rc = cs_forecast_run(y, n, h, &o, &f, err);
    if (rc != CS_OK)
        return rc;
    mean = cs_forecast_mean(f);
    for (size_t j = 0; j < h; j++)
        s += mean[j];
    d->mean = s / (double)h;
    if (d->mean < 0.0)
        d->mean = 0.0;
    rc = cs_forecast_interval(f, 80, &lo, &hi, err);
    if (rc == CS_OK)
        d->sd = (hi[0] - lo[0]) / (2.0 * 1.2815515655446004);
    (void)snprintf(model, model_len, "%s", cs_forecast_model(f));
    cs_forecast_free(f);
    return rc;
}

static cs_status run_stock(yajl_val in, yajl_gen out, const char **field,
                           cs_err *err)
{
    cs_inv_demand d = {0};
    double csl, fr, q, ss, ss_fr = NAN, rop, sigma, achieved = NAN;
    double annual, order_cost, hold, eoq = NAN, on_hand, daily, cover = NAN;
    double period = 1;
    double *y = NULL;
    size_t n = 0;
    char model[64] = "";
    const char *ypath[] = {"y", NULL};
    cs_status rc;

    if ((rc = cs_cli_get_number(in, "lead_time", 1, 0, &d.lead_time, field,
                                err)) != CS_OK ||
        (rc = cs_cli_get_number(in, "lead_time_sd", 0, 0, &d.lead_time_sd,
                                field, err)) != CS_OK ||
        (rc = cs_cli_get_number(in, "service_level", 0, 0.95, &csl, field,
                                err)) != CS_OK ||
        (rc = cs_cli_get_number(in, "fill_rate", 0, NAN, &fr, field, err)) !=
            CS_OK ||
        (rc = cs_cli_get_number(in, "order_qty", 0, NAN, &q, field, err)) !=
            CS_OK ||
        (rc = cs_cli_get_number(in, "annual_demand", 0, NAN, &annual, field,
                                err)) != CS_OK ||
        (rc = cs_cli_get_number(in, "order_cost", 0, NAN, &order_cost, field,
                                err)) != CS_OK ||
        (rc = cs_cli_get_number(in, "holding_cost", 0, NAN, &hold, field,
                                err)) != CS_OK ||
        (rc = cs_cli_get_number(in, "on_hand", 0, NAN, &on_hand, field, err)) !=
            CS_OK ||
        (rc = cs_cli_get_number(in, "period", 0, 1, &period, field, err)) !=
            CS_OK)
        return rc;
    if (yajl_tree_get(in, ypath, yajl_t_any) != NULL) {
        if (period < 1 || period > 366 || period != floor(period)) {
            *field = "period";
            return cs_err_set(err, CS_E_INVALID,
                              "period: must be a whole number in 1..366");
        }
        rc = cs_cli_get_vector(in, "y", &y, &n, field, err);
        if (rc != CS_OK)
            return rc;
        if (!(d.lead_time >= 0.0 && d.lead_time <= STOCK_MAX_LEAD)) {
            free(y);
            *field = "lead_time";
            return cs_err_set(err, CS_E_INVALID,
                              "lead_time: must be in 0..%.0f periods to "
                              "forecast it",
                              STOCK_MAX_LEAD);
        }
        rc = from_history(y, n, (unsigned)period, d.lead_time, &d, model,
                          sizeof(model), err);
        free(y);
        if (rc != CS_OK) {
            *field = rc == CS_E_INVALID ? "y" : NULL;
            return rc;
        }
    } else if ((rc = cs_cli_get_number(in, "demand_mean", 1, 0, &d.mean, field,
                                       err)) != CS_OK ||
               (rc = cs_cli_get_number(in, "demand_sd", 1, 0, &d.sd, field,
                                       err)) != CS_OK) {
        return rc;
    }
    rc = cs_inv_sigma_ltd(&d, &sigma, err);
    if (rc == CS_OK)
        rc = cs_inv_safety_stock_csl(&d, csl, &ss, err);
    if (rc != CS_OK) {
        *field = strstr(err->msg, "service") != NULL ? "service_level"
                 : strstr(err->msg, "lead") != NULL  ? "lead_time"
                                                     : "demand_sd";
        return rc;
    }
    if (isfinite(fr)) {
        if (!isfinite(q)) {
            *field = "order_qty";
            return cs_err_set(err, CS_E_INVALID,
                              "order_qty: required with fill_rate");
        }
        rc = cs_inv_safety_stock_fill_rate(&d, fr, q, &ss_fr, err);
        if (rc != CS_OK) {
            *field = "fill_rate";
            return rc;
        }
        ss = ss_fr;
    }
    if (isfinite(q) &&
        (rc = cs_inv_fill_rate(&d, ss, q, &achieved, err)) != CS_OK) {
        *field = "order_qty";
        return rc;
    }
    if (isfinite(annual) || isfinite(order_cost) || isfinite(hold)) {
        rc = cs_inv_eoq(annual, order_cost, hold, &eoq, err);
        if (rc != CS_OK) {
            *field = "holding_cost";
            return rc;
        }
    }
    rc = cs_inv_reorder_point(&d, ss, &rop, err);
    if (rc != CS_OK)
        return rc;
    daily = d.mean;
    if (isfinite(on_hand) &&
        (rc = cs_inv_days_of_cover(on_hand, daily, &cover, err)) != CS_OK) {
        *field = "on_hand";
        return rc;
    }

    yajl_gen_map_open(out);
    if (model[0] != '\0') {
        cs_cli_key(out, "model");
        yajl_gen_string(out, (const unsigned char *)model, strlen(model));
    }
    cs_cli_key(out, "demand_mean");
    cs_cli_double(out, d.mean);
    cs_cli_key(out, "demand_sd");
    cs_cli_double(out, d.sd);
    cs_cli_key(out, "sigma_ltd");
    cs_cli_double(out, sigma);
    cs_cli_key(out, "safety_stock");
    cs_cli_double(out, ss);
    cs_cli_key(out, "basis");
    yajl_gen_string(
        out,
        (const unsigned char *)(isfinite(fr) ? "fill_rate" : "service_level"),
        isfinite(fr) ? 9 : 13);
    cs_cli_key(out, "reorder_point");
    cs_cli_double(out, rop);
    if (isfinite(achieved)) {
        cs_cli_key(out, "fill_rate");
        cs_cli_double(out, achieved);
    }
    if (isfinite(eoq)) {
        cs_cli_key(out, "eoq");
        cs_cli_double(out, eoq);
    }
    if (isfinite(on_hand)) {
        cs_cli_key(out, "days_of_cover");
        cs_cli_double(out, cover); /* null when demand is zero */
    }
    yajl_gen_map_close(out);
    return CS_OK;
}

static const cs_model_cmd stock_cmd = {
    .name = "stock",
    .summary = "safety stock, reorder point, fill rate, EOQ, days of cover",
    .example = "{\"demand_mean\": 2500, \"demand_sd\": 500, \"lead_time\": 7, "
               "\"lead_time_sd\": 7, \"service_level\": 0.9}\n"
               "or {\"y\": [...demand history...], \"period\": 12, "
               "\"lead_time\": 2, \"service_level\": 0.95}\n"
               "optional: fill_rate + order_qty (loss-function safety "
               "stock), annual_demand + order_cost + holding_cost (EOQ), "
               "on_hand (days of cover, in periods)",
    .run = run_stock,
};
CS_MODEL_COMMAND(stock_cmd)
