/* alternatives.c - alternative suppliers (补链): for each buyer and item
 * that is single-sourced or whose supplier is at or above the alert
 * level, rank other enterprises that supply or make the item, or share
 * the current supplier's industry class (docs/analyst.md gives the
 * score). The inputs are read once (enterprises with this cycle's scores,
 * the active links, what was produced in the window); pools, scores and
 * ranks are computed here in memory, one buyer and item at a time, and
 * the top five of each are written with COPY. The arithmetic follows
 * PostgreSQL's float8 and numeric rules so the ranking and the reasons
 * are those the statement it replaced gave. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyst_int.h"
#include "cs_hash.h"

#define POOL_PER_KEY 20 /* best makers of an item, members of a class */
#define TOP_N        5  /* alternatives stored per buyer and item */
#define CLS_BYTES    8  /* GB/T 4754 class: letter + 4 digits */
#define REASON_BYTES 512

/* PostgreSQL's radians(): arg * RADIANS_PER_DEGREE. */
#define PG_RADIANS_PER_DEGREE 0.0174532925199432957692

typedef struct alt_node {
    const char *name; /* borrowed from a PGresult */
    char cls[CLS_BYTES];
    bool is_ent;                            /* has master data (enterprises) */
    bool has_score;                         /* scored in this cycle */
    double lat, lon, score, on_time, spare; /* NaN when NULL */
    const char *level;
    double q; /* buyer-independent part of the score (is_ent) */
} alt_node;

/* Strings to dense ids: open addressing over borrowed strings. */
typedef struct intern {
    uint32_t *slot; /* id + 1; 0 free */
    size_t cap;
    const char **str; /* by id */
    size_t n, str_cap;
} intern;

static uint64_t hash_str(const char *s)
{
    return cs_fnv1a(CS_FNV1A_INIT, s, strlen(s));
}

static bool intern_grow(intern *t)
{
    size_t ncap = t->cap == 0 ? 1024 : t->cap * 2;
    uint32_t *ns = calloc(ncap, sizeof(*ns));

    if (ns == NULL)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = (size_t)hash_str(t->str[i]) & (ncap - 1);
        while (ns[j] != 0)
            j = (j + 1) & (ncap - 1);
        ns[j] = (uint32_t)i + 1;
    }
    free(t->slot);
    t->slot = ns;
    t->cap = ncap;
    return true;
}

/* The id of s, added when new (*added set); UINT32_MAX when out of
 * memory. */
static uint32_t intern_id(intern *t, const char *s, bool *added)
{
    size_t j;

    *added = false;
    if (2 * (t->n + 1) > t->cap && !intern_grow(t))
        return UINT32_MAX;
    j = (size_t)hash_str(s) & (t->cap - 1);
    for (; t->slot[j] != 0; j = (j + 1) & (t->cap - 1))
        if (strcmp(t->str[t->slot[j] - 1], s) == 0)
            return t->slot[j] - 1;
    if (t->n == t->str_cap) {
        size_t nc = t->str_cap == 0 ? 1024 : t->str_cap * 2;
        const char **ns = realloc(t->str, nc * sizeof(*ns));
        if (ns == NULL)
            return UINT32_MAX;
        t->str = ns;
        t->str_cap = nc;
    }
    t->str[t->n] = s;
    t->slot[j] = (uint32_t)t->n + 1;
    *added = true;
    return (uint32_t)t->n++;
}

static void intern_free(intern *t)
{
    free(t->slot);
    free(t->str);
}

typedef struct alt_state {
    alt_node *nodes;
    size_t n_nodes, nodes_cap;
    intern names, skus;
} alt_state;

static const alt_node empty_node = {.lat = NAN,
                                    .lon = NAN,
                                    .score = NAN,
                                    .on_time = NAN,
                                    .spare = NAN,
                                    .q = NAN};

