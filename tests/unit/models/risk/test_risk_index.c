/* test_risk_index.c - the scorer: scores, levels, contributions, the
 * one-sentence explanation and aggregation, on hand-computed cases, plus
 * the property that scores stay in [0, 100]. */
#include "cs_test.h"

#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>

#include "cs_risk.h"

static void score_is_weighted_sum(void **state)
{
    (void)state;
    /* 100 * (0.5 * 0.8 + 0.3 * 0.5 + 0.2 * 1) = 75 -> red (>= 75) */
    const double w[] = {0.5, 0.3, 0.2};
    const double y[] = {0.8, 0.5, 1.0, 0, 0, 0};
    double score[2], contrib[6];
    cs_risk_level level[2];
    cs_err err = {0};
    cs_risk *r = cs_risk_new(w, 3, NULL, &err);

    assert_non_null(r);
    assert_int_equal(cs_risk_n_indicators(r), 3);
    assert_int_equal(cs_risk_score(r, y, 2, score, contrib, level, &err),
                     CS_OK);
    cs_assert_near(score[0], 75.0, 1e-12);
    cs_assert_near(contrib[0], 40.0, 1e-12);
    cs_assert_near(contrib[1], 15.0, 1e-12);
    cs_assert_near(contrib[2], 20.0, 1e-12);
    assert_int_equal(level[0], CS_RISK_RED);
    cs_assert_near(score[1], 0.0, 1e-12);
    assert_int_equal(level[1], CS_RISK_BLUE);
    cs_risk_free(r);
}

static void levels_follow_thresholds(void **state)
{
    (void)state;
    const double w[] = {1.0};
    const cs_risk_thresholds t = {.yellow = 10, .orange = 20, .red = 30};
    const cs_risk_thresholds bad = {.yellow = 50, .orange = 20, .red = 30};
    cs_err err = {0};
    cs_risk *r = cs_risk_new(w, 1, &t, &err);

    assert_non_null(r);
    assert_int_equal(cs_risk_level_of(r, 9.99), CS_RISK_BLUE);
    assert_int_equal(cs_risk_level_of(r, 10), CS_RISK_YELLOW);
    assert_int_equal(cs_risk_level_of(r, 25), CS_RISK_ORANGE);
    assert_int_equal(cs_risk_level_of(r, 30), CS_RISK_RED);
    assert_string_equal(cs_risk_level_name(CS_RISK_ORANGE), "orange");
    /* defaults: 25 / 50 / 75 */
    assert_int_equal(cs_risk_level_of(NULL, 68), CS_RISK_ORANGE);
    cs_risk_free(r);
    assert_null(cs_risk_new(w, 1, &bad, &err));
    assert_int_equal(err.code, CS_E_INVALID);
}

static void weights_are_checked(void **state)
{
    (void)state;
    const double not_one[] = {0.5, 0.4};
    const double negative[] = {1.5, -0.5};
    const double with_nan[] = {NAN, 1.0};
    cs_err err = {0};

    assert_null(cs_risk_new(not_one, 2, NULL, &err));
    assert_null(cs_risk_new(negative, 2, NULL, &err));
    assert_null(cs_risk_new(with_nan, 2, NULL, &err));
    assert_null(cs_risk_new(not_one, 0, NULL, &err));
    cs_risk_free(NULL);
}

