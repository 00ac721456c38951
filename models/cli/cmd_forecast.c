/* cmd_forecast.c - `cs-model forecast`: one series in, point forecasts
 * and 80% / 95% intervals out, by any method of models/forecast. */
#include "cs_model_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs_forecast.h"

#define FC_MAX_H      10000.0
#define FC_MAX_PERIOD 366.0
#define FC_MAX_SIMS   100000.0

static cs_status bad(const char **field, const char *key, cs_err *err,
                     const char *msg)
{
    *field = key;
    return cs_err_set(err, CS_E_INVALID, "%s: %s", key, msg);
}

/* A whole number in [lo, hi], or dflt when absent. */
static cs_status get_count(yajl_val in, const char *key, int required,
                           double dflt, double lo, double hi, double *out,
                           const char **field, cs_err *err)
{
    cs_status rc = cs_cli_get_number(in, key, required, dflt, out, field, err);
    if (rc != CS_OK)
        return rc;
    if (*out != floor(*out) || *out < lo || *out > hi) {
        *field = key;
        return cs_err_set(err, CS_E_INVALID,
                          "%s: must be a whole number in %.0f..%.0f", key, lo,
                          hi);
    }
    return CS_OK;
}

static cs_status get_param(yajl_val in, const char *key, double lo, double hi,
                           double *out, const char **field, cs_err *err)
{
    cs_status rc = cs_cli_get_number(in, key, 0, NAN, out, field, err);
    if (rc != CS_OK)
        return rc;
    if (isfinite(*out) && !(*out >= lo && *out <= hi)) {
        *field = key;
        return cs_err_set(err, CS_E_INVALID, "%s: must be in [%g, %g]", key, lo,
                          hi);
    }
    return CS_OK;
}

static cs_status run_forecast(yajl_val in, yajl_gen out, const char **field,
                              cs_err *err)
{
    cs_fc_opts o;
    double *y = NULL, h = 0, period = 1, n_sims = 1000, seed = 42;
    size_t n = 0;
    const char *method = NULL, *init = NULL;
    yajl_val iv;
    const char *ipath[] = {"intervals", NULL};
    cs_forecast *f = NULL;
    const double *lo80, *hi80, *lo95, *hi95;
    cs_status rc;

    cs_forecast_opts_default(&o);
    rc = cs_cli_get_vector(in, "y", &y, &n, field, err);
    if (rc != CS_OK)
        return rc;
    if ((rc = get_count(in, "h", 1, 0, 1, FC_MAX_H, &h, field, err)) != CS_OK ||
        (rc = get_count(in, "period", 0, 1, 1, FC_MAX_PERIOD, &period, field,
                        err)) != CS_OK ||
        (rc = get_count(in, "n_sims", 0, 1000, 10, FC_MAX_SIMS, &n_sims, field,
                        err)) != CS_OK ||
        (rc = get_count(in, "seed", 0, 42, 0, 4294967295.0, &seed, field,
                        err)) != CS_OK ||
        (rc = cs_cli_get_string(in, "method", 0, "auto", &method, field,
                                err)) != CS_OK ||
        (rc = cs_cli_get_string(in, "croston_init", 0, "first", &init, field,
                                err)) != CS_OK ||
        (rc = get_param(in, "alpha", 1e-4, 1.0, &o.alpha, field, err)) !=
            CS_OK ||
        (rc = get_param(in, "beta", 1e-4, 1.0, &o.beta, field, err)) != CS_OK ||
        (rc = get_param(in, "gamma", 1e-4, 1.0, &o.gamma, field, err)) !=
            CS_OK ||
        (rc = get_param(in, "phi", 0.8, 1.0, &o.phi, field, err)) != CS_OK ||
        (rc = get_param(in, "alpha_size", 0.0, 1.0, &o.alpha_size, field,
                        err)) != CS_OK ||
        (rc = get_param(in, "alpha_interval", 0.0, 1.0, &o.alpha_interval,
                        field, err)) != CS_OK)
        goto out;
    if (cs_forecast_method_parse(method, &o, err) != CS_OK) {
        *field = "method";
        rc = CS_E_INVALID;
        goto out;
    }
    if (strcmp(init, "first") == 0) {
        o.croston_init = CS_FC_CROSTON_FIRST;
    } else if (strcmp(init, "mean") == 0) {
        o.croston_init = CS_FC_CROSTON_MEAN;
    } else {
        rc = bad(field, "croston_init", err, "must be \"first\" or \"mean\"");
        goto out;
    }
    iv = yajl_tree_get(in, ipath, yajl_t_any);
    if (iv != NULL && !YAJL_IS_TRUE(iv) && !YAJL_IS_FALSE(iv)) {
        rc = bad(field, "intervals", err, "must be true or false");
        goto out;
    }
    o.want_intervals = iv == NULL || YAJL_IS_TRUE(iv);
    o.period = (unsigned)period;
    o.n_sims = (unsigned)n_sims;
    o.seed = (uint64_t)seed;

    rc = cs_forecast_run(y, n, (size_t)h, &o, &f, err);
    if (rc != CS_OK) {
        if (rc == CS_E_TOO_LARGE)
            *field = strstr(err->msg, "simulated") != NULL ? "n_sims"
                     : strstr(err->msg, "horizon") != NULL ? "h"
                                                           : "y";
        else
            *field = rc == CS_E_INVALID ? "y" : NULL;
        goto out;
    }
    yajl_gen_map_open(out);
    cs_cli_key(out, "method");
    yajl_gen_string(out, (const unsigned char *)method, strlen(method));
    cs_cli_key(out, "model");
    yajl_gen_string(out, (const unsigned char *)cs_forecast_model(f),
                    strlen(cs_forecast_model(f)));
    cs_cli_vector(out, "mean", cs_forecast_mean(f), (size_t)h);
    if (o.want_intervals &&
        cs_forecast_interval(f, 80, &lo80, &hi80, NULL) == CS_OK &&
        cs_forecast_interval(f, 95, &lo95, &hi95, NULL) == CS_OK) {
        cs_cli_vector(out, "lo80", lo80, (size_t)h);
        cs_cli_vector(out, "hi80", hi80, (size_t)h);
        cs_cli_vector(out, "lo95", lo95, (size_t)h);
        cs_cli_vector(out, "hi95", hi95, (size_t)h);
    }
    yajl_gen_map_close(out);
out:
    cs_forecast_free(f);
    free(y);
    return rc;
}

static const cs_model_cmd forecast_cmd = {
    .name = "forecast",
    .summary = "demand forecast with 80%/95% intervals (naive ... ETS, "
               "Theta, Croston, auto)",
    .example = "{\"y\": [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, "
               "104, 118, 115, 126, 141, 135, 125, 149, 170, 170, 158, 133, "
               "114, 140], \"h\": 12, \"period\": 12, \"method\": \"auto\"}\n"
               "methods: naive snaive naive2 drift ses holt damped ets "
               "ETS(M,Ad,N) theta croston sba tsb intermittent comb auto;\n"
               "optional: alpha beta gamma phi (ETS/SES), alpha_size "
               "alpha_interval croston_init (\"first\"|\"mean\") for "
               "Croston-type, intervals (bool), n_sims, seed",
    .run = run_forecast,
};
CS_MODEL_COMMAND(forecast_cmd)
