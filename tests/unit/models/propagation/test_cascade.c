/* test_cascade.c - the day-by-day cascade on chains worked by hand, the
 * two production functions, region shocks, and the properties: a zero
 * shock changes nothing, propagation never creates output. */
#include "cs_test.h"

#include <gsl/gsl_errno.h>
#include <stdlib.h>

#include "cs_cascade.h"

/* 0 -> 1 -> 2, each buyer needs its one input fully (share 1). */
static cs_graph *chain(double cover1, double cover2)
{
    const cs_node nodes[] = {
        {.output_per_day = 100, .unit_value = 2, .region = 1},
        {.output_per_day = 50, .unit_value = 10, .region = 2},
        {.output_per_day = 20, .unit_value = 100, .region = 2},
    };
    const cs_link links[] = {
        {.supplier = 0,
         .buyer = 1,
         .volume_per_day = 100,
         .share = 1,
         .cover_days = cover1},
        {.supplier = 1,
         .buyer = 2,
         .volume_per_day = 50,
         .share = 1,
         .cover_days = cover2},
    };
    cs_err err = {0};
    return cs_graph_new(3, nodes, 2, links, &err);
}

static const cs_impact *find(const cs_cascade_result *r, uint32_t node)
{
    for (size_t k = 0; k < r->n_impacted; k++)
        if (r->impacts[k].node == node)
            return &r->impacts[k];
    return NULL;
}

static void chain_hand_case(void **state)
{
    (void)state;
    /* Node 0 stops fully on days 0-9. Deliveries take a day, so node 1
     * still receives day -1's shipment on day 0 and then lives on its 5
     * days of stock: full output on days 0-5, zero on days 6-10 (node 0
     * ships again on day 10, node 1 gets it on day 11). Node 2 (3 days of
     * stock) falls on day 10 (= 6 + 1 + 3) and is back on day 12. */
    const uint32_t down[] = {0};
    const cs_shock sh = {.nodes = down,
                         .n_nodes = 1,
                         .capacity_loss = 1,
                         .start_day = 0,
                         .duration_days = 10};
    cs_cascade_opts o = cs_cascade_default_opts;
    cs_cascade_result *r = NULL;
    const cs_impact *im;
    cs_err err = {0};
    cs_graph *g = chain(5, 3);

    assert_non_null(g);
    o.horizon_days = 30;
    o.keep_levels = 1;
    assert_int_equal(cs_cascade_run(g, &sh, 1, &o, &r, &err), CS_OK);
    assert_int_equal(r->n_impacted, 3);
    im = find(r, 0);
    assert_int_equal(im->tier, 0);
    assert_int_equal(im->tts_day, 0);
    assert_int_equal(im->ttr_day, 10);
    cs_assert_near(im->lost_units, 1000, 1e-9);
    cs_assert_near(im->lost_value, 2000, 1e-9);
    im = find(r, 1);
    assert_int_equal(im->tier, 1);
    assert_int_equal(im->tts_day, 6);
    assert_int_equal(im->ttr_day, 11);
    cs_assert_near(im->lost_units, 5 * 50, 1e-9);
    im = find(r, 2);
    assert_int_equal(im->tier, 2);
    assert_int_equal(im->tts_day, 10);
    assert_int_equal(im->ttr_day, 12);
    cs_assert_near(im->lost_units, 2 * 20, 1e-9);
    cs_assert_near(im->min_level, 0.0, 1e-12);
    /* ranked by lost value: node 2 (4000) first, node 1 (2500), node 0 */
    assert_int_equal(r->impacts[0].node, 2);
    assert_int_equal(r->impacts[1].node, 1);
    cs_assert_near(r->total_lost_value, 2000 + 2500 + 4000, 1e-9);
    /* levels of node 2 (first row): 1 until day 9, 0 on days 10-11 */
    cs_assert_near(r->levels[9], 1.0, 1e-12);
    cs_assert_near(r->levels[10], 0.0, 1e-12);
    cs_assert_near(r->levels[12], 1.0, 1e-12);
    cs_cascade_result_free(r);
    cs_graph_free(g);
}

