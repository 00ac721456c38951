/* test_config.c - defaults, environment and flags, in that precedence,
 * and clear errors for bad values. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs_config.h"
#include "cs_test.h"

typedef struct tcfg {
    char *brokers;
    char *secret;
    uint32_t batch;
    bool verbose;
    double ratio;
} tcfg;

static const cs_opt topts[] = {
    {"kafka.brokers", "CS_T_BROKERS", CS_OPT_STR, "127.0.0.1:9092", "brokers",
     CS_CFG(tcfg, brokers)},
    {"pg.password", "CS_T_SECRET", CS_OPT_SECRET, "", "a secret",
     CS_CFG(tcfg, secret)},
    {"batch.max_rows", "CS_T_BATCH", CS_OPT_U32, "5000", "rows",
     CS_CFG(tcfg, batch)},
    {"verbose", "CS_T_VERBOSE", CS_OPT_BOOL, "false", "chatty",
     CS_CFG(tcfg, verbose)},
    {"ratio", "CS_T_RATIO", CS_OPT_DOUBLE, "0.5", "a ratio",
     CS_CFG(tcfg, ratio)},
};

static const cs_config_spec tspec = {"t", "test", topts,
                                     sizeof(topts) / sizeof(topts[0])};

static int clear_env(void **state)
{
    (void)state;
    unsetenv("CS_T_BROKERS");
    unsetenv("CS_T_BATCH");
    unsetenv("CS_T_VERBOSE");
    unsetenv("CS_T_RATIO");
    return 0;
}

static void defaults_apply(void **state)
{
    tcfg c = {0};
    cs_config_action act;
    cs_err err = {0};
    char *argv[] = {"t", NULL};

    (void)state;
    assert_int_equal(cs_config_load(&tspec, &c, 1, argv, &act, &err), CS_OK);
    assert_int_equal(act, CS_CONFIG_RUN);
    assert_string_equal(c.brokers, "127.0.0.1:9092");
    assert_int_equal(c.batch, 5000);
    assert_false(c.verbose);
    cs_assert_near(c.ratio, 0.5, 0);
    cs_config_free(&tspec, &c);
    assert_null(c.brokers);
}

static void env_overrides_default_and_flag_overrides_env(void **state)
{
    tcfg c = {0};
    cs_config_action act;
    cs_err err = {0};
    char *argv[] = {"t",         "--batch-max-rows",
                    "42",        "--kafka-brokers=b:1",
                    "--verbose", NULL};

    (void)state;
    setenv("CS_T_BROKERS", "env:9092", 1);
    setenv("CS_T_BATCH", "7", 1);
    setenv("CS_T_RATIO", "0.25", 1);
    assert_int_equal(cs_config_load(&tspec, &c, 5, argv, &act, &err), CS_OK);
    assert_string_equal(c.brokers, "b:1");
    assert_int_equal(c.batch, 42);
    assert_true(c.verbose);
    cs_assert_near(c.ratio, 0.25, 0);
    cs_config_free(&tspec, &c);
}

static void bad_env_value_names_option_and_source(void **state)
{
    tcfg c = {0};
    cs_config_action act;
    cs_err err = {0};
    char *argv[] = {"t", NULL};

    (void)state;
    setenv("CS_T_BATCH", "12abc", 1);
    assert_int_equal(cs_config_load(&tspec, &c, 1, argv, &act, &err),
                     CS_E_CONFIG);
    assert_non_null(strstr(err.msg, "batch.max_rows"));
    assert_non_null(strstr(err.msg, "CS_T_BATCH"));
    assert_non_null(strstr(err.msg, "12abc"));
    cs_config_free(&tspec, &c);
}

static void negative_and_overflowing_numbers_are_refused(void **state)
{
    tcfg c = {0};
    cs_config_action act;
    cs_err err = {0};
    char *neg[] = {"t", "--batch-max-rows=-1", NULL};
    char *big[] = {"t", "--batch-max-rows=4294967296", NULL};
    char *nan[] = {"t", "--ratio=nan", NULL};

    (void)state;
    assert_int_equal(cs_config_load(&tspec, &c, 2, neg, &act, &err),
                     CS_E_CONFIG);
    assert_int_equal(cs_config_load(&tspec, &c, 2, big, &act, &err),
                     CS_E_CONFIG);
    assert_int_equal(cs_config_load(&tspec, &c, 2, nan, &act, &err),
                     CS_E_CONFIG);
    cs_config_free(&tspec, &c);
}

static void unknown_flag_and_missing_value(void **state)
{
    tcfg c = {0};
    cs_config_action act;
    cs_err err = {0};
    char *unknown[] = {"t", "--no-such-thing=1", NULL};
    char *missing[] = {"t", "--batch-max-rows", NULL};

    (void)state;
    assert_int_equal(cs_config_load(&tspec, &c, 2, unknown, &act, &err),
                     CS_E_CONFIG);
    assert_non_null(strstr(err.msg, "unknown option"));
    assert_int_equal(cs_config_load(&tspec, &c, 2, missing, &act, &err),
                     CS_E_CONFIG);
    assert_non_null(strstr(err.msg, "needs a value"));
    cs_config_free(&tspec, &c);
}

static void print_config_masks_secrets(void **state)
{
    tcfg c = {0};
    cs_config_action act;
    cs_err err = {0};
    char *argv[] = {"t", NULL};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    (void)state;
    setenv("CS_T_SECRET", "hunter2", 1);
    assert_int_equal(cs_config_load(&tspec, &c, 1, argv, &act, &err), CS_OK);
    unsetenv("CS_T_SECRET");
    assert_string_equal(c.secret, "hunter2");
    cs_config_print(&tspec, &c, f);
    fclose(f);
    assert_null(strstr(buf, "hunter2"));
    assert_non_null(strstr(buf, "\"pg.password\":\"***\""));
    assert_non_null(strstr(buf, "\"batch.max_rows\":5000"));
    free(buf);

    buf = NULL;
    f = open_memstream(&buf, &len);
    cs_config_print_help(&tspec, f);
    fclose(f);
    assert_non_null(strstr(buf, "--batch-max-rows / CS_T_BATCH"));
    free(buf);
    cs_config_free(&tspec, &c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(defaults_apply, clear_env),
        cmocka_unit_test_setup(env_overrides_default_and_flag_overrides_env,
                               clear_env),
        cmocka_unit_test_setup(bad_env_value_names_option_and_source,
                               clear_env),
        cmocka_unit_test_setup(negative_and_overflowing_numbers_are_refused,
                               clear_env),
        cmocka_unit_test_setup(unknown_flag_and_missing_value, clear_env),
        cmocka_unit_test_setup(print_config_masks_secrets, clear_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
