/* test_forecast_regression.c - accuracy on real competition data:
 * the tourism naive baselines must reproduce the published figures, and
 * the automatic mode on the fixed 111-series M1 subset must keep its
 * sMAPE within a stated tolerance. Also checks the evaluation helpers. */
#include "cs_test.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs_forecast.h"
#include "eval.h"

/* Recorded on 2026-11-29 with the auto mode of this commit; a change of
 * more than the tolerance means the forecasts changed, for better or
 * worse: rerun `cs-forecast-eval ... --method auto` and update docs/. */
#define M1_111_AUTO_SMAPE 14.46
#define M1_111_AUTO_MAPE  15.91
#define M1_111_TOLERANCE  0.05 /* sMAPE / MAPE points */

static char path_buf[4096];

static const char *data_path(const char *rel)
{
    const char *dir = getenv("CS_TEST_DATA");

    if (dir == NULL)
        dir = "tests/data";
    if (snprintf(path_buf, sizeof(path_buf), "%s/%s", dir, rel) >=
        (int)sizeof(path_buf))
        fail_msg("path too long");
    return path_buf;
}

static void score_all(const ev_data *d, cs_fc_method m, const bool *use,
                      ev_group *groups, const char *const *names,
                      size_t n_groups, ev_group *all)
{
    ev_point *pts = calloc(EV_MAX_H, sizeof(*pts));

    assert_non_null(pts);
    for (size_t i = 0; i < d->n; i++) {
        const ev_series *s = &d->s[i];
        cs_fc_opts o;
        cs_forecast *f = NULL;
        cs_err err = {0};
        double *fc;
        size_t h = s->n_test, k;

        if (use != NULL && !use[i])
            continue;
        cs_forecast_opts_default(&o);
        o.method = m;
        o.period = s->m;
        o.want_intervals = false;
        if (cs_forecast_run(s->train, s->n_train, h, &o, &f, &err) != CS_OK)
            fail_msg("series %s: %s", s->id, err.msg);
        fc = malloc(5 * h * sizeof(double));
        assert_non_null(fc);
        memcpy(fc, cs_forecast_mean(f), h * sizeof(double));
        for (size_t j = h; j < 5 * h; j++)
            fc[j] = NAN;
        k = ev_points(s, fc, h, pts);
        for (size_t g = 0; g < n_groups; g++)
            if (strcmp(names[g], s->period) == 0)
                ev_group_add(&groups[g], pts, k, false);
        ev_group_add(all, pts, k, false);
        free(fc);
        cs_forecast_free(f);
    }
    free(pts);
}

/* Athanasopoulos et al. (2011) Tables 4-6: Naive (yearly) and SNaive
 * MAPE and MASE, averaged over each period's full horizon. */
static void tourism_naive_reproduces_published(void **state)
{
    static const char *const names[3] = {"yearly", "quarterly", "monthly"};
    static const double mape[3] = {23.61, 16.46, 22.56};
    static const double mase[3] = {2.50, 1.59, 1.54};
    static const size_t hmax[3] = {4, 8, 24};
    ev_data d;
    ev_group *g = calloc(4, sizeof(ev_group));
    cs_err err = {0};
    (void)state;

    assert_non_null(g);
    if (ev_read_csv(data_path("forecasting/tourism/tourism_long.csv"), &d,
                    &err) != CS_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(d.n, 1311);
    score_all(&d, CS_FC_SNAIVE, NULL, g, names, 3, &g[3]);
    for (int i = 0; i < 3; i++) {
        cs_assert_near(ev_group_range(&g[i], 0, 1, hmax[i]), mape[i], 0.005);
        cs_assert_near(ev_group_range(&g[i], 3, 1, hmax[i]), mase[i], 0.005);
    }
    /* a single step and a partial range, Table 6 (yearly): 21.47, 1-2
     * 21.14; Table 4 (monthly) step 12: 21.09 */
    cs_assert_near(ev_group_at(&g[0], 0, 1), 21.47, 0.005);
    cs_assert_near(ev_group_range(&g[0], 0, 1, 2), 21.14, 0.005);
    cs_assert_near(ev_group_at(&g[2], 0, 12), 21.09, 0.005);
    ev_data_free(&d);
    free(g);
}

/* Marks the series flagged in_subset_111 in m1_meta.csv. */
static bool *subset_111(const ev_data *d)
{
    char line[EV_MAX_LINE_BYTES];
    char *f[16];
    bool *use = calloc(d->n, sizeof(bool));
    FILE *fp = fopen(data_path("forecasting/m1/m1_meta.csv"), "r");
    size_t n_used = 0;

    assert_non_null(use);
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof(line), fp));
    while (fgets(line, sizeof(line), fp) != NULL) {
        size_t nf;
        line[strcspn(line, "\r\n")] = '\0';
        nf = ev_split_csv(line, f, 16);
        assert_int_equal(nf, 11);
        if (strcmp(f[10], "1") != 0)
            continue;
        for (size_t i = 0; i < d->n; i++)
            if (strcmp(d->s[i].id, f[0]) == 0) {
                use[i] = true;
                n_used++;
            }
    }
    fclose(fp);
    assert_int_equal(n_used, 111);
    return use;
}

