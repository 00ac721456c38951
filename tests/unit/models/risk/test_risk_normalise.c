/* test_risk_normalise.c - min-max and robust z normalisation within peer
 * groups, direction handling and the missing-value rule, on cases worked
 * by hand (docs/models/risk-index.md, "Normalisation"). */
#include "cs_test.h"

#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>

#include "cs_risk.h"

static void minmax_respects_direction(void **state)
{
    (void)state;
    /* col 0 riskier-up: 10, 20, 30 -> 0, 0.5, 1;
     * col 1 safer-up (on-time rate): 0.9, 0.7, 0.8 -> 0, 1, 0.5 */
    const double x[] = {10, 0.9, 20, 0.7, 30, 0.8};
    const cs_risk_dir dir[] = {CS_RISK_HIGHER_RISKIER, CS_RISK_HIGHER_SAFER};
    const double want[] = {0, 0, 0.5, 1, 1, 0.5};
    double y[6];
    cs_err err = {0};

    assert_int_equal(
        cs_risk_normalise(x, 3, 2, dir, NULL, CS_RISK_NORM_MINMAX, y, &err),
        CS_OK);
    for (int i = 0; i < 6; i++)
        cs_assert_near(y[i], want[i], 1e-12);
}

static void minmax_within_peer_groups(void **state)
{
    (void)state;
    /* groups {0, 2} and {1, 3}: each scaled on its own range */
    const double x[] = {1, 100, 3, 300};
    const uint32_t group[] = {7, 9, 7, 9};
    const cs_risk_dir dir[] = {CS_RISK_HIGHER_RISKIER};
    double y[4];
    cs_err err = {0};

    assert_int_equal(
        cs_risk_normalise(x, 4, 1, dir, group, CS_RISK_NORM_MINMAX, y, &err),
        CS_OK);
    cs_assert_near(y[0], 0.0, 1e-12);
    cs_assert_near(y[2], 1.0, 1e-12);
    cs_assert_near(y[1], 0.0, 1e-12);
    cs_assert_near(y[3], 1.0, 1e-12);
}

static void missing_takes_group_median(void **state)
{
    (void)state;
    /* present 0, 10, 40 -> 0, 0.25, 1; median 0.25 fills the gap */
    const double x[] = {0, 10, NAN, 40};
    const cs_risk_dir dir[] = {CS_RISK_HIGHER_RISKIER};
    double y[4];
    cs_err err = {0};

    assert_int_equal(
        cs_risk_normalise(x, 4, 1, dir, NULL, CS_RISK_NORM_MINMAX, y, &err),
        CS_OK);
    cs_assert_near(y[2], 0.25, 1e-12);
    cs_assert_near(y[3], 1.0, 1e-12);
}

/* A column without information in its group - every present value
 * equal, or none present - normalises to 0 under both methods, so it
 * contributes nothing; missing values beside a constant column take the
 * group median, which is that same 0 (docs/models/risk-index.md). */
static void no_information_columns_give_zero(void **state)
{
    (void)state;
    /* column 0 all missing, column 1 constant (safer), column 2 constant
     * with a gap, column 3 a single present value */
    const double x[] = {NAN, 5, 7, NAN, NAN, 5, NAN, 2, NAN, 5, 7, NAN};
    const cs_risk_dir dir[] = {CS_RISK_HIGHER_RISKIER, CS_RISK_HIGHER_SAFER,
                               CS_RISK_HIGHER_RISKIER, CS_RISK_HIGHER_RISKIER};
    double y[12];
    cs_err err = {0};

    for (int m = 0; m < 2; m++) {
        assert_int_equal(
            cs_risk_normalise(x, 3, 4, dir, NULL, (cs_risk_norm)m, y, &err),
            CS_OK);
        for (int i = 0; i < 12; i++)
            cs_assert_near(y[i], 0.0, 0.0);
    }
}

/* The same rule per peer group: a column constant in group 1 only is 0
 * there and still normalised in group 0. */
static void constant_within_one_peer_group(void **state)
{
    (void)state;
    const double x[] = {1, 3, 4, 4};
    const uint32_t g[] = {0, 0, 1, 1};
    const cs_risk_dir dir[] = {CS_RISK_HIGHER_RISKIER};
    double y[4];
    cs_err err = {0};

    assert_int_equal(
        cs_risk_normalise(x, 4, 1, dir, g, CS_RISK_NORM_MINMAX, y, &err),
        CS_OK);
    cs_assert_near(y[0], 0.0, 0.0);
    cs_assert_near(y[1], 1.0, 0.0);
    cs_assert_near(y[2], 0.0, 0.0);
    cs_assert_near(y[3], 0.0, 0.0);
}

