/* bench_models.c - the models benchmark of issue 4: on a generated graph
 * of 10^5 enterprises and 10^6 supply links, times a full risk-index
 * recompute, one 90-day cascade and the TTS LPs of the 1,000 most
 * critical nodes, and reports peak memory. Prints one JSON line last.
 * Usage: bench_models [--quick] (10^4 nodes, 10^5 links). */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cs_cascade.h"
#include "cs_graph.h"
#include "cs_risk.h"
#include "cs_tts.h"

#define N_TIERS       6
#define N_REGIONS     100
#define N_INDUSTRIES  20
#define N_INDICATORS  12
#define N_TTS_TARGETS 1000
/* every tier costs ~1 s per LP on this graph (out-degree ~12): the
 * benchmark follows two (docs/models/propagation.md) */
#define BENCH_TTS_TIERS 2u

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void) /* splitmix64: fast, reproducible */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double unif(void)
{
    return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const cs_err *err)
{
    fprintf(stderr, "bench_models: %s: %s\n", what, err->msg);
    exit(1);
}

/* Tiered graph: tier 0 raw materials ... tier 5 final assemblers; each
 * link goes from tier t to tier t + 1; each buyer's shares sum to 0.95. */
static cs_graph *make_graph(uint32_t n, size_t m, cs_err *err)
{
    cs_node *nodes = calloc(n, sizeof(*nodes));
    cs_link *links = calloc(m, sizeof(*links));
    uint32_t *deg = calloc(n, sizeof(*deg));
    uint32_t per_tier = n / N_TIERS;
    cs_graph *g;

    if (nodes == NULL || links == NULL || deg == NULL) {
        fprintf(stderr, "bench_models: out of memory\n");
        exit(1);
    }
    for (uint32_t i = 0; i < n; i++) {
        nodes[i].output_per_day = 10.0 + 990.0 * unif();
        nodes[i].unit_value = 1.0 + 99.0 * unif();
        nodes[i].spare_per_day = nodes[i].output_per_day * 0.2 * unif();
        nodes[i].ttr_days = 5.0 + 55.0 * unif();
        nodes[i].region = (uint32_t)(rnd() % N_REGIONS);
    }
    for (size_t e = 0; e < m; e++) {
        uint32_t b = per_tier + (uint32_t)(rnd() % (n - per_tier));
        uint32_t tier = b / per_tier >= N_TIERS ? N_TIERS - 1 : b / per_tier;
        uint32_t s = (tier - 1) * per_tier + (uint32_t)(rnd() % per_tier);
        links[e].supplier = s;
        links[e].buyer = b;
        links[e].product = s % 50 + 50 * tier; /* a few substitutes */
        links[e].volume_per_day = 1.0 + 99.0 * unif();
        links[e].cover_days = 3.0 + floor(28.0 * unif());
        deg[b]++;
    }
    for (size_t e = 0; e < m; e++)
        links[e].share = 0.95 / deg[links[e].buyer];
    g = cs_graph_new(n, nodes, m, links, err);
    free(nodes);
    free(links);
    free(deg);
    return g;
}

struct index_out {
    double seconds, mean_score;
    size_t n_red;
};

/* Full recompute: network criticality from the graph, normalisation
 * within industries (robust z), entropy weights, scores with
 * contributions, aggregation to regions. */
static struct index_out run_index(const cs_graph *g, double *reach, cs_err *err)
{
    size_t n = cs_graph_n_nodes(g);
    double *x = malloc(n * N_INDICATORS * sizeof(*x));
    double *y = malloc(n * N_INDICATORS * sizeof(*y));
    double *score = malloc(n * sizeof(*score));
    double *contrib = malloc(n * N_INDICATORS * sizeof(*contrib));
    double region_score[N_REGIONS], w[N_INDICATORS];
    uint32_t *industry = malloc(n * sizeof(*industry));
    uint32_t *region = malloc(n * sizeof(*region));
    cs_risk_level *level = malloc(n * sizeof(*level));
    cs_risk_dir dir[N_INDICATORS];
    struct index_out r = {0};
    cs_risk *risk;
    double t0;

