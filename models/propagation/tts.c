/* tts.c - time-to-survive as one LP per disrupted node n, through the
 * tiers downstream of n (after Simchi-Levi et al. 2015):
 *   max t
 *   X_u + sum_e s_e B_e - t <= 0          node u downstream of n that
 *                                          is not an end node
 *   V_e t - V_e B_e - z_e - sum_a y_ae - V_e X_s <= 0
 *                                          affected link e = s -> u, s_e > 0
 *   sum_(a,e) from alternative supplier a  y_ae - spare_a t <= 0
 *   0 <= z_e <= cover_e V_e,  X, B, y >= 0,  0 <= t <= max_days
 * X_u is u's output over the disruption in days of full output (X_n = 0;
 * an end node - no buyers, or at the tier limit - stays at plan, X_u = t,
 * which forces B_e = 0 on its inputs, so neither appears); B_e = t - A_e
 * is the shortfall, in days, of input e (A_e the days of full use it
 * gets), z_e the buyer's stock of it used, y_ae the extra units an
 * unaffected supplier of the same product ships. Derivation and
 * hand-solved cases: docs/models/propagation.md. */
#include "cs_tts.h"
#include "prop_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct alt_col {
    uint32_t supplier;
    size_t col;
};

struct cs_tts {
    const cs_graph *g;
    cs__lp *lp;
    uint32_t max_tiers;
    /* per node, valid where stamp == gen: BFS depth and X column */
    uint32_t *stamp, *depth, *queue, gen;
    size_t *xcol;
    struct alt_col *alts;
    size_t n_alts, cap_alts;
    size_t *cols;
    double *vals;
    size_t cap_row;
    size_t *bcols; /* the production row being built */
    double *bvals;
    size_t cap_b, cap_bv;
};

cs_tts *cs_tts_new(const cs_graph *g, cs_err *err)
{
    cs_tts *t;

    if (g == NULL) {
        cs_err_set(err, CS_E_INVALID, "graph missing");
        return NULL;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL || (t->lp = cs__lp_new()) == NULL) {
        free(t);
        cs_err_set(err, CS_E_NOMEM, "out of memory");
        return NULL;
    }
    t->g = g;
    t->max_tiers = CS_TTS_DEFAULT_TIERS;
    t->stamp = calloc(g->n_nodes + 1, sizeof(*t->stamp));
    t->depth = malloc((g->n_nodes + 1) * sizeof(*t->depth));
    t->queue = malloc((g->n_nodes + 1) * sizeof(*t->queue));
    t->xcol = malloc((g->n_nodes + 1) * sizeof(*t->xcol));
    if (t->stamp == NULL || t->depth == NULL || t->queue == NULL ||
        t->xcol == NULL) {
        cs_tts_free(t);
        cs_err_set(err, CS_E_NOMEM, "out of memory");
        return NULL;
    }
    return t;
}

cs_status cs_tts_set_max_tiers(cs_tts *t, uint32_t tiers, cs_err *err)
{
    if (t == NULL || tiers == 0)
        return cs_err_set(err, CS_E_INVALID,
                          "max_tiers must be at least 1 (the node's buyers)");
    t->max_tiers = tiers;
    return CS_OK;
}

static cs_status grow(void **p, size_t *cap, size_t need, size_t elem)
{
    void *np;
    size_t nc;

    if (need <= *cap)
        return CS_OK;
    nc = need * 2;
    np = realloc(*p, nc * elem);
    if (np == NULL)
        return CS_E_NOMEM;
    *p = np;
    *cap = nc;
    return CS_OK;
}

static cs_status row_room(cs_tts *t, size_t need)
{
    size_t cap = t->cap_row;

    if (grow((void **)&t->cols, &cap, need, sizeof(*t->cols)) != CS_OK)
        return CS_E_NOMEM;
    cap = t->cap_row;
    if (grow((void **)&t->vals, &cap, need, sizeof(*t->vals)) != CS_OK)
        return CS_E_NOMEM;
    t->cap_row = cap;
    return CS_OK;
}

static int by_supplier(const void *a, const void *b)
{
    const struct alt_col *x = a, *y = b;
    if (x->supplier != y->supplier)
        return x->supplier < y->supplier ? -1 : 1;
    return x->col < y->col ? -1 : (x->col > y->col);
}

/* In the current LP: node u is n itself (down) or downstream of it. */
static int affected(const cs_tts *t, uint32_t u)
{
    return t->stamp[u] == t->gen;
}

/* Adds the input row of affected link e = s -> u (s is n or downstream
 * of it): V_e t - V_e B_e - z_e - sum_a y_ae - V_e X_s <= 0, where B_e
 * is b_col, or absent (SIZE_MAX) when u is an end node. */
