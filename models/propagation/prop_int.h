/* prop_int.h - internals shared by the propagation files: the CSR graph
 * layout and the thin LP interface over GLPK (lp_glpk.c), so no other
 * file includes glpk.h. */
#ifndef PROP_INT_H
#define PROP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cs_graph.h"

struct cs_graph {
    size_t n_nodes, n_links;
    cs_node *nodes;    /* n_nodes */
    cs_link *links;    /* n_links, sorted by supplier */
    uint32_t *out_off; /* n_nodes + 1: links[out_off[i]..] leave node i */
    uint32_t *in_off;  /* n_nodes + 1: in_idx[in_off[i]..] enter node i */
    uint32_t *in_idx;  /* n_links indices into links */
    /* The cascade's hot loop reads a buyer's inputs in order, so their
     * fields are also kept in in-CSR order (structure of arrays). */
    uint32_t *in_sup; /* n_links: supplier of in-link k */
    double *in_share; /* n_links: share of in-link k */
    double *in_cover; /* n_links: cover_days of in-link k */
    uint32_t max_in_degree;
};

/* --- LP: maximise c'x s.t. row bounds, column bounds (GLPK inside) --- */
typedef struct cs__lp cs__lp;

#define CS__LP_INF 1e300 /* an absent bound */

/* Returns a new, empty maximisation problem or NULL (out of memory). */
cs__lp *cs__lp_new(void);
/* Empties the problem for reuse; keeps its allocations. */
void cs__lp_reset(cs__lp *lp);
/* Adds a column with bounds [lo, hi] and objective coefficient obj;
 * returns its 0-based index. */
size_t cs__lp_add_col(cs__lp *lp, double lo, double hi, double obj);
/* Adds a row lo <= sum val[k] * x[col[k]] <= hi (use +-CS__LP_INF). */
cs_status cs__lp_add_row(cs__lp *lp, size_t n, const size_t *col,
                         const double *val, double lo, double hi, cs_err *err);
/* Solves; on CS_OK fills *obj and x (one entry per column, or NULL). */
cs_status cs__lp_solve(cs__lp *lp, double *obj, double *x, cs_err *err);
void cs__lp_free(cs__lp *lp);

#endif