    if (x == NULL || y == NULL || score == NULL || contrib == NULL ||
        industry == NULL || region == NULL || level == NULL) {
        fprintf(stderr, "bench_models: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        double *row = x + i * N_INDICATORS;
        industry[i] = (uint32_t)(rnd() % N_INDUSTRIES);
        region[i] = cs_graph_node(g, (uint32_t)i)->region;
        row[0] = 0.6 + 0.4 * unif();          /* on-time rate, safer */
        row[1] = 5.0 + 40.0 * unif();         /* lead time mean */
        row[2] = 0.5 * unif();                /* lead time CV */
        row[3] = 0.7 + 0.3 * unif();          /* fill rate, safer */
        row[4] = unif() < 0.2 ? 1.0 : 0.0;    /* single source */
        row[5] = unif();                      /* buyer HHI */
        row[6] = unif();                      /* customer concentration */
        row[7] = 3.0 * (unif() - 0.5);        /* production drop z */
        row[8] = unif();                      /* capacity utilisation */
        row[9] = unif() < 0.9 ? 0.0 : unif(); /* event exposure */
        row[10] = 0.0;                        /* criticality, below */
        row[11] = unif();                     /* spare indicator */
        if (unif() < 0.02)
            row[(size_t)(rnd() % N_INDICATORS)] = NAN; /* missing */
    }
    for (int j = 0; j < N_INDICATORS; j++)
        dir[j] =
            j == 0 || j == 3 ? CS_RISK_HIGHER_SAFER : CS_RISK_HIGHER_RISKIER;

    t0 = now_s();
    if (cs_graph_downstream_reach(g, 0.5, 6, reach, err) != CS_OK)
        die("criticality", err);
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i * N_INDICATORS + 10]))
            x[i * N_INDICATORS + 10] = reach[i];
    if (cs_risk_normalise(x, n, N_INDICATORS, dir, industry,
                          CS_RISK_NORM_ROBUST_Z, y, err) != CS_OK)
        die("normalise", err);
    if (cs_risk_entropy_weights(y, n, N_INDICATORS, w, err) != CS_OK)
        die("entropy", err);
    risk = cs_risk_new(w, N_INDICATORS, NULL, err);
    if (risk == NULL)
        die("scorer", err);
    if (cs_risk_score(risk, y, n, score, contrib, level, err) != CS_OK)
        die("score", err);
    if (cs_risk_aggregate(score, NULL, region, n, N_REGIONS, CS_RISK_AGG_MEAN,
                          region_score, err) != CS_OK)
        die("aggregate", err);
    r.seconds = now_s() - t0;

    for (size_t i = 0; i < n; i++) {
        r.mean_score += score[i] / (double)n;
        r.n_red += level[i] == CS_RISK_RED;
    }
    cs_risk_free(risk);
    free(x);
    free(y);
    free(score);
    free(contrib);
    free(industry);
    free(region);
    free(level);
    return r;
}

struct by_reach {
    double reach;
    uint32_t node;
};

