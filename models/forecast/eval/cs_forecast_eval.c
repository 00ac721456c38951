/* cs_forecast_eval.c - cs-forecast-eval: fits every series of a
 * competition long CSV on its train part, forecasts its test part and
 * prints sMAPE, MAPE and MASE per period and overall, next to the
 * published figures of the same methods. */
#include "cs_forecast.h"
#include "eval.h"

#include <errno.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
    EXIT_SERIES_FAILED = 1, /* some series could not be forecast */
    EXIT_USAGE = 64,        /* EX_USAGE */
    EXIT_DATA = 65,         /* EX_DATAERR: malformed input */
    EXIT_NOINPUT = 66,      /* EX_NOINPUT */
    EXIT_SOFTWARE = 70,     /* EX_SOFTWARE: out of memory, bug */
    EXIT_CANTCREAT = 73,    /* EX_CANTCREAT: cannot write output */
};

#define EV_MAX_THREADS  64
#define EV_MAX_GROUPS   16
#define EV_MAX_PUB_ROWS 4096
#define EV_NAME_BYTES   96
#define EV_PUB_FILE     "published_accuracy.csv"

enum { M_APE, M_SAPE, M_ASE, M_ASE_ALL };

typedef struct ev_result {
    cs_status rc;
    bool fell_back; /* the method failed; fc holds the seasonal naive */
    char msg[CS_ERR_MSG_BYTES];
    char model[128];
    size_t h;
    double *fc; /* owned: 5 * h values: mean, lo80, hi80, lo95, hi95 */
} ev_result;

typedef struct ev_ctx {
    const ev_data *d;
    size_t n_use; /* series evaluated: d->n or --limit */
    cs_fc_opts opts;
    ev_result *res;
    _Atomic size_t next;
    _Atomic size_t done;
} ev_ctx;

typedef struct ev_pub {
    char period[32];
    char method[EV_NAME_BYTES];
    char measure[8];
    char horizons[16];
    double value;
} ev_pub;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cs-forecast-eval DATA.csv --method M [options]\n\n"
            "Fits each series of DATA.csv (columns series_id, period, "
            "horizon, split,\nt, value; split train/test) on its train "
            "part, forecasts its test part\nand prints sMAPE, MAPE and "
            "MASE per period and overall, then the\npublished figures of "
            "the same method next to ours.\n\n"
            "options:\n"
            "  --method M           naive snaive naive2 ses holt damped "
            "ets theta\n"
            "                       croston sba tsb intermittent comb "
            "auto, or ETS(M,Ad,N)\n"
            "  --forecasts-out F    write series_id,h,value,lo80,hi80,"
            "lo95,hi95 to F\n"
            "  --published P        published figures (period,method,"
            "measure,horizons,\n"
            "                       value); default: %s next to "
            "DATA.csv\n"
            "  --series FILE        only the series listed in FILE (one id a "
            "line, or a CSV\n"
            "                       whose first column is series_id); "
            "published rows\n"
            "                       labelled subset_N then compare with "
            "the N series\n"
            "  --earlier-origin     ignore the test part: forecast the last "
            "h train points\n"
            "                       from the rest (a check on data not "
            "tuned on); no\n"
            "                       published comparison\n"
            "  --per-horizon        compare single horizons too, not only "
            "averages\n"
            "  --threads N          worker threads (default: online "
            "CPUs)\n"
            "  --no-intervals       skip prediction intervals (faster)\n"
            "  --ets-average        ets: weight all models by AICc (Akaike "
            "weights)\n"
            "  --limit N            only the first N series\n"
            "  -h, --help           this text\n\n"
            "Measures (docs/models/forecasting.md): per step, APE = "
            "100|y-f|/|y|,\nsAPE = 200|y-f|/(|y|+|f|), ASE = |y-f|/scale "
            "(scale: in-sample mean\nabsolute seasonal difference, Hyndman "
            "& Koehler 2006); MASE(all) scales\nby the whole series, "
            "train and test, which is how the tourism\ncompetition's "
            "printed MASE are computed. A single step averages over the\n"
            "series that have it; a range of steps pools every (series, "
            "step)\npair, the M-competition's average over horizons.\n\n"
            "A series the method cannot forecast (e.g. too short) is "
            "reported on stderr\nand scored with the seasonal naive, so "
            "every method covers the same series.\n\n"
            "exit status: 0 all series forecast, 1 some series failed "
            "(see above),\n64 usage, 65 malformed data, 66 cannot open "
            "input, 70 internal error,\n73 cannot write output.\n",
            EV_PUB_FILE);
}

