/* score.c - one cycle's risk scores: network criticality from the supply
 * graph (models/propagation), the SQL indicators, then normalisation,
 * weights, score, level, contributions and the one-sentence explanation
 * (models/risk), written as this cycle's rows of risk_scores. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyst_int.h"
#include "cs_graph.h"
#include "cs_log.h"

#define GROUP_KEY_BYTES  8
#define EXPLAIN_BYTES    512
#define COMPONENTS_BYTES (IND_N * 160 + 16)

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends s to a growing text buffer; false when out of memory. */
static bool buf_add(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);

    if (*len + n + 1 > *cap) {
        size_t ncap = (*cap == 0 ? 1024 : *cap * 2);
        char *nb;

        while (ncap < *len + n + 1)
            ncap *= 2;
        nb = realloc(*buf, ncap);
        if (nb == NULL)
            return false;
        *buf = nb;
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
    return true;
}

/* The current scores of the rows a cycle writes, as three text[]
 * literals (enterprises, scores, levels) for scores_current. */
#define CUR_COLS 3
typedef struct cur_arrays {
    char *buf[CUR_COLS];
    size_t len[CUR_COLS], cap[CUR_COLS];
} cur_arrays;

static bool cur_add(cur_arrays *c, const char *uscc, const char *score,
                    const char *level)
{
    const char *v[CUR_COLS] = {uscc, score, level};

    for (size_t j = 0; j < CUR_COLS; j++)
        if (!buf_add(&c->buf[j], &c->len[j], &c->cap[j],
                     c->len[j] == 0 ? "{" : ",") ||
            !buf_add(&c->buf[j], &c->len[j], &c->cap[j], v[j]))
            return false;
    return true;
}

static bool cur_end(cur_arrays *c)
{
    for (size_t j = 0; j < CUR_COLS; j++)
        if (!buf_add(&c->buf[j], &c->len[j], &c->cap[j],
                     c->len[j] == 0 ? "{}" : "}"))
            return false;
    return true;
}

/* Links (with their industry divisions) ordered by supplier, then
 * buyer: by supplier in O(n), then each supplier's few by buyer. The
 * pairs are unique (grouped in SQL), so this is the order of an ORDER BY
 * under strcmp, without a sort of 10^6 rows in the database. */
typedef struct link_div {
    cs_link l;
    const char *div;
} link_div;

static int cmp_link_buyer(const void *a, const void *b)
{
    uint32_t x = ((const link_div *)a)->l.buyer;
    uint32_t y = ((const link_div *)b)->l.buyer;
    return x < y ? -1 : x > y;
}

static bool order_links(cs_link *links, const char **divs, size_t n,
                        size_t n_names)
{
    size_t *start = calloc(n_names + 2, sizeof(*start));
    link_div *ld = calloc(n + 1, sizeof(*ld));
    bool ok = start != NULL && ld != NULL;

    if (ok) {
        for (size_t i = 0; i < n; i++)
            start[links[i].supplier + 2]++;
        for (size_t k = 2; k < n_names + 2; k++)
            start[k] += start[k - 1];
        for (size_t i = 0; i < n; i++)
            ld[start[links[i].supplier + 1]++] =
                (link_div){.l = links[i], .div = divs[i]};
        for (size_t k = 0; k < n_names; k++)
            if (start[k + 1] - start[k] > 1)
                qsort(ld + start[k], start[k + 1] - start[k], sizeof(*ld),
                      cmp_link_buyer);
        for (size_t i = 0; i < n; i++) {
            links[i] = ld[i].l;
            divs[i] = ld[i].div;
        }
    }
    free(ld);
    free(start);
    return ok;
}

/* What criticality gives: the downstream reach of every enterprise in
 * the active supply graph, as two array literals ("{}" when none), and
 * the industry chains' members as COPY rows. */
typedef struct crit_out {
    char *ids, *vals;
    cs_copybuf cb;
    size_t n_rows;
    uint64_t model_errors;
} crit_out;

static void crit_free(crit_out *o)
{
    free(o->ids);
    free(o->vals);
    cs_copybuf_free(&o->cb);
    memset(o, 0, sizeof(*o));
}

/* Computes criticality and the chains on connection db (reads only:
 * it may run beside the cycle, crit_thread). */
