/* test_metrics.c - Prometheus text rendering: one HELP/TYPE per family,
 * labelled samples, values read atomically; the process metrics follow
 * what the process does. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

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

/* The value of an unlabelled sample NAME in a fresh rendering. */
static double sample(const char *name)
{
    size_t len = 0, n = strlen(name);
    char *text = cs_metrics_render(NULL, 0, &len);
    const char *p;
    double v;

    assert_non_null(text);
    for (p = text; (p = strstr(p, name)) != NULL; p += n)
        if ((p == text || p[-1] == '\n') && p[n] == ' ')
            break;
    assert_non_null(p);
    v = strtod(p + n + 1, NULL);
    free(text);
    return v;
}

/* A "kB" line of /proc/self/status. */
static double status_kb(const char *key)
{
    char line[256];
    double kb = -1;
    FILE *f = fopen("/proc/self/status", "r");

    assert_non_null(f);
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, key, strlen(key)) == 0)
            kb = strtod(line + strlen(key), NULL);
    fclose(f);
    assert_true(kb >= 0);
    return kb;
}

static double cpu_now(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void process_metrics(void **state)
{
    enum { MB = 1024 * 1024 };
    double cpu0, rss0, fds0;
    volatile unsigned long spin = 0;
    struct rlimit rl;
    char *block;
    int fd1, fd2;

    (void)state;
    /* CPU: spin for a tenth of a second of our own CPU time */
    cpu0 = sample("process_cpu_seconds_total");
    for (double start = cpu_now(); cpu_now() - start < 0.1;)
        for (int i = 0; i < 100000; i++)
            spin += (unsigned long)i;
    assert_true(sample("process_cpu_seconds_total") >= cpu0 + 0.09);

    /* resident memory: 64 MiB touched */
    rss0 = sample("process_resident_memory_bytes");
    assert_true(rss0 > 0);
    block = malloc(64 * MB);
    assert_non_null(block);
    memset(block, 1, 64 * MB);
    assert_true(sample("process_resident_memory_bytes") >= rss0 + 60.0 * MB);
    /* the kernel's own figures, read another way */
    assert_true(fabs(sample("process_resident_memory_bytes") -
                     status_kb("VmRSS:") * 1024.0) < 8.0 * MB);
    assert_true(fabs(sample("process_virtual_memory_bytes") -
                     status_kb("VmSize:") * 1024.0) < 8.0 * MB);
    free(block);

    /* file descriptors: two more open */
    fds0 = sample("process_open_fds");
    fd1 = open("/dev/null", O_RDONLY);
    fd2 = open("/dev/null", O_RDONLY);
    assert_true(fd1 >= 0 && fd2 >= 0);
    assert_true(sample("process_open_fds") == fds0 + 2);
    close(fd1);
    close(fd2);
    assert_true(sample("process_open_fds") == fds0);

    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur != RLIM_INFINITY)
        assert_true(sample("process_max_fds") == (double)rl.rlim_cur);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(families_and_labels),
        cmocka_unit_test(process_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