/* The node of a credit code, added without attributes when unknown. */
static uint32_t node_of(alt_state *s, const char *name)
{
    bool added;
    uint32_t id = intern_id(&s->names, name, &added);

    if (id == UINT32_MAX || !added)
        return id;
    if (s->n_nodes == s->nodes_cap) {
        size_t nc = s->nodes_cap == 0 ? 1024 : s->nodes_cap * 2;
        alt_node *nn = realloc(s->nodes, nc * sizeof(*nn));
        if (nn == NULL)
            return UINT32_MAX;
        s->nodes = nn;
        s->nodes_cap = nc;
    }
    s->nodes[s->n_nodes] = empty_node;
    s->nodes[s->n_nodes].name = name;
    return (uint32_t)s->n_nodes++;
}

/* greatest(0.0, least(1.0, x)) in SQL: both skip a NULL argument, so an
 * unknown x gives 1.0 (as the statement this replaces did). */
/* The spare share as the score counts it: clamped to [0, 1], and 0.25
 * when unknown (no production in the window), as docs/analyst.md says. */
static double spare_for_score(double x)
{
    return isnan(x) ? 0.25 : fmax(0.0, fmin(1.0, x));
}

/* round(x::numeric * mul) as PostgreSQL prints it: float8 to numeric
 * keeps 15 significant digits (DBL_DIG); numeric rounds half away from
 * zero. mul is a power of ten (1 or 100). */
static void pg_round_text(double x, int mul_exp, char *out, size_t bytes)
{
    char d[40];
    int e, n_int;
    long long v = 0;
    bool neg = x < 0;

    snprintf(d, sizeof(d), "%.14e", fabs(x)); /* d.dddddddddddddde+XX */
    e = (int)strtol(strchr(d, 'e') + 1, NULL, 10) + mul_exp;
    memmove(d + 1, d + 2, 14); /* digits only: 15 of them */
    d[15] = '\0';
    n_int = e + 1; /* digits before the decimal point */
    for (int i = 0; i < n_int; i++)
        v = v * 10 + (i < 15 ? d[i] - '0' : 0);
    if (n_int >= 0 && n_int < 15 && d[n_int] >= '5')
        v++;
    snprintf(out, bytes, "%lld", neg && v != 0 ? -v : v);
}

/* Great-circle distance as the SQL computed it (mean Earth radius). */
static double pg_km(const alt_node *a, const alt_node *b)
{
    double dlat = (a->lat - b->lat) * PG_RADIANS_PER_DEGREE / 2;
    double dlon = (a->lon - b->lon) * PG_RADIANS_PER_DEGREE / 2;
    double h = pow(sin(dlat), 2.0) + cos(b->lat * PG_RADIANS_PER_DEGREE) *
                                         cos(a->lat * PG_RADIANS_PER_DEGREE) *
                                         pow(sin(dlon), 2.0);

    return 12742.0176 * asin(fmin(1.0, sqrt(h)));
}

/* qsort contexts (cycles run one at a time). */
static const alt_node *sort_nodes;

/* By pool key, then q descending (unknown last), then credit code. */
typedef struct keyed {
    uint32_t key, node;
} keyed;

static int cmp_pool(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    const alt_node *x = &sort_nodes[a->node], *y = &sort_nodes[b->node];

    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (isnan(x->q) != isnan(y->q))
        return isnan(x->q) ? 1 : -1;
    if (!isnan(x->q) && x->q != y->q)
        return x->q > y->q ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_keyed_plain(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;

    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->node > b->node) - (a->node < b->node);
}

/* Pools: for each key, its first POOL_PER_KEY nodes in cmp_pool order,
 * as compressed rows (start[key] .. start[key + 1]). */
typedef struct pool {
    uint32_t *start, *node;
} pool;

static bool pool_build(keyed *kv, size_t n, size_t n_keys, pool *p)
{
    size_t w = 0;

    p->start = calloc(n_keys + 2, sizeof(*p->start));
    p->node = calloc(n + 1, sizeof(*p->node));
    if (p->start == NULL || p->node == NULL)
        return false;
    qsort(kv, n, sizeof(*kv), cmp_pool);
    for (size_t i = 0; i < n;) {
        size_t j = i, taken = 0;
        for (; j < n && kv[j].key == kv[i].key; j++)
            if (taken < POOL_PER_KEY) {
                p->node[w++] = kv[j].node;
                taken++;
            }
        p->start[kv[i].key + 1] = (uint32_t)taken;
        i = j;
    }
    for (size_t k = 0; k < n_keys; k++)
        p->start[k + 1] += p->start[k];
    return true;
}