static cs_status crit_compute(cs_pg *db, const analyst_model *m,
                              const char *cycle, crit_out *o, cs_err *err)
{
    PGresult *res = NULL;
    cs_status rc;
    int n_links;
    const char **names = NULL;
    size_t n_names = 0;
    cs_node *nodes = NULL;
    cs_link *links = NULL;
    cs_graph *g = NULL;
    double *reach = NULL;
    char *ids = NULL, *vals = NULL;
    const char **divs = NULL;
    size_t ids_len = 0, ids_cap = 0, vals_len = 0, vals_cap = 0;
    char num[40];
    cs_err merr = {0};

    rc = cs_pg_run(db, "graph_links", 0, NULL, &res, err);
    if (rc != CS_OK)
        return rc;
    n_links = PQntuples(res);
    names = calloc((size_t)n_links * 2 + 1, sizeof(*names));
    links = calloc((size_t)n_links + 1, sizeof(*links));
    divs = calloc((size_t)n_links + 1, sizeof(*divs));
    if (names == NULL || links == NULL || divs == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < n_links; i++) {
        names[n_names++] = PQgetvalue(res, i, 0);
        names[n_names++] = PQgetvalue(res, i, 1);
    }
    qsort(names, n_names, sizeof(*names), cmp_str);
    {
        size_t u = 0;
        for (size_t i = 0; i < n_names; i++)
            if (u == 0 || strcmp(names[u - 1], names[i]) != 0)
                names[u++] = names[i];
        n_names = u;
    }
    nodes = calloc(n_names + 1, sizeof(*nodes));
    reach = calloc(n_names + 1, sizeof(*reach));
    if (nodes == NULL || reach == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    /* Without reliable output values every enterprise counts as one:
     * reach is the share-weighted number of enterprises downstream. */
    for (size_t i = 0; i < n_names; i++)
        nodes[i] = (cs_node){.output_per_day = 1.0, .unit_value = 1.0};
    for (int i = 0; i < n_links; i++) {
        const char *sup = PQgetvalue(res, i, 0), *buy = PQgetvalue(res, i, 1);
        const char **ps =
            bsearch(&sup, names, n_names, sizeof(*names), cmp_str);
        const char **pb =
            bsearch(&buy, names, n_names, sizeof(*names), cmp_str);
        double share = analyst_num(PQgetvalue(res, i, 2));
        double total = analyst_num(PQgetvalue(res, i, 3));

        if (ps == NULL || pb == NULL || !isfinite(share)) {
            rc = cs_err_set(err, CS_E_INTERNAL, "supply graph lost a node");
            goto out;
        }
        /* A buyer's shares of several items may add past 1; the graph
         * wants fractions of its output, so scale them down. */
        if (total > 1.0)
            share /= total;
        links[i] = (cs_link){.supplier = (uint32_t)(ps - names),
                             .buyer = (uint32_t)(pb - names),
                             .share = share * (1.0 - 1e-9)};
        divs[i] = PQgetvalue(res, i, 4);
    }
    if (!order_links(links, divs, (size_t)n_links, n_names)) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    /* The industry chains of this graph, for the chain roll-ups. */
    rc = analyst_chains(names, n_names, links, divs, (size_t)n_links,
                        m->crit_max_tiers, cycle, &o->cb, &o->n_rows, err);
    if (rc != CS_OK) {
        cs_err_wrap(err, "could not store chain members");
        goto out;
    }
    if (n_names > 0) {
        g = cs_graph_new(n_names, nodes, (size_t)n_links, links, &merr);
        if (g == NULL ||
            cs_graph_downstream_reach(g, m->crit_damping, m->crit_max_tiers,
                                      reach, &merr) != CS_OK) {
            /* A model error costs this indicator, not the cycle. */
            cs_log_warn("network criticality failed; using 0",
                        CS_KV_STR("error", merr.msg));
            o->model_errors++;
            memset(reach, 0, n_names * sizeof(*reach));
        }
    }
    if (!buf_add(&ids, &ids_len, &ids_cap, "{") ||
        !buf_add(&vals, &vals_len, &vals_cap, "{")) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n_names; i++) {
        analyst_fmt_double(num, sizeof(num), reach[i], "null");
        if ((i > 0 && (!buf_add(&ids, &ids_len, &ids_cap, ",") ||
                       !buf_add(&vals, &vals_len, &vals_cap, ","))) ||
            !buf_add(&ids, &ids_len, &ids_cap, names[i]) || /* uscc domain */
            !buf_add(&vals, &vals_len, &vals_cap,
                     strcmp(num, "null") == 0 ? "0" : num)) {
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
            goto out;
        }
    }
    if (!buf_add(&ids, &ids_len, &ids_cap, "}") ||
        !buf_add(&vals, &vals_len, &vals_cap, "}")) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    o->ids = ids;
    o->vals = vals;
    ids = vals = NULL;
    rc = CS_OK;
out:
    free(divs);
    free(ids);
    free(vals);
    cs_graph_free(g);
    free(reach);
    free(nodes);
    free(links);
    free(names);
    PQclear(res);
    return rc;
}

/* Weights of the model's method over normalised y into w (k entries). */
static cs_status weights(const analyst_model *m, const double *y, size_t n,
                         size_t k, double *w, analyst_summary *sum, cs_err *err)
{
    double w_ent[IND_N], w_fix[IND_N], total = 0;
    cs_err merr = {0};
    cs_status rc;

    if (m->weights != WEIGHTS_EXPERT && m->weights != WEIGHTS_AHP) {
        if (n < 2 || cs_risk_entropy_weights(y, n, k, w_ent, &merr) != CS_OK) {
            if (n >= 2) {
                cs_log_warn("entropy weights failed; using equal weights",
                            CS_KV_STR("error", merr.msg));
                sum->n_model_errors++;
            }
            for (size_t j = 0; j < k; j++)
                w_ent[j] = 1.0 / (double)k;
        }
        if (m->weights == WEIGHTS_ENTROPY) {
            memcpy(w, w_ent, k * sizeof(*w));
            return CS_OK;
        }
    }
    if (m->weights == WEIGHTS_AHP || m->weights == WEIGHTS_AHP_BLEND) {
        cs_risk_ahp_result ar;
        rc = cs_risk_ahp(m->ahp, k, 0.1, w_fix, &ar, err);
        if (rc != CS_OK)
            return analyst_pg_error(CS_E_CONFIG, err,
                                    "model version: AHP judgements rejected");
    } else {
        for (size_t j = 0; j < k; j++) {
            w_fix[j] =
                isfinite(m->expert[m->inds[j]]) ? m->expert[m->inds[j]] : 0.0;
            total += w_fix[j];
        }
        for (size_t j = 0; j < k; j++)
            w_fix[j] = total > 0 ? w_fix[j] / total : 1.0 / (double)k;
    }
    if (m->weights == WEIGHTS_EXPERT || m->weights == WEIGHTS_AHP) {
        memcpy(w, w_fix, k * sizeof(*w));
        return CS_OK;
    }
    return cs_risk_blend_weights(w_fix, w_ent, k, m->alpha, w, err);
}

/* The components JSON: indicators by contribution, largest first. wt
 * holds the weights as text (the same for every row: formatted once). */