/* Keeps only the series whose ids FILE lists (first CSV column), in
 * the data's order; frees the others. */
static int keep_listed(ev_data *d, const char *path, cs_err *err)
{
    char line[EV_MAX_LINE_BYTES];
    char *f[EV_MAX_ID_BYTES];
    bool *keep = calloc(d->n > 0 ? d->n : 1, sizeof(bool));
    size_t n_keep = 0, n_listed = 0;
    FILE *fp = fopen(path, "r");

    if (keep == NULL || fp == NULL) {
        cs_err_set(err, fp == NULL ? CS_E_NOT_FOUND : CS_E_NOMEM,
                   "could not read \"%s\": %s", path,
                   fp == NULL ? strerror(errno) : "out of memory");
        free(keep);
        if (fp != NULL)
            fclose(fp);
        return -1;
    }
    while (fgets(line, sizeof(line), fp) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || ev_split_csv(line, f, EV_MAX_ID_BYTES) < 1 ||
            strcmp(f[0], "series_id") == 0)
            continue;
        n_listed++;
        for (size_t i = 0; i < d->n; i++)
            if (!keep[i] && strcmp(d->s[i].id, f[0]) == 0)
                keep[i] = true;
    }
    fclose(fp);
    for (size_t i = 0; i < d->n; i++) {
        if (keep[i]) {
            d->s[n_keep++] = d->s[i];
        } else {
            free(d->s[i].train);
            free(d->s[i].test);
        }
    }
    d->n = n_keep;
    free(d->hash); /* indexes are stale now; lookups are over */
    d->hash = NULL;
    d->hash_cap = 0;
    free(keep);
    if (n_keep == 0) {
        cs_err_set(err, CS_E_INVALID,
                   "none of the %zu ids in \"%s\" is in the data", n_listed,
                   path);
        return -1;
    }
    return 0;
}

/* --earlier-origin: the last h train points become the test part (h the
 * series' test length or horizon); series with fewer than h + 5 train
 * points are dropped, as is the original test part. */
static void move_origin(ev_data *d)
{
    size_t kept = 0;

    for (size_t i = 0; i < d->n; i++) {
        ev_series s = d->s[i];
        size_t h = s.n_test > 0 ? s.n_test : s.horizon;
        double *test = h > 0 ? malloc(h * sizeof(double)) : NULL;
        free(s.test);
        if (test == NULL || s.n_train < h + 5) {
            free(s.train);
            free(test);
            continue;
        }
        memcpy(test, s.train + (s.n_train - h), h * sizeof(double));
        s.test = test;
        s.cap_test = h;
        s.n_test = h;
        s.n_train -= h;
        d->s[kept++] = s;
    }
    d->n = kept;
    free(d->hash); /* indexes are stale now; lookups are over */
    d->hash = NULL;
    d->hash_cap = 0;
}

