/* propagation.c - disruption scenarios on the stored supply graph
 * (models/propagation's cascade): queued runs (posted by the API or an
 * operator) and one standing run per active risk event and day. The
 * graph is read once per cycle when there is work. A scenario the model
 * refuses fails that run (status 'failed', with the reason), not the
 * cycle. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyst_int.h"
#include "cs_cascade.h"
#include "cs_graph.h"
#include "cs_log.h"
#include "cs_str.h"

typedef struct prop_graph {
    PGresult *nodes; /* uscc, region, output per day, is an enterprise */
    char *extra;     /* the names of nodes that are not enterprises */
    size_t n_nodes;
    const char **names; /* sorted (strcmp); borrowed from nodes or extra */
    cs_graph *g;
} prop_graph;

typedef struct prop_opts {
    uint32_t horizon_days;
    double ttr_days, surge;
    cs_prod_fn fn;
} prop_opts;

/* A node name and its row of prop_nodes (-1: none, a link's party that
 * is no enterprise and has no production). */
typedef struct node_ref {
    const char *name;
    int row;
} node_ref;

/* A link of prop_links with a share: its row, node indexes and the daily
 * volume of its item the buyer takes from all its suppliers. */
typedef struct link_ref {
    uint32_t s, b;
    const char *sku;
    int row;
    double sku_per_day;
} link_ref;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_ref(const void *a, const void *b)
{
    return strcmp(((const node_ref *)a)->name, ((const node_ref *)b)->name);
}

static int cmp_u32(uint32_t a, uint32_t b)
{
    return a < b ? -1 : a > b;
}

/* The order of the old ORDER BY supplier, buyer, sku (strcmp), which
 * cs_graph keeps within a supplier. */
static int cmp_link(const void *a, const void *b)
{
    const link_ref *x = a, *y = b;
    int c = cmp_u32(x->s, y->s);
    if (c == 0)
        c = cmp_u32(x->b, y->b);
    return c != 0 ? c : strcmp(x->sku, y->sku);
}

/* Grouped by buyer and item, for each item's daily volume. */
static int cmp_link_item(const void *a, const void *b)
{
    const link_ref *x = a, *y = b;
    int c = cmp_u32(x->b, y->b);
    if (c == 0)
        c = strcmp(x->sku, y->sku);
    return c != 0 ? c : cmp_u32(x->s, y->s);
}

static long find_node(const prop_graph *pg, const char *uscc)
{
    const char **p =
        bsearch(&uscc, pg->names, pg->n_nodes, sizeof(*pg->names), cmp_str);
    return p == NULL ? -1 : (long)(p - pg->names);
}

static long find_ref(const node_ref *refs, size_t n, const char *name)
{
    node_ref key = {.name = name};
    const node_ref *p = bsearch(&key, refs, n, sizeof(*refs), cmp_ref);
    return p == NULL ? -1 : (long)(p - refs);
}

static void graph_free(prop_graph *pg)
{
    cs_graph_free(pg->g);
    free(pg->names);
    free(pg->extra);
    PQclear(pg->nodes);
    memset(pg, 0, sizeof(*pg));
}

/* The nodes: every enterprise and every party of an active link (read
 * with the links, not by a UNION of 2 x 10^6 link ends in SQL). Fills
 * refs (sorted by name, *n_refs of them) and each link's node indexes
 * (idx[2 * i], idx[2 * i + 1]). */
