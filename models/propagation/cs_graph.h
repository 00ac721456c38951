/* cs_graph.h - the enterprise supply graph in compressed sparse rows:
 * nodes are enterprises, links carry one input from a supplier to a
 * buyer. Shared by the cascade and the time-to-survive models. */
#ifndef CS_GRAPH_H
#define CS_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "cs_err.h"

/* Bounds beyond which a quantity is taken for an input error: they keep
 * the LP and the cascade well scaled. */
#define CS_GRAPH_MAX_QUANTITY 1e12 /* units or value per day */
#define CS_GRAPH_MAX_DAYS     36500.0

typedef struct cs_node {
    double output_per_day; /* units at full operation, >= 0 */
    double unit_value;     /* value of one unit of output, >= 0 */
    double spare_per_day;  /* capacity beyond output_per_day, units/day */
    double ttr_days;       /* time to recover if this node goes down */
    uint32_t region;       /* GB/T 2260 code or any region id */
} cs_node;

typedef struct cs_link {
    uint32_t supplier, buyer;
    uint32_t product;      /* input product; same id = substitutable */
    double volume_per_day; /* units the buyer takes at full output, >= 0 */
    double share;          /* fraction of the buyer's output that needs
                              this input, [0, 1]; a buyer's shares sum
                              to at most 1 */
    double cover_days;     /* buyer's stock of this input, in days of
                              full use, >= 0 */
} cs_link;

typedef struct cs_graph cs_graph; /* opaque */

/* Returns a new graph; the caller frees it with cs_graph_free(). Copies
 * nodes and links. Rejects self-links, ids out of range, NaN, negative
 * volumes or coverage, quantities above CS_GRAPH_MAX_QUANTITY, times
 * above CS_GRAPH_MAX_DAYS, and shares summing past 1 per buyer. */
cs_graph *cs_graph_new(size_t n_nodes, const cs_node *nodes, size_t n_links,
                       const cs_link *links, cs_err *err);

size_t cs_graph_n_nodes(const cs_graph *g);
size_t cs_graph_n_links(const cs_graph *g);
const cs_node *cs_graph_node(const cs_graph *g, uint32_t id); /* borrowed */

/* Network criticality: per node, the daily output value downstream that
 * depends on it through at most max_tiers tiers,
 *   r_i = sum over links i->b of share * (value_b + damping * r_b),
 * with value_b = output_per_day * unit_value. reach has n_nodes entries. */
cs_status cs_graph_downstream_reach(const cs_graph *g, double damping,
                                    size_t max_tiers, double *reach,
                                    cs_err *err);

void cs_graph_free(cs_graph *g); /* NULL is a no-op */

#endif
