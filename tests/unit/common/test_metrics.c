/* test_metrics.c - Prometheus text rendering: one HELP/TYPE per family,
 * labelled samples, values read atomically. */
#include <stdlib.h>
#include <string.h>

#include "cs_metrics.h"
#include "cs_test.h"

static _Atomic uint64_t a, b, c;

static void families_and_labels(void **state)
{
    const cs_metric m[] = {
        {"x_total", "things", CS_METRIC_COUNTER, "reason=\"p\"", &a},
        {"x_total", "things", CS_METRIC_COUNTER, "reason=\"q\"", &b},
        {"y", "a gauge", CS_METRIC_GAUGE, NULL, &c},
    };
    size_t len = 0;
    char *text;
    const char *first, *second;

    (void)state;
    cs_metric_add(&a, 3);
    cs_metric_add(&a, 2);
    cs_metric_set(&c, 7);
    text = cs_metrics_render(m, 3, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    assert_non_null(strstr(text, "# TYPE x_total counter\n"
                                 "x_total{reason=\"p\"} 5\n"
                                 "x_total{reason=\"q\"} 0\n"));
    assert_non_null(strstr(text, "# TYPE y gauge\ny 7\n"));
    first = strstr(text, "# HELP x_total");
    second = strstr(first + 1, "# HELP x_total");
    assert_null(second); /* one HELP per family */
    assert_non_null(strstr(text, "process_start_time_seconds "));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(families_and_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
