/* versions.c - model management (模型管理): promote a model version, and
 * backtest one against the current version on stored history before
 * promoting it. The backtest scores the data as of earlier dates with
 * both versions, each in a transaction that is rolled back (nothing is
 * stored), and measures how well each score ranked the suppliers that
 * then delivered late (ROC AUC), how many each put at orange or worse,
 * and how often the two agree on the level. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyst_int.h"
#include "cs_log.h"
#include "cs_str.h"

typedef struct scored {
    const char *uscc; /* borrowed from the result */
    double score;
    int level;
} scored;

typedef struct version_run {
    PGresult *res;
    scored *rows; /* sorted by uscc (strcmp) */
    size_t n;
} version_run;

typedef struct labelled {
    double score;
    bool late;
} labelled;

static int cmp_scored(const void *a, const void *b)
{
    return strcmp(((const scored *)a)->uscc, ((const scored *)b)->uscc);
}

static int cmp_labelled(const void *a, const void *b)
{
    double x = ((const labelled *)a)->score, y = ((const labelled *)b)->score;
    return (x > y) - (x < y);
}

static const scored *find(const version_run *v, const char *uscc)
{
    scored key = {.uscc = uscc};
    return bsearch(&key, v->rows, v->n, sizeof(*v->rows), cmp_scored);
}

static void run_free(version_run *v)
{
    free(v->rows);
    PQclear(v->res);
    memset(v, 0, sizeof(*v));
}

cs_status analyst_promote(analyst *a, uint32_t version, cs_err *err)
{
    PGresult *res = NULL;
    char ver[16];
    const char *p[] = {ver};
    cs_status rc;
    bool found = false;

    snprintf(ver, sizeof(ver), "%u", (unsigned)version);
    rc = cs_pg_exec(a->db, "BEGIN", err);
    if (rc != CS_OK)
        return rc;
    rc = cs_pg_run(a->db, "model_unset", 1, p, NULL, err);
    if (rc == CS_OK)
        rc = cs_pg_run(a->db, "model_promote", 1, p, &res, err);
    if (rc == CS_OK) {
        for (int i = 0; i < PQntuples(res); i++)
            if (strcmp(PQgetvalue(res, i, 1), "t") == 0)
                found = true;
        if (!found)
            rc = cs_err_set(err, CS_E_CONFIG, "no model version %u",
                            (unsigned)version);
    }
    PQclear(res);
    if (rc == CS_OK)
        return cs_pg_exec(a->db, "COMMIT", err);
    {
        cs_err rerr = {0};
        (void)cs_pg_exec(a->db, "ROLLBACK", &rerr);
    }
    return rc;
}

/* Scores as of as_of with model m in a transaction that is rolled back. */
static cs_status score_as_of(analyst *a, const analyst_model *m,
                             const char *as_of, version_run *v, cs_err *err)
{
    analyst_summary sum = {0};
    PGresult *cy = NULL;
    char ver[16], cycle[24];
    int64_t cycle_id;
    cs_status rc;
    cs_err rerr = {0};

    snprintf(ver, sizeof(ver), "%d", m->version);
    rc = cs_pg_exec(a->db, "BEGIN ISOLATION LEVEL REPEATABLE READ", err);
    if (rc != CS_OK)
        return rc;
    {
        const char *p[] = {ver, "true", as_of, "backtest", ""};
        rc = cs_pg_run(a->db, "cycle_begin", 5, p, &cy, err);
    }
    if (rc != CS_OK)
        goto out;
    rc = cs_parse_i64(PQgetvalue(cy, 0, 0), 1, INT64_MAX, &cycle_id, err);
    if (rc == CS_OK)
        rc = analyst_score(a, m, cycle_id, PQgetvalue(cy, 0, 1), NULL, NULL,
                           NULL, &sum, err);
    if (rc != CS_OK)
        goto out;
    snprintf(cycle, sizeof(cycle), "%lld", (long long)cycle_id);
    {
        const char *p[] = {cycle};
        rc = cs_pg_run(a->db, "cycle_scores", 1, p, &v->res, err);
    }
    if (rc != CS_OK)
        goto out;
    v->n = (size_t)PQntuples(v->res);
    v->rows = calloc(v->n + 1, sizeof(*v->rows));
    if (v->rows == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < v->n; i++)
        v->rows[i] = (scored){
            .uscc = PQgetvalue(v->res, (int)i, 0),
            .score = analyst_num(PQgetvalue(v->res, (int)i, 1)),
            .level = analyst_level_rank(PQgetvalue(v->res, (int)i, 2))};
    qsort(v->rows, v->n, sizeof(*v->rows), cmp_scored);
out:
    (void)cs_pg_exec(a->db, "ROLLBACK", &rerr);
    PQclear(cy);
    return rc;
}

/* ROC AUC of scores against the late label (rank-sum form, ties
 * averaged); NaN without both classes. */
