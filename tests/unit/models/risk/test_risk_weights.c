/* test_risk_weights.c - entropy weights on a hand-computed case, AHP on
 * a consistent matrix (exact), on a classic 3 x 3 judgement matrix checked
 * against an independent eigen-solver, Saaty's random index table, the
 * CR >= 0.1 refusal, and blends. */
#include "cs_test.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include "cs_risk.h"

static void entropy_hand_case(void **state)
{
    (void)state;
    /* col 0: 0.2 0.3 0.5 (sums to 1, so p = y);
     *   e0 = -(0.2 ln 0.2 + 0.3 ln 0.3 + 0.5 ln 0.5) / ln 3 = 0.937231
     * col 1: 0.5 0.5 0 -> p = 1/2 1/2 0; e1 = ln 2 / ln 3 = 0.630930
     * d = 1 - e; w = d / sum d = 0.145354, 0.854646 */
    const double y[] = {0.2, 0.5, 0.3, 0.5, 0.5, 0.0};
    double w[2], e0, e1;
    cs_err err = {0};

    e0 = -(0.2 * log(0.2) + 0.3 * log(0.3) + 0.5 * log(0.5)) / log(3.0);
    e1 = log(2.0) / log(3.0);
    assert_int_equal(cs_risk_entropy_weights(y, 3, 2, w, &err), CS_OK);
    cs_assert_near(w[0], (1 - e0) / (2 - e0 - e1), 1e-12);
    cs_assert_near(w[1], (1 - e1) / (2 - e0 - e1), 1e-12);
    cs_assert_near(w[0], 0.145354, 5e-7);
    cs_assert_near(w[1], 0.854646, 5e-7);
}

static void entropy_ignores_constant_columns(void **state)
{
    (void)state;
    /* col 1 is constant: entropy 1, weight 0; col 0 takes everything */
    const double y[] = {1, 0.5, 0, 0.5, 0, 0.5};
    double w[2];
    cs_err err = {0};

    assert_int_equal(cs_risk_entropy_weights(y, 3, 2, w, &err), CS_OK);
    cs_assert_near(w[0], 1.0, 1e-12);
    cs_assert_near(w[1], 0.0, 1e-12);
    /* nothing varies: equal weights */
    const double flat[] = {0.5, 0.5, 0.5, 0.5};
    assert_int_equal(cs_risk_entropy_weights(flat, 2, 2, w, &err), CS_OK);
    cs_assert_near(w[0], 0.5, 1e-12);
}

static void entropy_weights_sum_to_one(void **state)
{
    (void)state;
    enum { ROWS = 50, COLS = 6 };
    double y[ROWS * COLS], w[COLS], sum = 0.0;
    unsigned seed = 7;
    cs_err err = {0};

    for (int i = 0; i < ROWS * COLS; i++) {
        seed = seed * 1664525u + 1013904223u;
        y[i] = (double)(seed >> 8) / (double)(1u << 24);
    }
    assert_int_equal(cs_risk_entropy_weights(y, ROWS, COLS, w, &err), CS_OK);
    for (int j = 0; j < COLS; j++) {
        assert_true(w[j] >= 0.0);
        sum += w[j];
    }
    cs_assert_near(sum, 1.0, 1e-12);
}

static void entropy_bad_input(void **state)
{
    (void)state;
    const double y[] = {0.5, 1.5};
    const double nan_y[] = {0.5, NAN};
    double w[1];
    cs_err err = {0};

    assert_int_equal(cs_risk_entropy_weights(y, 2, 1, w, &err), CS_E_INVALID);
    assert_int_equal(cs_risk_entropy_weights(nan_y, 2, 1, w, &err),
                     CS_E_INVALID);
    assert_int_equal(cs_risk_entropy_weights(y, 1, 1, w, &err), CS_E_INVALID);
}

static void ahp_consistent_matrix_is_exact(void **state)
{
    (void)state;
    /* a_ij = w_i / w_j for w = (0.5, 0.3, 0.2): lambda = n, CI = CR = 0 */
    const double t[] = {0.5, 0.3, 0.2};
    double a[9], w[3];
    cs_risk_ahp_result res;
    cs_err err = {0};

    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            a[i * 3 + j] = t[i] / t[j];
    assert_int_equal(cs_risk_ahp(a, 3, 0.1, w, &res, &err), CS_OK);
    for (int i = 0; i < 3; i++)
        cs_assert_near(w[i], t[i], 1e-12);
    cs_assert_near(res.lambda_max, 3.0, 1e-12);
    cs_assert_near(res.cr, 0.0, 1e-12);
}

static void ahp_classic_three_by_three(void **state)
{
    (void)state;
    /* The textbook judgement matrix [1 3 5; 1/3 1 3; 1/5 1/3 1]. Reference
     * values from an independent solver (numpy.linalg.eig, LAPACK geev):
     * w = 0.636986 0.258285 0.104729, lambda_max = 3.038511,
     * CI = 0.019256, CR = CI / 0.58 = 0.033199. */
    const double a[] = {1, 3, 5, 1.0 / 3, 1, 3, 1.0 / 5, 1.0 / 3, 1};
    double w[3];
    cs_risk_ahp_result res;
    cs_err err = {0};

    assert_int_equal(cs_risk_ahp(a, 3, 0.1, w, &res, &err), CS_OK);
    cs_assert_near(w[0], 0.63698557, 1e-7);
    cs_assert_near(w[1], 0.25828499, 1e-7);
    cs_assert_near(w[2], 0.10472943, 1e-7);
    cs_assert_near(res.lambda_max, 3.03851109, 1e-7);
    cs_assert_near(res.ci, 0.01925555, 1e-7);
    cs_assert_near(res.cr, 0.03319922, 1e-7);
}

