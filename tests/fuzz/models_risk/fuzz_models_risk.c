/* fuzz_models_risk.c - libFuzzer target: feeds arbitrary bytes (NaN, Inf,
 * huge and negative values, odd shapes) to the risk-index and propagation
 * entry points and traps when a promise breaks: no crash, errors instead
 * of bad output, scores in [0, 100], levels and inoperability in [0, 1]. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cs_cascade.h"
#include "cs_iim.h"
#include "cs_risk.h"
#include "cs_tts.h"

#define MAX_VALUES 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct bytes {
    const uint8_t *p;
    size_t n;
};

static uint8_t take_u8(struct bytes *b)
{
    uint8_t v = 0;
    if (b->n > 0) {
        v = *b->p++;
        b->n--;
    }
    return v;
}

/* Half the time a small "reasonable" value, else raw bits (any double). */
static double take_d(struct bytes *b)
{
    uint8_t tag = take_u8(b);
    double d = 0.0;

    if (tag & 1)
        return (double)take_u8(b) / 64.0;
    if (b->n >= sizeof(d)) {
        memcpy(&d, b->p, sizeof(d));
        b->p += sizeof(d);
        b->n -= sizeof(d);
    }
    return d;
}

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

static void fuzz_index(struct bytes *b)
{
    size_t rows = 1 + take_u8(b) % 24, cols = 1 + take_u8(b) % 6;
    double x[MAX_VALUES], y[MAX_VALUES], w[8], score[32], contrib[MAX_VALUES];
    cs_risk_dir dir[8];
    uint32_t group[32];
    cs_err err = {0};
    cs_risk *r;

    for (size_t i = 0; i < rows * cols; i++)
        x[i] = take_d(b);
    for (size_t j = 0; j < cols; j++)
        dir[j] = (cs_risk_dir)(take_u8(b) % 3); /* 2 is invalid */
    for (size_t i = 0; i < rows; i++)
        group[i] = take_u8(b) % 4;
    if (cs_risk_normalise(x, rows, cols, dir, group,
                          (cs_risk_norm)(take_u8(b) % 3), y, &err) != CS_OK)
        return;
    for (size_t i = 0; i < rows * cols; i++)
        check(y[i] >= 0.0 && y[i] <= 1.0);
    if (cs_risk_entropy_weights(y, rows, cols, w, &err) != CS_OK)
        return;
    r = cs_risk_new(w, cols, NULL, &err);
    check(r != NULL);
    check(cs_risk_score(r, y, rows, score, contrib, NULL, &err) == CS_OK);
    for (size_t i = 0; i < rows; i++)
        check(score[i] >= 0.0 && score[i] <= 100.0);
    cs_risk_free(r);
}

static void fuzz_ahp(struct bytes *b)
{
    size_t n = 1 + take_u8(b) % 11;
    double a[121], w[11];
    cs_risk_ahp_result res;
    cs_err err = {0};

    for (size_t i = 0; i < n; i++) {
        a[i * n + i] = 1.0;
        for (size_t j = i + 1; j < n; j++) {
            double v = take_d(b);
            a[i * n + j] = v;
            a[j * n + i] = (take_u8(b) & 7) ? 1.0 / v : take_d(b);
        }
    }
    if (cs_risk_ahp(a, n, 0.1, w, &res, &err) == CS_OK) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++) {
            check(w[i] > 0.0);
            sum += w[i];
        }
        check(fabs(sum - 1.0) < 1e-9 && res.cr < 0.1);
    }
}

static void fuzz_iim(struct bytes *b)
{
    size_t n = 1 + take_u8(b) % 6;
    uint32_t days = take_u8(b) % 20;
    double a[36], c[6], q[6], k[6], q0[6], qt[21 * 6];
    cs_err err = {0};

    for (size_t i = 0; i < n * n; i++)
        a[i] = take_d(b) / 4.0;
    for (size_t i = 0; i < n; i++) {
        c[i] = take_d(b);
        k[i] = take_d(b);
        q0[i] = take_d(b);
    }
    if (cs_iim_static(a, n, c, q, NULL, NULL, &err) == CS_OK)
        for (size_t i = 0; i < n; i++)
            check(q[i] >= 0.0 && q[i] <= 1.0);
    if (cs_iim_dynamic(a, n, c, k, q0, days, qt, &err) == CS_OK)
        for (size_t i = 0; i < (days + 1) * n; i++)
            check(qt[i] >= 0.0 && qt[i] <= 1.0);
}

