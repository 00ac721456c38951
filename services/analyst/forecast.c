/* forecast.c - demand forecasts per (enterprise, sku) over monthly sales
 * (models/forecast, the model version's method, auto by default), with
 * 80/95 % intervals and a backtest on the last `horizon` months; where
 * inventory exists, safety stock, reorder point and days of cover from
 * the forecast (models/inventory). A series that cannot be fitted is a
 * model error, logged and counted; the cycle goes on. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyst_int.h"
#include "cs_forecast.h"
#include "cs_inventory.h"
#include "cs_log.h"

#define DAYS_PER_MONTH 30.4375
#define Z95            1.959963984540054
#define MAX_POINTS     10000 /* about 800 years of months */

/* Parses a float8[] literal "{1,2.5,3}" into a new array. */
static cs_status parse_array(const char *s, double **out, size_t *n_out,
                             cs_err *err)
{
    size_t cap = 16, n = 0;
    double *v = malloc(cap * sizeof(*v));
    const char *p = s;

    if (v == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    if (*p++ != '{')
        goto bad;
    while (*p != '}' && *p != '\0') {
        char *end = NULL;
        double x = strtod(p, &end);

        if (end == p || !isfinite(x) || n == MAX_POINTS)
            goto bad;
        if (n == cap) {
            double *nv = realloc(v, 2 * cap * sizeof(*v));
            if (nv == NULL) {
                free(v);
                return cs_err_set(err, CS_E_NOMEM, "out of memory");
            }
            v = nv;
            cap *= 2;
        }
        v[n++] = x;
        p = *end == ',' ? end + 1 : end;
    }
    *out = v;
    *n_out = n;
    return CS_OK;
bad:
    free(v);
    return cs_err_set(err, CS_E_INTERNAL, "bad sales series from the database");
}

/* A float8[] literal of n values into buf. */
static void array_text(const double *v, size_t n, char *buf, size_t buf_bytes)
{
    size_t len = 0;

    len += (size_t)snprintf(buf, buf_bytes, "{");
    for (size_t i = 0; i < n && len < buf_bytes; i++) {
        char num[40];
        analyst_fmt_double(num, sizeof(num), v[i], "NaN");
        len += (size_t)snprintf(buf + len, buf_bytes - len, "%s%s",
                                i > 0 ? "," : "", num);
    }
    if (len < buf_bytes)
        snprintf(buf + len, buf_bytes - len, "}");
}

typedef struct backtest {
    double mase, smape, coverage95;
} backtest;

/* Fits y[0..n-h) and scores the forecast of the last h points. */
static void run_backtest(const double *y, size_t n, size_t h,
                         const cs_fc_opts *o, unsigned period, backtest *bt)
{
    cs_forecast *f = NULL;
    cs_err err = {0};
    const double *mean, *lo = NULL, *hi = NULL;
    size_t fit_n = n - h, lag = fit_n > period ? period : 1;
    double scale = 0, abs_err = 0, smape = 0;
    size_t inside = 0;

    *bt = (backtest){NAN, NAN, NAN};
    if (cs_forecast_run(y, fit_n, h, o, &f, &err) != CS_OK)
        return;
    mean = cs_forecast_mean(f);
    if (cs_forecast_interval(f, 95, &lo, &hi, &err) != CS_OK)
        lo = hi = NULL;
    for (size_t t = lag; t < fit_n; t++)
        scale += fabs(y[t] - y[t - lag]);
    scale /= (double)(fit_n - lag);
    for (size_t i = 0; i < h; i++) {
        double actual = y[fit_n + i], denom = fabs(actual) + fabs(mean[i]);

        abs_err += fabs(actual - mean[i]);
        smape += denom > 0 ? 200.0 * fabs(actual - mean[i]) / denom : 0.0;
        if (lo != NULL && actual >= lo[i] && actual <= hi[i])
            inside++;
    }
    bt->mase = scale > 0 ? abs_err / (double)h / scale : NAN;
    bt->smape = smape / (double)h;
    bt->coverage95 = lo != NULL ? (double)inside / (double)h : NAN;
    cs_forecast_free(f);
}

/* Fits y[0..n) (the model version's method, horizon and intervals) and
 * backtests it when long enough. */
static cs_status fit(const analyst_model *m, const cs_fc_opts *o,
                     const double *y, size_t n, cs_forecast **f, backtest *bt,
                     cs_err *err)
{
    const double *lo, *hi;
    cs_status rc;

    *bt = (backtest){NAN, NAN, NAN};
    rc = cs_forecast_run(y, n, m->fc_horizon, o, f, err);
    if (rc == CS_OK)
        rc = cs_forecast_interval(*f, 80, &lo, &hi, err);
    if (rc == CS_OK)
        rc = cs_forecast_interval(*f, 95, &lo, &hi, err);
    if (rc == CS_OK && n >= (size_t)m->fc_min_points + m->fc_horizon)
        run_backtest(y, n, m->fc_horizon, o, m->fc_period, bt);
    return rc;
}

/* The model, first period, history length, the five arrays of f and
 * the backtest as COPY fields. */
static void put_forecast(cs_copybuf *cb, const cs_forecast *f, size_t h,
                         const char *first_period, size_t n, const backtest *bt,
                         char *text, size_t text_bytes)
{
    const double *arr[5];
    char nh[24], num[40];
    const double bts[] = {bt->mase, bt->smape, bt->coverage95};

    arr[0] = cs_forecast_mean(f);
    (void)cs_forecast_interval(f, 80, &arr[1], &arr[2], NULL);
    (void)cs_forecast_interval(f, 95, &arr[3], &arr[4], NULL);
    cs_copybuf_field(cb, cs_forecast_model(f), false);
    cs_copybuf_field(cb, first_period, false);
    snprintf(nh, sizeof(nh), "%zu", n);
    cs_copybuf_field(cb, nh, false);
    for (size_t i = 0; i < 5; i++) {
        array_text(arr[i], h, text, text_bytes);
        cs_copybuf_field(cb, text, false);
    }
    for (size_t i = 0; i < 3; i++) {
        analyst_fmt_double(num, sizeof(num), bts[i], "");
        cs_copybuf_field(cb, num[0] == '\0' ? NULL : num, false);
    }
}

/* One series: forecast, backtest, stock; appends a COPY row. Returns
 * false on a model error (logged). */
static bool one_series(const analyst_model *m, const cs_fc_opts *o,
                       const PGresult *res, int row, const char *cycle,
                       const char *version, cs_copybuf *cb, char *text,
                       size_t text_bytes, bool *skipped)
{
    const char *ent = PQgetvalue(res, row, 0), *sku = PQgetvalue(res, row, 1);
    double *y = NULL;
    size_t n = 0;
    cs_forecast *f = NULL;
    cs_err err = {0};
    const double *mean, *lo95, *hi95;
    backtest bt;
    double on_hand = analyst_num(PQgetvalue(res, row, 4));
    double lead = analyst_num(PQgetvalue(res, row, 5));
    double ss = NAN, rop = NAN, cover = NAN;
    char num[40];
    bool ok = false;

    *skipped = false;
    if (parse_array(PQgetvalue(res, row, 3), &y, &n, &err) != CS_OK)
        goto out;
    if (n < m->fc_min_points) {
        *skipped = true; /* too short to say anything yet */
        ok = true;
        goto out;
    }
    if (fit(m, o, y, n, &f, &bt, &err) != CS_OK)
        goto out;
    mean = cs_forecast_mean(f);
    (void)cs_forecast_interval(f, 95, &lo95, &hi95, NULL);
    if (isfinite(on_hand) && isfinite(lead)) {
        double sd_month = (hi95[0] - lo95[0]) / (2.0 * Z95);
        cs_inv_demand d = {.mean = fmax(mean[0], 0.0) / DAYS_PER_MONTH,
                           .sd = sd_month / sqrt(DAYS_PER_MONTH),
                           .lead_time = lead};
        if (cs_inv_safety_stock_csl(&d, m->service_level, &ss, &err) != CS_OK ||
            cs_inv_reorder_point(&d, ss, &rop, &err) != CS_OK ||
            cs_inv_days_of_cover(on_hand, d.mean, &cover, &err) != CS_OK)
            goto out;
    }

    cs_copybuf_field(cb, cycle, true);
    cs_copybuf_field(cb, ent, false);
    cs_copybuf_field(cb, sku, false);
    cs_copybuf_field(cb, version, false);
    put_forecast(cb, f, m->fc_horizon, PQgetvalue(res, row, 2), n, &bt, text,
                 text_bytes);
    {
        const double extra[] = {on_hand, ss, rop, cover, lead};
        for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
            /* No stock figures without stock; Inf (no demand) is NULL. */
            analyst_fmt_double(num, sizeof(num), extra[i], "");
            cs_copybuf_field(
                cb, num[0] == '\0' || !isfinite(on_hand) ? NULL : num, false);
        }
    }
    cs_copybuf_end_row(cb);
    ok = true;
out:
    if (!ok)
        cs_log_warn("could not forecast a series", CS_KV_STR("enterprise", ent),
                    CS_KV_STR("sku", sku), CS_KV_STR("error", err.msg));
    cs_forecast_free(f);
    free(y);
    return ok;
}