static cs_status graph_nodes(const PGresult *nodes, const PGresult *links,
                             node_ref **refs_out, size_t *n_refs, uint32_t *idx,
                             char **extra_names, cs_err *err)
{
    int n_rows = PQntuples(nodes), n_links = PQntuples(links);
    node_ref *ent = calloc((size_t)n_rows + 1, sizeof(*ent));
    node_ref *prod = calloc((size_t)n_rows + 1, sizeof(*prod));
    node_ref *extra = NULL;
    size_t n_ent = 0, n_prod = 0, n_extra = 0;

    if (ent == NULL || prod == NULL)
        goto nomem;
    for (int i = 0; i < n_rows; i++) {
        node_ref r = {.name = PQgetvalue(nodes, i, 0), .row = i};
        if (strcmp(PQgetvalue(nodes, i, 3), "t") == 0)
            ent[n_ent++] = r;
        else
            prod[n_prod++] = r;
    }
    /* The SQL collation may not order like strcmp: sort our own copy. */
    qsort(ent, n_ent, sizeof(*ent), cmp_ref);
    qsort(prod, n_prod, sizeof(*prod), cmp_ref);
    for (int i = 0; i < n_links; i++)
        for (int c = 0; c < 2; c++) {
            const char *name = PQgetvalue(links, i, c);
            /* Rows come grouped by a party more often than not. */
            long k = i > 0 && idx[2 * (i - 1) + c] != UINT32_MAX &&
                             strcmp(name, PQgetvalue(links, i - 1, c)) == 0
                         ? (long)idx[2 * (i - 1) + c]
                         : find_ref(ent, n_ent, name);
            idx[2 * i + c] = UINT32_MAX;
            if (k >= 0) {
                idx[2 * i + c] = (uint32_t)k;
                continue;
            }
            if (extra == NULL) {
                extra = calloc((size_t)n_links * 2 + 1, sizeof(*extra));
                if (extra == NULL)
                    goto nomem;
            }
            extra[n_extra++] = (node_ref){.name = name, .row = -1};
        }
    if (n_extra > 0) {
        /* Parties that are no enterprise: region 0, their production
         * else 1 a day; then every link is looked up again. */
        node_ref *all;
        size_t u = 0, bytes = 0;
        char *buf;

        qsort(extra, n_extra, sizeof(*extra), cmp_ref);
        for (size_t i = 0; i < n_extra; i++)
            if (u == 0 || strcmp(extra[u - 1].name, extra[i].name) != 0)
                extra[u++] = extra[i];
        n_extra = u;
        for (size_t i = 0; i < n_extra; i++)
            bytes += strlen(extra[i].name) + 1;
        all = realloc(ent, (n_ent + n_extra + 1) * sizeof(*all));
        if (all != NULL)
            ent = all;
        buf = *extra_names = malloc(bytes + 1);
        if (all == NULL || buf == NULL)
            goto nomem;
        for (size_t i = 0; i < n_extra; i++) {
            long k = find_ref(prod, n_prod, extra[i].name);
            size_t n = strlen(extra[i].name) + 1;

            memcpy(buf, extra[i].name, n);
            ent[n_ent++] =
                (node_ref){.name = buf, .row = k < 0 ? -1 : prod[k].row};
            buf += n;
        }
        qsort(ent, n_ent, sizeof(*ent), cmp_ref);
        for (int i = 0; i < n_links; i++)
            for (int c = 0; c < 2; c++)
                idx[2 * i + c] =
                    (uint32_t)find_ref(ent, n_ent, PQgetvalue(links, i, c));
    }
    free(extra);
    free(prod);
    *refs_out = ent;
    *n_refs = n_ent;
    return CS_OK;
nomem:
    free(extra);
    free(prod);
    free(ent);
    return cs_err_set(err, CS_E_NOMEM, "out of memory");
}

/* lr sorted by cmp into out: by node (the supplier when by_supplier,
 * else the buyer) in O(n), then each node's few links by qsort. */
