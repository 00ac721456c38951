/* test_tts.c - time-to-survive LPs solved by hand: stock plus an
 * alternative supplier's spare capacity, spare capacity shared by two
 * buyers, products that do not substitute, and the hidden-risk ranking. */
#include "cs_test.h"

#include <gsl/gsl_errno.h>

#include "cs_tts.h"

static void stock_plus_alternative(void **state)
{
    (void)state;
    /* 0 and 1 both supply product 0 to 2 (10 a day from 0, 7 days of
     * stock = 70 units); 1 has 5 a day spare. 0 down: 70 + 5t >= 10t
     * gives TTS = 14. 1 down: 0 has no spare, 7 days of stock: TTS = 7. */
    const cs_node nodes[] = {
        {.ttr_days = 30}, {.spare_per_day = 5, .ttr_days = 3}, {.ttr_days = 0}};
    const cs_link links[] = {
        {.supplier = 0,
         .buyer = 2,
         .volume_per_day = 10,
         .share = 0.5,
         .cover_days = 7},
        {.supplier = 1,
         .buyer = 2,
         .volume_per_day = 10,
         .share = 0.5,
         .cover_days = 7},
    };
    cs_err err = {0};
    cs_graph *g = cs_graph_new(3, nodes, 2, links, &err);
    cs_tts *t = cs_tts_new(g, &err);
    double tts;

    assert_non_null(t);
    assert_int_equal(cs_tts_node(t, 0, 365, &tts, &err), CS_OK);
    cs_assert_near(tts, 14.0, 1e-9);
    assert_int_equal(cs_tts_node(t, 1, 365, &tts, &err), CS_OK);
    cs_assert_near(tts, 7.0, 1e-9);
    /* nobody buys from 2: it can be down for the whole horizon */
    assert_int_equal(cs_tts_node(t, 2, 365, &tts, &err), CS_OK);
    cs_assert_near(tts, 365.0, 1e-9);
    assert_int_equal(cs_tts_node(t, 3, 365, &tts, &err), CS_E_INVALID);
    assert_int_equal(cs_tts_node(t, 0, -1, &tts, &err), CS_E_INVALID);
    assert_int_equal(cs_tts_node(t, 0, 1e9, &tts, &err), CS_E_INVALID);
    assert_int_equal(cs_tts_node(t, 0, NAN, &tts, &err), CS_E_INVALID);
    cs_tts_free(t);
    cs_graph_free(g);
}

static void shared_spare_capacity(void **state)
{
    (void)state;
    /* 0 supplies buyers 2 and 3 (10 a day each, 2 days of stock = 20
     * units each); 1 also supplies both and has 10 a day spare, which
     * they must share: 20 + y2 >= 10t, 20 + y3 >= 10t, y2 + y3 <= 10t
     * gives 40 + 10t >= 20t, TTS = 4 (each alone would get 2 / (1 - 1)) */
    const cs_node nodes[] = {{.ttr_days = 6},
                             {.spare_per_day = 10},
                             {.ttr_days = 0},
                             {.ttr_days = 0}};
    const cs_link links[] = {
        {.supplier = 0,
         .buyer = 2,
         .volume_per_day = 10,
         .share = 0.5,
         .cover_days = 2},
        {.supplier = 0,
         .buyer = 3,
         .volume_per_day = 10,
         .share = 0.5,
         .cover_days = 2},
        {.supplier = 1, .buyer = 2, .volume_per_day = 1, .share = 0.1},
        {.supplier = 1, .buyer = 3, .volume_per_day = 1, .share = 0.1},
    };
    cs_err err = {0};
    cs_graph *g = cs_graph_new(4, nodes, 4, links, &err);
    cs_tts *t = cs_tts_new(g, &err);
    double tts;

    assert_non_null(t);
    assert_int_equal(cs_tts_node(t, 0, 365, &tts, &err), CS_OK);
    cs_assert_near(tts, 4.0, 1e-9);
    cs_tts_free(t);
    cs_graph_free(g);
}

static void other_products_do_not_substitute(void **state)
{
    (void)state;
    /* 1 has spare capacity but makes product 5, not product 0 */
    const cs_node nodes[] = {
        {.ttr_days = 0}, {.spare_per_day = 100}, {.ttr_days = 0}};
    const cs_link links[] = {
        {.supplier = 0,
         .buyer = 2,
         .volume_per_day = 10,
         .share = 0.5,
         .cover_days = 3},
        {.supplier = 1,
         .buyer = 2,
         .product = 5,
         .volume_per_day = 10,
         .share = 0.5},
    };
    cs_err err = {0};
    cs_graph *g = cs_graph_new(3, nodes, 2, links, &err);
    cs_tts *t = cs_tts_new(g, &err);
    double tts;

    assert_int_equal(cs_tts_node(t, 0, 365, &tts, &err), CS_OK);
    cs_assert_near(tts, 3.0, 1e-9);
    cs_tts_free(t);
    cs_graph_free(g);
}

