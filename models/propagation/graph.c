/* graph.c - building the CSR supply graph and its criticality measure. */
#include "prop_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int quantity_ok(double v)
{
    return v >= 0.0 && v <= CS_GRAPH_MAX_QUANTITY;
}

static int days_ok(double v)
{
    return v >= 0.0 && v <= CS_GRAPH_MAX_DAYS;
}

static cs_status check_input(size_t n_nodes, const cs_node *nodes,
                             size_t n_links, const cs_link *links,
                             double *share_sum, cs_err *err)
{
    for (size_t i = 0; i < n_nodes; i++) {
        const cs_node *v = &nodes[i];
        if (!quantity_ok(v->output_per_day) || !quantity_ok(v->unit_value) ||
            !quantity_ok(v->spare_per_day) || !days_ok(v->ttr_days))
            return cs_err_set(err, CS_E_INVALID,
                              "node %zu has a negative, non-finite or "
                              "out-of-range output, value, spare capacity "
                              "or recovery time",
                              i);
    }
    for (size_t e = 0; e < n_links; e++) {
        const cs_link *l = &links[e];
        if (l->supplier >= n_nodes || l->buyer >= n_nodes)
            return cs_err_set(err, CS_E_INVALID,
                              "link %zu names a node beyond %zu", e, n_nodes);
        if (l->supplier == l->buyer)
            return cs_err_set(err, CS_E_INVALID,
                              "link %zu joins node %u to itself", e,
                              (unsigned)l->buyer);
        if (!quantity_ok(l->volume_per_day))
            return cs_err_set(err, CS_E_INVALID,
                              "link %zu has a negative, non-finite or "
                              "out-of-range volume",
                              e);
        if (!days_ok(l->cover_days))
            return cs_err_set(err, CS_E_INVALID,
                              "link %zu has negative, non-finite or "
                              "out-of-range coverage",
                              e);
        if (!(l->share >= 0.0 && l->share <= 1.0))
            return cs_err_set(err, CS_E_INVALID,
                              "link %zu has a share outside [0, 1]", e);
        share_sum[l->buyer] += l->share;
    }
    for (size_t i = 0; i < n_nodes; i++)
        if (share_sum[i] > 1.0 + 1e-9)
            return cs_err_set(err, CS_E_INVALID,
                              "input shares of node %zu sum to %.6g, more "
                              "than 1",
                              i, share_sum[i]);
    return CS_OK;
}