static void scores_stay_in_range(void **state)
{
    (void)state;
    enum { ROWS = 500, COLS = 8 };
    double w[COLS], y[ROWS * COLS], score[ROWS], contrib[ROWS * COLS];
    unsigned seed = 99;
    cs_err err = {0};
    cs_risk *r;

    for (int j = 0; j < COLS; j++)
        w[j] = 1.0 / COLS;
    for (int i = 0; i < ROWS * COLS; i++) {
        seed = seed * 1664525u + 1013904223u;
        y[i] = (double)(seed >> 8) / (double)((1u << 24) - 1);
    }
    r = cs_risk_new(w, COLS, NULL, &err);
    assert_non_null(r);
    assert_int_equal(cs_risk_score(r, y, ROWS, score, contrib, NULL, &err),
                     CS_OK);
    for (int i = 0; i < ROWS; i++) {
        double sum = 0.0;
        assert_true(score[i] >= 0.0 && score[i] <= 100.0);
        for (int j = 0; j < COLS; j++)
            sum += contrib[i * COLS + j];
        cs_assert_near(sum, score[i], 1e-9);
    }
    y[3] = 1.5; /* not normalised */
    assert_int_equal(cs_risk_score(r, y, ROWS, score, NULL, NULL, &err),
                     CS_E_INVALID);
    cs_risk_free(r);
}

