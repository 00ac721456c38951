/* tts.c - time-to-survive as one LP per disrupted node (first tier):
 *   max t
 *   s.t. z_e + sum_a y_ae - D_e t >= 0   every link e = node -> buyer
 *        sum_(a,e) from s  y_ae - spare_s t <= 0   every alternative s
 *        0 <= z_e <= cover_e D_e,  y >= 0,  0 <= t <= max_days
 * where z_e is the buyer's stock of the input used and y_ae the extra
 * units alternative supplier a (same product, another supplier of the
 * buyer) ships to it over the disruption. */
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
    struct alt_col *alts;
    size_t n_alts, cap_alts;
    size_t *cols;
    double *vals;
    size_t cap_row;
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
    return t;
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

/* Adds the demand row of link e (node -> buyer). */
static cs_status add_link_rows(cs_tts *t, uint32_t node, const cs_link *l,
                               cs_err *err)
{
    const cs_graph *g = t->g;
    size_t n = 0;
    uint32_t b = l->buyer;
    double stock = l->cover_days * l->volume_per_day;

    if (row_room(t, 2 + (g->in_off[b + 1] - g->in_off[b])) != CS_OK)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    t->cols[n] = 0; /* t */
    t->vals[n++] = -l->volume_per_day;
    if (stock > 0.0) {
        t->cols[n] = cs__lp_add_col(t->lp, 0.0, stock, 0.0);
        t->vals[n++] = 1.0;
    }
    for (uint32_t k = g->in_off[b]; k < g->in_off[b + 1]; k++) {
        const cs_link *a = &g->links[g->in_idx[k]];
        if (a->supplier == node || a->product != l->product ||
            !(g->nodes[a->supplier].spare_per_day > 0.0))
            continue;
        if (grow((void **)&t->alts, &t->cap_alts, t->n_alts + 1,
                 sizeof(*t->alts)) != CS_OK)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        t->cols[n] = cs__lp_add_col(t->lp, 0.0, CS__LP_INF, 0.0);
        t->vals[n] = 1.0;
        t->alts[t->n_alts++] =
            (struct alt_col){.supplier = a->supplier, .col = t->cols[n]};
        n++;
    }
    return cs__lp_add_row(t->lp, n, t->cols, t->vals, 0.0, CS__LP_INF, err);
}

cs_status cs_tts_node(cs_tts *t, uint32_t node, double max_days,
                      double *tts_days, cs_err *err)
{
    const cs_graph *g;
    size_t n_rows = 0;
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
    cs__lp_reset(t->lp);
    t->n_alts = 0;
    (void)cs__lp_add_col(t->lp, 0.0, max_days, 1.0); /* t, column 0 */
    for (uint32_t e = g->out_off[node]; e < g->out_off[node + 1]; e++) {
        const cs_link *l = &g->links[e];
        if (!(l->volume_per_day > 0.0))
            continue;
        rc = add_link_rows(t, node, l, err);
        if (rc != CS_OK)
            return rc;
        n_rows++;
    }
    if (n_rows == 0) { /* nobody depends on it */
        *tts_days = max_days;
        return CS_OK;
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
    free(t->alts);
    free(t->cols);
    free(t->vals);
    free(t);
}
