/* cmd_cascade.c - `cs-model cascade`: a capacity shock on enterprises or
 * a region, simulated day by day down the supply graph; writes the
 * impacted nodes, most lost value first. Also holds the graph reader
 * shared with cmd_tts.c (cmd_graph.h). */
#include "cmd_graph.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_cascade.h"

static char field_buf[96]; /* cs-model is single-threaded */

/* "where.key", "key" at the top level (where NULL), or "where". */
static const char *name_field(const char *where, const char *key)
{
    if (where == NULL)
        snprintf(field_buf, sizeof(field_buf), "%s", key);
    else if (key != NULL)
        snprintf(field_buf, sizeof(field_buf), "%s.%s", where, key);
    else
        snprintf(field_buf, sizeof(field_buf), "%s", where);
    return field_buf;
}

static yajl_val member(yajl_val obj, const char *key)
{
    const char *path[] = {key, NULL};
    return YAJL_IS_OBJECT(obj) ? yajl_tree_get(obj, path, yajl_t_any) : NULL;
}

static cs_status get_num(yajl_val obj, const char *where, const char *key,
                         int required, double dflt, double *out,
                         const char **field, cs_err *err)
{
    cs_status rc = cs_cli_get_number(obj, key, required, dflt, out, field, err);
    if (rc != CS_OK) {
        *field = name_field(where, key);
        if (where != NULL)
            cs_err_wrap(err, where);
    }
    return rc;
}

cs_status cs_cli_get_uint(yajl_val obj, const char *where, const char *key,
                          int required, double dflt, double max, uint32_t *out,
                          const char **field, cs_err *err)
{
    double v;
    cs_status rc = get_num(obj, where, key, required, dflt, &v, field, err);

    if (rc != CS_OK)
        return rc;
    if (!(v >= 0.0 && v <= max) || v != (double)(uint32_t)v) {
        *field = name_field(where, key);
        return cs_err_set(err, CS_E_INVALID,
                          "%s: must be a whole number from 0 to %.0f",
                          field_buf, max);
    }
    *out = (uint32_t)v;
    return CS_OK;
}

static cs_status get_array(yajl_val in, const char *key, yajl_val *arr,
                           const char **field, cs_err *err)
{
    yajl_val v = member(in, key);

    if (v == NULL || !YAJL_IS_ARRAY(v)) {
        *field = key;
        return cs_err_set(err, CS_E_INVALID,
                          "%s: required array of objects is missing", key);
    }
    *arr = v;
    return CS_OK;
}

cs_status cs_cli_read_graph(yajl_val in, cs_graph **out, const char **field,
                            cs_err *err)
{
    yajl_val jn, jl;
    cs_node *nodes = NULL;
    cs_link *links = NULL;
    size_t n, m;
    char where[48];
    cs_status rc;

    if ((rc = get_array(in, "nodes", &jn, field, err)) != CS_OK ||
        (rc = get_array(in, "links", &jl, field, err)) != CS_OK)
        return rc;
    n = jn->u.array.len;
    m = jl->u.array.len;
    if (n == 0) {
        *field = "nodes";
        return cs_err_set(err, CS_E_INVALID, "nodes: graph has no nodes");
    }
    nodes = calloc(n, sizeof(*nodes));
    links = calloc(m > 0 ? m : 1, sizeof(*links));
    if (nodes == NULL || links == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        yajl_val o = jn->u.array.values[i];
        cs_node *v = &nodes[i];
        snprintf(where, sizeof(where), "nodes[%zu]", i);
        if (!YAJL_IS_OBJECT(o)) {
            *field = name_field(where, NULL);
            rc = cs_err_set(err, CS_E_INVALID, "%s: must be an object", where);
            goto out;
        }
        if ((rc = get_num(o, where, "output", 0, 1.0, &v->output_per_day, field,
                          err)) != CS_OK ||
            (rc = get_num(o, where, "value", 0, 1.0, &v->unit_value, field,
                          err)) != CS_OK ||
            (rc = get_num(o, where, "spare", 0, 0.0, &v->spare_per_day, field,
                          err)) != CS_OK ||
            (rc = get_num(o, where, "ttr", 0, 0.0, &v->ttr_days, field, err)) !=
                CS_OK ||
            (rc = cs_cli_get_uint(o, where, "region", 0, 0.0, 4294967295.0,
                                  &v->region, field, err)) != CS_OK)
            goto out;
    }
    for (size_t e = 0; e < m; e++) {
        yajl_val o = jl->u.array.values[e];
        cs_link *l = &links[e];
        snprintf(where, sizeof(where), "links[%zu]", e);
        if (!YAJL_IS_OBJECT(o)) {
            *field = name_field(where, NULL);
            rc = cs_err_set(err, CS_E_INVALID, "%s: must be an object", where);
            goto out;
        }
        if ((rc = cs_cli_get_uint(o, where, "from", 1, 0.0, (double)(n - 1),
                                  &l->supplier, field, err)) != CS_OK ||
            (rc = cs_cli_get_uint(o, where, "to", 1, 0.0, (double)(n - 1),
                                  &l->buyer, field, err)) != CS_OK ||
            (rc = cs_cli_get_uint(o, where, "product", 0, 0.0, 4294967295.0,
                                  &l->product, field, err)) != CS_OK ||
            (rc = get_num(o, where, "volume", 0, 1.0, &l->volume_per_day, field,
                          err)) != CS_OK ||
            (rc = get_num(o, where, "share", 0, 0.0, &l->share, field, err)) !=
                CS_OK ||
            (rc = get_num(o, where, "cover_days", 0, 0.0, &l->cover_days, field,
                          err)) != CS_OK)
            goto out;
    }
    *out = cs_graph_new(n, nodes, m, links, err);
    if (*out == NULL) {
        rc = err->code;
        /* the library says "node %zu ..." or "link %zu ..." */
        *field = strncmp(err->msg, "link", 4) == 0 ? "links" : "nodes";
    }
out:
    free(nodes);
    free(links);
    return rc;
}