static void hidden_risks_rank_first(void **state)
{
    (void)state;
    /* same graph as stock_plus_alternative: node 0 has TTS 14 < TTR 30
     * (hidden, gap 16); node 1 TTS 7 >= TTR 3; node 2 capped */
    const cs_node nodes[] = {
        {.ttr_days = 30}, {.spare_per_day = 5, .ttr_days = 3}, {.ttr_days = 1}};
    const cs_link links[] = {
        {.supplier = 0,
         .buyer = 2,
         .volume_per_day = 10,
         .share = 0.5,
         .cover_days = 7},
        {.supplier = 1,
         .buyer = 2,
         .volume_per_day = 10,
         .share = 0.5,
         .cover_days = 7},
    };
    const uint32_t targets[] = {2, 1, 0};
    cs_tts_entry out[3];
    cs_err err = {0};
    cs_graph *g = cs_graph_new(3, nodes, 2, links, &err);
    cs_tts *t = cs_tts_new(g, &err);

    assert_int_equal(cs_tts_rank(t, targets, 3, 100, out, &err), CS_OK);
    assert_int_equal(out[0].node, 0);
    assert_true(out[0].is_hidden);
    cs_assert_near(out[0].ttr_days, 30, 0);
    assert_int_equal(out[1].node, 1);
    assert_false(out[1].is_hidden);
    assert_int_equal(out[2].node, 2);
    assert_true(out[2].is_capped);
    cs_tts_free(t);
    cs_tts_free(NULL);
    cs_graph_free(g);
}

/* Multi-tier LP, solved by hand. Chain 0 -> 1 -> 2 (product 7 on
 * 1 -> 2), shares 1: node 1 holds 5 days of 0's input (50 units), node 2
 * 3 days of 1's (30 units); 3 is an unaffected supplier of product 7 to
 * 2 with 2 a day spare. Node 0 down:
 *   tiers 1: node 1 is an end node, X_1 = t, X_1 <= A_01, 10 A_01 <= 50:
 *            TTS = 5 (the first-tier answer)
 *   tiers 2: X_1 <= A_01 <= 5 may fall; node 2 stays at plan: X_2 = t <=
 *            A_12, 10 A_12 <= 10 X_1 + 30 + y, y <= 2t:
 *            10t <= 50 + 30 + 2t, TTS = 10
 * Node 1 down: 10 A_12 <= 30 + 2t, A_12 >= t: TTS = 30 / 8 = 3.75. */
static void multi_tier_chain(void **state)
{
    (void)state;
    const cs_node nodes[] = {{.ttr_days = 9},
                             {.ttr_days = 0},
                             {.ttr_days = 0},
                             {.spare_per_day = 2}};
    const cs_link links[] = {
        {.supplier = 0,
         .buyer = 1,
         .volume_per_day = 10,
         .share = 1,
         .cover_days = 5},
        {.supplier = 1,
         .buyer = 2,
         .product = 7,
         .volume_per_day = 10,
         .share = 1,
         .cover_days = 3},
        {.supplier = 3, .buyer = 2, .product = 7, .volume_per_day = 1},
    };
    const uint32_t targets[] = {0};
    cs_tts_entry out[1];
    cs_err err = {0};
    cs_graph *g = cs_graph_new(4, nodes, 3, links, &err);
    cs_tts *t = cs_tts_new(g, &err);
    double tts;

    assert_non_null(t);
    assert_int_equal(cs_tts_set_max_tiers(t, 1, &err), CS_OK);
    assert_int_equal(cs_tts_node(t, 0, 365, &tts, &err), CS_OK);
    cs_assert_near(tts, 5.0, 1e-9);
    /* first tier only, TTS 5 < TTR 9: a hidden risk */
    assert_int_equal(cs_tts_rank(t, targets, 1, 365, out, &err), CS_OK);
    assert_true(out[0].is_hidden);
    assert_int_equal(cs_tts_set_max_tiers(t, 2, &err), CS_OK);
    assert_int_equal(cs_tts_node(t, 0, 365, &tts, &err), CS_OK);
    cs_assert_near(tts, 10.0, 1e-9);
    /* through the tiers, 10 >= 9: node 2's stock covers the gap */
    assert_int_equal(cs_tts_rank(t, targets, 1, 365, out, &err), CS_OK);
    assert_false(out[0].is_hidden);
    assert_int_equal(cs_tts_set_max_tiers(t, UINT32_MAX, &err), CS_OK);
    assert_int_equal(cs_tts_node(t, 0, 365, &tts, &err), CS_OK);
    cs_assert_near(tts, 10.0, 1e-9);
    assert_int_equal(cs_tts_node(t, 1, 365, &tts, &err), CS_OK);
    cs_assert_near(tts, 3.75, 1e-9);
    assert_int_equal(cs_tts_set_max_tiers(t, 0, &err), CS_E_INVALID);
    cs_tts_free(t);
    cs_graph_free(g);
}