static cs_status add_link_row(cs_tts *t, uint32_t node, const cs_link *l,
                              size_t b_col, cs_err *err)
{
    const cs_graph *g = t->g;
    size_t n = 0;
    uint32_t b = l->buyer;
    double stock = l->cover_days * l->volume_per_day;

    if (row_room(t, 4 + (g->in_off[b + 1] - g->in_off[b])) != CS_OK)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    t->cols[n] = 0; /* t */
    t->vals[n++] = l->volume_per_day;
    if (b_col != SIZE_MAX) {
        t->cols[n] = b_col;
        t->vals[n++] = -l->volume_per_day;
    }
    if (l->supplier != node) { /* a downstream supplier ships V_e X_s */
        t->cols[n] = t->xcol[l->supplier];
        t->vals[n++] = -l->volume_per_day;
    }
    if (stock > 0.0) {
        t->cols[n] = cs__lp_add_col(t->lp, 0.0, stock, 0.0);
        t->vals[n++] = -1.0;
    }
    for (uint32_t k = g->in_off[b]; k < g->in_off[b + 1]; k++) {
        const cs_link *a = &g->links[g->in_idx[k]];
        if (affected(t, a->supplier) || a->product != l->product ||
            !(g->nodes[a->supplier].spare_per_day > 0.0))
            continue;
        if (grow((void **)&t->alts, &t->cap_alts, t->n_alts + 1,
                 sizeof(*t->alts)) != CS_OK)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        t->cols[n] = cs__lp_add_col(t->lp, 0.0, CS__LP_INF, 0.0);
        t->vals[n] = -1.0;
        t->alts[t->n_alts++] =
            (struct alt_col){.supplier = a->supplier, .col = t->cols[n]};
        n++;
    }
    return cs__lp_add_row(t->lp, n, t->cols, t->vals, -CS__LP_INF, 0.0, err);
}

/* Marks n and every node within max_tiers links downstream of it (links
 * with volume); returns how many downstream nodes, listed in queue[1..]. */
static size_t mark_downstream(cs_tts *t, uint32_t node)
{
    const cs_graph *g = t->g;
    size_t head = 0, tail = 0;

    if (++t->gen == 0) { /* wrapped: clear the stamps once */
        memset(t->stamp, 0, (g->n_nodes + 1) * sizeof(*t->stamp));
        t->gen = 1;
    }
    t->stamp[node] = t->gen;
    t->depth[node] = 0;
    t->queue[tail++] = node;
    while (head < tail) {
        uint32_t u = t->queue[head++];
        if (t->depth[u] >= t->max_tiers)
            continue;
        for (uint32_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
            uint32_t b = g->links[e].buyer;
            if (!(g->links[e].volume_per_day > 0.0) || affected(t, b))
                continue;
            t->stamp[b] = t->gen;
            t->depth[b] = t->depth[u] + 1;
            t->queue[tail++] = b;
        }
    }
    return tail - 1;
}

/* An end node must stay at plan: it has no buyer (it meets the final
 * demand) or sits at the tier limit (its buyers are not modelled). */
static int is_end_node(const cs_tts *t, uint32_t u)
{
    const cs_graph *g = t->g;

    if (t->depth[u] >= t->max_tiers)
        return 1;
    for (uint32_t e = g->out_off[u]; e < g->out_off[u + 1]; e++)
        if (g->links[e].volume_per_day > 0.0)
            return 0;
    return 1;
}

/* Adds the rows of u's affected in-links that it needs (share > 0) and,
 * unless u is an end node, its production row
 * X_u + sum_e s_e B_e - t <= 0. */
static cs_status add_node_rows(cs_tts *t, uint32_t node, uint32_t u, int end,
                               cs_err *err)
{
    const cs_graph *g = t->g;
    size_t n = 2;
    cs_status rc;

    /* the production row is collected in bcols/bvals: add_link_row
     * uses cols/vals */
    for (uint32_t k = g->in_off[u]; k < g->in_off[u + 1]; k++) {
        const cs_link *l = &g->links[g->in_idx[k]];
        size_t b_col = SIZE_MAX;
        if (!(l->volume_per_day > 0.0 && l->share > 0.0) ||
            !affected(t, l->supplier))
            continue;
        if (l->supplier != node && t->xcol[l->supplier] == SIZE_MAX)
            continue; /* an end node at plan ships in full */
        if (!end) {
            b_col = cs__lp_add_col(t->lp, 0.0, CS__LP_INF, 0.0);
            if (grow((void **)&t->bcols, &t->cap_b, n + 1, sizeof(*t->bcols)) !=
                    CS_OK ||
                grow((void **)&t->bvals, &t->cap_bv, n + 1,
                     sizeof(*t->bvals)) != CS_OK)
                return cs_err_set(err, CS_E_NOMEM, "out of memory");
            t->bcols[n] = b_col;
            t->bvals[n++] = l->share;
        }
        rc = add_link_row(t, node, l, b_col, err);
        if (rc != CS_OK)
            return rc;
    }
    if (end)
        return CS_OK;
    if (grow((void **)&t->bcols, &t->cap_b, n, sizeof(*t->bcols)) != CS_OK ||
        grow((void **)&t->bvals, &t->cap_bv, n, sizeof(*t->bvals)) != CS_OK)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    t->bcols[0] = t->xcol[u];
    t->bvals[0] = 1.0;
    t->bcols[1] = 0;
    t->bvals[1] = -1.0;
    return cs__lp_add_row(t->lp, n, t->bcols, t->bvals, -CS__LP_INF, 0.0, err);
}