static void linear_and_leontief_production(void **state)
{
    (void)state;
    /* buyer 2 needs input A (share 0.4) from 0 and B (share 0.6) from 1,
     * no stock; 0 stops: linear output 0.6, Leontief output 0 */
    const cs_node nodes[3] = {{.output_per_day = 1, .unit_value = 1},
                              {.output_per_day = 1, .unit_value = 1},
                              {.output_per_day = 1, .unit_value = 1}};
    const cs_link links[] = {
        {.supplier = 0, .buyer = 2, .volume_per_day = 1, .share = 0.4},
        {.supplier = 1,
         .buyer = 2,
         .volume_per_day = 1,
         .share = 0.6,
         .product = 1},
    };
    const uint32_t down[] = {0};
    const cs_shock sh = {
        .nodes = down, .n_nodes = 1, .capacity_loss = 1, .duration_days = 5};
    cs_cascade_opts o = cs_cascade_default_opts;
    cs_cascade_result *r = NULL;
    cs_err err = {0};
    cs_graph *g = cs_graph_new(3, nodes, 2, links, &err);

    assert_non_null(g);
    o.horizon_days = 10;
    assert_int_equal(cs_cascade_run(g, &sh, 1, &o, &r, &err), CS_OK);
    cs_assert_near(find(r, 2)->min_level, 0.6, 1e-12);
    cs_assert_near(find(r, 2)->lost_units, 5 * 0.4, 1e-9);
    cs_cascade_result_free(r);
    o.fn = CS_PROD_LEONTIEF;
    assert_int_equal(cs_cascade_run(g, &sh, 1, &o, &r, &err), CS_OK);
    cs_assert_near(find(r, 2)->min_level, 0.0, 1e-12);
    cs_cascade_result_free(r);
    cs_graph_free(g);
}

static void partial_loss_with_region(void **state)
{
    (void)state;
    /* region 2 = nodes 1 and 2 lose 30% for 4 days from day 2 */
    const cs_shock sh = {.has_region = 1,
                         .region = 2,
                         .capacity_loss = 0.3,
                         .start_day = 2,
                         .duration_days = 4};
    cs_cascade_result *r = NULL;
    cs_err err = {0};
    cs_graph *g = chain(0, 10);

    assert_non_null(g);
    assert_int_equal(cs_cascade_run(g, &sh, 1, NULL, &r, &err), CS_OK);
    assert_null(find(r, 0));
    assert_int_equal(find(r, 1)->tts_day, 2);
    assert_int_equal(find(r, 1)->ttr_day, 6);
    cs_assert_near(find(r, 1)->min_level, 0.7, 1e-12);
    cs_assert_near(find(r, 1)->lost_units, 4 * 0.3 * 50, 1e-9);
    assert_int_equal(find(r, 2)->tier, 0);
    cs_assert_near(find(r, 2)->lost_units, 4 * 0.3 * 20, 1e-9);
    cs_cascade_result_free(r);
    cs_graph_free(g);
}

static void zero_shock_changes_nothing(void **state)
{
    (void)state;
    const uint32_t down[] = {0, 1};
    const cs_shock sh = {
        .nodes = down, .n_nodes = 2, .capacity_loss = 0, .duration_days = 30};
    cs_cascade_result *r = NULL;
    cs_err err = {0};
    cs_graph *g = chain(0, 0);

    assert_non_null(g);
    assert_int_equal(cs_cascade_run(g, &sh, 1, NULL, &r, &err), CS_OK);
    assert_int_equal(r->n_impacted, 0);
    cs_assert_near(r->total_lost_value, 0.0, 0.0);
    cs_cascade_result_free(r);
    assert_int_equal(cs_cascade_run(g, NULL, 0, NULL, &r, &err), CS_OK);
    assert_int_equal(r->n_impacted, 0);
    cs_cascade_result_free(r);
    cs_graph_free(g);
}

