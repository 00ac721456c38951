/* cli_json.c - yajl_tree input readers and yajl_gen writers for cs-model. */
#include "cs_model_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static yajl_val member(yajl_val obj, const char *key)
{
    const char *path[] = {key, NULL};

    if (obj == NULL || !YAJL_IS_OBJECT(obj))
        return NULL;
    return yajl_tree_get(obj, path, yajl_t_any);
}

static cs_status bad(const char **field, const char *key, cs_err *err,
                     const char *reason)
{
    if (field != NULL)
        *field = key;
    return cs_err_set(err, CS_E_INVALID, "%s: %s", key, reason);
}

static cs_status to_double(yajl_val v, double *out)
{
    if (v == NULL || !YAJL_IS_NUMBER(v))
        return CS_E_INVALID;
    *out =
        YAJL_IS_INTEGER(v) ? (double)YAJL_GET_INTEGER(v) : YAJL_GET_DOUBLE(v);
    if (!isfinite(*out))
        return CS_E_INVALID;
    return CS_OK;
}

cs_status cs_cli_get_number(yajl_val obj, const char *key, int required,
                            double dflt, double *out, const char **field,
                            cs_err *err)
{
    yajl_val v = member(obj, key);

    if (v == NULL || YAJL_IS_NULL(v)) {
        if (required)
            return bad(field, key, err, "required number is missing");
        *out = dflt;
        return CS_OK;
    }
    if (to_double(v, out) != CS_OK)
        return bad(field, key, err, "must be a finite number");
    return CS_OK;
}

cs_status cs_cli_get_string(yajl_val obj, const char *key, int required,
                            const char *dflt, const char **out,
                            const char **field, cs_err *err)
{
    yajl_val v = member(obj, key);

    if (v == NULL || YAJL_IS_NULL(v)) {
        if (required)
            return bad(field, key, err, "required string is missing");
        *out = dflt;
        return CS_OK;
    }
    if (!YAJL_IS_STRING(v))
        return bad(field, key, err, "must be a string");
    *out = YAJL_GET_STRING(v);
    return CS_OK;
}

static cs_status read_array(yajl_val arr, double **out, size_t *n_out)
{
    size_t n = arr->u.array.len;
    double *v = calloc(n > 0 ? n : 1, sizeof(*v));

    if (v == NULL)
        return CS_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (to_double(arr->u.array.values[i], &v[i]) != CS_OK) {
            free(v);
            return CS_E_INVALID;
        }
    }
    *out = v;
    *n_out = n;
    return CS_OK;
}

cs_status cs_cli_get_vector(yajl_val obj, const char *key, double **out,
                            size_t *n_out, const char **field, cs_err *err)
{
    yajl_val v = member(obj, key);
    cs_status rc;

    if (v == NULL)
        return bad(field, key, err, "required array is missing");
    if (!YAJL_IS_ARRAY(v))
        return bad(field, key, err, "must be an array of numbers");
    rc = read_array(v, out, n_out);
    if (rc == CS_E_NOMEM)
        return cs_err_set(err, rc, "out of memory");
    if (rc != CS_OK)
        return bad(field, key, err, "every element must be a finite number");
    return CS_OK;
}

cs_status cs_cli_get_matrix(yajl_val obj, const char *key, double **out,
                            size_t *n_rows, size_t *n_cols, const char **field,
                            cs_err *err)
{
    yajl_val v = member(obj, key);
    size_t rows, cols;
    double *m;

    if (v == NULL)
        return bad(field, key, err, "required matrix is missing");
    if (!YAJL_IS_ARRAY(v) || v->u.array.len == 0)
        return bad(field, key, err, "must be a non-empty array of rows");
    rows = v->u.array.len;
    if (!YAJL_IS_ARRAY(v->u.array.values[0]))
        return bad(field, key, err, "every row must be an array of numbers");
    cols = v->u.array.values[0]->u.array.len;
    if (cols == 0)
        return bad(field, key, err, "rows must not be empty");
    m = calloc(rows * cols, sizeof(*m));
    if (m == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    for (size_t i = 0; i < rows; i++) {
        yajl_val row = v->u.array.values[i];
        if (!YAJL_IS_ARRAY(row) || row->u.array.len != cols) {
            free(m);
            if (field != NULL)
                *field = key;
            return cs_err_set(err, CS_E_INVALID,
                              "%s: row %zu must have %zu numbers", key, i,
                              cols);
        }
        for (size_t j = 0; j < cols; j++) {
            if (to_double(row->u.array.values[j], &m[i * cols + j]) != CS_OK) {
                free(m);
                if (field != NULL)
                    *field = key;
                return cs_err_set(err, CS_E_INVALID,
                                  "%s[%zu][%zu]: must be a finite number", key,
                                  i, j);
            }
        }
    }
    *out = m;
    *n_rows = rows;
    *n_cols = cols;
    return CS_OK;
}

void cs_cli_key(yajl_gen g, const char *key)
{
    yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

void cs_cli_double(yajl_gen g, double v)
{
    char buf[32];
    int len = 0;

    if (!isfinite(v)) { /* JSON has no NaN or Inf */
        yajl_gen_null(g);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        len = snprintf(buf, sizeof(buf), "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            break;
    }
    yajl_gen_number(g, buf, (size_t)len);
}

void cs_cli_vector(yajl_gen g, const char *key, const double *v, size_t n)
{
    cs_cli_key(g, key);
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++)
        cs_cli_double(g, v[i]);
    yajl_gen_array_close(g);
}

void cs_cli_matrix(yajl_gen g, const char *key, const double *m, size_t n_rows,
                   size_t n_cols)
{
    cs_cli_key(g, key);
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n_rows; i++) {
        yajl_gen_array_open(g);
        for (size_t j = 0; j < n_cols; j++)
            cs_cli_double(g, m[i * n_cols + j]);
        yajl_gen_array_close(g);
    }
    yajl_gen_array_close(g);
}