static void ahp_four_by_four(void **state)
{
    (void)state;
    /* [1 5 3 7; 1/5 1 1/3 3; 1/3 3 1 5; 1/7 1/3 1/5 1]; numpy reference:
     * w = 0.565009 0.117504 0.262201 0.055285, lambda_max = 4.116982,
     * CR = 0.043327 with RI(4) = 0.90 */
    const double a[] = {
        1,       5,       3,       7, /* */
        1.0 / 5, 1,       1.0 / 3, 3, /* */
        1.0 / 3, 3,       1,       5, /* */
        1.0 / 7, 1.0 / 3, 1.0 / 5, 1,
    };
    double w[4];
    cs_risk_ahp_result res;
    cs_err err = {0};

    assert_int_equal(cs_risk_ahp(a, 4, 0.1, w, &res, &err), CS_OK);
    cs_assert_near(w[0], 0.56500905, 1e-7);
    cs_assert_near(w[1], 0.11750425, 1e-7);
    cs_assert_near(w[2], 0.26220121, 1e-7);
    cs_assert_near(w[3], 0.05528549, 1e-7);
    cs_assert_near(res.lambda_max, 4.11698244, 1e-7);
    cs_assert_near(res.cr, 0.04332683, 1e-7);
}

static void saaty_random_index(void **state)
{
    (void)state;
    /* Saaty (1980); Saaty (1990) EJOR 48:9-26 */
    const double ri[] = {0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49};

    for (size_t n = 1; n <= 10; n++)
        cs_assert_near(cs_risk_random_index(n), ri[n - 1], 1e-12);
    assert_true(isnan(cs_risk_random_index(0)));
    assert_true(isnan(cs_risk_random_index(11)));
}

static void ahp_refuses_inconsistent_judgements(void **state)
{
    (void)state;
    /* a cycle: 1 >> 2 >> 3 >> 1 */
    const double a[] = {1, 9, 1.0 / 9, 1.0 / 9, 1, 9, 9, 1.0 / 9, 1};
    double w[3];
    cs_risk_ahp_result res;
    cs_err err = {0};

    assert_int_equal(cs_risk_ahp(a, 3, 0.1, w, &res, &err), CS_E_INVALID);
    assert_true(res.cr >= 0.1);
    assert_non_null(strstr(err.msg, "inconsistent"));
}

static void ahp_bad_input(void **state)
{
    (void)state;
    const double not_recip[] = {1, 3, 3, 1};
    const double zero[] = {1, 0, 0, 1};
    const double bad_diag[] = {2, 1, 1, 1};
    const double nan_m[] = {1, NAN, 1, 1};
    double big[11 * 11], w[11];
    cs_risk_ahp_result res;
    cs_err err = {0};

    assert_int_equal(cs_risk_ahp(not_recip, 2, 0.1, w, &res, &err),
                     CS_E_INVALID);
    assert_int_equal(cs_risk_ahp(zero, 2, 0.1, w, &res, &err), CS_E_INVALID);
    assert_int_equal(cs_risk_ahp(bad_diag, 2, 0.1, w, &res, &err),
                     CS_E_INVALID);
    assert_int_equal(cs_risk_ahp(nan_m, 2, 0.1, w, &res, &err), CS_E_INVALID);
    for (int i = 0; i < 121; i++)
        big[i] = 1.0;
    assert_int_equal(cs_risk_ahp(big, 11, 0.1, w, &res, &err), CS_E_TOO_LARGE);
    assert_int_equal(cs_risk_ahp(big, 1, 0.1, w, &res, &err), CS_OK);
    cs_assert_near(w[0], 1.0, 0.0);
}

static void blend_is_convex_combination(void **state)
{
    (void)state;
    const double a[] = {0.6, 0.4}, e[] = {0.2, 0.8};
    double w[2];
    cs_err err = {0};

    assert_int_equal(cs_risk_blend_weights(a, e, 2, 0.25, w, &err), CS_OK);
    cs_assert_near(w[0], 0.25 * 0.6 + 0.75 * 0.2, 1e-12);
    cs_assert_near(w[1], 0.25 * 0.4 + 0.75 * 0.8, 1e-12);
    assert_int_equal(cs_risk_blend_weights(a, e, 2, 1.5, w, &err),
                     CS_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entropy_hand_case),
        cmocka_unit_test(entropy_ignores_constant_columns),
        cmocka_unit_test(entropy_weights_sum_to_one),
        cmocka_unit_test(entropy_bad_input),
        cmocka_unit_test(ahp_consistent_matrix_is_exact),
        cmocka_unit_test(ahp_classic_three_by_three),
        cmocka_unit_test(ahp_four_by_four),
        cmocka_unit_test(saaty_random_index),
        cmocka_unit_test(ahp_refuses_inconsistent_judgements),
        cmocka_unit_test(ahp_bad_input),
        cmocka_unit_test(blend_is_convex_combination),
    };

    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