cs_graph *cs_graph_new(size_t n_nodes, const cs_node *nodes, size_t n_links,
                       const cs_link *links, cs_err *err)
{
    cs_graph *g = NULL;
    double *share_sum = NULL;
    uint32_t *fill = NULL;
    cs_status rc;

    if (n_nodes == 0 || nodes == NULL || (n_links > 0 && links == NULL)) {
        cs_err_set(err, CS_E_INVALID, "graph has no nodes");
        return NULL;
    }
    if (n_nodes >= UINT32_MAX || n_links >= UINT32_MAX) {
        cs_err_set(err, CS_E_TOO_LARGE, "graph exceeds 2^32 nodes or links");
        return NULL;
    }
    share_sum = calloc(n_nodes, sizeof(*share_sum));
    if (share_sum == NULL) {
        cs_err_set(err, CS_E_NOMEM, "out of memory");
        return NULL;
    }
    rc = check_input(n_nodes, nodes, n_links, links, share_sum, err);
    free(share_sum);
    if (rc != CS_OK)
        return NULL;

    g = calloc(1, sizeof(*g));
    fill = calloc(n_nodes + 1, sizeof(*fill));
    if (g == NULL || fill == NULL)
        goto nomem;
    g->n_nodes = n_nodes;
    g->n_links = n_links;
    g->nodes = malloc(n_nodes * sizeof(*g->nodes));
    g->links = malloc((n_links > 0 ? n_links : 1) * sizeof(*g->links));
    g->out_off = calloc(n_nodes + 1, sizeof(*g->out_off));
    g->in_off = calloc(n_nodes + 1, sizeof(*g->in_off));
    g->in_idx = malloc((n_links > 0 ? n_links : 1) * sizeof(*g->in_idx));
    g->in_sup = malloc((n_links > 0 ? n_links : 1) * sizeof(*g->in_sup));
    g->in_share = malloc((n_links > 0 ? n_links : 1) * sizeof(*g->in_share));
    g->in_cover = malloc((n_links > 0 ? n_links : 1) * sizeof(*g->in_cover));
    if (g->nodes == NULL || g->links == NULL || g->out_off == NULL ||
        g->in_off == NULL || g->in_idx == NULL || g->in_sup == NULL ||
        g->in_share == NULL || g->in_cover == NULL)
        goto nomem;
    memcpy(g->nodes, nodes, n_nodes * sizeof(*nodes));
    /* counting sort by supplier: stable, O(n + m) */
    for (size_t e = 0; e < n_links; e++) {
        g->out_off[links[e].supplier + 1]++;
        g->in_off[links[e].buyer + 1]++;
    }
    for (size_t i = 0; i < n_nodes; i++) {
        g->out_off[i + 1] += g->out_off[i];
        g->in_off[i + 1] += g->in_off[i];
    }
    memcpy(fill, g->out_off, n_nodes * sizeof(*fill));
    for (size_t e = 0; e < n_links; e++)
        g->links[fill[links[e].supplier]++] = links[e];
    memcpy(fill, g->in_off, n_nodes * sizeof(*fill));
    for (size_t e = 0; e < n_links; e++)
        g->in_idx[fill[g->links[e].buyer]++] = (uint32_t)e;
    for (size_t k = 0; k < n_links; k++) {
        const cs_link *l = &g->links[g->in_idx[k]];
        g->in_sup[k] = l->supplier;
        g->in_share[k] = l->share;
        g->in_cover[k] = l->cover_days;
    }
    for (size_t i = 0; i < n_nodes; i++)
        if (g->in_off[i + 1] - g->in_off[i] > g->max_in_degree)
            g->max_in_degree = g->in_off[i + 1] - g->in_off[i];
    free(fill);
    return g;
nomem:
    free(fill);
    cs_graph_free(g);
    cs_err_set(err, CS_E_NOMEM, "out of memory building the graph");
    return NULL;
}

size_t cs_graph_n_nodes(const cs_graph *g)
{
    return g != NULL ? g->n_nodes : 0;
}

size_t cs_graph_n_links(const cs_graph *g)
{
    return g != NULL ? g->n_links : 0;
}

const cs_node *cs_graph_node(const cs_graph *g, uint32_t id)
{
    return g != NULL && id < g->n_nodes ? &g->nodes[id] : NULL;
}

cs_status cs_graph_downstream_reach(const cs_graph *g, double damping,
                                    size_t max_tiers, double *reach,
                                    cs_err *err)
{
    double *prev;

    if (g == NULL || reach == NULL)
        return cs_err_set(err, CS_E_INVALID, "graph or output missing");
    if (!(damping >= 0.0 && damping <= 1.0))
        return cs_err_set(err, CS_E_INVALID, "damping must lie in [0, 1]");
    prev = calloc(g->n_nodes, sizeof(*prev));
    if (prev == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    memset(reach, 0, g->n_nodes * sizeof(*reach));
    /* Jacobi sweeps: after k sweeps, reach counts paths of <= k tiers */
    for (size_t k = 0; k < max_tiers; k++) {
        for (size_t i = 0; i < g->n_nodes; i++) {
            double r = 0.0;
            for (uint32_t e = g->out_off[i]; e < g->out_off[i + 1]; e++) {
                const cs_link *l = &g->links[e];
                const cs_node *b = &g->nodes[l->buyer];
                r += l->share * (b->output_per_day * b->unit_value +
                                 damping * prev[l->buyer]);
            }
            reach[i] = r;
        }
        memcpy(prev, reach, g->n_nodes * sizeof(*prev));
    }
    free(prev);
    return CS_OK;
}

void cs_graph_free(cs_graph *g)
{
    if (g == NULL)
        return;
    free(g->nodes);
    free(g->links);
    free(g->out_off);
    free(g->in_off);
    free(g->in_idx);
    free(g->in_sup);
    free(g->in_share);
    free(g->in_cover);
    free(g);
}