static void components_json(const analyst_model *m, const double *raw,
                            const double *y, char (*wt)[40],
                            const double *contrib, char *buf, size_t buf_bytes)
{
    size_t order[IND_N], k = m->n_inds, len = 0;

    for (size_t j = 0; j < k; j++)
        order[j] = j;
    for (size_t i = 1; i < k; i++) /* insertion sort: k <= IND_N */
        for (size_t j = i; j > 0 && contrib[order[j]] > contrib[order[j - 1]];
             j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    len += (size_t)snprintf(buf + len, buf_bytes - len, "[");
    for (size_t i = 0; i < k && len < buf_bytes; i++) {
        size_t j = order[i];
        char r[40], n[40], c[40];

        analyst_fmt_double(r, sizeof(r), raw[j], "null");
        analyst_fmt_double(n, sizeof(n), y[j], "null");
        analyst_fmt_double(c, sizeof(c), contrib[j], "null");
        len += (size_t)snprintf(buf + len, buf_bytes - len,
                                "%s{\"indicator\":\"%s\",\"raw\":%s,"
                                "\"normalised\":%s,\"weight\":%s,"
                                "\"contribution\":%s}",
                                i > 0 ? "," : "", analyst_inds[m->inds[j]].name,
                                r, n, wt[j], c);
    }
    if (len < buf_bytes)
        snprintf(buf + len, buf_bytes - len, "]");
}

/* Peer-group id of each row from its key column; *keys_out (malloc'd,
 * *n_keys entries) holds each group's key. */
static cs_status group_ids(const PGresult *res, int col, size_t n,
                           uint32_t *group, char (**keys_out)[GROUP_KEY_BYTES],
                           size_t *n_keys_out, cs_err *err)
{
    char(*keys)[GROUP_KEY_BYTES] = calloc(n + 1, sizeof(*keys));
    uint32_t n_keys = 0;

    if (keys == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *k = PQgetvalue(res, (int)i, col);
        uint32_t g = 0;

        while (g < n_keys && strncmp(keys[g], k, GROUP_KEY_BYTES - 1) != 0)
            g++;
        if (g == n_keys)
            snprintf(keys[n_keys++], GROUP_KEY_BYTES, "%s", k);
        group[i] = g;
    }
    *keys_out = keys;
    *n_keys_out = n_keys;
    return CS_OK;
}

/* What a full cycle scored with (risk_score_bases, risk_score_norms):
 * the weights and each peer group's normalisation parameters. */
typedef struct score_basis {
    char cycle[24];
    double w[IND_N];
    size_t n_groups;
    char (*keys)[GROUP_KEY_BYTES];
    cs_risk_norm_param *par; /* n_groups x k */
} score_basis;

static void basis_free(score_basis *b)
{
    free(b->keys);
    free(b->par);
    *b = (score_basis){0};
}

/* Parses a float8[] literal of exactly k numbers ("NaN" allowed). */
static bool parse_f8_array(const char *s, double *out, size_t k)
{
    size_t i = 0;

    if (*s++ != '{')
        return false;
    while (*s != '}' && i < k) {
        char *end;
        out[i++] = strtod(s, &end);
        if (end == s)
            return false;
        s = end;
        if (*s == ',')
            s++;
    }
    return i == k && strcmp(s, "}") == 0;
}

/* The model's indicators as a text[] literal. */
static void indicators_literal(const analyst_model *m, char *buf, size_t bytes)
{
    size_t len = (size_t)snprintf(buf, bytes, "{");
    for (size_t j = 0; j < m->n_inds && len < bytes; j++)
        len += (size_t)snprintf(buf + len, bytes - len, "%s%s", j ? "," : "",
                                analyst_inds[m->inds[j]].name);
    if (len < bytes)
        snprintf(buf + len, bytes - len, "}");
}

/* Builds "{v,v,...}" of k doubles (NaN as NaN) into buf. */
static void f8_literal(const double *v, size_t k, size_t stride, char *buf,
                       size_t bytes)
{
    size_t len = (size_t)snprintf(buf, bytes, "{");
    for (size_t j = 0; j < k && len < bytes; j++) {
        char num[40];
        analyst_fmt_double(num, sizeof(num), v[j * stride], "NaN");
        len +=
            (size_t)snprintf(buf + len, bytes - len, "%s%s", j ? "," : "", num);
    }
    if (len < bytes)
        snprintf(buf + len, bytes - len, "}");
}

#define F8_ARRAY_BYTES (IND_N * 40 + 8)

/* Stores this cycle's weights and parameters as the basis later
 * incremental cycles score against. */
static cs_status basis_store(analyst *a, const analyst_model *m,
                             const char *cycle, const char *version,
                             const double *w, char (*keys)[GROUP_KEY_BYTES],
                             size_t n_groups, const cs_risk_norm_param *par,
                             cs_err *err)
{
    char inds[IND_N * 32 + 4], ws[F8_ARRAY_BYTES];
    char lo[F8_ARRAY_BYTES], hi[F8_ARRAY_BYTES], fill[F8_ARRAY_BYTES];
    size_t k = m->n_inds;
    cs_status rc;

    indicators_literal(m, inds, sizeof(inds));
    f8_literal(w, k, 1, ws, sizeof(ws));
    {
        const char *p[] = {cycle, version, inds, ws};
        rc = cs_pg_run(a->db, "score_basis_insert", 4, p, NULL, err);
    }
    for (size_t g = 0; rc == CS_OK && g < n_groups; g++) {
        const cs_risk_norm_param *q = &par[g * k];
        const char *p[] = {cycle, keys[g], lo, hi, fill};

        f8_literal(&q->lo, k, 3, lo, sizeof(lo));
        f8_literal(&q->hi, k, 3, hi, sizeof(hi));
        f8_literal(&q->fill, k, 3, fill, sizeof(fill));
        rc = cs_pg_run(a->db, "score_norm_insert", 5, p, NULL, err);
    }
    if (rc != CS_OK)
        return analyst_pg_error(rc, err, "could not store the scoring basis");
    return CS_OK;
}

/* The newest basis of this model version, when there is one whose
 * indicators are the model's (*found false otherwise). */
static cs_status basis_load(analyst *a, const analyst_model *m,
                            const char *version, score_basis *b, bool *found,
                            cs_err *err)
{
    PGresult *res = NULL, *nr = NULL;
    char inds[IND_N * 32 + 4];
    size_t k = m->n_inds;
    cs_status rc;

    *found = false;
    {
        const char *p[] = {version};
        rc = cs_pg_run(a->db, "score_basis", 1, p, &res, err);
    }
    if (rc != CS_OK)
        return analyst_pg_error(rc, err, "could not read the scoring basis");
    indicators_literal(m, inds, sizeof(inds));
    if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 1), inds) != 0 ||
        !parse_f8_array(PQgetvalue(res, 0, 2), b->w, k))
        goto out;
    snprintf(b->cycle, sizeof(b->cycle), "%s", PQgetvalue(res, 0, 0));
    {
        const char *p[] = {b->cycle};
        rc = cs_pg_run(a->db, "score_norms", 1, p, &nr, err);
    }
    if (rc != CS_OK) {
        rc = analyst_pg_error(rc, err, "could not read the scoring basis");
        goto out;
    }
    /* One more group: keys the basis does not know (no information). */
    b->n_groups = (size_t)PQntuples(nr);
    b->keys = calloc(b->n_groups + 1, sizeof(*b->keys));
    b->par = calloc((b->n_groups + 1) * k, sizeof(*b->par));
    if (b->keys == NULL || b->par == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t g = 0; g < b->n_groups; g++) {
        double lo[IND_N], hi[IND_N], fill[IND_N];

        snprintf(b->keys[g], GROUP_KEY_BYTES, "%s", PQgetvalue(nr, (int)g, 0));
        if (!parse_f8_array(PQgetvalue(nr, (int)g, 1), lo, k) ||
            !parse_f8_array(PQgetvalue(nr, (int)g, 2), hi, k) ||
            !parse_f8_array(PQgetvalue(nr, (int)g, 3), fill, k))
            goto out; /* not ours: score everyone instead */
        for (size_t j = 0; j < k; j++)
            b->par[g * k + j] =
                (cs_risk_norm_param){.lo = lo[j], .hi = hi[j], .fill = fill[j]};
    }
    for (size_t j = 0; j < k; j++)
        b->par[b->n_groups * k + j] = (cs_risk_norm_param){
            .lo = (double)NAN, .hi = (double)NAN, .fill = 0.0};
    *found = b->n_groups > 0;