static void *worker(void *arg)
{
    ev_ctx *c = arg;
    size_t i;

    while ((i = atomic_fetch_add(&c->next, 1)) < c->n_use) {
        const ev_series *s = &c->d->s[i];
        ev_result *r = &c->res[i];
        cs_fc_opts o = c->opts;
        cs_forecast *f = NULL;
        cs_err err = {0};
        size_t h = s->n_test > 0 ? s->n_test : s->horizon;

        o.period = s->m;
        o.seed = c->opts.seed + i;
        r->h = h;
        r->rc = cs_forecast_run(s->train, s->n_train, h, &o, &f, &err);
        if (r->rc != CS_OK) {
            /* score the series anyway, with the seasonal naive, so that
             * every method is compared on the same series */
            cs_fc_opts fb = o;
            memcpy(r->msg, err.msg, sizeof(r->msg));
            fb.method = CS_FC_SNAIVE;
            fb.log_transform = false;
            r->fell_back = cs_forecast_run(s->train, s->n_train, h, &fb, &f,
                                           &err) == CS_OK;
        }
        if (r->rc == CS_OK || r->fell_back) {
            r->fc = malloc(5 * h * sizeof(double));
            if (r->fc == NULL) {
                r->rc = CS_E_NOMEM;
                r->fell_back = false;
                (void)snprintf(r->msg, sizeof(r->msg), "out of memory");
            } else {
                const double *lo80 = NULL, *hi80 = NULL, *lo95 = NULL,
                             *hi95 = NULL;
                memcpy(r->fc, cs_forecast_mean(f), h * sizeof(double));
                if (o.want_intervals &&
                    cs_forecast_interval(f, 80, &lo80, &hi80, NULL) == CS_OK &&
                    cs_forecast_interval(f, 95, &lo95, &hi95, NULL) == CS_OK) {
                    memcpy(r->fc + h, lo80, h * sizeof(double));
                    memcpy(r->fc + 2 * h, hi80, h * sizeof(double));
                    memcpy(r->fc + 3 * h, lo95, h * sizeof(double));
                    memcpy(r->fc + 4 * h, hi95, h * sizeof(double));
                } else {
                    for (size_t j = h; j < 5 * h; j++)
                        r->fc[j] = EV_NAN;
                }
                (void)snprintf(r->model, sizeof(r->model), "%s",
                               cs_forecast_model(f));
            }
        }
        cs_forecast_free(f);
        atomic_fetch_add(&c->done, 1);
    }
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Published rows: only the first five columns are used. */
static int read_published(const char *path, ev_pub *rows, size_t max,
                          size_t *n_out, cs_err *err)
{
    char line[EV_MAX_LINE_BYTES];
    char *f[16];
    size_t n = 0;
    FILE *fp = fopen(path, "r");

    *n_out = 0;
    if (fp == NULL) {
        cs_err_set(err, CS_E_NOT_FOUND, "could not open \"%s\": %s", path,
                   strerror(errno));
        return -1;
    }
    if (fgets(line, sizeof(line), fp) == NULL) {
        fclose(fp);
        return 0;
    }
    while (n < max && fgets(line, sizeof(line), fp) != NULL) {
        char *end;
        line[strcspn(line, "\r\n")] = '\0';
        if (ev_split_csv(line, f, 16) < 5)
            continue;
        rows[n].value = strtod(f[4], &end);
        if (*end != '\0' || !isfinite(rows[n].value))
            continue;
        (void)snprintf(rows[n].period, sizeof(rows[n].period), "%s", f[0]);
        (void)snprintf(rows[n].method, sizeof(rows[n].method), "%s", f[1]);
        (void)snprintf(rows[n].measure, sizeof(rows[n].measure), "%s", f[2]);
        (void)snprintf(rows[n].horizons, sizeof(rows[n].horizons), "%s", f[3]);
        n++;
    }
    fclose(fp);
    *n_out = n;
    return 0;
}

/* Does published method name pub correspond to our method? */
static bool same_method(cs_fc_method m, const char *pub)
{
    switch (m) {
    case CS_FC_NAIVE:
        return strcmp(pub, "Naive") == 0;
    case CS_FC_SNAIVE:
        return strcmp(pub, "SNaive") == 0 || strcmp(pub, "Naive") == 0;
    case CS_FC_NAIVE2:
        return strcmp(pub, "Naive2") == 0;
    case CS_FC_SES:
        return strcmp(pub, "Deseasonalised SES") == 0;
    case CS_FC_DAMPED:
        return strcmp(pub, "Damped") == 0;
    case CS_FC_THETA:
        return strcmp(pub, "Theta") == 0;
    case CS_FC_ETS:
        return strcmp(pub, "ETS") == 0;
    default:
        return false;
    }
}

/* Our value of measure (MAPE, MASE, sMAPE) at horizons "k", "a-b" or
 * "all" in group g; NaN when the spec does not parse or is out of range. */
static double ours_at(const ev_group *g, const char *measure, const char *hz)
{
    int k;
    unsigned long a, b;
    char *end;

    if (strcmp(measure, "MAPE") == 0)
        k = M_APE;
    else if (strcmp(measure, "sMAPE") == 0)
        k = M_SAPE;
    else if (strcmp(measure, "MASE") == 0)
        k = M_ASE_ALL; /* the scaling of the published tourism MASE */
    else
        return EV_NAN;
    if (strcmp(hz, "all") == 0)
        return ev_group_range(g, k, 1, g->max_h);
    a = strtoul(hz, &end, 10);
    if (*end == '\0')
        return a <= g->max_h ? ev_group_at(g, k, a) : EV_NAN;
    if (*end != '-')
        return EV_NAN;
    b = strtoul(end + 1, &end, 10);
    if (*end != '\0' || a < 1 || b > g->max_h || a > b)
        return EV_NAN;
    return ev_group_range(g, k, a, b);
}

/* The group a published period label refers to: a period name, or
 * "all_N" / "all" for every series when N matches. */
static const ev_group *group_for(const ev_group *gs, size_t n_groups,
                                 const char *period)
{
    if (strncmp(period, "all", 3) == 0 || strncmp(period, "subset_", 7) == 0) {
        const ev_group *all = &gs[n_groups - 1];
        const char *num = strchr(period, '_');
        if (strcmp(period, "all") == 0)
            return all;
        if (num != NULL && strtoul(num + 1, NULL, 10) == all->n_series)
            return all;
        return NULL;
    }
    for (size_t i = 0; i + 1 < n_groups; i++)
        if (strcmp(gs[i].name, period) == 0)
            return &gs[i];
    return NULL;
}

static void print_published(const ev_group *gs, size_t n_groups,
                            const ev_pub *pub, size_t n_pub,
                            cs_fc_method method, bool per_horizon)
{
    bool header = false;

    for (size_t i = 0; i < n_pub; i++) {
        const ev_group *g = group_for(gs, n_groups, pub[i].period);
        double ours, same = EV_NAN, best = INFINITY;
        const char *best_name = NULL, *same_name = NULL;
        bool seen = false;

        if (g == NULL)
            continue;
        if (!per_horizon && strchr(pub[i].horizons, '-') == NULL &&
            strcmp(pub[i].horizons, "all") != 0)
            continue;
        /* one line per (period, measure, horizons), at its first row */
        for (size_t j = 0; j < i; j++)
            if (strcmp(pub[j].period, pub[i].period) == 0 &&
                strcmp(pub[j].measure, pub[i].measure) == 0 &&
                strcmp(pub[j].horizons, pub[i].horizons) == 0)
                seen = true;
        if (seen)
            continue;
        ours = ours_at(g, pub[i].measure, pub[i].horizons);
        if (!isfinite(ours))
            continue;
        for (size_t j = i; j < n_pub; j++) {
            if (strcmp(pub[j].period, pub[i].period) != 0 ||
                strcmp(pub[j].measure, pub[i].measure) != 0 ||
                strcmp(pub[j].horizons, pub[i].horizons) != 0)
                continue;
            if (same_method(method, pub[j].method)) {
                same = pub[j].value;
                same_name = pub[j].method;
            }
            /* Kaggle entries come from a later paper, not the tables */
            if (strncmp(pub[j].method, "Kaggle-", 7) != 0 &&
                pub[j].value < best) {
                best = pub[j].value;
                best_name = pub[j].method;
            }
        }
        if (!header) {
            printf("\npublished figures (MASE compared with MASE(all)):\n"
                   "%-12s %-7s %-8s %8s %10s  %-20s %10s  %s\n",
                   "period", "measure", "horizons", "ours", "published",
                   "same method", "best", "best method");
            header = true;
        }
        printf("%-12s %-7s %-8s %8.2f ", pub[i].period, pub[i].measure,
               pub[i].horizons, ours);
        if (same_name != NULL)
            printf("%10.2f  %-20.20s", same, same_name);
        else
            printf("%10s  %-20s", "-", "-");
        if (best_name != NULL)
            printf(" %10.2f  %s%s\n", best, best_name,
                   round(ours * 100.0) < round(best * 100.0) ? "  (ours lower)"
                                                             : "");
        else
            printf(" %10s\n", "-");
    }
}

static int write_forecasts(const char *path, const ev_data *d, size_t n_use,
                           const ev_result *res)
{
    FILE *fp = fopen(path, "w");

    if (fp == NULL) {
        fprintf(stderr, "cs-forecast-eval: could not create \"%s\": %s\n", path,
                strerror(errno));
        return -1;
    }
    fprintf(fp, "series_id,h,value,lo80,hi80,lo95,hi95\n");
    for (size_t i = 0; i < n_use; i++) {
        const ev_result *r = &res[i];
        if (r->rc != CS_OK && !r->fell_back)
            continue;
        for (size_t j = 0; j < r->h; j++) {
            fprintf(fp, "%s,%zu,%.10g", d->s[i].id, j + 1, r->fc[j]);
            for (int k = 1; k < 5; k++) {
                double v = r->fc[(size_t)k * r->h + j];
                if (isfinite(v))
                    fprintf(fp, ",%.10g", v);
                else
                    fprintf(fp, ",NA");
            }
            fputc('\n', fp);
        }
    }
    if (fclose(fp) != 0) {
        fprintf(stderr, "cs-forecast-eval: could not write \"%s\"\n", path);
        return -1;
    }
    return 0;
}

/* Adds series i's accuracy to its period group and to the total. */
static void score(const ev_series *s, const ev_result *r, ev_group *gs,
                  size_t *n_groups, ev_point *pts)
{
    const size_t h = ev_points(s, r->fc, r->h, pts);
    const bool has_int = h > 0 && isfinite(r->fc[r->h]);
    ev_group *g = NULL;

    for (size_t i = 0; i + 1 < *n_groups; i++)
        if (strcmp(gs[i].name, s->period) == 0)
            g = &gs[i];
    if (g == NULL && *n_groups < EV_MAX_GROUPS) {
        /* keep "all" last */
        gs[*n_groups] = gs[*n_groups - 1];
        g = &gs[*n_groups - 1];
        memset(g, 0, sizeof(*g));
        (void)snprintf(g->name, sizeof(g->name), "%s", s->period);
        (*n_groups)++;
    }
    if (g != NULL)
        ev_group_add(g, pts, h, has_int);
    ev_group_add(&gs[*n_groups - 1], pts, h, has_int);
}

int main(int argc, char **argv)
{
    const char *data_path = NULL, *method_name = NULL, *fc_out = NULL;
    const char *pub_path = NULL, *series_path = NULL;
    char pub_default[4096];
    bool per_horizon = false, tty = isatty(STDERR_FILENO) == 1;
    bool earlier_origin = false;
    long n_threads = sysconf(_SC_NPROCESSORS_ONLN);
    size_t limit = 0, n_groups = 1, n_failed = 0, n_pub = 0;
    pthread_t th[EV_MAX_THREADS];
    ev_data data = {0};
    ev_ctx ctx;
    ev_group *groups = NULL;
    ev_pub *pub = NULL;
    ev_point *pts = NULL;
    cs_err err = {0};
    double t0, secs;
    int code = EXIT_SUCCESS;

    gsl_set_error_handler_off();
    memset(&ctx, 0, sizeof(ctx));
    cs_forecast_opts_default(&ctx.opts);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return EXIT_SUCCESS;
        } else if (strcmp(a, "--method") == 0 && has_val) {
            method_name = argv[++i];
        } else if (strcmp(a, "--forecasts-out") == 0 && has_val) {
            fc_out = argv[++i];
        } else if (strcmp(a, "--published") == 0 && has_val) {
            pub_path = argv[++i];
        } else if (strcmp(a, "--series") == 0 && has_val) {
            series_path = argv[++i];
        } else if (strcmp(a, "--per-horizon") == 0) {
            per_horizon = true;
        } else if (strcmp(a, "--earlier-origin") == 0) {
            earlier_origin = true;
        } else if (strcmp(a, "--ets-average") == 0) {
            ctx.opts.ets_average = true;
        } else if (strcmp(a, "--no-intervals") == 0) {
            ctx.opts.want_intervals = false;
        } else if ((strcmp(a, "--threads") == 0 || strcmp(a, "--limit") == 0) &&
                   has_val) {
            char *end;
            long v;
            errno = 0;
            v = strtol(argv[++i], &end, 10);
            if (errno != 0 || *end != '\0' || v < 1 ||
                (a[2] == 't' && v > EV_MAX_THREADS)) {
                fprintf(stderr, "cs-forecast-eval: bad %s \"%s\"\n", a,
                        argv[i]);
                return EXIT_USAGE;
            }
            if (a[2] == 't')
                n_threads = v;
            else
                limit = (size_t)v;
        } else if (a[0] != '-' && data_path == NULL) {
            data_path = a;
        } else {
            fprintf(stderr, "cs-forecast-eval: unexpected argument \"%s\"\n",
                    a);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (data_path == NULL || method_name == NULL) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (cs_forecast_method_parse(method_name, &ctx.opts, &err) != CS_OK) {
        fprintf(stderr, "cs-forecast-eval: %s\n", err.msg);
        return EXIT_USAGE;
    }
    if (n_threads < 1)
        n_threads = 1;
    if (n_threads > EV_MAX_THREADS)
        n_threads = EV_MAX_THREADS;

    if (ev_read_csv(data_path, &data, &err) != CS_OK) {
        fprintf(stderr, "cs-forecast-eval: %s\n", err.msg);
        ev_data_free(&data);
        return err.code == CS_E_NOT_FOUND ? EXIT_NOINPUT
               : err.code == CS_E_NOMEM   ? EXIT_SOFTWARE
                                          : EXIT_DATA;
    }
    if (series_path != NULL && keep_listed(&data, series_path, &err) != 0) {
        fprintf(stderr, "cs-forecast-eval: %s\n", err.msg);
        ev_data_free(&data);
        return err.code == CS_E_NOT_FOUND ? EXIT_NOINPUT : EXIT_DATA;
    }
    if (earlier_origin) {
        move_origin(&data);
        pub_path = "";
    }
    ctx.d = &data;
    ctx.n_use = limit > 0 && limit < data.n ? limit : data.n;
    ctx.res = calloc(data.n > 0 ? data.n : 1, sizeof(ev_result));
    groups = calloc(EV_MAX_GROUPS, sizeof(ev_group));
    pts = calloc(EV_MAX_H, sizeof(ev_point));
    pub = calloc(EV_MAX_PUB_ROWS, sizeof(ev_pub));
    if (ctx.res == NULL || groups == NULL || pts == NULL || pub == NULL) {
        fprintf(stderr, "cs-forecast-eval: out of memory\n");
        code = EXIT_SOFTWARE;
        goto out;
    }
    (void)snprintf(groups[0].name, sizeof(groups[0].name), "all");

    t0 = now_s();
    {
        long started = 0;
        for (; started < n_threads; started++)
            if (pthread_create(&th[started], NULL, worker, &ctx) != 0)
                break;
        if (started == 0) {
            fprintf(stderr, "cs-forecast-eval: could not start threads\n");
            code = EXIT_SOFTWARE;
            goto out;
        }
        while (tty && atomic_load(&ctx.done) < ctx.n_use) {
            struct timespec ts = {0, 200 * 1000 * 1000};
            fprintf(stderr, "\rcs-forecast-eval: %zu/%zu series",
                    atomic_load(&ctx.done), ctx.n_use);
            nanosleep(&ts, NULL);
        }
        for (long i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        if (tty)
            fprintf(stderr, "\rcs-forecast-eval: %zu/%zu series\n", ctx.n_use,
                    ctx.n_use);
    }
    secs = now_s() - t0;

    for (size_t i = 0; i < ctx.n_use; i++) {
        const ev_series *s = &data.s[i];
        bool bad_train = false;
        for (size_t t = 0; t < s->n_train; t++)
            if (!isfinite(s->train[t]))
                bad_train = true;
        if (ctx.res[i].rc != CS_OK) {
            n_failed++;
            fprintf(stderr, "cs-forecast-eval: series %s: %s%s\n", s->id,
                    bad_train ? "train part has NA or gaps" : ctx.res[i].msg,
                    ctx.res[i].fell_back ? " (scored with snaive)" : "");
            if (!ctx.res[i].fell_back)
                continue;
        }
        if (s->n_test == 0)
            continue;
        score(s, &ctx.res[i], groups, &n_groups, pts);
    }

    printf("cs-forecast-eval: %s, method %s, %zu series, %ld threads\n\n",
           data_path, method_name, ctx.n_use, n_threads);
    printf("%-12s %7s %4s %8s %8s %8s %9s %8s %8s\n", "period", "series", "h",
           "sMAPE", "MAPE", "MASE", "MASE(all)", "cover80", "cover95");
    for (size_t i = 0; i < n_groups; i++) {
        const ev_group *g = &groups[i];
        if (g->n_series == 0)
            continue;
        printf("%-12s %7zu %4zu %8.2f %8.2f %8.3f %9.3f", g->name, g->n_series,
               g->max_h, ev_group_range(g, M_SAPE, 1, g->max_h),
               ev_group_range(g, M_APE, 1, g->max_h),
               ev_group_range(g, M_ASE, 1, g->max_h),
               ev_group_range(g, M_ASE_ALL, 1, g->max_h));
        if (g->n_int > 0)
            printf(" %7.1f%% %7.1f%%\n",
                   100.0 * (double)g->n_in80 / (double)g->n_int,
                   100.0 * (double)g->n_in95 / (double)g->n_int);
        else
            printf(" %8s %8s\n", "-", "-");
    }

    if (pub_path == NULL) {
        const char *slash = strrchr(data_path, '/');
        int len = slash == NULL ? 0 : (int)(slash - data_path + 1);
        if (snprintf(pub_default, sizeof(pub_default), "%.*s%s", len, data_path,
                     EV_PUB_FILE) < (int)sizeof(pub_default) &&
            access(pub_default, R_OK) == 0)
            pub_path = pub_default;
    }
    if (pub_path != NULL && pub_path[0] != '\0') {
        if (read_published(pub_path, pub, EV_MAX_PUB_ROWS, &n_pub, &err) != 0) {
            fprintf(stderr, "cs-forecast-eval: %s\n", err.msg);
            code = EXIT_NOINPUT;
            goto out;
        }
        print_published(groups, n_groups, pub, n_pub, ctx.opts.method,
                        per_horizon);
    }
    if (fc_out != NULL &&
        write_forecasts(fc_out, &data, ctx.n_use, ctx.res) != 0) {
        code = EXIT_CANTCREAT;
        goto out;
    }
    printf("\nsummary: %zu series, %zu failed (scored with snaive), %.2f s, "
           "%.0f series/s\n",
           ctx.n_use, n_failed, secs,
           secs > 0 ? (double)ctx.n_use / secs : 0.0);
    if (n_failed > 0)
        code = EXIT_SERIES_FAILED;
out:
    if (ctx.res != NULL)
        for (size_t i = 0; i < data.n; i++)
            free(ctx.res[i].fc);
    free(ctx.res);
    free(groups);
    free(pts);
    free(pub);
    ev_data_free(&data);
    return code;
}