static void never_creates_output(void **state)
{
    (void)state;
    enum { N = 300, M = 1000 };
    cs_node *nodes = calloc(N, sizeof(*nodes));
    cs_link *links = calloc(M, sizeof(*links));
    unsigned seed = 4242, n_in[N] = {0};
    uint32_t down[5] = {1, 7, 42, 99, 200};
    cs_shock sh = {.nodes = down,
                   .n_nodes = 5,
                   .capacity_loss = 0.8,
                   .start_day = 3,
                   .duration_days = 20};
    cs_cascade_opts o = cs_cascade_default_opts;
    cs_cascade_result *r = NULL;
    cs_err err = {0};
    cs_graph *g;
    size_t m = 0;

    assert_non_null(nodes);
    assert_non_null(links);
    for (int i = 0; i < N; i++) {
        nodes[i].output_per_day = 1 + i % 10;
        nodes[i].unit_value = 1;
    }
    while (m < M) {
        uint32_t s, b;
        seed = seed * 1664525u + 1013904223u;
        s = (seed >> 8) % N;
        seed = seed * 1664525u + 1013904223u;
        b = (seed >> 8) % N;
        if (s == b || n_in[b] >= 4)
            continue;
        n_in[b]++;
        links[m++] = (cs_link){.supplier = s,
                               .buyer = b,
                               .share = 0.25,
                               .volume_per_day = 1,
                               .cover_days = (double)(seed % 7)};
    }
    g = cs_graph_new(N, nodes, M, links, &err);
    assert_non_null(g);
    o.keep_levels = 1;
    for (int fn = 0; fn < 2; fn++) {
        o.fn = (cs_prod_fn)fn;
        assert_int_equal(cs_cascade_run(g, &sh, 1, &o, &r, &err), CS_OK);
        assert_true(r->n_impacted >= 5);
        for (size_t k = 0; k < r->n_impacted * o.horizon_days; k++)
            assert_true(r->levels[k] >= 0.0 && r->levels[k] <= 1.0);
        for (size_t k = 0; k < r->n_impacted; k++) {
            assert_true(r->impacts[k].lost_units >= 0.0);
            assert_true(r->impacts[k].tier >= 0);
            if (k > 0)
                assert_true(r->impacts[k - 1].lost_value >=
                            r->impacts[k].lost_value);
        }
        cs_cascade_result_free(r);
    }
    cs_graph_free(g);
    free(nodes);
    free(links);
}

static void bad_shocks_are_refused(void **state)
{
    (void)state;
    const uint32_t bad_node[] = {9};
    const cs_shock too_big = {.capacity_loss = 1.5};
    const cs_shock nan_loss = {.capacity_loss = NAN};
    const cs_shock missing = {.nodes = bad_node, .n_nodes = 1};
    cs_cascade_opts o = cs_cascade_default_opts;
    cs_cascade_result *r = NULL;
    cs_err err = {0};
    cs_graph *g = chain(1, 1);

    assert_int_equal(cs_cascade_run(g, &too_big, 1, NULL, &r, &err),
                     CS_E_INVALID);
    assert_int_equal(cs_cascade_run(g, &nan_loss, 1, NULL, &r, &err),
                     CS_E_INVALID);
    assert_int_equal(cs_cascade_run(g, &missing, 1, NULL, &r, &err),
                     CS_E_INVALID);
    o.horizon_days = 0;
    assert_int_equal(cs_cascade_run(g, NULL, 0, &o, &r, &err), CS_E_INVALID);
    o = cs_cascade_default_opts;
    o.surge = -1;
    assert_int_equal(cs_cascade_run(g, NULL, 0, &o, &r, &err), CS_E_INVALID);
    assert_null(r);
    cs_cascade_result_free(NULL);
    cs_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chain_hand_case),
        cmocka_unit_test(linear_and_leontief_production),
        cmocka_unit_test(partial_loss_with_region),
        cmocka_unit_test(zero_shock_changes_nothing),
        cmocka_unit_test(never_creates_output),
        cmocka_unit_test(bad_shocks_are_refused),
    };

    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