/* The same chain without the alternative supplier, plus a second end
 * node 4 fed by 1 (5 a day, share 0.5, 2 days of stock = 10 units), and
 * node 1 needing 0's input for only half its output (share 0.5).
 *   node 1: X_1 <= 0.5 A_01 + 0.5 t, 10 A_01 <= 50, so X_1 <= 2.5 + 0.5t
 *   node 2: t <= A_12, 10 A_12 <= 10 X_1 + 30:  t <= X_1 + 3
 *   node 4: t <= 0.5 A_14 + 0.5 t, so A_14 >= t; 5 A_14 <= 5 X_1 + 10:
 *           t <= X_1 + 2   (binds: tighter than node 2)
 *   t <= 2.5 + 0.5t + 2, TTS = 9. */
static void multi_tier_branch_and_share(void **state)
{
    (void)state;
    const cs_node nodes[] = {{.ttr_days = 0},
                             {.ttr_days = 0},
                             {.ttr_days = 0},
                             {.ttr_days = 0},
                             {.ttr_days = 0}};
    const cs_link links[] = {
        {.supplier = 0,
         .buyer = 1,
         .volume_per_day = 10,
         .share = 0.5,
         .cover_days = 5},
        {.supplier = 1,
         .buyer = 2,
         .volume_per_day = 10,
         .share = 1,
         .cover_days = 3},
        {.supplier = 1,
         .buyer = 4,
         .volume_per_day = 5,
         .share = 0.5,
         .cover_days = 2},
    };
    cs_err err = {0};
    cs_graph *g = cs_graph_new(5, nodes, 3, links, &err);
    cs_tts *t = cs_tts_new(g, &err);
    double tts;

    assert_non_null(t);
    assert_int_equal(cs_tts_node(t, 0, 365, &tts, &err), CS_OK);
    cs_assert_near(tts, 9.0, 1e-9);
    /* first tier only: node 1 at plan needs A_01 >= t: 10t <= 50 */
    assert_int_equal(cs_tts_set_max_tiers(t, 1, &err), CS_OK);
    assert_int_equal(cs_tts_node(t, 0, 365, &tts, &err), CS_OK);
    cs_assert_near(tts, 5.0, 1e-9);
    cs_tts_free(t);
    cs_graph_free(g);
}

/* Property on random layered graphs: following more tiers never lowers
 * TTS (a node held at plan at the limit is a lower bound), and TTS stays
 * in [0, max_days]. */
static void more_tiers_never_lower_tts(void **state)
{
    enum { N = 24, M = 60 };
    cs_node nodes[N];
    cs_link links[M];
    uint32_t seed = 12345;
    size_t n_up = 0; /* cases where a deeper look found more time */
    (void)state;

    for (int round = 0; round < 20; round++) {
        size_t m = 0;
        cs_err err = {0};
        cs_graph *g;
        cs_tts *t;
        double share_left[N];

        for (int i = 0; i < N; i++) {
            seed = seed * 1103515245u + 12345u;
            nodes[i] = (cs_node){.output_per_day = 10,
                                 .spare_per_day = (seed >> 16) % 3,
                                 .ttr_days = 10};
            share_left[i] = 1.0;
        }
        while (m < M) { /* links from layer k to layer k + 1 (6 nodes each) */
            uint32_t s, b;
            seed = seed * 1103515245u + 12345u;
            s = (seed >> 8) % (N - 6);
            b = (s / 6 + 1) * 6 + (seed >> 20) % 6;
            double share = share_left[b] * 0.4;
            share_left[b] -= share;
            links[m++] = (cs_link){.supplier = s,
                                   .buyer = b,
                                   .product = (seed >> 4) % 3,
                                   .volume_per_day = 1 + (seed >> 12) % 9,
                                   .share = share,
                                   .cover_days = (seed >> 24) % 6};
        }
        g = cs_graph_new(N, nodes, m, links, &err);
        assert_non_null(g);
        t = cs_tts_new(g, &err);
        assert_non_null(t);
        for (uint32_t node = 0; node < N - 6; node++) {
            double prev = -1.0, tts;
            for (uint32_t tiers = 1; tiers <= 4; tiers++) {
                assert_int_equal(cs_tts_set_max_tiers(t, tiers, &err), CS_OK);
                assert_int_equal(cs_tts_node(t, node, 200, &tts, &err), CS_OK);
                assert_true(tts >= 0.0 && tts <= 200.0);
                assert_true(tts >= prev - 1e-7 * (1.0 + prev));
                n_up += prev >= 0.0 && tts > prev + 1e-6;
                prev = tts;
            }
        }
        cs_tts_free(t);
        cs_graph_free(g);
    }
    assert_true(n_up > 0);
}

static int teardown(void **state)
{
    (void)state;
    cs_tts_thread_done();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stock_plus_alternative),
        cmocka_unit_test(shared_spare_capacity),
        cmocka_unit_test(other_products_do_not_substitute),
        cmocka_unit_test(hidden_risks_rank_first),
        cmocka_unit_test(multi_tier_chain),
        cmocka_unit_test(multi_tier_branch_and_share),
        cmocka_unit_test(more_tiers_never_lower_tts),
    };

    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, teardown);
}