static void fuzz_graph(struct bytes *b)
{
    size_t n = 1 + take_u8(b) % 12, m = take_u8(b) % 24;
    cs_node nodes[12];
    cs_link links[24];
    uint32_t down[3];
    cs_shock sh;
    cs_cascade_opts o = cs_cascade_default_opts;
    cs_cascade_result *r = NULL;
    cs_err err = {0};
    cs_graph *g;
    cs_tts *t;

    for (size_t i = 0; i < n; i++)
        nodes[i] = (cs_node){.output_per_day = take_d(b),
                             .unit_value = take_d(b),
                             .spare_per_day = take_d(b),
                             .ttr_days = take_d(b),
                             .region = take_u8(b) % 3};
    for (size_t e = 0; e < m; e++)
        links[e] = (cs_link){.supplier = take_u8(b) % 13,
                             .buyer = take_u8(b) % 13,
                             .product = take_u8(b) % 2,
                             .volume_per_day = take_d(b),
                             .share = take_d(b) / 8.0,
                             .cover_days = take_d(b)};
    g = cs_graph_new(n, nodes, m, links, &err);
    if (g == NULL)
        return;
    for (int i = 0; i < 3; i++)
        down[i] = take_u8(b) % 13;
    sh = (cs_shock){.nodes = down,
                    .n_nodes = take_u8(b) % 4,
                    .has_region = take_u8(b) & 1,
                    .region = 1,
                    .capacity_loss = take_d(b),
                    .start_day = take_u8(b) % 5,
                    .duration_days = take_u8(b) % 30};
    o.horizon_days = 1 + take_u8(b) % 40;
    o.surge = take_d(b);
    o.fn = (cs_prod_fn)(take_u8(b) % 2);
    o.keep_levels = 1;
    if (cs_cascade_run(g, &sh, 1, &o, &r, &err) == CS_OK) {
        for (size_t k = 0; k < r->n_impacted * o.horizon_days; k++)
            check(r->levels[k] >= 0.0 && r->levels[k] <= 1.0);
        cs_cascade_result_free(r);
    }
    t = cs_tts_new(g, &err);
    if (t != NULL) {
        double tts, tts1;
        uint32_t node = take_u8(b) % 13, tiers = take_u8(b) % 5;
        double max_days = 1.0 + take_u8(b);
        /* tiers 0 is refused. "More tiers never lower TTS" does NOT hold
         * in general: the fuzzer found a graph where the first tier gives
         * 1 day and all tiers 0.61 (an alternative supplier whose own
         * input has no cover; see docs/models/propagation.md), so only
         * the bounds are checked for every tier limit. */
        if (cs_tts_set_max_tiers(t, tiers, &err) != CS_OK)
            check(tiers == 0);
        if (cs_tts_node(t, node, max_days, &tts, &err) == CS_OK) {
            check(tts >= 0.0 && tts <= 256.0);
            if (cs_tts_set_max_tiers(t, 1, &err) == CS_OK &&
                cs_tts_node(t, node, max_days, &tts1, &err) == CS_OK)
                check(tts1 >= 0.0 && tts1 <= 256.0);
        }
        cs_tts_free(t);
    }
    cs_graph_free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bytes b = {data, size};
    static int init;

    if (!init) {
        gsl_set_error_handler_off();
        init = 1;
    }
    switch (take_u8(&b) % 4) {
    case 0:
        fuzz_index(&b);
        break;
    case 1:
        fuzz_ahp(&b);
        break;
    case 2:
        fuzz_iim(&b);
        break;
    default:
        fuzz_graph(&b);
        break;
    }
    return 0;
}