out:
    PQclear(nr);
    PQclear(res);
    return rc;
}

/* The basis group of each row's peer key (the extra last group when the
 * basis does not know the key). */
static void basis_groups(const score_basis *b, const PGresult *res, int col,
                         size_t n, bool by_key, uint32_t *group)
{
    for (size_t i = 0; i < n; i++) {
        const char *key = by_key ? PQgetvalue(res, (int)i, col) : "";
        size_t g = 0;

        while (g < b->n_groups &&
               strncmp(b->keys[g], key, GROUP_KEY_BYTES - 1) != 0)
            g++;
        group[i] = (uint32_t)g;
    }
}

/* The model's non-compensatory rule: a weighted sum lets other, calm
 * indicators outvote a severe event on the enterprise itself (a
 * bankruptcy, a sanction), so event_exposure at or above
 * m->floor_exposure raises the level to at least m->floor_level. The
 * score and its contributions stay as computed. Returns the column of
 * event_exposure, or -1 when the model does not use it or the rule is
 * off. */
static int event_floor(const analyst_model *m, const double *x, size_t n,
                       size_t k, cs_risk_level *level)
{
    int col = -1;

    for (size_t j = 0; j < k; j++)
        if (m->inds[j] == IND_EVENT_EXPOSURE)
            col = (int)j;
    if (col < 0 || !(m->floor_exposure > 0))
        return -1;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * k + (size_t)col];

        if (v >= m->floor_exposure && level[i] < m->floor_level)
            level[i] = m->floor_level;
    }
    return col;
}

/* Appends why the rule applies to an explanation. */
static void floor_note(char *buf, size_t bytes, const analyst_model *m,
                       double exposure)
{
    size_t len = strlen(buf);

    if (len < bytes)
        snprintf(buf + len, bytes - len,
                 "; event_exposure %.3g >= %.3g: at least %s", exposure,
                 m->floor_exposure, cs_risk_level_name(m->floor_level));
}

/* Stores the chains criticality found (the current membership). */
static cs_status crit_store(analyst *a, const crit_out *o, cs_err *err)
{
    cs_status rc = cs_pg_run(a->db, "chains_clear", 0, NULL, NULL, err);

    if (rc == CS_OK && o->n_rows > 0)
        rc = cs_pg_copy(a->db, analyst_copy_chains, &o->cb, err);
    if (rc != CS_OK)
        cs_err_wrap(err, "could not store chain members");
    return rc;
}

/* The indicators statement writing into ind_tmp instead (*out
 * malloc'd). The one statement is rewritten rather than kept twice in
 * analyst_sql.c; a change of its INSERT that this no longer finds is a
 * bug, said so (test_analyst's full cycles go through here). */