static void explanation_names_top_contributors(void **state)
{
    (void)state;
    const char *const names[] = {"on_time_rate", "single_source", "hhi"};
    const double raw[] = {0.71, 3, NAN};
    const double contrib[] = {22.1, 30.0, 5.0};
    char buf[128], tiny[8];
    size_t len;

    len = cs_risk_explain(68, CS_RISK_ORANGE, names, raw, contrib, 3, 2, buf,
                          sizeof(buf));
    assert_string_equal(buf, "68, orange: single_source 3 (+30.0), "
                             "on_time_rate 0.71 (+22.1)");
    assert_int_equal(len, strlen(buf));
    len = cs_risk_explain(68, CS_RISK_ORANGE, names, raw, contrib, 3, 3, buf,
                          sizeof(buf));
    assert_non_null(strstr(buf, "hhi missing (+5.0)"));
    /* truncation: reports the full length, keeps a terminated prefix */
    len = cs_risk_explain(68, CS_RISK_ORANGE, names, raw, contrib, 3, 3, tiny,
                          sizeof(tiny));
    assert_true(len >= sizeof(tiny));
    assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

/* Names with a placeholder read as a sentence (the example):
 * "{%}" prints 100 x the value with "%", "{v}" the value as given. */
static void explanation_fills_placeholders(void **state)
{
    (void)state;
    const char *const names[] = {"on-time delivery fell to {%}",
                                 "single source for {v} products",
                                 "lead-time CV {v}"};
    const double raw[] = {0.71, 3, NAN};
    const double contrib[] = {22.1, 30.0, 5.0};
    char buf[160], tiny[30];
    size_t len;

    len = cs_risk_explain(68, CS_RISK_ORANGE, names, raw, contrib, 3, 3, buf,
                          sizeof(buf));
    assert_string_equal(buf, "68, orange: single source for 3 products "
                             "(+30.0), on-time delivery fell to 71% (+22.1), "
                             "lead-time CV missing (+5.0)");
    assert_int_equal(len, strlen(buf));
    len = cs_risk_explain(68, CS_RISK_ORANGE, names, raw, contrib, 3, 3, tiny,
                          sizeof(tiny));
    assert_int_equal(len, strlen(buf));
    assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
    assert_int_equal(strncmp(tiny, buf, sizeof(tiny) - 1), 0);
}

static void aggregate_mean_and_max(void **state)
{
    (void)state;
    const double score[] = {10, 30, 80, 50};
    const double vol[] = {1, 3, 1, 0};
    const uint32_t group[] = {0, 0, 1, 1};
    double out[3];
    cs_err err = {0};

    assert_int_equal(cs_risk_aggregate(score, NULL, group, 4, 3,
                                       CS_RISK_AGG_MEAN, out, &err),
                     CS_OK);
    cs_assert_near(out[0], 20.0, 1e-12);
    cs_assert_near(out[1], 65.0, 1e-12);
    assert_true(isnan(out[2])); /* no members */
    assert_int_equal(
        cs_risk_aggregate(score, vol, group, 4, 2, CS_RISK_AGG_MEAN, out, &err),
        CS_OK);
    cs_assert_near(out[0], (10.0 + 90.0) / 4.0, 1e-12);
    cs_assert_near(out[1], 80.0, 1e-12);
    assert_int_equal(
        cs_risk_aggregate(score, NULL, group, 4, 2, CS_RISK_AGG_MAX, out, &err),
        CS_OK);
    cs_assert_near(out[0], 30.0, 1e-12);
    cs_assert_near(out[1], 80.0, 1e-12);
    assert_int_equal(
        cs_risk_aggregate(score, NULL, group, 4, 1, CS_RISK_AGG_MAX, out, &err),
        CS_E_INVALID); /* group 1 out of range */
}

/* Issue 4: after a flood ended, exposure became 0 for every supplier and
 * a supplier went from orange to red, because the constant column
 * normalised to 0.5. A constant column carries no information: it must
 * add nothing, and its entropy weight is 0. Suppliers: on-time rate
 * (safer) and event exposure (riskier), equal AHP weights. Supplier 1
 * has the worst on-time rate (normalised 1, +50) and no exposure (0):
 * 50, orange, before and after the flood. The old rule gave it 75, red. */
static void constant_column_adds_nothing(void **state)
{
    (void)state;
    const double pairwise[] = {1, 1, 1, 1};
    const double before[] = {0.98, 0.6, 0.71, 0.0, 0.90, 0.3};
    const double after[] = {0.98, 0.0, 0.71, 0.0, 0.90, 0.0};
    const cs_risk_dir dir[] = {CS_RISK_HIGHER_SAFER, CS_RISK_HIGHER_RISKIER};
    double w[2], w_ent[2], y[6], score[3], contrib[6];
    cs_risk_level level[3];
    cs_risk_ahp_result ar;
    cs_err err = {0};
    cs_risk *r;

    assert_int_equal(cs_risk_ahp(pairwise, 2, 0.1, w, &ar, &err), CS_OK);
    r = cs_risk_new(w, 2, NULL, &err);
    assert_non_null(r);

    assert_int_equal(cs_risk_normalise(before, 3, 2, dir, NULL,
                                       CS_RISK_NORM_MINMAX, y, &err),
                     CS_OK);
    assert_int_equal(cs_risk_score(r, y, 3, score, contrib, level, &err),
                     CS_OK);
    cs_assert_near(score[1], 50.0, 1e-9);
    assert_int_equal(level[1], CS_RISK_ORANGE);

    for (int m = 0; m < 2; m++) {
        assert_int_equal(
            cs_risk_normalise(after, 3, 2, dir, NULL, (cs_risk_norm)m, y, &err),
            CS_OK);
        assert_int_equal(cs_risk_score(r, y, 3, score, contrib, level, &err),
                         CS_OK);
        for (int i = 0; i < 3; i++)
            cs_assert_near(contrib[i * 2 + 1], 0.0, 0.0);
        assert_int_equal(cs_risk_entropy_weights(y, 3, 2, w_ent, &err), CS_OK);
        cs_assert_near(w_ent[1], 0.0, 0.0);
        cs_assert_near(w_ent[0], 1.0, 1e-12);
    }
    /* min-max (the last loop pass is robust z): recompute for the level */
    assert_int_equal(
        cs_risk_normalise(after, 3, 2, dir, NULL, CS_RISK_NORM_MINMAX, y, &err),
        CS_OK);
    assert_int_equal(cs_risk_score(r, y, 3, score, contrib, level, &err),
                     CS_OK);
    cs_assert_near(score[1], 50.0, 1e-9);
    assert_int_equal(level[1], CS_RISK_ORANGE);
    cs_risk_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(score_is_weighted_sum),
        cmocka_unit_test(levels_follow_thresholds),
        cmocka_unit_test(weights_are_checked),
        cmocka_unit_test(scores_stay_in_range),
        cmocka_unit_test(explanation_names_top_contributors),
        cmocka_unit_test(explanation_fills_placeholders),
        cmocka_unit_test(aggregate_mean_and_max),
        cmocka_unit_test(constant_column_adds_nothing),
    };

    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