static void pool_free(pool *p)
{
    free(p->start);
    free(p->node);
}

/* Active links by buyer, item, supplier. */
typedef struct alt_link {
    uint32_t buyer, sku, supplier;
} alt_link;

static int cmp_link(const void *pa, const void *pb)
{
    const alt_link *a = pa, *b = pb;

    if (a->buyer != b->buyer)
        return a->buyer < b->buyer ? -1 : 1;
    if (a->sku != b->sku)
        return a->sku < b->sku ? -1 : 1;
    return (a->supplier > b->supplier) - (a->supplier < b->supplier);
}

/* One candidate of one need, then the best need of each candidate. */
typedef struct alt_cand {
    uint32_t cand, cur;
    bool makes, at_risk;
    double score, spare, km;
} alt_cand;

static int cmp_cand_need(const void *pa, const void *pb)
{
    const alt_cand *a = pa, *b = pb;

    if (a->cur != b->cur)
        return a->cur < b->cur ? -1 : 1;
    return (a->cand > b->cand) - (a->cand < b->cand);
}

/* Per candidate: best score first, then the smaller current supplier. */
static int cmp_cand_best(const void *pa, const void *pb)
{
    const alt_cand *a = pa, *b = pb;

    if (a->cand != b->cand)
        return a->cand < b->cand ? -1 : 1;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return strcmp(sort_nodes[a->cur].name, sort_nodes[b->cur].name);
}

static int cmp_cand_rank(const void *pa, const void *pb)
{
    const alt_cand *a = pa, *b = pb;

    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return strcmp(sort_nodes[a->cand].name, sort_nodes[b->cand].name);
}

static double num_or_nan(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NAN
                                      : analyst_num(PQgetvalue(res, row, col));
}

/* Reads the nodes: credit code, has master data, class, lat, lon,
 * score, level, on-time rate, spare share. */
static cs_status read_nodes(const PGresult *res, alt_state *s, cs_err *err)
{
    for (int i = 0; i < PQntuples(res); i++) {
        uint32_t id = node_of(s, PQgetvalue(res, i, 0));
        alt_node *v;

        if (id == UINT32_MAX)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        v = &s->nodes[id];
        v->is_ent = strcmp(PQgetvalue(res, i, 1), "t") == 0;
        snprintf(v->cls, sizeof(v->cls), "%s", PQgetvalue(res, i, 2));
        v->lat = num_or_nan(res, i, 3);
        v->lon = num_or_nan(res, i, 4);
        v->has_score = !PQgetisnull(res, i, 6);
        v->score = num_or_nan(res, i, 5);
        v->level = v->has_score ? PQgetvalue(res, i, 6) : NULL;
        v->on_time = num_or_nan(res, i, 7);
        v->spare = num_or_nan(res, i, 8);
        if (v->is_ent)
            v->q = 0.3 * (1 - (isnan(v->score) ? 50 : v->score) / 100.0) +
                   0.2 * (isnan(v->on_time) ? 0.5 : v->on_time) +
                   0.15 * spare_for_score(v->spare);
    }
    return CS_OK;
}