/* M1 Naive2, all 1001 series (docs/models/forecasting.md, "M1 Naive2"):
 * MAPE 1-4 matches the printed 12.4 (Hyndman et al. 2002 Table 6) to its
 * precision; 1-18 is 17.74 against the printed 17.4 - a difference
 * explained there (the printed table is not self-consistent) - and 17.74
 * is what an independent Python Naive2 after the M4 benchmark code gives
 * (models/forecast/eval/naive2_reference.py). */
static void m1_naive2_against_printed(void **state)
{
    static const char *const names[1] = {"none"};
    ev_data d;
    ev_group *g = calloc(2, sizeof(ev_group));
    cs_err err = {0};
    (void)state;

    assert_non_null(g);
    if (ev_read_csv(data_path("forecasting/m1/m1_long.csv"), &d, &err) != CS_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(d.n, 1001);
    score_all(&d, CS_FC_NAIVE2, NULL, g, names, 1, &g[1]);
    cs_assert_near(ev_group_range(&g[1], 0, 1, 4), 12.4, 0.05);
    cs_assert_near(ev_group_range(&g[1], 0, 1, 18), 17.74, 0.005);
    ev_data_free(&d);
    free(g);
}

static void m1_subset_auto_smape_is_stable(void **state)
{
    static const char *const names[1] = {"none"};
    ev_data d;
    ev_group *g = calloc(2, sizeof(ev_group));
    cs_err err = {0};
    bool *use;
    double smape, mape;
    (void)state;

    assert_non_null(g);
    if (ev_read_csv(data_path("forecasting/m1/m1_long.csv"), &d, &err) != CS_OK)
        fail_msg("%s", err.msg);
    use = subset_111(&d);
    score_all(&d, CS_FC_AUTO, use, g, names, 1, &g[1]);
    smape = ev_group_range(&g[1], 1, 1, g[1].max_h);
    mape = ev_group_range(&g[1], 0, 1, g[1].max_h);
    print_message("M1 subset 111, auto: sMAPE %.3f MAPE %.3f\n", smape, mape);
    cs_assert_near(smape, M1_111_AUTO_SMAPE, M1_111_TOLERANCE);
    cs_assert_near(mape, M1_111_AUTO_MAPE, M1_111_TOLERANCE);
    free(use);
    ev_data_free(&d);
    free(g);
}

static void eval_helpers(void **state)
{
    char line[] = "a,\"b, c\",\"say \"\"hi\"\"\",,d";
    char *f[8];
    const double x[] = {1, 3, 2, 6, 4};
    const double test[] = {8};
    (void)state;

    assert_int_equal(ev_split_csv(line, f, 8), 5);
    assert_string_equal(f[1], "b, c");
    assert_string_equal(f[2], "say \"hi\"");
    assert_string_equal(f[3], "");
    assert_string_equal(f[4], "d");
    /* |3-1| + |2-3| + |6-2| + |4-6| = 9 over 4 differences */
    cs_assert_near(ev_mase_scale(x, 5, 1), 2.25, 1e-12);
    /* lag 2: |2-1| + |6-3| + |4-2| = 6 over 3 */
    cs_assert_near(ev_mase_scale(x, 5, 2), 2.0, 1e-12);
    /* with the test value 8: (9 + 4) / 5 */
    cs_assert_near(ev_mase_scale_all(x, 5, test, 1, 1), 2.6, 1e-12);
    assert_true(isnan(ev_mase_scale(x, 1, 1)));
    assert_int_equal(ev_period_m("monthly"), 12);
    assert_int_equal(ev_period_m("weekly"), 52);
    assert_int_equal(ev_period_m("fortnightly"), 0);
}

/* Any file in the long format: BOM, CRLF, quoted fields, columns in
 * another order, extra columns, rows out of order, NA in the test. */
static void eval_reads_other_layouts(void **state)
{
    const char *text =
        "\xEF\xBB\xBFvalue,t,split,\"series_id\",note,horizon,period\r\n"
        "3,2,train,A,x,2,weekly\r\n"
        "1,1,train,A,,2,weekly\r\n"
        "4,1,test,A,,2,weekly\r\n"
        "NA,2,test,A,,2,weekly\r\n"
        "7,1,train,\"B, 2\",,1,daily\r\n";
    char path[] = "/tmp/cs_eval_XXXXXX";
    int fd = mkstemp(path);
    FILE *fp;
    ev_data d;
    cs_err err = {0};
    (void)state;

    assert_true(fd >= 0);
    fp = fdopen(fd, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    assert_int_equal(ev_read_csv(path, &d, &err), CS_OK);
    unlink(path);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.s[0].id, "A");
    assert_int_equal(d.s[0].m, 52);
    assert_int_equal(d.s[0].n_train, 2);
    cs_assert_near(d.s[0].train[0], 1.0, 0.0);
    cs_assert_near(d.s[0].train[1], 3.0, 0.0);
    assert_int_equal(d.s[0].n_test, 2);
    assert_true(isnan(d.s[0].test[1]));
    assert_string_equal(d.s[1].id, "B, 2");
    assert_int_equal(d.s[1].m, 7);
    ev_data_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eval_helpers),
        cmocka_unit_test(eval_reads_other_layouts),
        cmocka_unit_test(tourism_naive_reproduces_published),
        cmocka_unit_test(m1_naive2_against_printed),
        cmocka_unit_test(m1_subset_auto_smape_is_stable),
    };

    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