static bool sort_links(const link_ref *lr, size_t n, size_t n_nodes,
                       bool by_supplier, int (*cmp)(const void *, const void *),
                       link_ref *out)
{
    size_t *start = calloc(n_nodes + 2, sizeof(*start));

    if (start == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        start[(by_supplier ? lr[i].s : lr[i].b) + 2]++;
    for (size_t k = 2; k < n_nodes + 2; k++)
        start[k] += start[k - 1];
    for (size_t i = 0; i < n; i++)
        out[start[(by_supplier ? lr[i].s : lr[i].b) + 1]++] = lr[i];
    for (size_t k = 0; k < n_nodes; k++)
        if (start[k + 1] - start[k] > 1)
            qsort(out + start[k], start[k + 1] - start[k], sizeof(*out), cmp);
    free(start);
    return true;
}

/* One read of the nodes and one of the links (unsorted: the links are
 * ordered and each buyer's daily volume of an item summed here, not by
 * SQL sorts and windows over 10^6 rows). */
static cs_status graph_load(cs_pg *db, uint32_t window_days,
                            const prop_opts *po, const char *as_of,
                            prop_graph *pg, uint64_t *model_errors, cs_err *err)
{
    PGresult *links = NULL;
    cs_node *nodes = NULL;
    cs_link *ls = NULL;
    node_ref *refs = NULL;
    link_ref *lr = NULL, *tmp = NULL;
    uint32_t *idx = NULL;
    char window[16];
    const char *p[2];
    cs_status rc;
    size_t n_lr = 0;
    int n_links;

    snprintf(window, sizeof(window), "%u", (unsigned)window_days);
    p[0] = as_of;
    p[1] = window;
    rc = cs_pg_run(db, "prop_nodes", 2, p, &pg->nodes, err);
    if (rc == CS_OK)
        rc = cs_pg_run(db, "prop_links", 2, p, &links, err);
    if (rc != CS_OK) {
        rc = analyst_pg_error(rc, err, "could not read the supply graph");
        goto out;
    }
    n_links = PQntuples(links);
    idx = calloc((size_t)n_links * 2 + 1, sizeof(*idx));
    lr = calloc((size_t)n_links + 1, sizeof(*lr));
    if (idx == NULL || lr == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    rc = graph_nodes(pg->nodes, links, &refs, &pg->n_nodes, idx, &pg->extra,
                     err);
    if (rc != CS_OK)
        goto out;
    pg->names = calloc(pg->n_nodes + 1, sizeof(*pg->names));
    nodes = calloc(pg->n_nodes + 1, sizeof(*nodes));
    if (pg->names == NULL || nodes == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < pg->n_nodes; i++) {
        int row = refs[i].row;
        int64_t region = 0;
        cs_err perr = {0};

        pg->names[i] = refs[i].name;
        if (row >= 0)
            (void)cs_parse_i64(PQgetvalue(pg->nodes, row, 1), 0, 999999,
                               &region, &perr);
        nodes[i] = (cs_node){
            .output_per_day =
                row < 0 ? 1.0
                        : fmax(0.0, analyst_num(PQgetvalue(pg->nodes, row, 2))),
            .unit_value = 1.0,
            .ttr_days = po->ttr_days,
            .region = (uint32_t)region};
        if (!isfinite(nodes[i].output_per_day))
            nodes[i].output_per_day = 1.0;
    }
    /* Links with a share (the others only bring their parties in). */
    for (int i = 0; i < n_links; i++) {
        double share = analyst_num(PQgetvalue(links, i, 3));
        if (!isfinite(share)) {
            rc = cs_err_set(err, CS_E_INTERNAL, "supply graph lost a share");
            goto out;
        }
        if (share > 0)
            lr[n_lr++] = (link_ref){.s = idx[2 * i],
                                    .b = idx[2 * i + 1],
                                    .sku = PQgetvalue(links, i, 2),
                                    .row = i};
    }
    /* Each buyer's daily volume of an item from all its suppliers. */
    tmp = calloc(n_lr + 1, sizeof(*tmp));
    if (tmp == NULL ||
        !sort_links(lr, n_lr, pg->n_nodes, false, cmp_link_item, tmp)) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0, j; i < n_lr; i = j) {
        double v = 0;
        for (j = i; j < n_lr && tmp[j].b == tmp[i].b &&
                    strcmp(tmp[j].sku, tmp[i].sku) == 0;
             j++)
            v += analyst_num(PQgetvalue(links, tmp[j].row, 5));
        for (size_t k = i; k < j; k++)
            tmp[k].sku_per_day = v;
    }
    if (!sort_links(tmp, n_lr, pg->n_nodes, true, cmp_link, lr)) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    ls = calloc(n_lr + 1, sizeof(*ls));
    if (ls == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n_lr; i++) {
        int row = lr[i].row;
        double share = analyst_num(PQgetvalue(links, row, 3));
        double total = analyst_num(PQgetvalue(links, row, 4));
        double on_hand = analyst_num(PQgetvalue(links, row, 6));
        double cover = lr[i].sku_per_day > 0 ? on_hand / lr[i].sku_per_day : 0;

        if (total > 1.0)
            share /= total;
        ls[i] = (cs_link){
            .supplier = lr[i].s,
            .buyer = lr[i].b,
            .volume_per_day = fmax(0.0, analyst_num(PQgetvalue(links, row, 5))),
            .share = share * (1.0 - 1e-9),
            .cover_days = fmin(CS_GRAPH_MAX_DAYS, fmax(0.0, cover))};
    }
    pg->g = cs_graph_new(pg->n_nodes, nodes, n_lr, ls, err);
    if (pg->g == NULL) {
        (*model_errors)++;
        rc = err->code;
        goto out;
    }
    rc = CS_OK;
out:
    free(ls);
    free(tmp);
    free(lr);
    free(idx);
    free(refs);
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

/* What the cascade of one queued run gave: its result, or why the
 * model refused the scenario (r NULL). */
typedef struct run_out {
    cs_cascade_result *r;
    cs_err why;
} run_out;

/* One queued run (row of prop_take): the cascade, in memory (no
 * database: it may run beside the cycle, propagation_job). CS_E_NOMEM
 * is the only error; a refused scenario is an outcome. */
static cs_status run_compute(const prop_graph *pg, const prop_opts *po,
                             const PGresult *q, int row, run_out *out)
{
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
    cs_status rc = CS_OK;
    char *copy = NULL, *save = NULL;

    memset(out, 0, sizeof(*out));
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
        rc = CS_E_NOMEM;
        goto out;
    }
    for (char *t = strtok_r(copy, ",", &save); t != NULL;
         t = strtok_r(NULL, ",", &save)) {
        long k = find_node(pg, t);
        if (k < 0) {
            cs_err_set(&out->why, CS_E_INVALID,
                       "enterprise %s is not in the supply graph", t);
            goto out;
        }
        if (n_shocked < cap)
            shocked[n_shocked++] = (uint32_t)k;
    }
    if (n_shocked == 0) {
        cs_err_set(&out->why, CS_E_INVALID,
                   "the scenario shocks no enterprise");
        goto out;
    }
    if (!(loss >= 0 && loss <= 1) || !(start >= 0 && start < 36500) ||
        !(days >= 1 && days < 36500)) {
        cs_err_set(&out->why, CS_E_INVALID,
                   "capacity_loss must be in [0, 1], start_day >= 0 and "
                   "duration_days >= 1");
        goto out;
    }
    shock = (cs_shock){.nodes = shocked,
                       .n_nodes = n_shocked,
                       .capacity_loss = loss,
                       .start_day = (uint32_t)start,
                       .duration_days = (uint32_t)days};
    if (cs_cascade_run(pg->g, &shock, 1, &o, &out->r, &out->why) != CS_OK) {
        cs_cascade_result_free(out->r);
        out->r = NULL;
    }
out:
    free(copy);
    free(shocked);
    return rc;
}

/* Stores what one queued run gave: its impacts and status. */
static cs_status run_store(analyst *a, const prop_graph *pg, const PGresult *q,
                           int row, const run_out *ro, const char *cycle,
                           const char *version, analyst_summary *sum,
                           cs_err *err)
{
    const char *run_id = PQgetvalue(q, row, 0);
    const cs_cascade_result *r = ro->r;
    cs_copybuf cb = {0};
    cs_status rc;

    if (r == NULL) {
        cs_log_warn("propagation run refused", CS_KV_STR("run_id", run_id),
                    CS_KV_STR("error", ro->why.msg));
        sum->n_runs_failed++;
        return run_done(a, run_id, "failed", ro->why.msg, cycle, version, NULL,
                        err);
    }
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
out:
    cs_copybuf_free(&cb);
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

/* The propagation runs of a cycle. Taken at its start (today's
 * standing runs queued, the queued ones taken), then, when there are
 * any, the graph is read and the cascades run on a connection of their
 * own in a thread, from the snapshot of the cycle's transaction
 * (exported): the tables they read (enterprises, production, links,
 * shipped lines, inventory) are none the cycle writes, so they see
 * what the cycle's transaction sees, while the cycle computes its
 * scores on the other core. At the end of the cycle the impacts and
 * statuses are stored by the cycle's transaction, as before. When the
 * thread cannot run (no second connection), the cycle does it all. */
struct analyst_prop {
    const char *dsn;
    prop_opts po;
    uint32_t window_days;
    char as_of[64], snap[128];
    PGresult *q; /* prop_take: the runs */
    int n;
    run_out *out;
    prop_graph pg;
    pthread_t th;
    bool beside;              /* the thread may run (side connections) */
    bool went, started, done; /* thread asked for, started; it did all */
    cs_status rc;
    cs_err err;
    double secs; /* the thread's time */
};

/* The graph and every cascade, on connection db. */
static cs_status prop_compute(analyst_prop *j, cs_pg *db, uint64_t *errors,
                              cs_err *err)
{
    cs_status rc =
        graph_load(db, j->window_days, &j->po, j->as_of, &j->pg, errors, err);

    for (int i = 0; i < j->n && rc == CS_OK; i++)
        if (run_compute(&j->pg, &j->po, j->q, i, &j->out[i]) != CS_OK)
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
    return rc;
}

static void *prop_thread(void *arg)
{
    analyst_prop *j = arg;
    cs_pg *db = NULL;
    uint64_t errors = 0;
    double t = analyst_clock();

    j->rc = analyst_snapshot_open(j->dsn, j->snap, &db, &j->err);
    if (j->rc == CS_OK)
        j->rc = prop_compute(j, db, &errors, &j->err);
    j->done = j->rc == CS_OK;
    cs_pg_close(db); /* read only: nothing to commit */
    j->secs = analyst_clock() - t;
    return NULL;
}

static void prop_clear(analyst_prop *j)
{
    graph_free(&j->pg);
    for (int i = 0; i < j->n; i++) {
        cs_cascade_result_free(j->out[i].r);
        j->out[i].r = NULL;
    }
    j->done = false;
}

void analyst_propagate_free(analyst_prop *j)
{
    if (j == NULL)
        return;
    if (j->started)
        pthread_join(j->th, NULL);
    prop_clear(j);
    free(j->out);
    PQclear(j->q);
    free(j);
}

cs_status analyst_propagate_start(analyst *a, const analyst_model *m,
                                  const char *as_of, analyst_prop **out,
                                  cs_err *err)
{
    analyst_prop *j = calloc(1, sizeof(*j));
    PGresult *ex = NULL;
    char horizon[16];
    cs_status rc;

    *out = j;
    if (j == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    j->dsn = a->cfg->pg_dsn;
    j->beside = a->cfg->side_connections;
    j->window_days = m->window_days;
    snprintf(j->as_of, sizeof(j->as_of), "%s", as_of);
    rc = load_opts(a, m, &j->po, err);
    if (rc != CS_OK)
        return rc;
    snprintf(horizon, sizeof(horizon), "%u", (unsigned)j->po.horizon_days);
    {
        const char *p[] = {as_of, horizon};
        rc = cs_pg_run(a->db, "prop_standing", 2, p, NULL, err);
        if (rc == CS_OK)
            rc = cs_pg_run(a->db, "prop_take", 0, NULL, &j->q, err);
        if (rc != CS_OK)
            return analyst_pg_error(rc, err,
                                    "could not queue propagation runs");
    }
    j->n = PQntuples(j->q);
    if (j->n == 0)
        return CS_OK;
    j->out = calloc((size_t)j->n, sizeof(*j->out));
    if (j->out == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    rc = cs_pg_query(a->db, "SELECT pg_export_snapshot()", 0, NULL, &ex, err);
    if (rc != CS_OK)
        return analyst_pg_error(rc, err, "could not export the snapshot");
    snprintf(j->snap, sizeof(j->snap), "%s", PQgetvalue(ex, 0, 0));
    PQclear(ex);
    return CS_OK;
}

void analyst_propagate_go(analyst_prop *j)
{
    if (j != NULL && j->beside && j->n > 0 && !j->started && !j->went) {
        j->went = true;
        j->started = pthread_create(&j->th, NULL, prop_thread, j) == 0;
    }
}

cs_status analyst_propagate_finish(analyst *a, const analyst_model *m,
                                   int64_t cycle_id, const char *as_of,
                                   analyst_prop *j, analyst_summary *sum,
                                   cs_err *err)
{
    char cycle[24], version[16];
    cs_status rc = CS_OK;

    snprintf(cycle, sizeof(cycle), "%lld", (long long)cycle_id);
    snprintf(version, sizeof(version), "%d", m->version);
    if (j->started) {
        pthread_join(j->th, NULL);
        j->started = false;
        sum->s_propagation_side = j->secs;
        if (!j->done)
            cs_log_warn("propagation beside the cycle failed; in the cycle",
                        CS_KV_STR("error", j->err.msg));
    }
    if (j->n > 0 && !j->done) {
        prop_clear(j);
        rc = prop_compute(j, a->db, &sum->n_model_errors, err);
    }
    for (int i = 0; i < j->n && rc == CS_OK; i++)
        rc =
            run_store(a, &j->pg, j->q, i, &j->out[i], cycle, version, sum, err);
    if (rc == CS_OK)
        rc = tts_alerts(a, m, cycle, version, as_of, sum, err);
    return rc;
}
