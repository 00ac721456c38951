/* cascade.c - the day-by-day cascade. Only nodes that a loss can reach
 * are simulated: a node joins the active set when it is shocked or one
 * of its suppliers falls below plan, and an inactive node is exactly at
 * plan with full stock, so skipping it changes nothing. */
#include "cs_cascade.h"
#include "prop_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Bound on nodes x days kept when keep_levels is set (1 GiB). */
#define CS_CASCADE_MAX_LEVELS ((uint64_t)1 << 27)

/* Operating levels closer to 1 than this count as "at plan". */
#define CS_CASCADE_EPS 1e-9

const cs_cascade_opts cs_cascade_default_opts = {
    .horizon_days = 90, .surge = 0.1, .fn = CS_PROD_LINEAR, .keep_levels = 0};

/* Per-node shock windows, in CSR form: node i is hit by
 * win[win_off[i] .. win_off[i+1]). */
struct window {
    double loss;
    uint32_t start, end; /* [start, end) days */
};

struct sim {
    const cs_graph *g;
    cs_cascade_opts o;
    uint32_t *win_off;
    struct window *win;
    double *x_prev, *x_cur; /* n_nodes levels, yesterday and today */
    double *inv;            /* n_links stock in days of full use, in
                               in-CSR order */
    double *avail;          /* max_in_degree scratch */
    uint32_t *active;       /* active node ids, in joining order */
    size_t n_active;
    int32_t *slot; /* node -> index in active, or -1 */
    int32_t *tier; /* node -> BFS distance from shocked nodes */
    /* per active slot */
    int32_t *tts, *last_below;
    double *min_level, *lost;
    double *levels; /* n_nodes x horizon if keep_levels */
};

static void sim_free(struct sim *s)
{
    free(s->win_off);
    free(s->win);
    free(s->x_prev);
    free(s->x_cur);
    free(s->inv);
    free(s->avail);
    free(s->active);
    free(s->slot);
    free(s->tier);
    free(s->tts);
    free(s->last_below);
    free(s->min_level);
    free(s->lost);
    free(s->levels);
}

static int node_in_shock(const cs_graph *g, const cs_shock *sh, uint32_t i,
                         const unsigned char *listed)
{
    return listed[i] || (sh->has_region && g->nodes[i].region == sh->region);
}

static cs_status check_shocks(const cs_graph *g, const cs_shock *shocks,
                              size_t n_shocks, cs_err *err)
{
    for (size_t k = 0; k < n_shocks; k++) {
        const cs_shock *sh = &shocks[k];
        if (!(sh->capacity_loss >= 0.0 && sh->capacity_loss <= 1.0))
            return cs_err_set(err, CS_E_INVALID,
                              "shock %zu: capacity loss must lie in [0, 1]", k);
        if (sh->n_nodes > 0 && sh->nodes == NULL)
            return cs_err_set(err, CS_E_INVALID, "shock %zu: node list missing",
                              k);
        for (size_t j = 0; j < sh->n_nodes; j++)
            if (sh->nodes[j] >= g->n_nodes)
                return cs_err_set(err, CS_E_INVALID,
                                  "shock %zu: node %u does not exist", k,
                                  (unsigned)sh->nodes[j]);
    }
    return CS_OK;
}

/* Builds the per-node windows; a node listed twice in one shock counts
 * once. */
static cs_status build_windows(struct sim *s, const cs_shock *shocks,
                               size_t n_shocks)
{
    const cs_graph *g = s->g;
    unsigned char *listed = calloc(g->n_nodes, 1);
    uint32_t *fill = NULL;
    size_t total = 0;

    s->win_off = calloc(g->n_nodes + 1, sizeof(*s->win_off));
    if (listed == NULL || s->win_off == NULL)
        goto nomem;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < n_shocks; k++) {
            const cs_shock *sh = &shocks[k];
            for (size_t j = 0; j < sh->n_nodes; j++)
                listed[sh->nodes[j]] = 1;
            for (uint32_t i = 0; i < g->n_nodes; i++) {
                if (!node_in_shock(g, sh, i, listed))
                    continue;
                if (pass == 0) {
                    s->win_off[i + 1]++;
                    total++;
                } else {
                    uint64_t end = (uint64_t)sh->start_day + sh->duration_days;
                    s->win[fill[i]++] = (struct window){
                        .loss = sh->capacity_loss,
                        .start = sh->start_day,
                        .end = end > UINT32_MAX ? UINT32_MAX : (uint32_t)end};
                }
            }
            for (size_t j = 0; j < sh->n_nodes; j++)
                listed[sh->nodes[j]] = 0;
        }
        if (pass == 0) {
            for (size_t i = 0; i < g->n_nodes; i++)
                s->win_off[i + 1] += s->win_off[i];
            s->win = malloc((total > 0 ? total : 1) * sizeof(*s->win));
            fill = malloc(g->n_nodes * sizeof(*fill));
            if (s->win == NULL || fill == NULL)
                goto nomem;
            memcpy(fill, s->win_off, g->n_nodes * sizeof(*fill));
        }
    }
    free(fill);
    free(listed);
    return CS_OK;