cs_status cs_tts_node(cs_tts *t, uint32_t node, double max_days,
                      double *tts_days, cs_err *err)
{
    const cs_graph *g;
    size_t n_down;
    cs_status rc;

    if (t == NULL || tts_days == NULL)
        return cs_err_set(err, CS_E_INVALID, "solver or output missing");
    g = t->g;
    if (node >= g->n_nodes)
        return cs_err_set(err, CS_E_INVALID, "node %u does not exist",
                          (unsigned)node);
    if (!(max_days > 0.0 && max_days <= CS_GRAPH_MAX_DAYS))
        return cs_err_set(err, CS_E_INVALID, "max_days must lie in (0, %.0f]",
                          CS_GRAPH_MAX_DAYS);
    n_down = mark_downstream(t, node);
    if (n_down == 0) { /* nobody depends on it */
        *tts_days = max_days;
        return CS_OK;
    }
    cs__lp_reset(t->lp);
    t->n_alts = 0;
    (void)cs__lp_add_col(t->lp, 0.0, max_days, 1.0); /* t, column 0 */
    /* X_u for the nodes that are not end nodes (end nodes: X_u = t) */
    for (size_t i = 1; i <= n_down; i++) {
        uint32_t u = t->queue[i];
        t->xcol[u] = is_end_node(t, u)
                         ? SIZE_MAX
                         : cs__lp_add_col(t->lp, 0.0, CS__LP_INF, 0.0);
    }
    for (size_t i = 1; i <= n_down; i++) {
        uint32_t u = t->queue[i];
        rc = add_node_rows(t, node, u, t->xcol[u] == SIZE_MAX, err);
        if (rc != CS_OK)
            return rc;
    }
    if (t->n_alts > 1)
        qsort(t->alts, t->n_alts, sizeof(*t->alts), by_supplier);
    for (size_t a = 0; a < t->n_alts;) {
        size_t b = a, n = 1;
        uint32_t s = t->alts[a].supplier;
        while (b < t->n_alts && t->alts[b].supplier == s)
            b++;
        if (row_room(t, b - a + 1) != CS_OK)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        t->cols[0] = 0;
        t->vals[0] = -g->nodes[s].spare_per_day;
        for (size_t k = a; k < b; k++) {
            t->cols[n] = t->alts[k].col;
            t->vals[n++] = 1.0;
        }
        rc = cs__lp_add_row(t->lp, n, t->cols, t->vals, -CS__LP_INF, 0.0, err);
        if (rc != CS_OK)
            return rc;
        a = b;
    }
    rc = cs__lp_solve(t->lp, tts_days, NULL, err);
    if (rc != CS_OK)
        return cs_err_wrap(err, "time to survive");
    *tts_days = fmin(max_days, fmax(0.0, *tts_days));
    return CS_OK;
}

static int by_risk(const void *a, const void *b)
{
    const cs_tts_entry *x = a, *y = b;
    double gx = x->ttr_days - x->tts_days, gy = y->ttr_days - y->tts_days;

    if (x->is_hidden != y->is_hidden)
        return x->is_hidden ? -1 : 1;
    if (x->is_hidden && gx != gy)
        return gx > gy ? -1 : 1;
    if (x->tts_days != y->tts_days)
        return x->tts_days < y->tts_days ? -1 : 1;
    return x->node < y->node ? -1 : (x->node > y->node);
}

cs_status cs_tts_rank(cs_tts *t, const uint32_t *nodes, size_t n,
                      double max_days, cs_tts_entry *out, cs_err *err)
{
    if (t == NULL || out == NULL || (n > 0 && nodes == NULL))
        return cs_err_set(err, CS_E_INVALID,
                          "solver, nodes or output "
                          "missing");
    for (size_t i = 0; i < n; i++) {
        double tts;
        cs_status rc = cs_tts_node(t, nodes[i], max_days, &tts, err);
        if (rc != CS_OK)
            return rc;
        out[i].node = nodes[i];
        out[i].tts_days = tts;
        out[i].ttr_days = t->g->nodes[nodes[i]].ttr_days;
        out[i].is_capped = tts >= max_days - 1e-9;
        out[i].is_hidden = tts < out[i].ttr_days - 1e-9;
    }
    qsort(out, n, sizeof(*out), by_risk);
    return CS_OK;
}

void cs_tts_free(cs_tts *t)
{
    if (t == NULL)
        return;
    cs__lp_free(t->lp);
    free(t->stamp);
    free(t->depth);
    free(t->queue);
    free(t->xcol);
    free(t->bcols);
    free(t->bvals);
    free(t->alts);
    free(t->cols);
    free(t->vals);
    free(t);
}
