/* propagation.c - disruption scenarios on the stored supply graph
 * (models/propagation's cascade): queued runs (posted by the API or an
 * operator) and one standing run per active risk event and day. The
 * graph is read once per cycle when there is work. A scenario the model
 * refuses fails that run (status 'failed', with the reason), not the
 * cycle. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyst_int.h"
#include "cs_cascade.h"
#include "cs_graph.h"
#include "cs_log.h"
#include "cs_str.h"

typedef struct prop_graph {
    PGresult *nodes; /* uscc (sorted), region, output per day */
    size_t n_nodes;
    const char **names; /* borrowed from nodes */
    cs_graph *g;
} prop_graph;

typedef struct prop_opts {
    uint32_t horizon_days;
    double ttr_days, surge;
    cs_prod_fn fn;
} prop_opts;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static long find_node(const prop_graph *pg, const char *uscc)
{
    const char **p =
        bsearch(&uscc, pg->names, pg->n_nodes, sizeof(*pg->names), cmp_str);
    return p == NULL ? -1 : (long)(p - pg->names);
}

static void graph_free(prop_graph *pg)
{
    cs_graph_free(pg->g);
    free(pg->names);
    PQclear(pg->nodes);
    memset(pg, 0, sizeof(*pg));
}

static cs_status graph_load(analyst *a, const analyst_model *m,
                            const prop_opts *po, const char *as_of,
                            prop_graph *pg, analyst_summary *sum, cs_err *err)
{
    PGresult *links = NULL;
    cs_node *nodes = NULL;
    cs_link *ls = NULL;
    char window[16];
    const char *p[2];
    cs_status rc;
    int n_links;

    snprintf(window, sizeof(window), "%u", (unsigned)m->window_days);
    p[0] = as_of;
    p[1] = window;
    rc = cs_pg_run(a->db, "prop_nodes", 2, p, &pg->nodes, err);
    if (rc == CS_OK)
        rc = cs_pg_run(a->db, "prop_links", 2, p, &links, err);
    if (rc != CS_OK) {
        rc = analyst_pg_error(rc, err, "could not read the supply graph");
        goto out;
    }
    pg->n_nodes = (size_t)PQntuples(pg->nodes);
    n_links = PQntuples(links);
    pg->names = calloc(pg->n_nodes + 1, sizeof(*pg->names));
    nodes = calloc(pg->n_nodes + 1, sizeof(*nodes));
    ls = calloc((size_t)n_links + 1, sizeof(*ls));
    if (pg->names == NULL || nodes == NULL || ls == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < pg->n_nodes; i++) {
        int64_t region = 0;
        cs_err perr = {0};

        pg->names[i] = PQgetvalue(pg->nodes, (int)i, 0); /* sorted by SQL */
        (void)cs_parse_i64(PQgetvalue(pg->nodes, (int)i, 1), 0, 999999, &region,
                           &perr);
        nodes[i] =
            (cs_node){.output_per_day = fmax(
                          0.0, analyst_num(PQgetvalue(pg->nodes, (int)i, 2))),
                      .unit_value = 1.0,
                      .ttr_days = po->ttr_days,
                      .region = (uint32_t)region};
        if (!isfinite(nodes[i].output_per_day))
            nodes[i].output_per_day = 1.0;
    }
    /* The SQL collation may not order like strcmp: sort our own copy. */
    qsort(pg->names, pg->n_nodes, sizeof(*pg->names), cmp_str);
    for (int i = 0; i < n_links; i++) {
        long s = find_node(pg, PQgetvalue(links, i, 0));
        long b = find_node(pg, PQgetvalue(links, i, 1));
        double share = analyst_num(PQgetvalue(links, i, 2));
        double total = analyst_num(PQgetvalue(links, i, 3));

        if (s < 0 || b < 0 || !isfinite(share)) {
            rc = cs_err_set(err, CS_E_INTERNAL, "supply graph lost a node");
            goto out;
        }
        if (total > 1.0)
            share /= total;
        ls[i] = (cs_link){
            .supplier = (uint32_t)s,
            .buyer = (uint32_t)b,
            .volume_per_day = fmax(0.0, analyst_num(PQgetvalue(links, i, 4))),
            .share = share * (1.0 - 1e-9),
            .cover_days =
                fmin(CS_GRAPH_MAX_DAYS,
                     fmax(0.0, analyst_num(PQgetvalue(links, i, 5))))};
    }
    /* nodes[] was filled in SQL order; re-key it to the sorted names. */
    {
        cs_node *sorted = calloc(pg->n_nodes + 1, sizeof(*sorted));
        if (sorted == NULL) {
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < pg->n_nodes; i++) {
            long k = find_node(pg, PQgetvalue(pg->nodes, (int)i, 0));
            sorted[k] = nodes[i];
        }
        free(nodes);
        nodes = sorted;
    }
    pg->g = cs_graph_new(pg->n_nodes, nodes, (size_t)n_links, ls, err);
    if (pg->g == NULL) {
        sum->n_model_errors++;
        rc = err->code;
        goto out;
    }
    rc = CS_OK;
out:
    free(ls);
    free(nodes);
    PQclear(links);
    return rc;
}

