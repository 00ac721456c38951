/* test_ident.c - credit-code check character (GB 32100-2015), region and
 * industry codes. The valid codes below were also checked with a separate
 * Python implementation of the standard's algorithm (weights 3^(i-1)
 * mod 31), see docs/domain.md. */
#include <string.h>

#include "cs_ident.h"
#include "cs_test.h"

static void known_valid_codes_pass(void **state)
{
    /* The first is the example code widely used to illustrate GB 32100;
     * the others are well-formed codes of the same shape. */
    static const char *const valid[] = {
        "91350100M000100Y43",
        "91110000802100433B",
        "91440300708461136T",
        "911100001000079554",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        cs_err err = {0};
        cs_status rc = cs_uscc_validate(valid[i], strlen(valid[i]), &err);
        if (rc != CS_OK)
            fail_msg("%s: %s", valid[i], err.msg);
    }
}

static void check_char_is_computed(void **state)
{
    char c = 0;
    cs_err err = {0};

    (void)state;
    assert_int_equal(cs_uscc_check_char("91350100M000100Y4", &c, &err), CS_OK);
    assert_int_equal(c, '3');
    /* sum = 0 -> 31 - 0 = 31 -> '0' */
    assert_int_equal(cs_uscc_check_char("00000000000000000", &c, &err), CS_OK);
    assert_int_equal(c, '0');
}

static void wrong_check_char_is_named(void **state)
{
    cs_err err = {0};

    (void)state;
    assert_int_equal(cs_uscc_validate("91350100M000100Y44", 18, &err),
                     CS_E_INVALID);
    assert_non_null(strstr(err.msg, "check character is '4', expected '3'"));
}

static void bad_shapes_are_rejected(void **state)
{
    cs_err err = {0};

    (void)state;
    assert_int_equal(cs_uscc_validate("91350100M000100Y4", 17, &err),
                     CS_E_INVALID);
    assert_non_null(strstr(err.msg, "17 characters"));
    /* I, O, S, V, Z are not in the alphabet */
    assert_int_equal(cs_uscc_validate("91350100I000100Y43", 18, &err),
                     CS_E_INVALID);
    assert_non_null(strstr(err.msg, "character 9"));
    /* lower case is not accepted either */
    assert_int_equal(cs_uscc_validate("91350100m000100Y43", 18, &err),
                     CS_E_INVALID);
    /* region positions must be digits */
    assert_int_equal(cs_uscc_validate("913501A0M000100Y43", 18, &err),
                     CS_E_INVALID);
    assert_non_null(strstr(err.msg, "positions 3-8"));
}

static void every_single_substitution_is_caught(void **state)
{
    /* The check character detects any single-character error. */
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    char code[19];
    cs_err err = {0};

    (void)state;
    for (int pos = 8; pos < 17; pos++) {
        for (size_t a = 0; a < sizeof(alphabet) - 1; a++) {
            memcpy(code, "91350100M000100Y43", 19);
            if (code[pos] == alphabet[a])
                continue;
            code[pos] = alphabet[a];
            assert_int_equal(cs_uscc_validate(code, 18, &err), CS_E_INVALID);
        }
    }
}

static void region_codes(void **state)
{
    cs_err err = {0};

    (void)state;
    assert_int_equal(cs_region_validate("330106", 6, &err), CS_OK);
    assert_int_equal(cs_region_validate("110000", 6, &err), CS_OK);
    assert_int_equal(cs_region_validate("820000", 6, &err), CS_OK);
    assert_int_equal(cs_region_validate("33010", 5, &err), CS_E_INVALID);
    assert_int_equal(cs_region_validate("33010x", 6, &err), CS_E_INVALID);
    assert_int_equal(cs_region_validate("990000", 6, &err), CS_E_INVALID);
    assert_non_null(strstr(err.msg, "province"));
}

static void industry_codes(void **state)
{
    cs_err err = {0};
    static const char *const ok[] = {"C", "C36", "C367", "C3670", "I65"};
    static const char *const bad[] = {"", "C3", "c36", "U36", "C36700", "C3X"};

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        assert_int_equal(cs_industry_validate(ok[i], strlen(ok[i]), &err),
                         CS_OK);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(cs_industry_validate(bad[i], strlen(bad[i]), &err),
                         CS_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_valid_codes_pass),
        cmocka_unit_test(check_char_is_computed),
        cmocka_unit_test(wrong_check_char_is_named),
        cmocka_unit_test(bad_shapes_are_rejected),
        cmocka_unit_test(every_single_substitution_is_caught),
        cmocka_unit_test(region_codes),
        cmocka_unit_test(industry_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