static double auc_of(const version_run *v, const PGresult *outcome)
{
    size_t n = 0, n_pos = 0;
    double rank_sum = 0;
    labelled *l = calloc((size_t)PQntuples(outcome) + 1, sizeof(*l));

    if (l == NULL)
        return NAN;
    for (int i = 0; i < PQntuples(outcome); i++) {
        const scored *s = find(v, PQgetvalue(outcome, i, 0));
        if (s == NULL)
            continue;
        l[n].score = s->score;
        l[n].late = strcmp(PQgetvalue(outcome, i, 1), "t") == 0;
        n_pos += l[n].late;
        n++;
    }
    qsort(l, n, sizeof(*l), cmp_labelled);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && l[j].score == l[i].score)
            j++;
        for (size_t k = i; k < j; k++) /* ranks i+1 .. j, averaged */
            if (l[k].late)
                rank_sum += ((double)i + 1 + (double)j) / 2.0;
        i = j;
    }
    free(l);
    if (n_pos == 0 || n_pos == n)
        return NAN;
    return (rank_sum - (double)n_pos * ((double)n_pos + 1) / 2.0) /
           ((double)n_pos * (double)(n - n_pos));
}

static size_t count_at_least(const version_run *v, int level)
{
    size_t c = 0;
    for (size_t i = 0; i < v->n; i++)
        c += v->rows[i].level >= level;
    return c;
}

static double agreement(const version_run *x, const version_run *y)
{
    size_t same = 0, both = 0;
    for (size_t i = 0; i < x->n; i++) {
        const scored *o = find(y, x->rows[i].uscc);
        if (o != NULL) {
            both++;
            same += o->level == x->rows[i].level;
        }
    }
    return both > 0 ? (double)same / (double)both : NAN;
}

static void print_num(const char *key, double v, bool comma)
{
    char num[40];
    analyst_fmt_double(num, sizeof(num), v, "null");
    printf("\"%s\":%s%s", key, num, comma ? "," : "");
}

cs_status analyst_backtest(analyst *a, uint32_t version, cs_err *err)
{
    analyst_model cand, cur;
    cs_status rc;
    uint32_t points = a->cfg->backtest_points;
    uint32_t step = a->cfg->backtest_step_days;
    char step_text[16];

    rc = analyst_model_load(a, &cur, err);
    if (rc == CS_OK)
        rc = analyst_model_load_version(a, version, &cand, err);
    if (rc != CS_OK)
        return rc;
    snprintf(step_text, sizeof(step_text), "%u", (unsigned)step);
    printf("{\"candidate\":%d,\"current\":%d,\"horizon_days\":%u,"
           "\"points\":[",
           cand.version, cur.version, (unsigned)step);
    for (uint32_t k = 1; k <= points && rc == CS_OK; k++) {
        PGresult *t = NULL, *outcome = NULL;
        version_run vc = {0}, vn = {0};
        char days[16];
        const char *p[3];
        size_t n_late = 0;

        snprintf(days, sizeof(days), "%u", (unsigned)(k * step));
        p[0] = a->cfg->as_of;
        p[1] = days;
        p[2] = a->cfg->clock;
        rc = cs_pg_run(a->db, "as_of_minus", 3, p, &t, err);
        if (rc == CS_OK) {
            p[0] = PQgetvalue(t, 0, 0);
            p[1] = step_text;
            rc = cs_pg_run(a->db, "backtest_outcome", 2, p, &outcome, err);
        }
        if (rc == CS_OK)
            rc = score_as_of(a, &cur, PQgetvalue(t, 0, 0), &vc, err);
        if (rc == CS_OK)
            rc = score_as_of(a, &cand, PQgetvalue(t, 0, 0), &vn, err);
        if (rc == CS_OK) {
            for (int i = 0; i < PQntuples(outcome); i++)
                n_late += strcmp(PQgetvalue(outcome, i, 1), "t") == 0;
            printf("%s{\"as_of\":\"%s\",\"enterprises\":%zu,"
                   "\"suppliers_delivering\":%d,\"suppliers_late\":%zu,",
                   k > 1 ? "," : "", PQgetvalue(t, 0, 0), vc.n,
                   PQntuples(outcome), n_late);
            print_num("auc_current", auc_of(&vc, outcome), true);
            print_num("auc_candidate", auc_of(&vn, outcome), true);
            printf("\"orange_or_worse_current\":%zu,"
                   "\"orange_or_worse_candidate\":%zu,",
                   count_at_least(&vc, CS_RISK_ORANGE),
                   count_at_least(&vn, CS_RISK_ORANGE));
            print_num("level_agreement", agreement(&vc, &vn), false);
            printf("}");
        }
        run_free(&vc);
        run_free(&vn);
        PQclear(outcome);
        PQclear(t);
    }
    printf("]}\n");
    return rc;
}
