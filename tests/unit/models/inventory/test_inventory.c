/* test_inventory.c - models/inventory on textbook examples: Chopra &
 * Meindl, Supply Chain Management (6th ed., 2016), ch. 11-12, numbers
 * recomputed here; see docs/models/inventory.md. */
#include "cs_test.h"

#include <gsl/gsl_errno.h>
#include <math.h>

#include "cs_inventory.h"

/* Lead-time uncertainty (the Dell example of ch. 12): D = 2,500/day,
 * sigma_D = 500, L = 7 days, sigma_L = 7 days, CSL = 0.90:
 * sigma_L = sqrt(7 * 500^2 + 2500^2 * 7^2) = 17,550, ss = 22,491. */
static void safety_stock_with_lead_time_uncertainty(void **state)
{
    cs_inv_demand d = {2500, 500, 7, 7};
    double sigma, ss, rop;
    cs_err err = {0};
    (void)state;

    assert_int_equal(cs_inv_sigma_ltd(&d, &sigma, &err), CS_OK);
    cs_assert_near(sigma, 17549.93, 0.01);
    assert_int_equal(cs_inv_safety_stock_csl(&d, 0.90, &ss, &err), CS_OK);
    cs_assert_near(ss, 22491.1, 0.1);
    assert_int_equal(cs_inv_reorder_point(&d, ss, &rop, &err), CS_OK);
    cs_assert_near(rop, 2500.0 * 7.0 + ss, 1e-9);
    /* without lead-time variability the formula is z sigma_d sqrt(L) */
    d.lead_time_sd = 0;
    assert_int_equal(cs_inv_safety_stock_csl(&d, 0.90, &ss, &err), CS_OK);
    cs_assert_near(ss, 1.2815515655446004 * 500.0 * sqrt(7.0), 1e-9);
}

/* Fill rate given safety stock (ch. 12): weekly sigma 500, L = 2 weeks,
 * Q = 10,000, ss = 1,000: sigma_L = 707, ESC = 25.13, fill rate 0.9975. */
static void fill_rate_from_safety_stock(void **state)
{
    cs_inv_demand d = {2500, 500, 2, 0};
    double fr;
    cs_err err = {0};
    (void)state;

    assert_int_equal(cs_inv_fill_rate(&d, 1000, 10000, &fr, &err), CS_OK);
    cs_assert_near(fr, 0.9975, 0.00005);
    cs_assert_near((1.0 - fr) * 10000.0, 25.13, 0.01);
}

/* Safety stock given fill rate (ch. 12): fill rate 0.975 with the same
 * data needs ESC = 250, i.e. ss = 67. */
static void safety_stock_from_fill_rate(void **state)
{
    cs_inv_demand d = {2500, 500, 2, 0};
    double ss, fr;
    cs_err err = {0};
    (void)state;

    assert_int_equal(cs_inv_safety_stock_fill_rate(&d, 0.975, 10000, &ss, &err),
                     CS_OK);
    cs_assert_near(ss, 67.0, 0.5);
    assert_int_equal(cs_inv_fill_rate(&d, ss, 10000, &fr, &err), CS_OK);
    cs_assert_near(fr, 0.975, 1e-9);
}

/* Standard normal loss function G_u(k) = phi(k) - k (1 - Phi(k))
 * (Silver, Pyke & Thomas, 4th ed., ch. 6): G(0) = 1/sqrt(2 pi) =
 * 0.3989423, G(1) = 0.0833155, G(2) = 0.0084907 (computed from the
 * normal pdf and cdf). */
static void normal_loss_function(void **state)
{
    (void)state;
    cs_assert_near(cs_inv_normal_loss(0.0), 0.3989423, 1e-7);
    cs_assert_near(cs_inv_normal_loss(1.0), 0.0833155, 1e-7);
    cs_assert_near(cs_inv_normal_loss(2.0), 0.0084907, 1e-7);
    /* G(-k) = G(k) + k */
    cs_assert_near(cs_inv_normal_loss(-1.0), 1.0833155, 1e-7);
}

/* EOQ (ch. 11, Best Buy computers): D = 1,000 x 12 a year, S = $4,000,
 * H = 20% of $500 = $100: Q* = 980. */
static void eoq_textbook(void **state)
{
    double q;
    cs_err err = {0};
    (void)state;

    assert_int_equal(cs_inv_eoq(12000, 4000, 100, &q, &err), CS_OK);
    cs_assert_near(q, 979.8, 0.05);
}

static void days_of_cover_and_bad_input(void **state)
{
    cs_inv_demand bad = {-1, 1, 1, 0};
    cs_inv_demand ok = {10, 2, 3, 0};
    double v;
    cs_err err = {0};
    (void)state;

    assert_int_equal(cs_inv_days_of_cover(300, 12.5, &v, &err), CS_OK);
    cs_assert_near(v, 24.0, 1e-12);
    assert_int_equal(cs_inv_days_of_cover(300, 0, &v, &err), CS_OK);
    assert_true(isinf(v));
    assert_int_equal(cs_inv_days_of_cover(300, -1, &v, &err), CS_E_INVALID);
    assert_int_equal(cs_inv_sigma_ltd(&bad, &v, &err), CS_E_INVALID);
    assert_int_equal(cs_inv_sigma_ltd(NULL, &v, &err), CS_E_INVALID);
    assert_int_equal(cs_inv_safety_stock_csl(&ok, 1.0, &v, &err), CS_E_INVALID);
    assert_int_equal(cs_inv_safety_stock_fill_rate(&ok, 0.99, 0, &v, &err),
                     CS_E_INVALID);
    assert_int_equal(cs_inv_eoq(100, 10, 0, &v, &err), CS_E_INVALID);
    assert_int_equal(
        cs_inv_safety_stock_fill_rate(&ok, 0.999999999, 1e-12, &v, &err),
        CS_E_NUMERIC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety_stock_with_lead_time_uncertainty),
        cmocka_unit_test(fill_rate_from_safety_stock),
        cmocka_unit_test(safety_stock_from_fill_rate),
        cmocka_unit_test(normal_loss_function),
        cmocka_unit_test(eoq_textbook),
        cmocka_unit_test(days_of_cover_and_bad_input),
    };

    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