/* A cycle's forecasts: what to read, and the COPY rows the fits gave. */
struct analyst_fc {
    const analyst_model *m;
    char cycle[24], version[16], lead[40];
    char *as_of, *watermark;
    bool is_full;
    cs_fc_opts o;
    cs_copybuf rows, agg; /* forecasts, forecast_aggregates */
    uint64_t n_forecasts, n_skipped, n_errors, n_agg;
    bool done; /* computed and not stored yet */
    double secs;
};

/* Forecasts of summed sales per province, city and industry division
 * (forecast_aggregates): the same model settings on the sum. */
static cs_status aggregate_series(cs_pg *db, analyst_fc *f, char *text,
                                  size_t text_bytes, cs_err *err)
{
    PGresult *res = NULL;
    const char *p[] = {f->as_of};
    cs_status rc = cs_pg_run(db, "forecast_agg_series", 1, p, &res, err);

    if (rc != CS_OK)
        return analyst_pg_error(rc, err, "could not read summed sales");
    for (int i = 0; i < PQntuples(res); i++) {
        double *y = NULL;
        size_t n = 0;
        cs_forecast *fc = NULL;
        backtest bt;
        cs_err merr = {0};

        if (parse_array(PQgetvalue(res, i, 4), &y, &n, &merr) == CS_OK &&
            n >= f->m->fc_min_points) {
            if (fit(f->m, &f->o, y, n, &fc, &bt, &merr) == CS_OK) {
                cs_copybuf_field(&f->agg, f->cycle, true);
                cs_copybuf_field(&f->agg, PQgetvalue(res, i, 0), false);
                cs_copybuf_field(&f->agg, PQgetvalue(res, i, 1), false);
                cs_copybuf_field(&f->agg, f->version, false);
                cs_copybuf_field(&f->agg, PQgetvalue(res, i, 2), false);
                put_forecast(&f->agg, fc, f->m->fc_horizon,
                             PQgetvalue(res, i, 3), n, &bt, text, text_bytes);
                cs_copybuf_end_row(&f->agg);
                f->n_agg++;
            } else {
                cs_log_warn("could not forecast a summed series",
                            CS_KV_STR("kind", PQgetvalue(res, i, 0)),
                            CS_KV_STR("key", PQgetvalue(res, i, 1)),
                            CS_KV_STR("error", merr.msg));
                f->n_errors++;
            }
        }
        cs_forecast_free(fc);
        free(y);
    }
    PQclear(res);
    return CS_OK;
}