nomem:
    free(fill);
    free(listed);
    return CS_E_NOMEM;
}

static double capacity(const struct sim *s, uint32_t i, uint32_t day)
{
    double loss = 0.0;

    for (uint32_t k = s->win_off[i]; k < s->win_off[i + 1]; k++)
        if (day >= s->win[k].start && day < s->win[k].end)
            loss = fmax(loss, s->win[k].loss);
    return 1.0 - loss;
}

static void activate(struct sim *s, uint32_t i, uint32_t day)
{
    size_t k;

    if (s->slot[i] >= 0)
        return;
    k = s->n_active++;
    s->slot[i] = (int32_t)k;
    s->active[k] = i;
    s->tts[k] = -1;
    s->last_below[k] = -1;
    s->min_level[k] = 1.0;
    if (s->levels != NULL) /* at plan until it is first stepped */
        for (uint32_t d = 0; d <= day && d < s->o.horizon_days; d++)
            s->levels[k * s->o.horizon_days + d] = 1.0;
}

/* Multi-source BFS down the links from every shocked node. */
static cs_status compute_tiers(struct sim *s)
{
    const cs_graph *g = s->g;
    uint32_t *queue = malloc(g->n_nodes * sizeof(*queue));
    size_t head = 0, tail = 0;

    if (queue == NULL)
        return CS_E_NOMEM;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        s->tier[i] = -1;
        if (s->win_off[i + 1] > s->win_off[i]) {
            s->tier[i] = 0;
            queue[tail++] = i;
        }
    }
    while (head < tail) {
        uint32_t i = queue[head++];
        for (uint32_t e = g->out_off[i]; e < g->out_off[i + 1]; e++) {
            uint32_t b = g->links[e].buyer;
            if (s->tier[b] < 0) {
                s->tier[b] = s->tier[i] + 1;
                queue[tail++] = b;
            }
        }
    }
    free(queue);
    return CS_OK;
}

/* One node, one day: draw stock, set today's level. Input k of the node
 * is in-CSR position k: its stock is inv[k]. Every value here is finite,
 * so plain comparisons replace fmin/fmax (library calls without
 * -ffinite-math-only): this loop is most of a cascade's time. */
static double step_node(struct sim *s, uint32_t b, uint32_t day)
{
    const cs_graph *g = s->g;
    const double boost = 1.0 + s->o.surge;
    double cap = capacity(s, b, day), x, short_sum = 0.0, min_avail = 1.0;
    uint32_t lo = g->in_off[b], hi = g->in_off[b + 1];
    double *avail = s->avail;

    for (uint32_t k = lo; k < hi; k++) {
        double v = s->inv[k] + s->x_prev[g->in_sup[k]] * boost;
        double a = v < 1.0 ? v : 1.0;
        double share = g->in_share[k];
        avail[k - lo] = v;
        short_sum += share * (1.0 - a);
        if (share > 0.0)
            min_avail = a < min_avail ? a : min_avail;
    }
    if (s->o.fn == CS_PROD_LEONTIEF)
        x = min_avail < cap ? min_avail : cap;
    else
        x = cap * (1.0 - short_sum);
    x = x > cap ? cap : (x > 0.0 ? x : 0.0);
    /* Stock: today's deliveries in, today's use out, refilled at most to
     * the planned cover. The input runs at the output level. */
    for (uint32_t k = lo; k < hi; k++) {
        double v = avail[k - lo], left = v - (x < v ? x : v);
        double cover = g->in_cover[k];
        s->inv[k] = left < cover ? left : cover;
    }
    return x;
}