static cs_status read_shocks(yajl_val in, cs_shock **out, size_t *n_out,
                             uint32_t **ids_out, const char **field,
                             cs_err *err)
{
    yajl_val js = NULL;
    cs_shock *sh = NULL;
    uint32_t *ids = NULL;
    size_t n, n_ids = 0, at = 0;
    char where[48];
    cs_status rc;

    if ((rc = get_array(in, "shocks", &js, field, err)) != CS_OK)
        return rc;
    n = js->u.array.len;
    for (size_t k = 0; k < n; k++) {
        yajl_val l = member(js->u.array.values[k], "nodes");
        if (l != NULL && YAJL_IS_ARRAY(l))
            n_ids += l->u.array.len;
    }
    sh = calloc(n > 0 ? n : 1, sizeof(*sh));
    ids = calloc(n_ids > 0 ? n_ids : 1, sizeof(*ids));
    if (sh == NULL || ids == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t k = 0; k < n; k++) {
        yajl_val o = js->u.array.values[k], l, r;
        snprintf(where, sizeof(where), "shocks[%zu]", k);
        if (!YAJL_IS_OBJECT(o)) {
            *field = name_field(where, NULL);
            rc = cs_err_set(err, CS_E_INVALID, "%s: must be an object", where);
            goto fail;
        }
        l = member(o, "nodes");
        r = member(o, "region");
        if ((l == NULL || !YAJL_IS_ARRAY(l)) && r == NULL) {
            *field = name_field(where, "nodes");
            rc = cs_err_set(err, CS_E_INVALID,
                            "%s: needs a \"nodes\" array or a \"region\"",
                            where);
            goto fail;
        }
        sh[k].nodes = ids + at;
        if (l != NULL && YAJL_IS_ARRAY(l)) {
            for (size_t j = 0; j < l->u.array.len; j++) {
                yajl_val v = l->u.array.values[j];
                if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0 ||
                    YAJL_GET_INTEGER(v) > (long long)UINT32_MAX) {
                    *field = name_field(where, "nodes");
                    rc = cs_err_set(err, CS_E_INVALID,
                                    "%s.nodes[%zu]: must be a node index",
                                    where, j);
                    goto fail;
                }
                ids[at++] = (uint32_t)YAJL_GET_INTEGER(v);
            }
            sh[k].n_nodes = l->u.array.len;
        }
        if (r != NULL) {
            sh[k].has_region = 1;
            if ((rc = cs_cli_get_uint(o, where, "region", 1, 0.0, 4294967295.0,
                                      &sh[k].region, field, err)) != CS_OK)
                goto fail;
        }
        if ((rc = get_num(o, where, "loss", 0, 1.0, &sh[k].capacity_loss, field,
                          err)) != CS_OK ||
            (rc = cs_cli_get_uint(o, where, "start", 0, 0.0, 3650.0,
                                  &sh[k].start_day, field, err)) != CS_OK ||
            (rc = cs_cli_get_uint(o, where, "days", 1, 0.0, 3650.0,
                                  &sh[k].duration_days, field, err)) != CS_OK)
            goto fail;
    }
    *out = sh;
    *n_out = n;
    *ids_out = ids;
    return CS_OK;
