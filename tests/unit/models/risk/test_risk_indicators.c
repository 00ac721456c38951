/* test_risk_indicators.c - the indicator helpers on hand-computed cases:
 * HHI, coefficient of variation, production-drop z-score, event
 * exposure. */
#include "cs_test.h"

#include <gsl/gsl_errno.h>

#include "cs_risk.h"

static void hhi_hand_cases(void **state)
{
    (void)state;
    /* shares 0.5 0.3 0.2: 0.25 + 0.09 + 0.04 = 0.38; one source: 1 */
    const double v[] = {50, 30, 20}, one[] = {7}, zero[] = {0, 0};
    const double neg[] = {1, -1};
    double h = 0.0;
    cs_err err = {0};

    assert_int_equal(cs_risk_hhi(v, 3, &h, &err), CS_OK);
    cs_assert_near(h, 0.38, 1e-12);
    assert_int_equal(cs_risk_hhi(one, 1, &h, &err), CS_OK);
    cs_assert_near(h, 1.0, 0.0);
    assert_int_equal(cs_risk_hhi(zero, 2, &h, &err), CS_E_INVALID);
    assert_int_equal(cs_risk_hhi(neg, 2, &h, &err), CS_E_INVALID);
    assert_int_equal(cs_risk_hhi(v, 0, &h, &err), CS_E_INVALID);
}

static void cv_hand_case(void **state)
{
    (void)state;
    /* 8 10 12: mean 10, sample sd sqrt((4 + 0 + 4) / 2) = 2, CV 0.2 */
    const double x[] = {8, 10, 12}, neg_mean[] = {-1, -3};
    const double with_nan[] = {1, NAN};
    double cv = 0.0;
    cs_err err = {0};

    assert_int_equal(cs_risk_cv(x, 3, &cv, &err), CS_OK);
    cs_assert_near(cv, 0.2, 1e-12);
    assert_int_equal(cs_risk_cv(x, 1, &cv, &err), CS_E_INVALID);
    assert_int_equal(cs_risk_cv(neg_mean, 2, &cv, &err), CS_E_INVALID);
    assert_int_equal(cs_risk_cv(with_nan, 2, &cv, &err), CS_E_INVALID);
}

static void baseline_z_hand_case(void **state)
{
    (void)state;
    /* 100 110 90: mean 100, sd 10; 80 this month is a drop of z = 2 */
    const double hist[] = {100, 110, 90}, flat[] = {5, 5};
    double z = 0.0;
    cs_err err = {0};

    assert_int_equal(cs_risk_baseline_z(hist, 3, 80, &z, &err), CS_OK);
    cs_assert_near(z, 2.0, 1e-12);
    assert_int_equal(cs_risk_baseline_z(hist, 3, 115, &z, &err), CS_OK);
    cs_assert_near(z, -1.5, 1e-12);
    assert_int_equal(cs_risk_baseline_z(flat, 2, 4, &z, &err), CS_OK);
    cs_assert_near(z, CS_RISK_Z_FLAT, 0.0);
    assert_int_equal(cs_risk_baseline_z(flat, 2, 5, &z, &err), CS_OK);
    cs_assert_near(z, 0.0, 0.0);
    assert_int_equal(cs_risk_baseline_z(hist, 3, NAN, &z, &err), CS_E_INVALID);
}

static void event_exposure_hand_case(void **state)
{
    (void)state;
    /* severity 0.8, 25 km inside a 100 km radius (proximity 0.75), event
     * on days 10-20 of a 30-day window (overlap 1/3): 0.2 */
    double e = -1.0;
    cs_err err = {0};

    assert_int_equal(
        cs_risk_event_exposure(0.8, 25, 100, 10, 20, 0, 30, &e, &err), CS_OK);
    cs_assert_near(e, 0.2, 1e-12);
    assert_int_equal(
        cs_risk_event_exposure(0.8, 150, 100, 10, 20, 0, 30, &e, &err), CS_OK);
    cs_assert_near(e, 0.0, 0.0); /* outside the radius */
    assert_int_equal(
        cs_risk_event_exposure(0.8, 25, 100, 40, 50, 0, 30, &e, &err), CS_OK);
    cs_assert_near(e, 0.0, 0.0); /* no time overlap */
    assert_int_equal(
        cs_risk_event_exposure(1.5, 25, 100, 10, 20, 0, 30, &e, &err),
        CS_E_INVALID);
    assert_int_equal(
        cs_risk_event_exposure(0.5, 25, 0, 10, 20, 0, 30, &e, &err),
        CS_E_INVALID);
    assert_int_equal(
        cs_risk_event_exposure(0.5, 25, 100, 10, 20, 30, 30, &e, &err),
        CS_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hhi_hand_cases),
        cmocka_unit_test(cv_hand_case),
        cmocka_unit_test(baseline_z_hand_case),
        cmocka_unit_test(event_exposure_hand_case),
    };

    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
