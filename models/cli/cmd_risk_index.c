/* cmd_risk_index.c - `cs-model risk-index`: normalise an indicator
 * matrix within peer groups, weigh it (entropy, AHP, blend or given),
 * score each enterprise 0-100 with a level, contributions and a one-line
 * explanation, and optionally aggregate scores to groups. */
#include "cs_model_cli.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_risk.h"

#define EXPLAIN_BYTES 512

static yajl_val member(yajl_val obj, const char *key)
{
    const char *path[] = {key, NULL};
    return YAJL_IS_OBJECT(obj) ? yajl_tree_get(obj, path, yajl_t_any) : NULL;
}

static cs_status bad(const char **field, const char *key, cs_err *err,
                     const char *msg)
{
    *field = key;
    return cs_err_set(err, CS_E_INVALID, "%s: %s", key, msg);
}

/* "x": rows of numbers, null for a missing value (NaN). */
static cs_status read_x(yajl_val in, double **out, size_t *n_rows,
                        size_t *n_cols, const char **field, cs_err *err)
{
    yajl_val v = member(in, "x");
    size_t rows, cols;
    double *x;

    if (v == NULL || !YAJL_IS_ARRAY(v) || v->u.array.len == 0 ||
        !YAJL_IS_ARRAY(v->u.array.values[0]) ||
        v->u.array.values[0]->u.array.len == 0)
        return bad(field, "x", err,
                   "must be a non-empty array of indicator rows");
    rows = v->u.array.len;
    cols = v->u.array.values[0]->u.array.len;
    if (cols > CS_RISK_MAX_INDICATORS)
        return bad(field, "x", err, "too many indicators");
    x = malloc(rows * cols * sizeof(*x));
    if (x == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    for (size_t i = 0; i < rows; i++) {
        yajl_val row = v->u.array.values[i];
        if (!YAJL_IS_ARRAY(row) || row->u.array.len != cols) {
            free(x);
            *field = "x";
            return cs_err_set(err, CS_E_INVALID,
                              "x: row %zu must have %zu values", i, cols);
        }
        for (size_t j = 0; j < cols; j++) {
            yajl_val e = row->u.array.values[j];
            double d = NAN;
            if (YAJL_IS_NUMBER(e))
                d = YAJL_IS_INTEGER(e) ? (double)YAJL_GET_INTEGER(e)
                                       : YAJL_GET_DOUBLE(e);
            else if (!YAJL_IS_NULL(e))
                d = INFINITY;
            if (isinf(d) || (YAJL_IS_NUMBER(e) && isnan(d))) {
                free(x);
                *field = "x";
                return cs_err_set(err, CS_E_INVALID,
                                  "x[%zu][%zu]: must be a finite number or "
                                  "null (missing)",
                                  i, j);
            }
            x[i * cols + j] = d;
        }
    }
    *out = x;
    *n_rows = rows;
    *n_cols = cols;
    return CS_OK;
}

/* Optional array of strings of length n; NULL entries when absent. */
static cs_status read_names(yajl_val in, const char *key, size_t n,
                            const char **names, const char **field, cs_err *err)
{
    yajl_val v = member(in, key);

    for (size_t i = 0; i < n; i++)
        names[i] = NULL;
    if (v == NULL || YAJL_IS_NULL(v))
        return CS_OK;
    if (!YAJL_IS_ARRAY(v) || v->u.array.len != n)
        return bad(field, key, err,
                   "must be an array with one string per "
                   "entry");
    for (size_t i = 0; i < n; i++) {
        if (!YAJL_IS_STRING(v->u.array.values[i]))
            return bad(field, key, err, "every entry must be a string");
        names[i] = YAJL_GET_STRING(v->u.array.values[i]);
    }
    return CS_OK;
}

/* Optional array of whole numbers < max; NULL out when absent. */
static cs_status read_ids(yajl_val v, const char *key, size_t n, double max,
                          uint32_t **out, const char **field, cs_err *err)
{
    uint32_t *ids;

    *out = NULL;
    if (v == NULL || YAJL_IS_NULL(v))
        return CS_OK;
    if (!YAJL_IS_ARRAY(v) || v->u.array.len != n)
        return bad(field, key, err, "must have one entry per enterprise");
    ids = malloc((n > 0 ? n : 1) * sizeof(*ids));
    if (ids == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        yajl_val e = v->u.array.values[i];
        if (!YAJL_IS_INTEGER(e) || YAJL_GET_INTEGER(e) < 0 ||
            (double)YAJL_GET_INTEGER(e) >= max) {
            free(ids);
            return bad(field, key, err,
                       "every entry must be a whole "
                       "number in range");
        }
        ids[i] = (uint32_t)YAJL_GET_INTEGER(e);
    }
    *out = ids;
    return CS_OK;
}

struct weights_out {
    const char *method;
    int has_ahp;
    cs_risk_ahp_result ahp;
};

static cs_status compute_weights(yajl_val in, const double *y, size_t rows,
                                 size_t cols, double *w, struct weights_out *wo,
                                 const char **field, cs_err *err)
{
    yajl_val v = member(in, "weights");
    double w_e[CS_RISK_MAX_INDICATORS], w_a[CS_RISK_MAX_INDICATORS];
    double *pw = NULL, alpha = 0.5, max_cr = 0.1;
    size_t pr = 0, pc = 0;
    cs_status rc;

    wo->method = "entropy";
    if (v != NULL && YAJL_IS_ARRAY(v)) {
        double sum = 0.0;
        wo->method = "given";
        if (v->u.array.len != cols)
            return bad(field, "weights", err,
                       "must have one weight per indicator");
        for (size_t j = 0; j < cols; j++) {
            yajl_val e = v->u.array.values[j];
            if (!YAJL_IS_NUMBER(e))
                return bad(field, "weights", err, "must be numbers");
            w[j] = YAJL_IS_INTEGER(e) ? (double)YAJL_GET_INTEGER(e)
                                      : YAJL_GET_DOUBLE(e);
            if (!(w[j] >= 0.0) || !isfinite(w[j]))
                return bad(field, "weights", err, "must be >= 0");
            sum += w[j];
        }
        if (!(sum > 0.0))
            return bad(field, "weights", err, "must not all be zero");
        for (size_t j = 0; j < cols; j++)
            w[j] /= sum;
        return CS_OK;
    }
    if (v != NULL && YAJL_IS_STRING(v))
        wo->method = YAJL_GET_STRING(v);
    else if (v != NULL && !YAJL_IS_NULL(v))
        return bad(field, "weights", err,
                   "must be \"entropy\", \"ahp\", \"blend\" or an array");
    if (strcmp(wo->method, "entropy") != 0 && strcmp(wo->method, "ahp") != 0 &&
        strcmp(wo->method, "blend") != 0)
        return bad(field, "weights", err,
                   "must be \"entropy\", \"ahp\", \"blend\" or an array");
    if (strcmp(wo->method, "ahp") != 0) {
        rc = cs_risk_entropy_weights(y, rows, cols, w_e, err);
        if (rc != CS_OK) {
            *field = "x";
            return rc;
        }
    }
    if (strcmp(wo->method, "entropy") == 0) {
        memcpy(w, w_e, cols * sizeof(*w));
        return CS_OK;
    }
    if ((rc = cs_cli_get_number(in, "max_cr", 0, 0.1, &max_cr, field, err)) !=
            CS_OK ||
        (rc = cs_cli_get_number(in, "alpha", 0, 0.5, &alpha, field, err)) !=
            CS_OK ||
        (rc = cs_cli_get_matrix(in, "pairwise", &pw, &pr, &pc, field, err)) !=
            CS_OK)
        return rc;
    if (pr != cols || pc != cols) {
        free(pw);
        return bad(field, "pairwise", err,
                   "must be square with one row per indicator");
    }
    rc = cs_risk_ahp(pw, cols, max_cr, w_a, &wo->ahp, err);
    free(pw);
    if (rc != CS_OK) {
        *field = "pairwise";
        return rc;
    }
    wo->has_ahp = 1;
    if (strcmp(wo->method, "ahp") == 0) {
        memcpy(w, w_a, cols * sizeof(*w));
        return CS_OK;
    }
    rc = cs_risk_blend_weights(w_a, w_e, cols, alpha, w, err);
    if (rc != CS_OK)
        *field = "alpha";
    return rc;
}

static cs_status read_thresholds(yajl_val in, cs_risk_thresholds *t,
                                 const char **field, cs_err *err)
{
    yajl_val v = member(in, "thresholds");
    cs_status rc;

    *t = cs_risk_default_thresholds;
    if (v == NULL || YAJL_IS_NULL(v))
        return CS_OK;
    if (!YAJL_IS_OBJECT(v))
        return bad(field, "thresholds", err, "must be an object");
    if ((rc = cs_cli_get_number(v, "yellow", 0, t->yellow, &t->yellow, field,
                                err)) != CS_OK ||
        (rc = cs_cli_get_number(v, "orange", 0, t->orange, &t->orange, field,
                                err)) != CS_OK ||
        (rc = cs_cli_get_number(v, "red", 0, t->red, &t->red, field, err)) !=
            CS_OK)
        *field = "thresholds";
    return rc;
}

static cs_status aggregate(yajl_val in, yajl_gen out, const cs_risk *r,
                           const double *score, size_t n, const char **field,
                           cs_err *err)
{
    yajl_val v = member(in, "aggregate"), wv;
    uint32_t *grp = NULL;
    double *gw = NULL, *res = NULL;
    size_t n_groups = 0, len = 0;
    const char *method = "mean";
    cs_status rc;

    if (v == NULL || YAJL_IS_NULL(v))
        return CS_OK;
    if (!YAJL_IS_OBJECT(v))
        return bad(field, "aggregate", err, "must be an object");
    rc = read_ids(member(v, "groups"), "aggregate.groups", n, 1e6, &grp, field,
                  err);
    if (rc == CS_OK && grp == NULL)
        rc = bad(field, "aggregate.groups", err, "required array missing");
    if (rc == CS_OK)
        rc = cs_cli_get_string(v, "method", 0, "mean", &method, field, err);
    if (rc != CS_OK)
        goto out;
    wv = member(v, "weights");
    if (wv != NULL && !YAJL_IS_NULL(wv)) {
        rc = cs_cli_get_vector(v, "weights", &gw, &len, field, err);
        if (rc == CS_OK && len != n)
            rc = bad(field, "aggregate.weights", err,
                     "must have one weight per enterprise");
        if (rc != CS_OK)
            goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (grp[i] + 1 > n_groups)
            n_groups = grp[i] + 1;
    res = malloc(n_groups * sizeof(*res));
    if (res == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    rc = cs_risk_aggregate(score, gw, grp, n, n_groups,
                           strcmp(method, "max") == 0 ? CS_RISK_AGG_MAX
                                                      : CS_RISK_AGG_MEAN,
                           res, err);
    if (rc == CS_OK && strcmp(method, "max") != 0 &&
        strcmp(method, "mean") != 0)
        rc = bad(field, "aggregate.method", err, "must be \"mean\" or \"max\"");
    if (rc != CS_OK) {
        if (*field == NULL)
            *field = "aggregate";
        goto out;
    }
    cs_cli_key(out, "groups");
    yajl_gen_array_open(out);
    for (size_t g = 0; g < n_groups; g++) {
        yajl_gen_map_open(out);
        cs_cli_key(out, "group");
        yajl_gen_integer(out, (long long)g);
        cs_cli_key(out, "score");
        cs_cli_double(out, res[g]);
        cs_cli_key(out, "level");
        if (isnan(res[g])) {
            yajl_gen_null(out);
        } else {
            const char *l = cs_risk_level_name(cs_risk_level_of(r, res[g]));
            yajl_gen_string(out, (const unsigned char *)l, strlen(l));
        }
        yajl_gen_map_close(out);
    }
    yajl_gen_array_close(out);
out:
    free(grp);
    free(gw);
    free(res);
    return rc;
}

static cs_status run_risk_index(yajl_val in, yajl_gen out, const char **field,
                                cs_err *err)
{
    double *x = NULL, *y = NULL, *score = NULL, *contrib = NULL;
    double w[CS_RISK_MAX_INDICATORS];
    cs_risk_dir dir[CS_RISK_MAX_INDICATORS];
    const char *names[CS_RISK_MAX_INDICATORS], *norm = "minmax";
    const char **ids = NULL;
    char fallback[CS_RISK_MAX_INDICATORS][32], sentence[EXPLAIN_BYTES];
    uint32_t *groups = NULL;
    cs_risk_level *level = NULL;
    cs_risk_thresholds th;
    struct weights_out wo = {0};
    cs_risk *r = NULL;
    yajl_val dv;
    size_t rows = 0, cols = 0;
    cs_status rc;

    if ((rc = read_x(in, &x, &rows, &cols, field, err)) != CS_OK)
        return rc;
    dv = member(in, "directions");
    if (dv == NULL || !YAJL_IS_ARRAY(dv) || dv->u.array.len != cols) {
        rc = bad(field, "directions", err,
                 "must list \"riskier\" or \"safer\" for every indicator");
        goto out;
    }
    for (size_t j = 0; j < cols; j++) {
        const char *s = YAJL_IS_STRING(dv->u.array.values[j])
                            ? YAJL_GET_STRING(dv->u.array.values[j])
                            : "";
        if (strcmp(s, "riskier") == 0) {
            dir[j] = CS_RISK_HIGHER_RISKIER;
        } else if (strcmp(s, "safer") == 0) {
            dir[j] = CS_RISK_HIGHER_SAFER;
        } else {
            rc = bad(field, "directions", err,
                     "every entry must be \"riskier\" or \"safer\"");
            goto out;
        }
    }
    ids = calloc(rows, sizeof(*ids));
    y = malloc(rows * cols * sizeof(*y));
    score = malloc(rows * sizeof(*score));
    contrib = malloc(rows * cols * sizeof(*contrib));
    level = malloc(rows * sizeof(*level));
    if (ids == NULL || y == NULL || score == NULL || contrib == NULL ||
        level == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = read_names(in, "indicators", cols, names, field, err)) != CS_OK ||
        (rc = read_names(in, "ids", rows, ids, field, err)) != CS_OK ||
        (rc = read_ids(member(in, "peer_groups"), "peer_groups", rows,
                       4294967296.0, &groups, field, err)) != CS_OK ||
        (rc = cs_cli_get_string(in, "normalise", 0, "minmax", &norm, field,
                                err)) != CS_OK ||
        (rc = read_thresholds(in, &th, field, err)) != CS_OK)
        goto out;
    for (size_t j = 0; j < cols; j++)
        if (names[j] == NULL) {
            snprintf(fallback[j], sizeof(fallback[j]), "indicator_%zu", j);
            names[j] = fallback[j];
        }
    if (strcmp(norm, "minmax") != 0 && strcmp(norm, "robust_z") != 0) {
        rc = bad(field, "normalise", err, "must be \"minmax\" or \"robust_z\"");
        goto out;
    }
    rc = cs_risk_normalise(x, rows, cols, dir, groups,
                           strcmp(norm, "minmax") == 0 ? CS_RISK_NORM_MINMAX
                                                       : CS_RISK_NORM_ROBUST_Z,
                           y, err);
    if (rc != CS_OK) {
        *field = "x";
        goto out;
    }
    if ((rc = compute_weights(in, y, rows, cols, w, &wo, field, err)) != CS_OK)
        goto out;
    r = cs_risk_new(w, cols, &th, err);
    if (r == NULL) {
        rc = err->code;
        *field =
            strncmp(err->msg, "thresholds", 10) == 0 ? "thresholds" : "weights";
        goto out;
    }
    if ((rc = cs_risk_score(r, y, rows, score, contrib, level, err)) != CS_OK)
        goto out;

    yajl_gen_map_open(out);
    cs_cli_key(out, "weight_method");
    yajl_gen_string(out, (const unsigned char *)wo.method, strlen(wo.method));
    cs_cli_vector(out, "weights", w, cols);
    if (wo.has_ahp) {
        cs_cli_key(out, "ahp");
        yajl_gen_map_open(out);
        cs_cli_key(out, "lambda_max");
        cs_cli_double(out, wo.ahp.lambda_max);
        cs_cli_key(out, "ci");
        cs_cli_double(out, wo.ahp.ci);
        cs_cli_key(out, "cr");
        cs_cli_double(out, wo.ahp.cr);
        yajl_gen_map_close(out);
    }
    cs_cli_key(out, "enterprises");
    yajl_gen_array_open(out);
    for (size_t i = 0; i < rows; i++) {
        const char *lv = cs_risk_level_name(level[i]);
        size_t len;
        yajl_gen_map_open(out);
        cs_cli_key(out, "id");
        if (ids[i] != NULL)
            yajl_gen_string(out, (const unsigned char *)ids[i], strlen(ids[i]));
        else
            yajl_gen_integer(out, (long long)i);
        cs_cli_key(out, "score");
        cs_cli_double(out, score[i]);
        cs_cli_key(out, "level");
        yajl_gen_string(out, (const unsigned char *)lv, strlen(lv));
        cs_cli_key(out, "contributions");
        yajl_gen_map_open(out);
        for (size_t j = 0; j < cols; j++) {
            cs_cli_key(out, names[j]);
            cs_cli_double(out, contrib[i * cols + j]);
        }
        yajl_gen_map_close(out);
        len = cs_risk_explain(score[i], level[i], names, x + i * cols,
                              contrib + i * cols, cols, 3, sentence,
                              sizeof(sentence));
        if (len >= sizeof(sentence))
            len = sizeof(sentence) - 1;
        cs_cli_key(out, "explanation");
        yajl_gen_string(out, (const unsigned char *)sentence, len);
        yajl_gen_map_close(out);
    }
    yajl_gen_array_close(out);
    rc = aggregate(in, out, r, score, rows, field, err);
    if (rc != CS_OK)
        goto out;
    yajl_gen_map_close(out);
out:
    cs_risk_free(r);
    free(x);
    free(y);
    free(score);
    free(contrib);
    free(level);
    free(ids);
    free(groups);
    return rc;
}

static const cs_model_cmd risk_index_cmd = {
    .name = "risk-index",
    .summary = "supplier risk scores 0-100 with levels and reasons",
    .example =
        "{\"indicators\": [\"on_time_rate\", \"lead_time_cv\", "
        "\"single_source\"], \"directions\": [\"safer\", \"riskier\", "
        "\"riskier\"], \"x\": [[0.98, 0.1, 0], [0.71, 0.4, 3], [0.9, null, "
        "1]], \"ids\": [\"a\", \"b\", \"c\"], \"normalise\": \"minmax\", "
        "\"weights\": \"entropy\", \"aggregate\": {\"groups\": [0, 0, 1], "
        "\"method\": \"max\"}}",
    .run = run_risk_index,
};
CS_MODEL_COMMAND(risk_index_cmd)