fail:
    free(sh);
    free(ids);
    return rc;
}

static cs_status run_cascade(yajl_val in, yajl_gen out, const char **field,
                             cs_err *err)
{
    cs_graph *g = NULL;
    cs_shock *shocks = NULL;
    uint32_t *ids = NULL, top;
    size_t n_shocks = 0;
    cs_cascade_opts o = cs_cascade_default_opts;
    cs_cascade_result *r = NULL;
    const char *fn = "linear";
    cs_status rc;

    if ((rc = cs_cli_read_graph(in, &g, field, err)) != CS_OK ||
        (rc = read_shocks(in, &shocks, &n_shocks, &ids, field, err)) != CS_OK ||
        (rc = cs_cli_get_uint(in, NULL, "horizon_days", 0, 90.0,
                              CS_CASCADE_MAX_HORIZON_DAYS, &o.horizon_days,
                              field, err)) != CS_OK ||
        (rc = cs_cli_get_uint(in, NULL, "top", 0, 100.0, 1e9, &top, field,
                              err)) != CS_OK ||
        (rc = cs_cli_get_number(in, "surge", 0, 0.1, &o.surge, field, err)) !=
            CS_OK ||
        (rc = cs_cli_get_string(in, "production", 0, "linear", &fn, field,
                                err)) != CS_OK)
        goto out;
    if (strcmp(fn, "linear") == 0) {
        o.fn = CS_PROD_LINEAR;
    } else if (strcmp(fn, "leontief") == 0) {
        o.fn = CS_PROD_LEONTIEF;
    } else {
        *field = "production";
        rc = cs_err_set(err, CS_E_INVALID,
                        "production: must be \"linear\" or \"leontief\"");
        goto out;
    }
    o.keep_levels = 1;
    rc = cs_cascade_run(g, shocks, n_shocks, &o, &r, err);
    if (rc == CS_E_INVALID) {
        *field = strncmp(err->msg, "shock", 5) == 0   ? "shocks"
                 : strncmp(err->msg, "surge", 5) == 0 ? "surge"
                                                      : "horizon_days";
        goto out;
    }
    if (rc != CS_OK)
        goto out;
    yajl_gen_map_open(out);
    cs_cli_key(out, "horizon_days");
    yajl_gen_integer(out, r->horizon_days);
    cs_cli_key(out, "n_impacted");
    yajl_gen_integer(out, (long long)r->n_impacted);
    cs_cli_key(out, "total_lost_units");
    cs_cli_double(out, r->total_lost_units);
    cs_cli_key(out, "total_lost_value");
    cs_cli_double(out, r->total_lost_value);
    cs_cli_key(out, "impacts");
    yajl_gen_array_open(out);
    for (size_t k = 0; k < r->n_impacted && k < top; k++) {
        const cs_impact *im = &r->impacts[k];
        yajl_gen_map_open(out);
        cs_cli_key(out, "node");
        yajl_gen_integer(out, im->node);
        cs_cli_key(out, "tier");
        yajl_gen_integer(out, im->tier);
        cs_cli_key(out, "tts_day");
        yajl_gen_integer(out, im->tts_day);
        cs_cli_key(out, "ttr_day");
        if (im->ttr_day >= 0)
            yajl_gen_integer(out, im->ttr_day);
        else
            yajl_gen_null(out);
        cs_cli_key(out, "min_level");
        cs_cli_double(out, im->min_level);
        cs_cli_key(out, "lost_units");
        cs_cli_double(out, im->lost_units);
        cs_cli_key(out, "lost_value");
        cs_cli_double(out, im->lost_value);
        cs_cli_vector(out, "levels", r->levels + k * r->horizon_days,
                      r->horizon_days);
        yajl_gen_map_close(out);
    }
    yajl_gen_array_close(out);
    yajl_gen_map_close(out);
out:
    cs_cascade_result_free(r);
    cs_graph_free(g);
    free(shocks);
    free(ids);
    return rc;
}

static const cs_model_cmd cascade_cmd = {
    .name = "cascade",
    .summary = "day-by-day disruption cascade on the supply graph",
    .example =
        "{\"nodes\": [{\"output\": 100, \"value\": 2}, {\"output\": 50, "
        "\"value\": 10}], \"links\": [{\"from\": 0, \"to\": 1, \"volume\": "
        "100, \"share\": 1, \"cover_days\": 5}], \"shocks\": [{\"nodes\": "
        "[0], \"loss\": 1, \"start\": 0, \"days\": 10}], \"horizon_days\": "
        "30}",
    .run = run_cascade,
};
CS_MODEL_COMMAND(cascade_cmd)