/* Appends one stored row of a ranked candidate. */
static void copy_row(const alt_state *s, const alt_cand *c, uint32_t buyer,
                     const char *sku, int rank, const char *cycle,
                     const char *version, cs_copybuf *cb)
{
    const alt_node *v = &s->nodes[c->cand];
    char reason[REASON_BYTES], risk[64], on_time[40], spare[40], km[48];
    char num[5][40], rk[16], r[24];

    if (v->has_score && !isnan(v->score)) {
        pg_round_text(v->score, 0, r, sizeof(r));
        snprintf(risk, sizeof(risk), "%s (%s)", r, v->level);
    } else {
        snprintf(risk, sizeof(risk), "unknown");
    }
    if (isnan(v->on_time))
        snprintf(on_time, sizeof(on_time), "unknown");
    else {
        pg_round_text(v->on_time, 2, r, sizeof(r));
        snprintf(on_time, sizeof(on_time), "%s %%", r);
    }
    if (isnan(c->spare))
        snprintf(spare, sizeof(spare), "unknown");
    else {
        pg_round_text(c->spare, 2, r, sizeof(r));
        snprintf(spare, sizeof(spare), "%s %%", r);
    }
    if (isnan(c->km))
        snprintf(km, sizeof(km), "distance unknown");
    else {
        pg_round_text(c->km, 0, r, sizeof(r));
        snprintf(km, sizeof(km), "%s km away", r);
    }
    if (c->makes)
        snprintf(reason, sizeof(reason),
                 "supplies or makes %s; risk %s; on-time %s; spare capacity "
                 "%s; %s",
                 sku, risk, on_time, spare, km);
    else
        snprintf(reason, sizeof(reason),
                 "same industry class as the current supplier; risk %s; "
                 "on-time %s; spare capacity %s; %s",
                 risk, on_time, spare, km);
    snprintf(rk, sizeof(rk), "%d", rank);
    analyst_fmt_double(num[0], sizeof(num[0]), c->score, "0");
    analyst_fmt_double(num[1], sizeof(num[1]), c->spare, "");
    analyst_fmt_double(num[2], sizeof(num[2]), v->score, "");
    analyst_fmt_double(num[3], sizeof(num[3]), c->km, "");
    analyst_fmt_double(num[4], sizeof(num[4]), v->on_time, "");
    cs_copybuf_field(cb, cycle, true);
    cs_copybuf_field(cb, s->nodes[buyer].name, false);
    cs_copybuf_field(cb, sku, false);
    cs_copybuf_field(cb, s->nodes[c->cur].name, false);
    cs_copybuf_field(cb, v->name, false);
    cs_copybuf_field(cb, rk, false);
    cs_copybuf_field(cb, num[0], false);
    cs_copybuf_field(cb, c->at_risk ? "supplier_at_risk" : "single_source",
                     false);
    cs_copybuf_field(cb, reason, false);
    cs_copybuf_field(cb, num[1][0] ? num[1] : NULL, false);
    cs_copybuf_field(cb, num[2][0] ? num[2] : NULL, false);
    cs_copybuf_field(cb, num[3][0] ? num[3] : NULL, false);
    cs_copybuf_field(cb, num[4][0] ? num[4] : NULL, false);
    cs_copybuf_field(cb, version, false);
    cs_copybuf_end_row(cb);
}

/* Scores a candidate of a need. */
static alt_cand score_cand(const alt_state *s, uint32_t buyer, uint32_t cur,
                           uint32_t cand, bool makes, bool at_risk)
{
    const alt_node *v = &s->nodes[cand], *b = &s->nodes[buyer];
    alt_cand c = {.cand = cand, .cur = cur, .makes = makes, .at_risk = at_risk};

    c.spare = isnan(v->spare) ? NAN : fmax(0.0, fmin(1.0, v->spare));
    c.km = v->is_ent && b->is_ent && !isnan(v->lat) && !isnan(b->lat) &&
                   !isnan(v->lon) && !isnan(b->lon)
               ? pg_km(v, b)
               : NAN;
    c.score = (makes ? 0.2 : 0.1) +
              0.3 * (1 - (isnan(v->score) ? 50 : v->score) / 100.0) +
              0.2 * (isnan(v->on_time) ? 0.5 : v->on_time) +
              0.15 * spare_for_score(c.spare) +
              0.15 * (1 - fmin(isnan(c.km) ? 1000 : c.km, 2000) / 2000.0);
    return c;
}