static cs_status run_done(analyst *a, const char *run_id, const char *status,
                          const char *error, const char *cycle,
                          const char *version, const cs_cascade_result *r,
                          cs_err *err)
{
    char n[24] = "", units[40] = "", value[40] = "";

    if (r != NULL) {
        snprintf(n, sizeof(n), "%zu", r->n_impacted);
        analyst_fmt_double(units, sizeof(units), r->total_lost_units, "");
        analyst_fmt_double(value, sizeof(value), r->total_lost_value, "");
    }
    {
        const char *p[] = {run_id,  status, error, cycle,
                           version, n,      units, value};
        cs_status rc = cs_pg_run(a->db, "prop_done", 8, p, NULL, err);
        if (rc != CS_OK)
            return analyst_pg_error(rc, err, "could not store a run");
    }
    return CS_OK;
}

/* One queued run (row of prop_take): the cascade, its impacts. */
static cs_status one_run(analyst *a, const prop_graph *pg, const prop_opts *po,
                         const PGresult *q, int row, const char *cycle,
                         const char *version, analyst_summary *sum, cs_err *err)
{
    const char *run_id = PQgetvalue(q, row, 0);
    const char *list = PQgetvalue(q, row, 1);
    double loss = analyst_num(PQgetvalue(q, row, 2));
    double start = analyst_num(PQgetvalue(q, row, 3));
    double days = analyst_num(PQgetvalue(q, row, 4));
    double horizon = analyst_num(PQgetvalue(q, row, 5));
    const char *prod = PQgetvalue(q, row, 6);
    uint32_t *shocked = NULL;
    size_t n_shocked = 0, cap = strlen(list) / 18 + 1;
    cs_cascade_opts o = cs_cascade_default_opts;
    cs_shock shock;
    cs_cascade_result *r = NULL;
    cs_copybuf cb = {0};
    cs_err merr = {0};
    cs_status rc;
    char *copy = NULL, *save = NULL;

    o.horizon_days =
        isfinite(horizon) ? (uint32_t)fmax(1, horizon) : po->horizon_days;
    o.surge = po->surge;
    o.fn = po->fn;
    if (strcmp(prod, "leontief") == 0)
        o.fn = CS_PROD_LEONTIEF;
    else if (strcmp(prod, "linear") == 0)
        o.fn = CS_PROD_LINEAR;
    shocked = calloc(cap, sizeof(*shocked));
    copy = strdup(list);
    if (shocked == NULL || copy == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (char *t = strtok_r(copy, ",", &save); t != NULL;
         t = strtok_r(NULL, ",", &save)) {
        long k = find_node(pg, t);
        if (k < 0) {
            cs_err_set(&merr, CS_E_INVALID,
                       "enterprise %s is not in the supply graph", t);
            goto refused;
        }
        if (n_shocked < cap)
            shocked[n_shocked++] = (uint32_t)k;
    }
    if (n_shocked == 0) {
        cs_err_set(&merr, CS_E_INVALID, "the scenario shocks no enterprise");
        goto refused;
    }
    if (!(loss >= 0 && loss <= 1) || !(start >= 0 && start < 36500) ||
        !(days >= 1 && days < 36500)) {
        cs_err_set(&merr, CS_E_INVALID,
                   "capacity_loss must be in [0, 1], start_day >= 0 and "
                   "duration_days >= 1");
        goto refused;
    }
    shock = (cs_shock){.nodes = shocked,
                       .n_nodes = n_shocked,
                       .capacity_loss = loss,
                       .start_day = (uint32_t)start,
                       .duration_days = (uint32_t)days};
    if (cs_cascade_run(pg->g, &shock, 1, &o, &r, &merr) != CS_OK)
        goto refused;
    for (size_t i = 0; i < r->n_impacted; i++) {
        const cs_impact *im = &r->impacts[i];
        char tier[16], tts[16], ttr[16], lvl[40], units[40], value[40];

        snprintf(tier, sizeof(tier), "%d", (int)im->tier);
        snprintf(tts, sizeof(tts), "%d", (int)im->tts_day);
        snprintf(ttr, sizeof(ttr), "%d", (int)im->ttr_day);
        analyst_fmt_double(lvl, sizeof(lvl), im->min_level, "0");
        analyst_fmt_double(units, sizeof(units), im->lost_units, "0");
        analyst_fmt_double(value, sizeof(value), im->lost_value, "0");
        cs_copybuf_field(&cb, run_id, true);
        cs_copybuf_field(&cb, pg->names[im->node], false);
        cs_copybuf_field(&cb, tier, false);
        cs_copybuf_field(&cb, tts, false);
        cs_copybuf_field(&cb, im->ttr_day < 0 ? NULL : ttr, false);
        cs_copybuf_field(&cb, lvl, false);
        cs_copybuf_field(&cb, units, false);
        cs_copybuf_field(&cb, value, false);
        cs_copybuf_end_row(&cb);
    }
    if (cb.failed) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    if (cb.len > 0) {
        rc = cs_pg_copy(a->db, analyst_copy_impacts, &cb, err);
        if (rc != CS_OK) {
            rc = analyst_pg_error(rc, err, "could not store impacts");
            goto out;
        }
    }
    rc = run_done(a, run_id, "done", "", cycle, version, r, err);
    sum->n_runs++;
    goto out;
refused:
    cs_log_warn("propagation run refused", CS_KV_STR("run_id", run_id),
                CS_KV_STR("error", merr.msg));
    sum->n_runs_failed++;
    rc = run_done(a, run_id, "failed", merr.msg, cycle, version, NULL, err);
out:
    cs_copybuf_free(&cb);
    cs_cascade_result_free(r);
    free(copy);
    free(shocked);
    return rc;
}

static cs_status load_opts(analyst *a, const analyst_model *m, prop_opts *po,
                           cs_err *err)
{
    PGresult *res = NULL;
    char version[16];
    const char *p[] = {version};
    cs_status rc;
    double v;

    snprintf(version, sizeof(version), "%d", m->version);
    rc = cs_pg_run(a->db, "model_propagation", 1, p, &res, err);
    if (rc != CS_OK)
        return analyst_pg_error(rc, err, "could not read the model version");
    *po = (prop_opts){
        .horizon_days = 90, .ttr_days = 30, .surge = 0.1, .fn = CS_PROD_LINEAR};
    if (PQntuples(res) == 1) {
        v = analyst_num(PQgetvalue(res, 0, 0));
        if (v >= 1 && v <= CS_CASCADE_MAX_HORIZON_DAYS)
            po->horizon_days = (uint32_t)v;
        v = analyst_num(PQgetvalue(res, 0, 1));
        if (v >= 0 && v <= CS_GRAPH_MAX_DAYS)
            po->ttr_days = v;
        v = analyst_num(PQgetvalue(res, 0, 2));
        if (v >= 0 && v <= 10)
            po->surge = v;
        if (strcmp(PQgetvalue(res, 0, 3), "leontief") == 0)
            po->fn = CS_PROD_LEONTIEF;
    }
    PQclear(res);
    return CS_OK;
}

/* The TTS < TTR alert rule over this cycle's standing runs. */
static cs_status tts_alerts(analyst *a, const analyst_model *m,
                            const char *cycle, const char *version,
                            const char *as_of, analyst_summary *sum,
                            cs_err *err)
{
    PGresult *res = NULL;
    char yellow[40], orange[40], red[40];
    cs_status rc;

    snprintf(yellow, sizeof(yellow), "%.17g", m->thresholds.yellow);
    snprintf(orange, sizeof(orange), "%.17g", m->thresholds.orange);
    snprintf(red, sizeof(red), "%.17g", m->thresholds.red);
    /* An event is over when time passes its end, or it is revised (which
     * makes the cycle full): resolving is left to full cycles, as the
     * event rules of alerts.c (it scans every live alert). */
    rc = CS_OK;
    if (sum->is_full) {
        const char *p[] = {as_of};
        rc = cs_pg_run(a->db, "alerts_tts_resolve", 1, p, &res, err);
        if (rc == CS_OK)
            sum->n_alerts_resolved +=
                (uint64_t)strtoull(PQcmdTuples(res), NULL, 10);
        PQclear(res);
        res = NULL;
    }
    if (rc == CS_OK) {
        const char *p[] = {cycle, version, yellow, orange, red};
        rc = cs_pg_run(a->db, "alerts_tts_raise", 5, p, &res, err);
    }
    if (rc != CS_OK)
        return analyst_pg_error(rc, err, "could not raise TTS alerts");
    for (int i = 0; i < PQntuples(res); i++)
        if (strcmp(PQgetvalue(res, i, 0), "t") == 0)
            sum->n_alerts_raised++;
    PQclear(res);
    return CS_OK;
}

cs_status analyst_propagate(analyst *a, const analyst_model *m,
                            int64_t cycle_id, const char *as_of,
                            analyst_summary *sum, cs_err *err)
{
    PGresult *q = NULL;
    prop_graph pg = {0};
    prop_opts po = {0};
    char cycle[24], version[16], horizon[16];
    cs_status rc;

    rc = load_opts(a, m, &po, err);
    if (rc != CS_OK)
        return rc;
    snprintf(cycle, sizeof(cycle), "%lld", (long long)cycle_id);
    snprintf(version, sizeof(version), "%d", m->version);
    snprintf(horizon, sizeof(horizon), "%u", (unsigned)po.horizon_days);
    {
        const char *p[] = {as_of, horizon};
        rc = cs_pg_run(a->db, "prop_standing", 2, p, NULL, err);
        if (rc == CS_OK)
            rc = cs_pg_run(a->db, "prop_take", 0, NULL, &q, err);
        if (rc != CS_OK) {
            rc = analyst_pg_error(rc, err, "could not queue propagation runs");
            goto out;
        }
    }
    if (PQntuples(q) == 0)
        goto out;
    rc = graph_load(a, m, &po, as_of, &pg, sum, err);
    if (rc != CS_OK)
        goto out;
    for (int i = 0; i < PQntuples(q) && rc == CS_OK; i++)
        rc = one_run(a, &pg, &po, q, i, cycle, version, sum, err);
out:
    if (rc == CS_OK)
        rc = tts_alerts(a, m, cycle, version, as_of, sum, err);
    graph_free(&pg);
    PQclear(q);
    return rc;
}
