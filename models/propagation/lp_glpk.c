/* lp_glpk.c - the thin LP interface of prop_int.h over GLPK: the one
 * file that includes glpk.h, so the solver can be swapped (COIN-OR Clp
 * has a C API too). GLPK's terminal output is off; inputs are checked
 * before every call, as GLPK aborts on misuse. */
#include "cs_tts.h"
#include "prop_int.h"

#include <glpk.h>
#include <math.h>
#include <stdlib.h>

struct cs__lp {
    glp_prob *p;
    int *ind; /* 1-based row scratch for glp_set_mat_row */
    double *val;
    size_t cap;
};

static void set_dir(glp_prob *p)
{
    glp_set_obj_dir(p, GLP_MAX);
}

cs__lp *cs__lp_new(void)
{
    cs__lp *lp = calloc(1, sizeof(*lp));

    if (lp == NULL)
        return NULL;
    lp->p = glp_create_prob();
    set_dir(lp->p);
    return lp;
}

void cs__lp_reset(cs__lp *lp)
{
    glp_erase_prob(lp->p);
    set_dir(lp->p);
}

static int bound_type(double lo, double hi)
{
    int has_lo = lo > -CS__LP_INF, has_hi = hi < CS__LP_INF;

    if (has_lo && has_hi)
        return lo == hi ? GLP_FX : GLP_DB;
    if (has_lo)
        return GLP_LO;
    if (has_hi)
        return GLP_UP;
    return GLP_FR;
}

size_t cs__lp_add_col(cs__lp *lp, double lo, double hi, double obj)
{
    int j = glp_add_cols(lp->p, 1);

    glp_set_col_bnds(lp->p, j, bound_type(lo, hi), lo, hi);
    glp_set_obj_coef(lp->p, j, obj);
    return (size_t)(j - 1);
}

cs_status cs__lp_add_row(cs__lp *lp, size_t n, const size_t *col,
                         const double *val, double lo, double hi, cs_err *err)
{
    size_t n_cols = (size_t)glp_get_num_cols(lp->p);
    int i;

    if (!(lo <= hi) || n >= (size_t)INT32_MAX)
        return cs_err_set(err, CS_E_INTERNAL, "bad LP row bounds");
    if (n + 1 > lp->cap) {
        size_t cap = 2 * (n + 1);
        int *ind = realloc(lp->ind, cap * sizeof(*ind));
        double *v;
        if (ind == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        lp->ind = ind;
        v = realloc(lp->val, cap * sizeof(*v));
        if (v == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        lp->val = v;
        lp->cap = cap;
    }
    for (size_t k = 0; k < n; k++) {
        if (col[k] >= n_cols || !isfinite(val[k]))
            return cs_err_set(err, CS_E_INTERNAL, "bad LP row entry");
        lp->ind[k + 1] = (int)col[k] + 1;
        lp->val[k + 1] = val[k];
    }
    i = glp_add_rows(lp->p, 1);
    glp_set_row_bnds(lp->p, i, bound_type(lo, hi), lo, hi);
    glp_set_mat_row(lp->p, i, (int)n, lp->ind, lp->val);
    return CS_OK;
}

cs_status cs__lp_solve(cs__lp *lp, double *obj, double *x, cs_err *err)
{
    glp_smcp parm;
    int ret, status, old_term;

    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    /* glp_adv_basis prints regardless of msg_lev: silence this thread's
     * GLPK terminal for the call and restore what the caller had */
    old_term = glp_term_out(GLP_OFF);
    /* a crash basis from the problem's own structure: the TTS LPs are
     * small and differ per node, so this beats carrying a basis over */
    if (glp_get_num_rows(lp->p) > 0)
        glp_adv_basis(lp->p, 0);
    ret = glp_simplex(lp->p, &parm);
    glp_term_out(old_term);
    if (ret != 0)
        return cs_err_set(err, CS_E_NUMERIC, "LP solver failed (GLPK code %d)",
                          ret);
    status = glp_get_status(lp->p);
    if (status != GLP_OPT)
        return cs_err_set(err, CS_E_NUMERIC,
                          "LP has no optimal solution (GLPK status %d)",
                          status);
    *obj = glp_get_obj_val(lp->p);
    if (x != NULL)
        for (int j = 1; j <= glp_get_num_cols(lp->p); j++)
            x[j - 1] = glp_get_col_prim(lp->p, j);
    return CS_OK;
}

void cs__lp_free(cs__lp *lp)
{
    if (lp == NULL)
        return;
    glp_delete_prob(lp->p);
    free(lp->ind);
    free(lp->val);
    free(lp);
}

void cs_tts_thread_done(void)
{
    glp_free_env();
}
