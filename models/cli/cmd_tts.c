/* cmd_tts.c - `cs-model tts`: time-to-survive of each target node (one
 * LP each) against its time-to-recover; hidden risks (TTS < TTR) first. */
#include "cmd_graph.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "cs_tts.h"

static cs_status read_targets(yajl_val in, size_t n_nodes, uint32_t **out,
                              size_t *n_out, const char **field, cs_err *err)
{
    const char *path[] = {"targets", NULL};
    yajl_val v = yajl_tree_get(in, path, yajl_t_any);
    size_t n = v != NULL && YAJL_IS_ARRAY(v) ? v->u.array.len : n_nodes;
    uint32_t *ids;

    if (v != NULL && !YAJL_IS_ARRAY(v)) {
        *field = "targets";
        return cs_err_set(err, CS_E_INVALID,
                          "targets: must be an array of node indices");
    }
    ids = calloc(n > 0 ? n : 1, sizeof(*ids));
    if (ids == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (v == NULL) {
            ids[i] = (uint32_t)i;
            continue;
        }
        yajl_val e = v->u.array.values[i];
        if (!YAJL_IS_INTEGER(e) || YAJL_GET_INTEGER(e) < 0 ||
            YAJL_GET_INTEGER(e) >= (long long)n_nodes) {
            free(ids);
            *field = "targets";
            return cs_err_set(err, CS_E_INVALID,
                              "targets[%zu]: must be a node index below "
                              "%zu",
                              i, n_nodes);
        }
        ids[i] = (uint32_t)YAJL_GET_INTEGER(e);
    }
    *out = ids;
    *n_out = n;
    return CS_OK;
}

static cs_status run_tts(yajl_val in, yajl_gen out, const char **field,
                         cs_err *err)
{
    cs_graph *g = NULL;
    cs_tts *t = NULL;
    uint32_t *ids = NULL;
    cs_tts_entry *rank = NULL;
    size_t n = 0, n_hidden = 0;
    double max_days, tiers;
    cs_status rc;

    if ((rc = cs_cli_read_graph(in, &g, field, err)) != CS_OK ||
        (rc = cs_cli_get_number(in, "max_days", 0, 365.0, &max_days, field,
                                err)) != CS_OK)
        goto out;
    if (!(max_days > 0.0)) {
        *field = "max_days";
        rc = cs_err_set(err, CS_E_INVALID, "max_days: must be positive");
        goto out;
    }
    /* default 0: every tier */
    if ((rc = cs_cli_get_number(in, "max_tiers", 0, 0.0, &tiers, field, err)) !=
        CS_OK)
        goto out;
    if (tiers == 0.0 && yajl_tree_get(in, (const char *[]){"max_tiers", NULL},
                                      yajl_t_any) == NULL)
        tiers = -1.0;
    if (tiers != -1.0 &&
        !(tiers >= 1.0 && tiers <= 1000.0 && tiers == floor(tiers))) {
        *field = "max_tiers";
        rc = cs_err_set(err, CS_E_INVALID,
                        "max_tiers: must be a whole number from 1 to 1000");
        goto out;
    }
    if ((rc = read_targets(in, cs_graph_n_nodes(g), &ids, &n, field, err)) !=
        CS_OK)
        goto out;
    rank = calloc(n > 0 ? n : 1, sizeof(*rank));
    t = cs_tts_new(g, err);
    if (rank == NULL || t == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = cs_tts_set_max_tiers(
             t, tiers < 0 ? CS_TTS_ALL_TIERS : (uint32_t)tiers, err)) != CS_OK)
        goto out;
    rc = cs_tts_rank(t, ids, n, max_days, rank, err);
    if (rc != CS_OK)
        goto out;
    yajl_gen_map_open(out);
    cs_cli_key(out, "ranking");
    yajl_gen_array_open(out);
    for (size_t i = 0; i < n; i++) {
        yajl_gen_map_open(out);
        cs_cli_key(out, "node");
        yajl_gen_integer(out, rank[i].node);
        cs_cli_key(out, "tts_days");
        cs_cli_double(out, rank[i].tts_days);
        cs_cli_key(out, "ttr_days");
        cs_cli_double(out, rank[i].ttr_days);
        cs_cli_key(out, "capped");
        yajl_gen_bool(out, rank[i].is_capped);
        cs_cli_key(out, "hidden_risk");
        yajl_gen_bool(out, rank[i].is_hidden);
        yajl_gen_map_close(out);
        n_hidden += rank[i].is_hidden ? 1 : 0;
    }
    yajl_gen_array_close(out);
    cs_cli_key(out, "n_hidden_risks");
    yajl_gen_integer(out, (long long)n_hidden);
    yajl_gen_map_close(out);
out:
    cs_tts_free(t);
    cs_tts_thread_done();
    cs_graph_free(g);
    free(ids);
    free(rank);
    return rc;
}

static const cs_model_cmd tts_cmd = {
    .name = "tts",
    .summary = "time-to-survive vs time-to-recover per node (LP, GLPK)",
    .example =
        "{\"nodes\": [{\"ttr\": 30}, {\"spare\": 5, \"ttr\": 10}, {}], "
        "\"links\": [{\"from\": 0, \"to\": 2, \"volume\": 10, \"share\": "
        "0.5, \"cover_days\": 7}, {\"from\": 1, \"to\": 2, \"volume\": 10, "
        "\"share\": 0.5, \"cover_days\": 7}], \"max_days\": 365}",
    .run = run_tts,
};
CS_MODEL_COMMAND(tts_cmd)