static int cmp_reach(const void *a, const void *b)
{
    const struct by_reach *x = a, *y = b;
    return x->reach > y->reach ? -1 : (x->reach < y->reach);
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    uint32_t n = quick ? 10000u : 100000u;
    size_t m = quick ? 100000u : 1000000u;
    cs_err err = {0};
    cs_graph *g;
    double t0, build_s, cascade_s, tts_s, baseline_s, sink = 0.0;
    double *reach;
    struct index_out idx;
    cs_cascade_result *cr = NULL;
    cs_cascade_opts o = cs_cascade_default_opts;
    cs_shock shock = {.has_region = 1,
                      .region = 7,
                      .capacity_loss = 1.0,
                      .start_day = 0,
                      .duration_days = 14};
    struct by_reach *order;
    uint32_t targets[N_TTS_TARGETS];
    cs_tts_entry *rank = malloc(N_TTS_TARGETS * sizeof(*rank));
    cs_tts *tts;
    size_t n_hidden = 0, n_hidden1 = 0, n_tts = N_TTS_TARGETS;
    uint32_t tiers = BENCH_TTS_TIERS;
    double tts1_s;
    struct rusage ru;

    gsl_set_error_handler_off();
    t0 = now_s();
    g = make_graph(n, m, &err);
    if (g == NULL)
        die("graph", &err);
    build_s = now_s() - t0; /* generation + CSR build */

    /* Baseline: one plain sweep over every link per day for 90 days, the
     * memory traffic floor of a cascade that reaches the whole graph. */
    {
        double *lv = malloc(m * sizeof(*lv));
        for (size_t e = 0; e < m; e++)
            lv[e] = unif();
        t0 = now_s();
        for (int d = 0; d < 90; d++)
            for (size_t e = 0; e < m; e++)
                sink += lv[e] * (double)d;
        baseline_s = now_s() - t0;
        free(lv);
    }

    reach = malloc(n * sizeof(*reach));
    idx = run_index(g, reach, &err);

    o.horizon_days = 90;
    t0 = now_s();
    if (cs_cascade_run(g, &shock, 1, &o, &cr, &err) != CS_OK)
        die("cascade", &err);
    cascade_s = now_s() - t0;

    order = malloc(n * sizeof(*order));
    for (uint32_t i = 0; i < n; i++)
        order[i] = (struct by_reach){.reach = reach[i], .node = i};
    qsort(order, n, sizeof(*order), cmp_reach);
    for (int k = 0; k < N_TTS_TARGETS; k++)
        targets[k] = order[k].node;
    tts = cs_tts_new(g, &err);
    if (tts == NULL)
        die("tts", &err);
    if (getenv("CS_BENCH_TTS_N") != NULL) /* for profiling only */
        n_tts = (size_t)strtoul(getenv("CS_BENCH_TTS_N"), NULL, 10);
    if (n_tts > N_TTS_TARGETS)
        n_tts = N_TTS_TARGETS;
    /* baseline: the first-tier LPs (buyers of the node must stay at plan) */
    if (cs_tts_set_max_tiers(tts, 1, &err) != CS_OK)
        die("tts", &err);
    t0 = now_s();
    if (cs_tts_rank(tts, targets, n_tts, 365.0, rank, &err) != CS_OK)
        die("tts", &err);
    tts1_s = now_s() - t0;
    for (size_t k = 0; k < n_tts; k++)
        n_hidden1 += rank[k].is_hidden;
    if (getenv("CS_BENCH_TTS_TIERS") != NULL)
        tiers = (uint32_t)strtoul(getenv("CS_BENCH_TTS_TIERS"), NULL, 10);
    if (cs_tts_set_max_tiers(tts, tiers, &err) != CS_OK)
        die("tts", &err);
    t0 = now_s();
    if (cs_tts_rank(tts, targets, n_tts, 365.0, rank, &err) != CS_OK)
        die("tts", &err);
    tts_s = now_s() - t0;
    for (size_t k = 0; k < n_tts; k++)
        n_hidden += rank[k].is_hidden;

    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr,
            "graph %u nodes %zu links built in %.3f s; baseline sweep "
            "%.3f s (%g)\n",
            n, m, build_s, baseline_s, sink > 0 ? 1.0 : 0.0);
    fprintf(stderr, "index %.3f s, mean score %.1f, %zu red\n", idx.seconds,
            idx.mean_score, idx.n_red);
    fprintf(stderr, "cascade %.3f s: %zu impacted, lost value %.4g\n",
            cascade_s, cr->n_impacted, cr->total_lost_value);
    fprintf(stderr,
            "tts %.3f s for %zu nodes through %u tiers, %zu hidden risks; "
            "first tier only %.3f s, %zu hidden risks\n",
            tts_s, n_tts, (unsigned)tiers, n_hidden, tts1_s, n_hidden1);
    printf("{\"bench\":\"models\",\"quick\":%s,\"nodes\":%u,\"links\":%zu,"
           "\"graph_build_s\":%.4f,\"baseline_link_sweep_90d_s\":%.4f,"
           "\"index_s\":%.4f,\"cascade_s\":%.4f,\"cascade_impacted\":%zu,"
           "\"tts_s\":%.4f,\"tts_nodes\":%zu,\"tts_tiers\":%u,"
           "\"tts_hidden_risks\":%zu,\"tts_first_tier_s\":%.4f,"
           "\"tts_first_tier_hidden_risks\":%zu,"
           "\"peak_rss_mb\":%.1f}\n",
           quick ? "true" : "false", n, m, build_s, baseline_s, idx.seconds,
           cascade_s, cr->n_impacted, tts_s, n_tts, (unsigned)tiers, n_hidden,
           tts1_s, n_hidden1, (double)ru.ru_maxrss / 1024.0);
    cs_cascade_result_free(cr);
    cs_tts_free(tts);
    cs_tts_thread_done();
    cs_graph_free(g);
    free(order);
    free(reach);
    free(rank);
    return 0;
}