static cs_status alloc_sim(struct sim *s)
{
    size_t n = s->g->n_nodes, m = s->g->n_links;

    s->x_prev = malloc(n * sizeof(double));
    s->x_cur = malloc(n * sizeof(double));
    s->inv = malloc((m > 0 ? m : 1) * sizeof(double));
    s->avail = malloc((s->g->max_in_degree > 0 ? s->g->max_in_degree : 1) *
                      sizeof(double));
    s->active = malloc(n * sizeof(uint32_t));
    s->slot = malloc(n * sizeof(int32_t));
    s->tier = malloc(n * sizeof(int32_t));
    s->tts = malloc(n * sizeof(int32_t));
    s->last_below = malloc(n * sizeof(int32_t));
    s->min_level = malloc(n * sizeof(double));
    s->lost = calloc(n, sizeof(double));
    if (s->x_prev == NULL || s->x_cur == NULL || s->inv == NULL ||
        s->avail == NULL || s->active == NULL || s->slot == NULL ||
        s->tier == NULL || s->tts == NULL || s->last_below == NULL ||
        s->min_level == NULL || s->lost == NULL)
        return CS_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        s->x_prev[i] = 1.0;
        s->x_cur[i] = 1.0;
        s->slot[i] = -1;
    }
    memcpy(s->inv, s->g->in_cover, m * sizeof(double));
    return CS_OK;
}

static int by_lost_value(const void *a, const void *b)
{
    const cs_impact *x = a, *y = b;
    if (x->lost_value != y->lost_value)
        return x->lost_value > y->lost_value ? -1 : 1;
    if (x->lost_units != y->lost_units)
        return x->lost_units > y->lost_units ? -1 : 1;
    return x->node < y->node ? -1 : (x->node > y->node);
}

static cs_status collect(struct sim *s, cs_cascade_result *r)
{
    const cs_graph *g = s->g;
    uint32_t h = s->o.horizon_days;
    size_t n_imp = 0;

    for (size_t k = 0; k < s->n_active; k++)
        if (s->tts[k] >= 0)
            n_imp++;
    r->impacts = malloc((n_imp > 0 ? n_imp : 1) * sizeof(*r->impacts));
    if (r->impacts == NULL)
        return CS_E_NOMEM;
    for (size_t k = 0; k < s->n_active; k++) {
        uint32_t i = s->active[k];
        const cs_node *v = &g->nodes[i];
        cs_impact *im;
        if (s->tts[k] < 0)
            continue;
        im = &r->impacts[r->n_impacted++];
        im->node = i;
        im->tier = s->tier[i];
        im->tts_day = s->tts[k];
        im->ttr_day =
            (uint32_t)s->last_below[k] + 1 < h ? s->last_below[k] + 1 : -1;
        im->min_level = s->min_level[k];
        im->lost_units = s->lost[k] * v->output_per_day;
        im->lost_value = im->lost_units * v->unit_value;
        r->total_lost_units += im->lost_units;
        r->total_lost_value += im->lost_value;
    }
    qsort(r->impacts, r->n_impacted, sizeof(*r->impacts), by_lost_value);
    if (s->o.keep_levels) {
        r->levels = malloc((r->n_impacted > 0 ? r->n_impacted : 1) * h *
                           sizeof(double));
        if (r->levels == NULL)
            return CS_E_NOMEM;
        for (size_t k = 0; k < r->n_impacted; k++) {
            size_t at = (size_t)s->slot[r->impacts[k].node];
            memcpy(r->levels + k * h, s->levels + at * h, h * sizeof(double));
        }
    }
    return CS_OK;
}

/* Steps active node i (slot k) and lets its buyers join the active set
 * when it falls below plan. */
static void sweep_node(struct sim *s, uint32_t i, size_t k, uint32_t day)
{
    const cs_graph *g = s->g;
    double x = step_node(s, i, day);

    s->x_cur[i] = x;
    if (s->levels != NULL)
        s->levels[k * s->o.horizon_days + day] = x;
    if (x < 1.0 - CS_CASCADE_EPS)
        for (uint32_t e = g->out_off[i]; e < g->out_off[i + 1]; e++)
            activate(s, g->links[e].buyer, day);
}