static cs_status ind_into_tmp(char **out, cs_err *err)
{
    static const char from[] = " INSERT INTO enterprise_indicators (";
    static const char to[] = " INSERT INTO ind_tmp (";

    *out = NULL;
    for (size_t i = 0; i < analyst_n_stmts; i++) {
        const char *sql = analyst_stmts[i].sql, *at;
        size_t n;

        if (strcmp(analyst_stmts[i].name, "indicators") != 0 ||
            (at = strstr(sql, from)) == NULL)
            continue;
        n = strlen(sql) - strlen(from) + strlen(to) + 1;
        *out = malloc(n);
        if (*out == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        snprintf(*out, n, "%.*s%s%s", (int)(at - sql), sql, to,
                 at + strlen(from));
        return CS_OK;
    }
    return cs_err_set(err, CS_E_INTERNAL,
                      "no indicators statement inserting into "
                      "enterprise_indicators to redirect into ind_tmp");
}

/* Criticality beside the cycle: a thread on a connection of its own,
 * from the cycle transaction's snapshot (exported; the links and
 * enterprises it reads are none the cycle writes), while the cycle's
 * connection computes the other indicators into ind_tmp; they are
 * stored with it after (analyst_sql_ind_crit). */
typedef struct crit_job {
    const char *dsn;
    const analyst_model *m;
    char cycle[24], snap[128];
    pthread_t th;
    bool started, done;
    crit_out out;
    cs_err err;
    double secs;
    analyst_fc *fc; /* then the cycle's forecasts, when not NULL */
} crit_job;

static void *crit_thread(void *arg)
{
    crit_job *j = arg;
    cs_pg *db = NULL;
    double t = analyst_clock();
    cs_status rc = analyst_snapshot_open(j->dsn, j->snap, &db, &j->err);

    if (rc == CS_OK)
        rc = crit_compute(db, j->m, j->cycle, &j->out, &j->err);
    j->done = rc == CS_OK;
    /* then, on the core this frees, the forecasts (which the cycle
     * computes itself if they fail here) */
    if (rc == CS_OK && j->fc != NULL) {
        cs_err ferr = {0};

        if (analyst_fc_compute(db, j->fc, &ferr) != CS_OK)
            cs_log_warn("forecasts beside the cycle failed; in it",
                        CS_KV_STR("error", ferr.msg));
    }
    cs_pg_close(db);
    j->secs = analyst_clock() - t;
    return NULL;
}

/* indicators_side beside an incremental cycle (analyst_side_start): a
 * thread on a connection of its own, from the cycle transaction's
 * snapshot (exported; the links, production, events and the last full
 * cycle's criticality it reads are none the cycle writes). */
#define SIDE_COLS 7 /* uscc and the six values, indicators_side's order */
struct analyst_side {
    const char *dsn;
    char cycle[24], version[16], window[16], ev_window[16];
    /* borrowed from the cycle, which frees them after analyst_side_free */
    const char *as_of, *stale, *full_cycle, *full_at;
    PGresult *days; /* the window's first and end day, the snapshot */
    pthread_t th;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool ind_done;   /* res is final (under mu) */
    PGresult *res;   /* indicators_side's rows, when it succeeded */
    PGresult *agg;   /* then aggregates_rest's, when it succeeded, */
    PGresult *mem;   /* and aggregates_members' */
    cs_err err;      /* why res is NULL */
    double secs_ind; /* until res was final */
};

/* Says that j->res is final (analyst_score waits for it). */
static void side_ind_done(analyst_side *j, double t)
{
    pthread_mutex_lock(&j->mu);
    if (!j->ind_done) {
        j->ind_done = true;
        j->secs_ind = analyst_clock() - t;
        pthread_cond_signal(&j->cv);
    }
    pthread_mutex_unlock(&j->mu);
}

static void *side_thread(void *arg)
{
    analyst_side *j = arg;
    cs_pg *db = NULL;
    double t = analyst_clock();
    /* the cycle's settings: custom plans keep the window's partitions of
     * production only ($9, $10) */
    cs_status rc =
        analyst_snapshot_open(j->dsn, PQgetvalue(j->days, 0, 2), &db, &j->err);

    if (rc == CS_OK) {
        const char *p[] = {j->cycle,
                           j->as_of,
                           j->ev_window,
                           j->version,
                           j->window,
                           j->stale,
                           j->full_cycle,
                           j->full_at,
                           PQgetvalue(j->days, 0, 0),
                           PQgetvalue(j->days, 0, 1)};
        rc = cs_pg_run(db, "indicators_side", 10, p, &j->res, &j->err);
    }
    if (rc == CS_OK && PQnfields(j->res) < SIDE_COLS)
        rc = cs_err_set(&j->err, CS_E_INTERNAL,
                        "indicators_side gave %d columns, not %d",
                        PQnfields(j->res), SIDE_COLS);
    if (rc != CS_OK) {
        PQclear(j->res);
        j->res = NULL;
    }
    side_ind_done(j, t);
    /* then the other enterprises' part of the roll-ups of the current
     * scores; without it the cycle rolls them all up itself */
    if (rc == CS_OK) {
        const char *p[] = {j->stale};
        cs_err aerr = {0};

        if (cs_pg_run(db, "aggregates_rest", 1, p, &j->agg, &aerr) != CS_OK ||
            cs_pg_run(db, "aggregates_members", 1, p, &j->mem, &aerr) !=
                CS_OK) {
            cs_log_warn("aggregates beside the cycle failed; in it",
                        CS_KV_STR("error", aerr.msg));
            PQclear(j->agg);
            j->agg = NULL;
        }
    }
    cs_pg_close(db);
    return NULL;
}

void analyst_side_free(analyst_side *s)
{
    if (s == NULL)
        return;
    if (s->started)
        pthread_join(s->th, NULL);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    PQclear(s->mem);
    PQclear(s->agg);
    PQclear(s->res);
    PQclear(s->days);
    free(s);
}

cs_status analyst_side_start(analyst *a, const analyst_model *m,
                             int64_t cycle_id, const char *as_of,
                             const analyst_incr *incr, analyst_side **out,
                             cs_err *err)
{
    analyst_side *j;
    PGresult *res = NULL;
    cs_status rc;
    char window[16];

    *out = NULL;
    if (!a->cfg->side_connections)
        return CS_OK; /* analyst_score reads it all itself */
    snprintf(window, sizeof(window), "%u", (unsigned)m->window_days);
    {
        /* the window's first and end day of production, as dates, and
         * the snapshot */
        const char *q[] = {as_of, window};
        rc = cs_pg_query(a->db,
                         "SELECT ($1::timestamptz - make_interval(days =>"
                         " $2::int))::date::text, $1::timestamptz::date::text,"
                         " pg_export_snapshot()",
                         2, q, &res, err);
        if (rc != CS_OK)
            return analyst_pg_error(rc, err, "could not export the snapshot");
    }
    j = calloc(1, sizeof(*j));
    if (j == NULL) {
        PQclear(res);
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    j->dsn = a->cfg->pg_dsn;
    snprintf(j->cycle, sizeof(j->cycle), "%lld", (long long)cycle_id);
    snprintf(j->version, sizeof(j->version), "%d", m->version);
    snprintf(j->window, sizeof(j->window), "%s", window);
    snprintf(j->ev_window, sizeof(j->ev_window), "%u",
             (unsigned)m->event_window_days);
    j->days = res;
    j->as_of = as_of;
    j->stale = incr->stale;
    j->full_cycle = incr->full_cycle;
    j->full_at = incr->full_at;
    j->started = pthread_create(&j->th, NULL, side_thread, j) == 0;
    if (!j->started) {
        analyst_side_free(j);
        return CS_OK; /* analyst_score reads it all itself */
    }
    *out = j;
    return CS_OK;
}

/* Appends v as an element of an array literal: as it is when it can
 * stand bare, else quoted with backslashes before quotes and
 * backslashes. */
static bool elem_add(char **buf, size_t *len, size_t *cap, const char *v)
{
    bool bare = *v != '\0' && strcasecmp(v, "NULL") != 0 &&
                v[strcspn(v, "\"\\,{} \t\n\r\v\f")] == '\0';
    bool ok = bare ? buf_add(buf, len, cap, v) : buf_add(buf, len, cap, "\"");

    for (; ok && !bare && *v != '\0'; v++) {
        char e[3] = {'\\', *v, '\0'};
        ok = buf_add(buf, len, cap, *v == '"' || *v == '\\' ? e : e + 1);
    }
    return ok && (bare || buf_add(buf, len, cap, "\""));
}

/* The first n_cols columns of res as array literals, one per column
 * (SQL NULL as NULL), in cols (malloc'd); float8 output is exact. */
static cs_status res_arrays(const PGresult *res, char **cols, int n_cols,
                            cs_err *err)
{
    int n = PQntuples(res);

    for (int c = 0; c < n_cols; c++) {
        size_t len = 0, cap = 0;
        bool ok = buf_add(&cols[c], &len, &cap, "{");

        for (int i = 0; i < n && ok; i++)
            ok = (i == 0 || buf_add(&cols[c], &len, &cap, ",")) &&
                 (PQgetisnull(res, i, c)
                      ? buf_add(&cols[c], &len, &cap, "NULL")
                      : elem_add(&cols[c], &len, &cap, PQgetvalue(res, i, c)));
        if (!ok || !buf_add(&cols[c], &len, &cap, "}"))
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    return CS_OK;
}

/* The stale enterprises' indicators from indicators_side's rows and the
 * roll-ups the cycle brought up to date (indicators_rolls). */
static cs_status side_finish(analyst *a, analyst_side *j, const char *cycle,
                             const char *as_of, const char *version,
                             const char *window, PGresult **res, cs_err *err)
{
    char *cols[SIDE_COLS] = {NULL};
    cs_status rc = res_arrays(j->res, cols, SIDE_COLS, err);

    if (rc == CS_OK) {
        const char *p[] = {cycle,   as_of,   cols[0], version, window, cols[1],
                           cols[2], cols[3], cols[4], cols[5], cols[6]};
        rc = cs_pg_run(a->db, "indicators_rolls", 11, p, res, err);
    }
    for (int c = 0; c < SIDE_COLS; c++)
        free(cols[c]);
    return rc;
}

/* aggregates_rest's rows once the thread is done; NULL without them. */
static const PGresult *side_agg(analyst_side *j)
{
    if (j->started) {
        pthread_join(j->th, NULL);
        j->started = false;
    }
    return j->agg;
}

/* aggregates_merge: p the cycle, version and thresholds (5), cur the
 * scores just written (enterprise, score, level), the side's part and
 * the stale enterprises' groups as arrays. */
#define AGG_COLS 6
#define MEM_COLS 3
static cs_status agg_merge(analyst *a, analyst_side *j, char *const *cur,
                           const char *const *p, PGresult **res, cs_err *err)
{
    char *cols[AGG_COLS + MEM_COLS] = {NULL};
    cs_status rc = res_arrays(j->agg, cols, AGG_COLS, err);

    if (rc == CS_OK)
        rc = res_arrays(j->mem, cols + AGG_COLS, MEM_COLS, err);
    if (rc == CS_OK) {
        const char *q[] = {p[0],    p[1],    p[2],    p[3],    p[4],    cur[0],
                           cur[1],  cur[2],  cols[0], cols[1], cols[2], cols[3],
                           cols[4], cols[5], cols[6], cols[7], cols[8]};
        rc = cs_pg_run(a->db, "aggregates_merge", 17, q, res, err);
    }
    for (int c = 0; c < AGG_COLS + MEM_COLS; c++)
        free(cols[c]);
    return rc;
}

cs_status analyst_score(analyst *a, const analyst_model *m, int64_t cycle_id,
                        const char *as_of, const analyst_incr *incr,
                        analyst_prop *prop, analyst_fc *fc,
                        analyst_summary *sum, cs_err *err)
{
    cs_status rc;
    PGresult *res = NULL, *now_res = NULL;
    const char *crit_ids = "{}", *crit_vals = "{}";
    crit_job cj = {0};
    crit_out co = {0};
    char cycle[24], version[16], window[16], ev_window[16];
    size_t n = 0, k = m->n_inds;
    double *x = NULL, *y = NULL, *score = NULL, *contrib = NULL;
    cs_risk_level *level = NULL;
    uint32_t *group = NULL;
    double w[IND_N];
    char w_txt[IND_N][40];
    cs_risk *r = NULL;
    cs_copybuf cb = {0};
    const char *names[IND_N];
    char *components = NULL;
    char explain[EXPLAIN_BYTES];
    const char *now_text;
    double t;
    int floor_col;
    score_basis basis = {0};
    bool use_basis = false;
    char(*keys)[GROUP_KEY_BYTES] = NULL;
    size_t n_keys = 0;
    cs_risk_norm_param *par = NULL;
    cur_arrays cur = {0};

    snprintf(cycle, sizeof(cycle), "%lld", (long long)cycle_id);
    snprintf(version, sizeof(version), "%d", m->version);
    snprintf(window, sizeof(window), "%u", (unsigned)m->window_days);
    snprintf(ev_window, sizeof(ev_window), "%u",
             (unsigned)m->event_window_days);

    t = analyst_clock();
    /* The transaction's now(): this cycle's rows' computed_at, as a
     * constant, so that planning keeps one partition of each table
     * partitioned by it (now() itself left them all to planning: 0.1 s
     * at 10^4). */
    rc = cs_pg_query(a->db, "SELECT now()::text", 0, NULL, &now_res, err);
    if (rc != CS_OK)
        goto out;
    now_text = PQgetvalue(now_res, 0, 0);
    /* Incremental: no link changed, so every criticality is the last
     * full cycle's; only the stale enterprises get rows of this cycle.
     * A cycle's full recompute (prop: not a backtest) computes it beside
     * the other indicators (crit_thread), and the propagation runs'
     * thread starts once it is done, so that the two take the other
     * core one after the other. */
    if (incr == NULL && prop != NULL && a->cfg->side_connections) {
        PGresult *ex = NULL;
        cs_err uerr = {0};

        if (cs_pg_query(a->db, "SELECT pg_export_snapshot()", 0, NULL, &ex,
                        &uerr) == CS_OK) {
            cj.dsn = a->cfg->pg_dsn;
            cj.m = m;
            cj.fc = fc;
            snprintf(cj.cycle, sizeof(cj.cycle), "%s", cycle);
            snprintf(cj.snap, sizeof(cj.snap), "%s", PQgetvalue(ex, 0, 0));
            cj.started = pthread_create(&cj.th, NULL, crit_thread, &cj) == 0;
        }
        PQclear(ex);
    }
    if (incr == NULL && !cj.started) {
        rc = crit_compute(a->db, m, cycle, &co, err);
        sum->n_model_errors += co.model_errors;
        if (rc == CS_OK)
            rc = crit_store(a, &co, err);
        if (rc != CS_OK)
            goto out;
        crit_ids = co.ids;
        crit_vals = co.vals;
    }
    if (incr != NULL)
        analyst_propagate_go(prop);
    sum->s_criticality = analyst_clock() - t;
    t = analyst_clock();
    if (incr != NULL && incr->side != NULL) {
        /* what the roll-ups do not give from beside, then the rest */
        analyst_side *j = incr->side;
        double tw = analyst_clock();

        pthread_mutex_lock(&j->mu);
        while (!j->ind_done)
            pthread_cond_wait(&j->cv, &j->mu);
        pthread_mutex_unlock(&j->mu);
        sum->s_indicators_side = j->secs_ind;
        if (j->res == NULL)
            cs_log_warn("indicators beside the cycle failed; in it",
                        CS_KV_STR("error", j->err.msg),
                        CS_KV_DBL("waited_s", analyst_clock() - tw));
        else
            rc = side_finish(a, j, cycle, as_of, version, window, &res, err);
    }
    if (incr != NULL && (incr->side == NULL || incr->side->res == NULL)) {
        /* The stale enterprises one by one, by index (nested loops),
         * from the roll-ups this cycle brought up to date; the window's
         * first and end day of production as dates. */
        const char *q[] = {as_of, window};
        PGresult *days = NULL;

        rc = cs_pg_query(a->db,
                         "SELECT ($1::timestamptz - make_interval(days =>"
                         " $2::int))::date::text, $1::timestamptz::date::text",
                         2, q, &days, err);
        if (rc == CS_OK) {
            const char *p[] = {cycle,
                               as_of,
                               ev_window,
                               version,
                               window,
                               incr->stale,
                               incr->full_cycle,
                               incr->full_at,
                               PQgetvalue(days, 0, 0),
                               PQgetvalue(days, 0, 1)};
            rc = cs_pg_run(a->db, "indicators_stale", 10, p, &res, err);
        }
        PQclear(days);
    } else if (incr == NULL) {
        const char *p[] = {cycle,    as_of,     ev_window, version, window,
                           crit_ids, crit_vals, NULL,      NULL,    NULL};
        /* The CTEs carry no statistics: the planner took a few thousand
         * rows for 10^5 and joined them in nested loops (each delivered
         * line's shipment looked up by index, 146,000 times at 10^4). The
         * cross join of risk events and enterprises stays a nested loop
         * at the price of disable_cost, which would set off JIT (the
         * backtest's transaction does not turn it off as the cycle's
         * does), so JIT goes off too. */
        rc = cs_pg_exec(
            a->db, "SET LOCAL enable_nestloop = off; SET LOCAL jit = off", err);
        if (rc == CS_OK && cj.started) {
            /* into ind_tmp, criticality after (analyst_sql_ind_crit) */
            char *sql = NULL;

            rc = ind_into_tmp(&sql, err);
            if (rc == CS_OK)
                rc = cs_pg_exec(a->db, analyst_sql_ind_tmp, err);
            if (rc == CS_OK)
                rc = cs_pg_query(a->db, sql, 10, p, &res, err);
            free(sql);
        } else if (rc == CS_OK) {
            rc = cs_pg_run(a->db, "indicators", 10, p, &res, err);
        }
        if (rc == CS_OK)
            rc = cs_pg_exec(a->db, "SET LOCAL enable_nestloop = on", err);
        if (rc == CS_OK && cj.started) {
            /* criticality from beside: the chains, then the rows' */
            double tc = analyst_clock();

            pthread_join(cj.th, NULL);
            cj.started = false;
            sum->s_criticality_side = cj.secs;
            if (!cj.done) {
                cs_log_warn("criticality beside the cycle failed; in it",
                            CS_KV_STR("error", cj.err.msg));
                crit_free(&cj.out);
                rc = crit_compute(a->db, m, cycle, &cj.out, err);
            }
            analyst_propagate_go(prop);
            sum->n_model_errors += cj.out.model_errors;
            if (rc == CS_OK)
                rc = crit_store(a, &cj.out, err);
            if (rc == CS_OK) {
                const char *q[] = {cj.out.ids, cj.out.vals};
                rc = cs_pg_query(a->db, analyst_sql_ind_crit, 2, q, NULL, err);
            }
            if (rc == CS_OK)
                rc = cs_pg_exec(a->db, "DROP TABLE ind_tmp", err);
            sum->s_criticality += analyst_clock() - tc;
        }
    }
    if (rc != CS_OK) {
        cs_err_wrap(err, "could not compute indicators");
        goto out;
    }
    sum->n_recomputed = strtoull(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    res = NULL;
    /* An incremental cycle scores the stale enterprises only, against
     * the last full cycle's basis; without one (the first cycle of a
     * version after an upgrade), everyone as in a full cycle. */
    if (incr != NULL) {
        rc = basis_load(a, m, version, &basis, &use_basis, err);
        if (rc != CS_OK)
            goto out;
        if (!use_basis) {
            /* Everyone's current indicators as this cycle's rows. */
            const char *p[] = {cycle, version, incr->full_cycle, incr->full_at,
                               incr->stale};

            cs_log_info("no scoring basis of this model version: scoring "
                        "everyone");
            rc = cs_pg_run(a->db, "indicators_carry", 5, p, NULL, err);
            if (rc != CS_OK) {
                cs_err_wrap(err, "could not carry indicators forward");
                goto out;
            }
        }
    }
    {
        /* This cycle's rows only: with a basis those are the stale
         * enterprises' (an = ANY of thousands of codes here cost 0.3 s
         * of planning at 10^4), without one everyone's. */
        const char *p[] = {cycle, NULL, now_text};
        rc = cs_pg_run(a->db, "indicators_read", 3, p, &res, err);
        if (rc != CS_OK)
            goto out;
    }
    n = (size_t)PQntuples(res);
    sum->n_enterprises = n;
    sum->s_indicators = analyst_clock() - t;
    t = analyst_clock();
    if (n == 0)
        goto out;
    x = calloc(n * k, sizeof(*x));
    y = calloc(n * k, sizeof(*y));
    contrib = calloc(n * k, sizeof(*contrib));
    score = calloc(n, sizeof(*score));
    level = calloc(n, sizeof(*level));
    group = calloc(n, sizeof(*group));
    components = malloc(COMPONENTS_BYTES);
    if (x == NULL || y == NULL || contrib == NULL || score == NULL ||
        level == NULL || group == NULL || components == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++)
            x[i * k + j] =
                analyst_num(PQgetvalue(res, (int)i, 3 + (int)m->inds[j]));
    if (use_basis) {
        cs_risk_dir dir[IND_N];

        for (size_t j = 0; j < k; j++) {
            dir[j] = analyst_inds[m->inds[j]].dir;
            names[j] = analyst_inds[m->inds[j]].name;
        }
        basis_groups(&basis, res, m->peers == PEER_INDUSTRY ? 1 : 2, n,
                     m->peers != PEER_NONE, group);
        rc = cs_risk_normalise_with(x, n, k, dir, group, basis.n_groups + 1,
                                    m->norm, basis.par, y, err);
        if (rc != CS_OK) {
            sum->n_model_errors++;
            cs_err_wrap(err, "could not normalise indicators");
            goto out;
        }
        memcpy(w, basis.w, k * sizeof(*w));
    } else {
        cs_risk_dir dir[IND_N];

        if (m->peers != PEER_NONE) {
            rc = group_ids(res, m->peers == PEER_INDUSTRY ? 1 : 2, n, group,
                           &keys, &n_keys, err);
        } else {
            keys = calloc(1, sizeof(*keys)); /* one group, key "" */
            n_keys = 1;
            rc = keys == NULL ? cs_err_set(err, CS_E_NOMEM, "out of memory")
                              : CS_OK;
        }
        par = rc == CS_OK ? calloc(n_keys * k, sizeof(*par)) : NULL;
        if (rc == CS_OK && par == NULL)
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        if (rc != CS_OK)
            goto out;
        for (size_t j = 0; j < k; j++) {
            dir[j] = analyst_inds[m->inds[j]].dir;
            names[j] = analyst_inds[m->inds[j]].name;
        }
        rc = cs_risk_normalise_fit(x, n, k, dir, group, n_keys, m->norm, y, par,
                                   err);
        if (rc != CS_OK) {
            sum->n_model_errors++;
            cs_err_wrap(err, "could not normalise indicators");
            goto out;
        }
        rc = weights(m, y, n, k, w, sum, err);
        if (rc == CS_OK)
            rc = basis_store(a, m, cycle, version, w, keys, n_keys, par, err);
        if (rc != CS_OK)
            goto out;
    }
    r = cs_risk_new(w, k, &m->thresholds, err);
    if (r == NULL) {
        rc = err->code;
        sum->n_model_errors++;
        goto out;
    }
    rc = cs_risk_score(r, y, n, score, contrib, level, err);
    if (rc != CS_OK) {
        sum->n_model_errors++;
        goto out;
    }
    floor_col = event_floor(m, x, n, k, level);
    for (size_t j = 0; j < k; j++)
        analyst_fmt_double(w_txt[j], sizeof(w_txt[j]), w[j], "null");
    for (size_t i = 0; i < n; i++) {
        char num[40];

        cs_risk_explain(score[i], level[i], names, &x[i * k], &contrib[i * k],
                        k, 3, explain, sizeof(explain));
        if (floor_col >= 0 && x[i * k + (size_t)floor_col] >= m->floor_exposure)
            floor_note(explain, sizeof(explain), m,
                       x[i * k + (size_t)floor_col]);
        components_json(m, &x[i * k], &y[i * k], w_txt, &contrib[i * k],
                        components, COMPONENTS_BYTES);
        analyst_fmt_double(num, sizeof(num), score[i], "null");
        cs_copybuf_field(&cb, cycle, true);
        cs_copybuf_field(&cb, PQgetvalue(res, (int)i, 0), false);
        cs_copybuf_field(&cb, now_text, false);
        cs_copybuf_field(&cb, version, false);
        cs_copybuf_field(&cb, num, false);
        cs_copybuf_field(&cb, cs_risk_level_name(level[i]), false);
        cs_copybuf_field(&cb, components, false);
        cs_copybuf_field(&cb, explain, false);
        cs_copybuf_end_row(&cb);
        if (!cur_add(&cur, PQgetvalue(res, (int)i, 0), num,
                     cs_risk_level_name(level[i]))) {
            rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
            goto out;
        }
    }
    if (cb.failed || !cur_end(&cur)) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    rc = cs_pg_copy(a->db, analyst_copy_scores, &cb, err);
    if (rc != CS_OK) {
        cs_err_wrap(err, "could not store risk scores");
        goto out;
    }
    /* The current score of each enterprise scored: its row of this
     * cycle, from the values just written (not read back: 2 kB rows).
     * Then every roll-up from the current scores (regions and
     * industries; chains and tiers on the last full cycle's
     * membership), so an incremental cycle's roll-ups are whole too. */
    {
        const char *p[] = {cycle, version, cur.buf[0], cur.buf[1], cur.buf[2]};
        rc = cs_pg_run(a->db, "scores_current", 5, p, NULL, err);
        if (rc != CS_OK) {
            cs_err_wrap(err, "could not store the current scores");
            goto out;
        }
    }
    {
        PGresult *agg = NULL;
        char th[3][40];
        const char *p[] = {cycle, version, th[0], th[1], th[2]};

        analyst_fmt_double(th[0], sizeof(th[0]), m->thresholds.yellow, "0");
        analyst_fmt_double(th[1], sizeof(th[1]), m->thresholds.orange, "0");
        analyst_fmt_double(th[2], sizeof(th[2]), m->thresholds.red, "0");
        if (incr != NULL && incr->side != NULL &&
            side_agg(incr->side) != NULL && use_basis) {
            /* the others' part from beside, the stale ones' here (not
             * when everyone was scored: no basis) */
            rc = agg_merge(a, incr->side, cur.buf, p, &agg, err);
            sum->aggregates_side = true;
        } else {
            rc = cs_pg_run(a->db, "aggregates_all", 5, p, &agg, err);
        }
        if (rc == CS_OK)
            sum->n_aggregates += strtoull(PQcmdTuples(agg), NULL, 10);
        PQclear(agg);
        if (rc != CS_OK) {
            cs_err_wrap(err, "could not roll risk up");
            goto out;
        }
    }
    sum->s_write = analyst_clock() - t;
out:
    for (size_t j = 0; j < CUR_COLS; j++)
        free(cur.buf[j]);
    basis_free(&basis);
    free(par);
    free(keys);
    cs_copybuf_free(&cb);
    cs_risk_free(r);
    free(components);
    free(group);
    free(level);
    free(score);
    free(contrib);
    free(y);
    free(x);
    if (cj.started)
        pthread_join(cj.th, NULL);
    crit_free(&cj.out);
    crit_free(&co);
    PQclear(now_res);
    PQclear(res);
    return rc;
}