cs_status analyst_alternatives(analyst *a, const analyst_model *m,
                               int64_t cycle_id, const char *as_of,
                               analyst_summary *sum, cs_err *err)
{
    char cycle[24], version[16], window[16];
    const char *p[] = {cycle, as_of, window};
    PGresult *nodes_res = NULL, *made_res = NULL, *links_res = NULL;
    alt_state s = {0};
    alt_link *links = NULL;
    keyed *src = NULL, *cls_kv = NULL;
    pool by_sku = {0}, by_cls = {0};
    intern classes = {0};
    alt_cand *cands = NULL;
    size_t n_links = 0, n_src = 0, n_cls = 0, cands_cap = 0;
    cs_copybuf cb = {0};
    cs_status rc;

    snprintf(cycle, sizeof(cycle), "%lld", (long long)cycle_id);
    snprintf(version, sizeof(version), "%d", m->version);
    snprintf(window, sizeof(window), "%u", (unsigned)m->window_days);
    rc = cs_pg_run(a->db, "alt_nodes", 3, p, &nodes_res, err);
    if (rc == CS_OK)
        rc = cs_pg_run(a->db, "alt_made", 2, p + 1, &made_res, err);
    if (rc == CS_OK)
        rc = cs_pg_run(a->db, "alt_links", 0, NULL, &links_res, err);
    if (rc != CS_OK) {
        rc = analyst_pg_error(rc, err, "could not read alternative suppliers");
        goto out;
    }
    rc = read_nodes(nodes_res, &s, err);
    if (rc != CS_OK)
        goto out;
    n_links = (size_t)PQntuples(links_res);
    links = calloc(n_links + 1, sizeof(*links));
    src = calloc(n_links + (size_t)PQntuples(made_res) + 1, sizeof(*src));
    if (links == NULL || src == NULL)
        goto nomem;
    for (size_t i = 0; i < n_links; i++) {
        bool added;
        uint32_t sup = node_of(&s, PQgetvalue(links_res, (int)i, 0));
        uint32_t buy = node_of(&s, PQgetvalue(links_res, (int)i, 1));
        uint32_t sku =
            intern_id(&s.skus, PQgetvalue(links_res, (int)i, 2), &added);
        if (sup == UINT32_MAX || buy == UINT32_MAX || sku == UINT32_MAX)
            goto nomem;
        links[i] = (alt_link){.buyer = buy, .sku = sku, .supplier = sup};
        src[n_src++] = (keyed){.key = sku, .node = sup};
    }
    for (int i = 0; i < PQntuples(made_res); i++) {
        bool added;
        uint32_t who = node_of(&s, PQgetvalue(made_res, i, 0));
        uint32_t sku = intern_id(&s.skus, PQgetvalue(made_res, i, 1), &added);
        if (who == UINT32_MAX || sku == UINT32_MAX)
            goto nomem;
        src[n_src++] = (keyed){.key = sku, .node = who};
    }
    sort_nodes = s.nodes;
    /* src: the distinct (item, supplier or maker) pairs. */
    qsort(src, n_src, sizeof(*src), cmp_keyed_plain);
    {
        size_t u = 0;
        for (size_t i = 0; i < n_src; i++)
            if (u == 0 || src[u - 1].key != src[i].key ||
                src[u - 1].node != src[i].node)
                src[u++] = src[i];
        n_src = u;
    }
    if (!pool_build(src, n_src, s.skus.n, &by_sku))
        goto nomem;
    /* Classes of 4 digits and more: every enterprise in them. */
    cls_kv = calloc(s.n_nodes + 1, sizeof(*cls_kv));
    if (cls_kv == NULL)
        goto nomem;
    for (size_t i = 0; i < s.n_nodes; i++) {
        bool added;
        uint32_t k;

        if (!s.nodes[i].is_ent || strlen(s.nodes[i].cls) < 4)
            continue;
        k = intern_id(&classes, s.nodes[i].cls, &added);
        if (k == UINT32_MAX)
            goto nomem;
        cls_kv[n_cls++] = (keyed){.key = k, .node = (uint32_t)i};
    }
    if (!pool_build(cls_kv, n_cls, classes.n, &by_cls))
        goto nomem;

    qsort(links, n_links, sizeof(*links), cmp_link);
    for (size_t i = 0; i < n_links;) {
        size_t j = i, nc = 0;
        uint32_t buyer = links[i].buyer, sku = links[i].sku;
        bool single;

        while (j < n_links && links[j].buyer == buyer && links[j].sku == sku)
            j++;
        single = j - i == 1;
        /* Each need (a supplier scored in this cycle that is at risk, or
         * the only one) and its pool. */
        for (size_t l = i; l < j; l++) {
            const alt_node *cur = &s.nodes[links[l].supplier];
            bool at_risk;
            uint32_t ck = UINT32_MAX;

            if (!cur->has_score)
                continue;
            at_risk = analyst_level_rank(cur->level) >= (int)m->alert_min_level;
            if (!at_risk && !single)
                continue;
            if (cur->is_ent && strlen(cur->cls) >= 4) {
                bool added;
                ck = intern_id(&classes, cur->cls, &added);
                if (ck == UINT32_MAX)
                    goto nomem;
                if (added) /* a class no pool was built for */
                    ck = UINT32_MAX;
            }
            for (int part = 0; part < 2; part++) {
                const pool *pl = part == 0 ? &by_sku : &by_cls;
                uint32_t key = part == 0 ? sku : ck;

                if (key == UINT32_MAX)
                    continue;
                for (uint32_t e = pl->start[key]; e < pl->start[key + 1]; e++) {
                    uint32_t cand = pl->node[e];
                    bool supplies = false;

                    if (cand == buyer || cand == links[l].supplier)
                        continue;
                    for (size_t o = i; o < j && !supplies; o++)
                        supplies = links[o].supplier == cand;
                    if (supplies)
                        continue;
                    if (nc == cands_cap) {
                        size_t ncap = cands_cap == 0 ? 256 : cands_cap * 2;
                        alt_cand *nn = realloc(cands, ncap * sizeof(*nn));
                        if (nn == NULL)
                            goto nomem;
                        cands = nn;
                        cands_cap = ncap;
                    }
                    cands[nc++] = (alt_cand){.cand = cand,
                                             .cur = links[l].supplier,
                                             .makes = part == 0,
                                             .at_risk = at_risk};
                }
            }
        }
        if (nc > 0) {
            size_t u = 0;

            /* One row per need and candidate (makes if either pool). */
            qsort(cands, nc, sizeof(*cands), cmp_cand_need);
            for (size_t c = 0; c < nc; c++) {
                if (u > 0 && cands[u - 1].cur == cands[c].cur &&
                    cands[u - 1].cand == cands[c].cand) {
                    cands[u - 1].makes |= cands[c].makes;
                    continue;
                }
                cands[u++] = cands[c];
            }
            for (size_t c = 0; c < u; c++)
                cands[c] = score_cand(&s, buyer, cands[c].cur, cands[c].cand,
                                      cands[c].makes, cands[c].at_risk);
            /* The best need of each candidate, then the ranking. */
            qsort(cands, u, sizeof(*cands), cmp_cand_best);
            nc = 0;
            for (size_t c = 0; c < u; c++)
                if (nc == 0 || cands[nc - 1].cand != cands[c].cand)
                    cands[nc++] = cands[c];
            qsort(cands, nc, sizeof(*cands), cmp_cand_rank);
            for (size_t c = 0; c < nc && c < TOP_N; c++) {
                copy_row(&s, &cands[c], buyer, s.skus.str[sku], (int)c + 1,
                         cycle, version, &cb);
                sum->n_alternatives++;
            }
        }
        i = j;
    }
    if (cb.failed)
        goto nomem;
    if (cb.len > 0) {
        rc = cs_pg_copy(a->db, analyst_copy_alternatives, &cb, err);
        if (rc != CS_OK)
            rc = analyst_pg_error(rc, err,
                                  "could not store alternative suppliers");
    }
    goto out;
nomem:
    rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
out:
    cs_copybuf_free(&cb);
    free(cands);
    intern_free(&classes);
    pool_free(&by_cls);
    pool_free(&by_sku);
    free(cls_kv);
    free(src);
    free(links);
    intern_free(&s.skus);
    intern_free(&s.names);
    free(s.nodes);
    PQclear(links_res);
    PQclear(made_res);
    PQclear(nodes_res);
    return rc;
}