static void robust_z_hand_case(void **state)
{
    (void)state;
    /* 1 2 3 4 100: median 3, |dev| 2 1 0 1 97 -> MAD 1, sigma 1.4826.
     * z(4) = 1/1.4826 = 0.674488..., y = (z + 3) / 6; 100 clamps to 1 */
    const double x[] = {1, 2, 3, 4, 100};
    const cs_risk_dir dir[] = {CS_RISK_HIGHER_RISKIER};
    double y[5];
    cs_err err = {0};

    assert_int_equal(
        cs_risk_normalise(x, 5, 1, dir, NULL, CS_RISK_NORM_ROBUST_Z, y, &err),
        CS_OK);
    cs_assert_near(y[2], 0.5, 1e-12);
    cs_assert_near(y[3], (1.0 / 1.4826 + 3.0) / 6.0, 1e-12);
    cs_assert_near(y[0], (-2.0 / 1.4826 + 3.0) / 6.0, 1e-12);
    cs_assert_near(y[4], 1.0, 1e-12);
}

static void robust_z_falls_back_to_mean_deviation(void **state)
{
    (void)state;
    /* 0 0 0 0 5 0: MAD is 0; mean abs dev 5/6, scale 1.2533 * 5/6, so
     * z(5) = -4.79 (safer-up) clamps to -3 */
    const double x[] = {0, 0, 0, 0, 5, 0};
    const cs_risk_dir dir[] = {CS_RISK_HIGHER_SAFER};
    double y[6];
    cs_err err = {0};

    assert_int_equal(
        cs_risk_normalise(x, 6, 1, dir, NULL, CS_RISK_NORM_ROBUST_Z, y, &err),
        CS_OK);
    cs_assert_near(y[0], 0.5, 1e-12);
    cs_assert_near(y[4], 0.0, 1e-12); /* safer-up: high value, low risk */
}

/* A rows x cols matrix of integers in [-300, 700) with a gap (NaN) in
 * one cell of about nan_every, peer groups i % n_groups, directions
 * alternating; from a fixed LCG seed. */
static void random_matrix(double *x, uint32_t *group, cs_risk_dir *dir,
                          int rows, int cols, int n_groups, unsigned nan_every,
                          unsigned seed)
{
    for (int j = 0; j < cols; j++)
        dir[j] = (cs_risk_dir)(j % 2);
    for (int i = 0; i < rows; i++) {
        group[i] = (uint32_t)(i % n_groups);
        for (int j = 0; j < cols; j++) {
            seed = seed * 1103515245u + 12345u;
            x[i * cols + j] = (seed >> 8) % nan_every == 0
                                  ? NAN
                                  : (double)((seed >> 4) % 1000) - 300.0;
        }
    }
}

static void values_stay_in_unit_interval(void **state)
{
    (void)state;
    enum { ROWS = 200, COLS = 5 };
    double *x = malloc(ROWS * COLS * sizeof(*x));
    double *y = malloc(ROWS * COLS * sizeof(*y));
    uint32_t group[ROWS];
    cs_risk_dir dir[COLS];
    cs_err err = {0};

    assert_non_null(x);
    assert_non_null(y);
    random_matrix(x, group, dir, ROWS, COLS, 7, 17, 12345);
    for (int m = 0; m < 2; m++) {
        assert_int_equal(cs_risk_normalise(x, ROWS, COLS, dir, group,
                                           (cs_risk_norm)m, y, &err),
                         CS_OK);
        for (int i = 0; i < ROWS * COLS; i++)
            assert_true(y[i] >= 0.0 && y[i] <= 1.0);
    }
    free(x);
    free(y);
}

