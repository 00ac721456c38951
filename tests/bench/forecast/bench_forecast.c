/* bench_forecast.c - throughput of the automatic forecast mode on real
 * monthly series of length 100 (the first 100 months of each tourism
 * competition monthly series), h = 12 with 80/95% intervals, on one
 * thread and on every online CPU; the seasonal naive runs on the same
 * series as the baseline. Last stdout line: one JSON object. */
#include <gsl/gsl_errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cs_forecast.h"
#include "eval.h"

#define BENCH_LEN     100
#define BENCH_H       12
#define BENCH_MAX_THR 64

typedef struct bench_ctx {
    double *const *series; /* borrowed, n_series x BENCH_LEN */
    size_t n_series;
    size_t n_jobs; /* n_series x repetitions */
    cs_fc_method method;
    _Atomic size_t next;
    _Atomic size_t failed;
} bench_ctx;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *worker(void *arg)
{
    bench_ctx *c = arg;
    size_t i;

    while ((i = atomic_fetch_add(&c->next, 1)) < c->n_jobs) {
        cs_fc_opts o;
        cs_forecast *f = NULL;
        cs_err err = {0};
        cs_forecast_opts_default(&o);
        o.method = c->method;
        o.period = 12;
        o.seed = i;
        if (cs_forecast_run(c->series[i % c->n_series], BENCH_LEN, BENCH_H, &o,
                            &f, &err) != CS_OK)
            atomic_fetch_add(&c->failed, 1);
        cs_forecast_free(f);
    }
    return NULL;
}

/* Series per second with n_thr threads over reps passes. */
static double run(double *const *series, size_t n, size_t reps, cs_fc_method m,
                  long n_thr, size_t *failed)
{
    pthread_t th[BENCH_MAX_THR];
    bench_ctx c;
    double t0, dt;
    long started = 0;

    memset(&c, 0, sizeof(c));
    c.series = series;
    c.n_series = n;
    c.n_jobs = n * reps;
    c.method = m;
    t0 = now_s();
    for (; started < n_thr; started++)
        if (pthread_create(&th[started], NULL, worker, &c) != 0)
            break;
    if (started == 0)
        worker(&c);
    for (long i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    dt = now_s() - t0;
    *failed += atomic_load(&c.failed);
    return (double)c.n_jobs / dt;
}

int main(int argc, char **argv)
{
    const char *dir = getenv("CS_TEST_DATA");
    char path[4096];
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    size_t reps = quick ? 1 : 5, n = 0, failed = 0;
    long n_cpu = sysconf(_SC_NPROCESSORS_ONLN);
    double **series = NULL;
    double one, all, base1;
    ev_data d;
    cs_err err = {0};
    struct rusage ru;

    gsl_set_error_handler_off();
    if (argc > 1 && !quick) {
        fprintf(stderr, "usage: bench_forecast [--quick]\n");
        return 64;
    }
    if (n_cpu < 1)
        n_cpu = 1;
    if (n_cpu > BENCH_MAX_THR)
        n_cpu = BENCH_MAX_THR;
    if (snprintf(path, sizeof(path), "%s/forecasting/tourism/tourism_long.csv",
                 dir != NULL ? dir : "tests/data") >= (int)sizeof(path))
        return 64;
    if (ev_read_csv(path, &d, &err) != CS_OK) {
        fprintf(stderr, "bench_forecast: %s\n", err.msg);
        ev_data_free(&d);
        return 66;
    }
    series = calloc(d.n, sizeof(*series));
    if (series == NULL)
        return 70;
    for (size_t i = 0; i < d.n; i++)
        if (strcmp(d.s[i].period, "monthly") == 0 &&
            d.s[i].n_train >= BENCH_LEN)
            series[n++] = d.s[i].train; /* borrowed from d */
    if (n == 0) {
        fprintf(stderr, "bench_forecast: no monthly series of %d points\n",
                BENCH_LEN);
        return 65;
    }
    base1 = run(series, n, reps, CS_FC_SNAIVE, 1, &failed);
    one = run(series, n, reps, CS_FC_AUTO, 1, &failed);
    all = run(series, n, reps, CS_FC_AUTO, n_cpu, &failed);
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr,
            "bench_forecast: %zu series x %zu, length %d, h %d: auto %.0f "
            "series/s on 1 core, %.0f on %ld; snaive %.0f on 1 core\n",
            n, reps, BENCH_LEN, BENCH_H, one, all, n_cpu, base1);
    printf("{\"bench\":\"forecast\",\"quick\":%s,\"series\":%zu,"
           "\"length\":%d,\"h\":%d,\"method\":\"auto\",\"threads\":%ld,"
           "\"series_per_s_1core\":%.0f,\"series_per_s\":%.0f,"
           "\"baseline_snaive_series_per_s_1core\":%.0f,"
           "\"target_series_per_s\":1000,\"failed\":%zu,"
           "\"peak_rss_mb\":%.1f}\n",
           quick ? "true" : "false", n * reps, BENCH_LEN, BENCH_H, n_cpu, one,
           all, base1, failed, (double)ru.ru_maxrss / 1024.0);
    free(series);
    ev_data_free(&d);
    return failed > 0 ? 1 : 0;
}
