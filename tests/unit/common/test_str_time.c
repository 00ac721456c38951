/* test_str_time.c - strict number parsing and ISO-8601 checks. */
#include <string.h>

#include "cs_str.h"
#include "cs_test.h"
#include "cs_time.h"

static void integers(void **state)
{
    int64_t v;
    uint32_t u;
    cs_err err = {0};

    (void)state;
    assert_int_equal(cs_parse_i64("-42", -100, 100, &v, &err), CS_OK);
    assert_int_equal(v, -42);
    assert_int_equal(cs_parse_i64("", 0, 1, &v, &err), CS_E_INVALID);
    assert_int_equal(cs_parse_i64("12abc", 0, 100, &v, &err), CS_E_INVALID);
    assert_int_equal(cs_parse_i64("101", 0, 100, &v, &err), CS_E_INVALID);
    assert_int_equal(
        cs_parse_i64("99999999999999999999", INT64_MIN, INT64_MAX, &v, &err),
        CS_E_INVALID);
    assert_int_equal(cs_parse_u32("4294967295", &u, &err), CS_OK);
    assert_int_equal(u, 4294967295u);
    assert_int_equal(cs_parse_u32("-1", &u, &err), CS_E_INVALID);
}

static void doubles_and_bools(void **state)
{
    double d;
    bool b;
    cs_err err = {0};

    (void)state;
    assert_int_equal(cs_parse_double("2.5e3", &d, &err), CS_OK);
    cs_assert_near(d, 2500, 0);
    assert_int_equal(cs_parse_double("inf", &d, &err), CS_E_INVALID);
    assert_int_equal(cs_parse_double("1e999", &d, &err), CS_E_INVALID);
    assert_int_equal(cs_parse_bool("YES", &b, &err), CS_OK);
    assert_true(b);
    assert_int_equal(cs_parse_bool("off", &b, &err), CS_OK);
    assert_false(b);
    assert_int_equal(cs_parse_bool("maybe", &b, &err), CS_E_INVALID);
}

static void strlcpy_truncates_safely(void **state)
{
    char buf[4];

    (void)state;
    assert_int_equal(cs_strlcpy(buf, "abcdef", sizeof(buf)), 6);
    assert_string_equal(buf, "abc");
    assert_int_equal(cs_strlcpy(buf, "ab", sizeof(buf)), 2);
    assert_string_equal(buf, "ab");
}

static void dates(void **state)
{
    cs_err err = {0};
    static const char *const ok[] = {"2024-02-29", "2000-02-29", "1999-12-31"};
    static const char *const bad[] = {"2023-02-29", "1900-02-29", "2024-04-31",
                                      "2024-00-10", "2024-1-10",  "20240110"};

    (void)state;
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(cs_time_check_date(ok[i], strlen(ok[i]), &err), CS_OK);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(cs_time_check_date(bad[i], strlen(bad[i]), &err),
                         CS_E_INVALID);
}

static void datetimes(void **state)
{
    cs_err err = {0};
    static const char *const ok[] = {
        "2026-11-01T08:00:00Z", "2026-11-01T08:00:00.123456+08:00",
        "2026-11-01t23:59:60z", "2026-11-01T00:00:00-05:30"};
    static const char *const bad[] = {
        "2026-11-01T08:00:00",      "2026-11-01T24:00:00Z",
        "2026-11-01T08:00Z",        "2026-11-01T08:00:00.Z",
        "2026-11-01T08:00:00+0800", "2026-11-01T08:00:00Zjunk"};

    (void)state;
    for (size_t i = 0; i < 4; i++)
        if (cs_time_check_datetime(ok[i], strlen(ok[i]), &err) != CS_OK)
            fail_msg("%s: %s", ok[i], err.msg);
    for (size_t i = 0; i < 6; i++)
        if (cs_time_check_datetime(bad[i], strlen(bad[i]), &err) == CS_OK)
            fail_msg("%s accepted", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers),
        cmocka_unit_test(doubles_and_bools),
        cmocka_unit_test(strlcpy_truncates_safely),
        cmocka_unit_test(dates),
        cmocka_unit_test(datetimes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