void analyst_fc_free(analyst_fc *f)
{
    if (f == NULL)
        return;
    cs_copybuf_free(&f->rows);
    cs_copybuf_free(&f->agg);
    free(f->as_of);
    free(f->watermark);
    free(f);
}

cs_status analyst_fc_new(const analyst_model *m, int64_t cycle_id,
                         const char *as_of, const char *watermark, bool is_full,
                         analyst_fc **out, cs_err *err)
{
    analyst_fc *f = calloc(1, sizeof(*f));
    cs_status rc;

    *out = NULL;
    if (f == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    f->m = m;
    f->is_full = is_full;
    f->as_of = strdup(as_of);
    f->watermark = strdup(watermark);
    if (f->as_of == NULL || f->watermark == NULL) {
        analyst_fc_free(f);
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    cs_forecast_opts_default(&f->o);
    rc = cs_forecast_method_parse(m->fc_method, &f->o, err);
    if (rc != CS_OK) {
        analyst_fc_free(f);
        return analyst_pg_error(CS_E_CONFIG, err, "model version: forecast");
    }
    f->o.period = m->fc_period;
    f->o.want_intervals = true;
    f->o.n_sims = m->fc_n_sims;
    f->o.seed = m->fc_seed;
    snprintf(f->cycle, sizeof(f->cycle), "%lld", (long long)cycle_id);
    snprintf(f->version, sizeof(f->version), "%d", m->version);
    snprintf(f->lead, sizeof(f->lead), "%.17g", m->default_lead_time_days);
    *out = f;
    return CS_OK;
}

cs_status analyst_fc_compute(cs_pg *db, analyst_fc *f, cs_err *err)
{
    PGresult *res = NULL;
    size_t text_bytes = (size_t)f->m->fc_horizon * 40 + 8;
    char *text = malloc(text_bytes);
    double t = analyst_clock();
    cs_status rc;

    if (text == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    f->done = false;
    cs_copybuf_reset(&f->rows);
    cs_copybuf_reset(&f->agg);
    f->n_forecasts = f->n_skipped = f->n_errors = f->n_agg = 0;
    {
        const char *p[] = {f->as_of, f->is_full ? "true" : "false",
                           f->watermark, f->cycle, f->lead};
        rc = cs_pg_run(db, "forecast_series", 5, p, &res, err);
        if (rc != CS_OK) {
            rc = analyst_pg_error(rc, err, "could not read sales series");
            goto out;
        }
    }
    for (int i = 0; i < PQntuples(res); i++) {
        bool skipped = false;

        if (!one_series(f->m, &f->o, res, i, f->cycle, f->version, &f->rows,
                        text, text_bytes, &skipped))
            f->n_errors++;
        else if (skipped)
            f->n_skipped++;
        else
            f->n_forecasts++;
    }
    /* The sums move with any of their series: redo them when a series
     * was redone. */
    if (f->is_full || f->n_forecasts > 0)
        rc = aggregate_series(db, f, text, text_bytes, err);
    if (rc == CS_OK && (f->rows.failed || f->agg.failed))
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
    f->done = rc == CS_OK;
out:
    f->secs = analyst_clock() - t;
    PQclear(res);
    free(text);
    return rc;
}

/* The rows computed into f, as this cycle's. */
static cs_status fc_store(analyst *a, analyst_fc *f, analyst_summary *sum,
                          cs_err *err)
{
    cs_status rc = CS_OK;

    if (f->rows.len > 0) {
        rc = cs_pg_copy(a->db, analyst_copy_forecasts, &f->rows, err);
        if (rc != CS_OK)
            return analyst_pg_error(rc, err, "could not store forecasts");
    }
    if (f->agg.len > 0) {
        rc = cs_pg_copy(a->db, analyst_copy_fc_aggregates, &f->agg, err);
        if (rc != CS_OK)
            return analyst_pg_error(rc, err,
                                    "could not store forecast aggregates");
    }
    sum->n_forecasts += f->n_forecasts;
    sum->n_forecast_skipped += f->n_skipped;
    sum->n_model_errors += f->n_errors;
    sum->n_fc_aggregates += f->n_agg;
    f->done = false;
    return rc;
}

cs_status analyst_forecast(analyst *a, const analyst_model *m, int64_t cycle_id,
                           const char *as_of, const char *watermark,
                           bool is_full, analyst_fc *beside,
                           analyst_summary *sum, cs_err *err)
{
    PGresult *res = NULL;
    analyst_fc *f = NULL;
    cs_status rc;

    /* computed beside the cycle from its snapshot: only the rows to store */
    if (beside != NULL && beside->done) {
        sum->s_forecasts_side = beside->secs;
        return fc_store(a, beside, sum, err);
    }
    rc = analyst_fc_new(m, cycle_id, as_of, watermark, is_full, &f, err);
    if (rc != CS_OK)
        return rc;
    if (!is_full) {
        /* Incremental: nothing to do unless a series can be stale. */
        const char *p[] = {as_of, watermark, f->cycle, NULL};

        rc = cs_pg_query(a->db,
                         "SELECT ((($1::timestamptz - interval '1 microsecond')"
                         " AT TIME ZONE 'UTC')::date + 1)::text",
                         1, p, &res, err);
        if (rc == CS_OK) {
            PGresult *day = res;

            p[3] = PQgetvalue(day, 0, 0);
            res = NULL;
            rc = cs_pg_run(a->db, "forecast_due", 4, p, &res, err);
            PQclear(day);
        }
        if (rc != CS_OK) {
            rc = analyst_pg_error(rc, err, "could not read sales series");
            goto out;
        }
        if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
            goto out;
    }
    rc = analyst_fc_compute(a->db, f, err);
    if (rc == CS_OK)
        rc = fc_store(a, f, sum, err);
out:
    analyst_fc_free(f);
    PQclear(res);
    return rc;
}