cs_status cs_cascade_run(const cs_graph *g, const cs_shock *shocks,
                         size_t n_shocks, const cs_cascade_opts *opts,
                         cs_cascade_result **out, cs_err *err)
{
    struct sim s = {0};
    cs_cascade_result *r = NULL;
    cs_status rc;
    uint32_t h;

    if (g == NULL || out == NULL || (n_shocks > 0 && shocks == NULL))
        return cs_err_set(err, CS_E_INVALID, "graph or shocks missing");
    s.g = g;
    s.o = opts != NULL ? *opts : cs_cascade_default_opts;
    h = s.o.horizon_days;
    if (h == 0 || h > CS_CASCADE_MAX_HORIZON_DAYS)
        return cs_err_set(err, CS_E_INVALID,
                          "horizon must be 1 to %u days, got %u",
                          CS_CASCADE_MAX_HORIZON_DAYS, (unsigned)h);
    if (!(s.o.surge >= 0.0 && isfinite(s.o.surge)))
        return cs_err_set(err, CS_E_INVALID,
                          "surge must be a non-negative number");
    if (s.o.fn != CS_PROD_LINEAR && s.o.fn != CS_PROD_LEONTIEF)
        return cs_err_set(err, CS_E_INVALID, "unknown production function");
    rc = check_shocks(g, shocks, n_shocks, err);
    if (rc != CS_OK)
        return rc;

    r = calloc(1, sizeof(*r));
    if (r == NULL || alloc_sim(&s) != CS_OK ||
        build_windows(&s, shocks, n_shocks) != CS_OK ||
        compute_tiers(&s) != CS_OK)
        goto nomem;
    if (s.o.keep_levels) {
        if ((uint64_t)g->n_nodes * h > CS_CASCADE_MAX_LEVELS) {
            cs_cascade_result_free(r);
            sim_free(&s);
            return cs_err_set(err, CS_E_TOO_LARGE,
                              "daily levels of %zu nodes over %u days "
                              "exceed %llu values; run without levels",
                              g->n_nodes, (unsigned)h,
                              (unsigned long long)CS_CASCADE_MAX_LEVELS);
        }
        s.levels = malloc(g->n_nodes * (size_t)h * sizeof(double));
        if (s.levels == NULL)
            goto nomem;
    }
    r->horizon_days = h;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (s.win_off[i + 1] > s.win_off[i])
            activate(&s, i, 0);
    for (uint32_t day = 0; day < h; day++) {
        /* The active set may grow during the sweep. A new member's
         * suppliers were all at plan yesterday (else it would have joined
         * earlier), so it stays at plan today whether or not this sweep
         * reaches it: exact. Once the set is large, scan node ids in
         * order: the inputs of consecutive nodes are adjacent in memory. */
        if (s.n_active * 8 > g->n_nodes) {
            for (uint32_t i = 0; i < g->n_nodes; i++)
                if (s.slot[i] >= 0)
                    sweep_node(&s, i, (size_t)s.slot[i], day);
        } else {
            for (size_t k = 0; k < s.n_active; k++)
                sweep_node(&s, s.active[k], k, day);
        }
        for (size_t k = 0; k < s.n_active; k++) {
            uint32_t i = s.active[k];
            double x = s.x_cur[i];
            s.x_prev[i] = x;
            if (x < 1.0 - CS_CASCADE_EPS) {
                s.lost[k] += 1.0 - x;
                if (s.tts[k] < 0)
                    s.tts[k] = (int32_t)day;
                s.last_below[k] = (int32_t)day;
            }
            s.min_level[k] = fmin(s.min_level[k], x);
        }
    }
    rc = collect(&s, r);
    if (rc != CS_OK)
        goto nomem;
    sim_free(&s);
    *out = r;
    return CS_OK;
nomem:
    sim_free(&s);
    cs_cascade_result_free(r);
    return cs_err_set(err, CS_E_NOMEM, "out of memory in the cascade");
}

void cs_cascade_result_free(cs_cascade_result *r)
{
    if (r == NULL)
        return;
    free(r->impacts);
    free(r->levels);
    free(r);
}