static void fixed_parameters_reproduce_and_place_later_values(void **state)
{
    (void)state;
    /* A random matrix as above, both methods: the parameters
     * found on it give back exactly what cs_risk_normalise gave; later
     * values are placed on the old scale (min-max 0..1 over [lo, hi],
     * beyond clamped), a missing one takes the group's fill. */
    enum { ROWS = 200, COLS = 5, GROUPS = 7 };
    double *x = malloc(ROWS * COLS * sizeof(*x));
    double *y = malloc(ROWS * COLS * sizeof(*y));
    double *y2 = malloc(ROWS * COLS * sizeof(*y2));
    cs_risk_norm_param par[GROUPS * COLS];
    uint32_t group[ROWS];
    cs_risk_dir dir[COLS];
    cs_err err = {0};

    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(y2);
    random_matrix(x, group, dir, ROWS, COLS, GROUPS, 13, 777);
    for (int m = 0; m < 2; m++) {
        assert_int_equal(cs_risk_normalise(x, ROWS, COLS, dir, group,
                                           (cs_risk_norm)m, y, &err),
                         CS_OK);
        assert_int_equal(cs_risk_normalise_fit(x, ROWS, COLS, dir, group,
                                               GROUPS, (cs_risk_norm)m, y2, par,
                                               &err),
                         CS_OK);
        assert_memory_equal(y, y2, ROWS * COLS * sizeof(*y));
        memset(y2, 0, ROWS * COLS * sizeof(*y2));
        assert_int_equal(cs_risk_normalise_with(x, ROWS, COLS, dir, group,
                                                GROUPS, (cs_risk_norm)m, par,
                                                y2, &err),
                         CS_OK);
        assert_memory_equal(y, y2, ROWS * COLS * sizeof(*y));
    }
    {
        /* min-max on 10, 20, 30 (riskier up), then 25, 40, 0, missing */
        const double a[] = {10, 20, 30}, later[] = {25, 40, 0, NAN};
        const cs_risk_dir d[] = {CS_RISK_HIGHER_RISKIER};
        double ya[3], yl[4];
        cs_risk_norm_param p1;

        assert_int_equal(cs_risk_normalise_fit(a, 3, 1, d, NULL, 1,
                                               CS_RISK_NORM_MINMAX, ya, &p1,
                                               &err),
                         CS_OK);
        cs_assert_near(p1.lo, 10, 0);
        cs_assert_near(p1.hi, 30, 0);
        cs_assert_near(p1.fill, 0.5, 0);
        assert_int_equal(cs_risk_normalise_with(later, 4, 1, d, NULL, 1,
                                                CS_RISK_NORM_MINMAX, &p1, yl,
                                                &err),
                         CS_OK);
        cs_assert_near(yl[0], 0.75, 1e-15);
        cs_assert_near(yl[1], 1.0, 0);
        cs_assert_near(yl[2], 0.0, 0);
        cs_assert_near(yl[3], 0.5, 0);
        /* a group id past the parameters is refused */
        {
            const uint32_t g[] = {0, 1, 0, 0};
            assert_int_equal(cs_risk_normalise_with(later, 4, 1, d, g, 1,
                                                    CS_RISK_NORM_MINMAX, &p1,
                                                    yl, &err),
                             CS_E_INVALID);
        }
    }
    free(x);
    free(y);
    free(y2);
}

static void bad_input_is_refused(void **state)
{
    (void)state;
    const double x[] = {1, INFINITY};
    const cs_risk_dir dir[] = {CS_RISK_HIGHER_RISKIER};
    const cs_risk_dir bad_dir[] = {(cs_risk_dir)5};
    double y[2];
    cs_err err = {0};

    assert_int_equal(
        cs_risk_normalise(x, 2, 1, dir, NULL, CS_RISK_NORM_MINMAX, y, &err),
        CS_E_INVALID);
    assert_int_equal(
        cs_risk_normalise(x, 1, 1, bad_dir, NULL, CS_RISK_NORM_MINMAX, y, &err),
        CS_E_INVALID);
    assert_int_equal(
        cs_risk_normalise(NULL, 0, 1, dir, NULL, CS_RISK_NORM_MINMAX, y, &err),
        CS_E_INVALID);
    assert_int_equal(
        cs_risk_normalise(x, 1, 1, dir, NULL, (cs_risk_norm)9, y, &err),
        CS_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(minmax_respects_direction),
        cmocka_unit_test(minmax_within_peer_groups),
        cmocka_unit_test(missing_takes_group_median),
        cmocka_unit_test(no_information_columns_give_zero),
        cmocka_unit_test(constant_within_one_peer_group),
        cmocka_unit_test(robust_z_hand_case),
        cmocka_unit_test(robust_z_falls_back_to_mean_deviation),
        cmocka_unit_test(values_stay_in_unit_interval),
        cmocka_unit_test(fixed_parameters_reproduce_and_place_later_values),
        cmocka_unit_test(bad_input_is_refused),
    };

    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
