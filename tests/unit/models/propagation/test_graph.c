/* test_graph.c - building the CSR graph, refusing bad links and nodes,
 * and the downstream-reach criticality on a hand-computed chain. */
#include "cs_test.h"

#include <gsl/gsl_errno.h>
#include <string.h>

#include "cs_graph.h"

static const cs_node three[] = {
    {.output_per_day = 10, .unit_value = 1},
    {.output_per_day = 5, .unit_value = 4},
    {.output_per_day = 2, .unit_value = 50},
};

static void builds_and_reads_back(void **state)
{
    (void)state;
    const cs_link links[] = {
        {.supplier = 1, .buyer = 2, .volume_per_day = 1, .share = 0.5},
        {.supplier = 0, .buyer = 1, .volume_per_day = 1, .share = 1},
    };
    cs_err err = {0};
    cs_graph *g = cs_graph_new(3, three, 2, links, &err);

    assert_non_null(g);
    assert_int_equal(cs_graph_n_nodes(g), 3);
    assert_int_equal(cs_graph_n_links(g), 2);
    cs_assert_near(cs_graph_node(g, 2)->unit_value, 50, 0);
    assert_null(cs_graph_node(g, 3));
    cs_graph_free(g);
    cs_graph_free(NULL);
}

static void downstream_reach_on_a_chain(void **state)
{
    (void)state;
    /* 0 -> 1 (share 1) -> 2 (share 0.5); daily values 10, 20, 100.
     * r2 = 0; r1 = 0.5 * 100 = 50; r0 = 1 * (20 + d * 50) */
    const cs_link links[] = {
        {.supplier = 0, .buyer = 1, .volume_per_day = 1, .share = 1},
        {.supplier = 1, .buyer = 2, .volume_per_day = 1, .share = 0.5},
    };
    double reach[3];
    cs_err err = {0};
    cs_graph *g = cs_graph_new(3, three, 2, links, &err);

    assert_non_null(g);
    assert_int_equal(cs_graph_downstream_reach(g, 0.5, 10, reach, &err), CS_OK);
    cs_assert_near(reach[2], 0.0, 1e-12);
    cs_assert_near(reach[1], 50.0, 1e-12);
    cs_assert_near(reach[0], 20.0 + 0.5 * 50.0, 1e-12);
    /* one tier only: r0 = 20 */
    assert_int_equal(cs_graph_downstream_reach(g, 0.5, 1, reach, &err), CS_OK);
    cs_assert_near(reach[0], 20.0, 1e-12);
    assert_int_equal(cs_graph_downstream_reach(g, 2.0, 1, reach, &err),
                     CS_E_INVALID);
    cs_graph_free(g);
}

static void bad_links_are_refused(void **state)
{
    (void)state;
    const cs_link neg_cover[] = {
        {.supplier = 0, .buyer = 1, .share = 0.5, .cover_days = -1}};
    const cs_link self[] = {{.supplier = 1, .buyer = 1, .share = 0.5}};
    const cs_link out_of_range[] = {{.supplier = 0, .buyer = 3}};
    const cs_link nan_vol[] = {
        {.supplier = 0, .buyer = 1, .volume_per_day = NAN}};
    const cs_link shares[] = {
        {.supplier = 0, .buyer = 2, .share = 0.7},
        {.supplier = 1, .buyer = 2, .share = 0.7},
    };
    const cs_node bad_node[] = {
        {.output_per_day = -1}, {.unit_value = 0}, {.unit_value = 0}};
    cs_err err = {0};

    assert_null(cs_graph_new(3, three, 1, neg_cover, &err));
    assert_int_equal(err.code, CS_E_INVALID);
    assert_non_null(strstr(err.msg, "coverage"));
    assert_null(cs_graph_new(3, three, 1, self, &err));
    assert_null(cs_graph_new(3, three, 1, out_of_range, &err));
    assert_null(cs_graph_new(3, three, 1, nan_vol, &err));
    assert_null(cs_graph_new(3, three, 2, shares, &err));
    assert_non_null(strstr(err.msg, "sum"));
    assert_null(cs_graph_new(3, bad_node, 0, NULL, &err));
    /* quantities past 1e12 a day and times past 100 years are errors */
    const cs_link huge_vol[] = {
        {.supplier = 0, .buyer = 1, .volume_per_day = 1e13}};
    const cs_link huge_cover[] = {
        {.supplier = 0, .buyer = 1, .cover_days = 36501}};
    const cs_node huge_ttr[] = {
        {.ttr_days = 1e9}, {.ttr_days = 0}, {.ttr_days = 0}};
    assert_null(cs_graph_new(3, three, 1, huge_vol, &err));
    assert_null(cs_graph_new(3, three, 1, huge_cover, &err));
    assert_null(cs_graph_new(3, huge_ttr, 0, NULL, &err));
    assert_null(cs_graph_new(0, three, 0, NULL, &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builds_and_reads_back),
        cmocka_unit_test(downstream_reach_on_a_chain),
        cmocka_unit_test(bad_links_are_refused),
    };

    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
