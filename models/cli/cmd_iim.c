/* cmd_iim.c - `cs-model iim`: the inoperability input-output model.
 * Static {"A": A*, "c": c*} -> {"q", "q_raw", "saturated"}; with "k"
 * (and optional "q0", "days") also the dynamic trajectory "q_t"; with
 * "x" (planned output per sector) the economic loss x_i q_i. */
#include "cs_model_cli.h"

#include <stdint.h>
#include <stdlib.h>

#include "cs_iim.h"

static cs_status want_len(const char *key, size_t got, size_t n,
                          const char **field, cs_err *err)
{
    if (got == n)
        return CS_OK;
    *field = key;
    return cs_err_set(err, CS_E_INVALID,
                      "%s: must have %zu entries, one per sector, got %zu", key,
                      n, got);
}

static int has(yajl_val in, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(in, path, yajl_t_any);
    return v != NULL && !YAJL_IS_NULL(v);
}

static cs_status run_iim(yajl_val in, yajl_gen out, const char **field,
                         cs_err *err)
{
    double *a = NULL, *c = NULL, *x = NULL, *k = NULL, *q0 = NULL;
    double *q = NULL, *q_raw = NULL, *q_t = NULL, *loss = NULL;
    double days_d = 30.0;
    size_t n = 0, cols = 0, len = 0, sat = 0;
    uint32_t days = 0;
    cs_status rc;

    rc = cs_cli_get_matrix(in, "A", &a, &n, &cols, field, err);
    if (rc != CS_OK)
        return rc;
    if (n != cols) {
        *field = "A";
        rc = cs_err_set(err, CS_E_INVALID,
                        "A: must be square, got %zu x "
                        "%zu",
                        n, cols);
        goto out;
    }
    rc = cs_cli_get_vector(in, "c", &c, &len, field, err);
    if (rc != CS_OK || (rc = want_len("c", len, n, field, err)) != CS_OK)
        goto out;
    if (has(in, "x")) {
        rc = cs_cli_get_vector(in, "x", &x, &len, field, err);
        if (rc != CS_OK || (rc = want_len("x", len, n, field, err)) != CS_OK)
            goto out;
        for (size_t i = 0; i < n; i++)
            if (!(x[i] >= 0.0)) {
                *field = "x";
                rc = cs_err_set(err, CS_E_INVALID,
                                "x[%zu]: planned output must be >= 0", i);
                goto out;
            }
    }
    if (has(in, "k")) {
        rc = cs_cli_get_vector(in, "k", &k, &len, field, err);
        if (rc != CS_OK || (rc = want_len("k", len, n, field, err)) != CS_OK)
            goto out;
        if (has(in, "q0")) {
            rc = cs_cli_get_vector(in, "q0", &q0, &len, field, err);
            if (rc != CS_OK ||
                (rc = want_len("q0", len, n, field, err)) != CS_OK)
                goto out;
        } else if ((q0 = calloc(n, sizeof(*q0))) == NULL) {
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
            goto out;
        }
        rc = cs_cli_get_number(in, "days", 0, 30.0, &days_d, field, err);
        if (rc != CS_OK)
            goto out;
        if (!(days_d >= 1.0 && days_d <= CS_IIM_MAX_DAYS) ||
            days_d != (double)(uint32_t)days_d) {
            *field = "days";
            rc = cs_err_set(err, CS_E_INVALID,
                            "days: must be a whole number from 1 to %u",
                            CS_IIM_MAX_DAYS);
            goto out;
        }
        days = (uint32_t)days_d;
    }
    q = malloc(n * sizeof(*q));
    q_raw = malloc(n * sizeof(*q_raw));
    loss = malloc(n * sizeof(*loss));
    if (q == NULL || q_raw == NULL || loss == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    rc = cs_iim_static(a, n, c, q, q_raw, &sat, err);
    if (rc == CS_E_INVALID || rc == CS_E_NUMERIC || rc == CS_E_TOO_LARGE) {
        /* the library names "A*[i][j]" or "c*[i]"; numeric failures
         * (singular I - A*, spectral radius >= 1) come from A */
        *field = err->msg[0] == 'c' ? "c" : "A";
        goto out;
    }
    if (rc != CS_OK)
        goto out;
    if (k != NULL) {
        q_t = malloc(((size_t)days + 1) * n * sizeof(*q_t));
        if (q_t == NULL) {
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
            goto out;
        }
        rc = cs_iim_dynamic(a, n, c, k, q0, days, q_t, err);
        if (rc == CS_E_INVALID) {
            *field = err->msg[0] == 'q' ? "q0" : "k";
            goto out;
        }
        if (rc != CS_OK)
            goto out;
    }
    yajl_gen_map_open(out);
    cs_cli_vector(out, "q", q, n);
    cs_cli_vector(out, "q_raw", q_raw, n);
    cs_cli_key(out, "saturated");
    yajl_gen_integer(out, (long long)sat);
    if (x != NULL) {
        for (size_t i = 0; i < n; i++)
            loss[i] = x[i] * q[i];
        cs_cli_vector(out, "loss", loss, n);
    }
    if (q_t != NULL) {
        cs_cli_matrix(out, "q_t", q_t, (size_t)days + 1, n);
        if (x != NULL) {
            /* cumulative loss over days 0 .. days-1, in output x days */
            for (size_t i = 0; i < n; i++) {
                loss[i] = 0.0;
                for (uint32_t t = 0; t < days; t++)
                    loss[i] += x[i] * q_t[(size_t)t * n + i];
            }
            cs_cli_vector(out, "loss_cumulative", loss, n);
        }
    }
    yajl_gen_map_close(out);
out:
    free(a);
    free(c);
    free(x);
    free(k);
    free(q0);
    free(q);
    free(q_raw);
    free(q_t);
    free(loss);
    return rc;
}

static const cs_model_cmd iim_cmd = {
    .name = "iim",
    .summary = "inoperability input-output model, static and dynamic",
    .example = "{\"A\": [[0, 0.8], [0.2, 0]], \"c\": [0, 0.6], "
               "\"x\": [100, 50], \"k\": [0.1, 0.1], \"q0\": [0, 0], "
               "\"days\": 60}",
    .run = run_iim,
};
CS_MODEL_COMMAND(iim_cmd)
