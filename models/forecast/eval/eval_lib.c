/* eval_lib.c - cs-forecast-eval's reader for the competition long CSV
 * and its accuracy bookkeeping (per-step means, M-competition style). */
#include "eval.h"
#include "cs_hash.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EV_MAX_COLS 32
#define EV_MAX_T    1000000 /* positions per split: caps memory per series */

unsigned ev_period_m(const char *p)
{
    static const struct {
        const char *name;
        unsigned m;
    } map[] = {{"yearly", 1},   {"annual", 1},  {"other", 1}, {"quarterly", 4},
               {"monthly", 12}, {"weekly", 52}, {"daily", 7}, {"hourly", 24}};

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(p, map[i].name) == 0)
            return map[i].m;
    return 0;
}

void ev_data_free(ev_data *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->s[i].train);
        free(d->s[i].test);
    }
    free(d->s);
    free(d->hash);
    memset(d, 0, sizeof(*d));
}

static uint64_t hash_str(const char *s)
{
    return cs_fnv1a(CS_FNV1A_INIT, s, strlen(s));
}

static cs_status rehash(ev_data *d, size_t cap, cs_err *err)
{
    size_t *t = calloc(cap, sizeof(size_t));

    if (t == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    for (size_t i = 0; i < d->n; i++) {
        size_t k = (size_t)(hash_str(d->s[i].id) & (cap - 1));
        while (t[k] != 0)
            k = (k + 1) & (cap - 1);
        t[k] = i + 1;
    }
    free(d->hash);
    d->hash = t;
    d->hash_cap = cap;
    return CS_OK;
}

/* Finds or adds the series named id; *out points into d->s. */
static cs_status lookup(ev_data *d, const char *id, ev_series **out,
                        cs_err *err)
{
    size_t k;
    cs_status rc;

    if (d->hash_cap == 0 || 2 * (d->n + 1) > d->hash_cap) {
        rc = rehash(d, d->hash_cap == 0 ? 1024 : 2 * d->hash_cap, err);
        if (rc != CS_OK)
            return rc;
    }
    k = (size_t)(hash_str(id) & (d->hash_cap - 1));
    while (d->hash[k] != 0) {
        if (strcmp(d->s[d->hash[k] - 1].id, id) == 0) {
            *out = &d->s[d->hash[k] - 1];
            return CS_OK;
        }
        k = (k + 1) & (d->hash_cap - 1);
    }
    if (d->n == d->cap) {
        size_t nc = d->cap == 0 ? 256 : 2 * d->cap;
        ev_series *ns = realloc(d->s, nc * sizeof(*ns));
        if (ns == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        d->s = ns;
        d->cap = nc;
    }
    memset(&d->s[d->n], 0, sizeof(d->s[d->n]));
    (void)snprintf(d->s[d->n].id, sizeof(d->s[d->n].id), "%s", id);
    d->hash[k] = d->n + 1;
    *out = &d->s[d->n++];
    return CS_OK;
}

/* Stores v at 1-based position t of a growing array. */
static cs_status put(double **a, size_t *n, size_t *cap, size_t t, double v,
                     cs_err *err)
{
    if (t > *cap) {
        size_t nc = *cap == 0 ? 64 : *cap;
        double *na;
        while (nc < t)
            nc *= 2;
        na = realloc(*a, nc * sizeof(double));
        if (na == NULL)
            return cs_err_set(err, CS_E_NOMEM, "out of memory");
        for (size_t i = *cap; i < nc; i++)
            na[i] = EV_NAN;
        *a = na;
        *cap = nc;
    }
    (*a)[t - 1] = v;
    if (t > *n)
        *n = t;
    return CS_OK;
}

static void chomp(char *s)
{
    s[strcspn(s, "\r\n")] = '\0';
}

/* Splits a CSV line in place (RFC 4180 quoting: "a, b" and "" inside
 * quotes). Returns the number of fields stored in f. */
size_t ev_split_csv(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *r = line, *w = line;

    while (n < max) {
        bool quoted = *r == '"';
        f[n++] = w;
        if (quoted) {
            r++;
            while (*r != '\0') {
                if (*r == '"' && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else {
                    *w++ = *r++;
                }
            }
        }
        while (*r != '\0' && *r != ',')
            *w++ = *r++;
        if (*r == '\0') {
            *w = '\0';
            break;
        }
        r++;
        *w++ = '\0';
    }
    return n;
}

cs_status ev_read_csv(const char *path, ev_data *d, cs_err *err)
{
    static const char *const want[] = {"series_id", "period", "horizon",
                                       "split",     "t",      "value"};
    enum { C_ID, C_PERIOD, C_H, C_SPLIT, C_T, C_VALUE, C_N };
    int col[C_N];
    char line[EV_MAX_LINE_BYTES];
    char *f[EV_MAX_COLS];
    size_t nf, lineno = 1;
    cs_status rc = CS_OK;
    FILE *fp;

    memset(d, 0, sizeof(*d));
    fp = fopen(path, "r");
    if (fp == NULL)
        return cs_err_set(err, CS_E_NOT_FOUND, "could not open \"%s\": %s",
                          path, strerror(errno));
    if (fgets(line, sizeof(line), fp) == NULL) {
        rc = cs_err_set(err, CS_E_INVALID, "\"%s\" is empty", path);
        goto out;
    }
    chomp(line);
    if (memcmp(line, "\xEF\xBB\xBF", 3) == 0) /* UTF-8 byte order mark */
        memmove(line, line + 3, strlen(line + 3) + 1);
    nf = ev_split_csv(line, f, EV_MAX_COLS);
    for (int c = 0; c < C_N; c++) {
        col[c] = -1;
        for (size_t i = 0; i < nf; i++)
            if (strcmp(f[i], want[c]) == 0)
                col[c] = (int)i;
        if (col[c] < 0) {
            rc = cs_err_set(err, CS_E_INVALID,
                            "%s: header has no \"%s\" column", path, want[c]);
            goto out;
        }
    }
    while (fgets(line, sizeof(line), fp) != NULL) {
        ev_series *s = NULL;
        char *end;
        long long t, h;
        double v;
        bool is_train;

        lineno++;
        if (strchr(line, '\n') == NULL && !feof(fp)) {
            rc = cs_err_set(err, CS_E_INVALID, "%s:%zu: line too long", path,
                            lineno);
            goto out;
        }
        chomp(line);
        if (line[0] == '\0')
            continue;
        if (ev_split_csv(line, f, EV_MAX_COLS) < nf) {
            rc = cs_err_set(err, CS_E_INVALID, "%s:%zu: expected %zu fields",
                            path, lineno, nf);
            goto out;
        }
        errno = 0;
        t = strtoll(f[col[C_T]], &end, 10);
        if (errno != 0 || *end != '\0' || t < 1 || t > EV_MAX_T) {
            rc = cs_err_set(err, CS_E_INVALID, "%s:%zu: bad t \"%s\" (1..%d)",
                            path, lineno, f[col[C_T]], EV_MAX_T);
            goto out;
        }
        h = strtoll(f[col[C_H]], &end, 10);
        if (errno != 0 || *end != '\0' || h < 0 || h > EV_MAX_H) {
            rc = cs_err_set(err, CS_E_INVALID,
                            "%s:%zu: bad horizon \"%s\" (0..%d)", path, lineno,
                            f[col[C_H]], EV_MAX_H);
            goto out;
        }
        if (strcmp(f[col[C_VALUE]], "NA") == 0 || f[col[C_VALUE]][0] == '\0') {
            v = EV_NAN;
        } else {
            v = strtod(f[col[C_VALUE]], &end);
            if (errno != 0 || *end != '\0') {
                rc = cs_err_set(err, CS_E_INVALID, "%s:%zu: bad value \"%s\"",
                                path, lineno, f[col[C_VALUE]]);
                goto out;
            }
        }
        if (strcmp(f[col[C_SPLIT]], "train") == 0) {
            is_train = true;
        } else if (strcmp(f[col[C_SPLIT]], "test") == 0) {
            is_train = false;
        } else {
            rc = cs_err_set(err, CS_E_INVALID,
                            "%s:%zu: split must be train or test, got "
                            "\"%s\"",
                            path, lineno, f[col[C_SPLIT]]);
            goto out;
        }
        rc = lookup(d, f[col[C_ID]], &s, err);
        if (rc != CS_OK)
            goto out;
        if (s->period[0] == '\0') {
            (void)snprintf(s->period, sizeof(s->period), "%s",
                           f[col[C_PERIOD]]);
            s->m = ev_period_m(s->period);
            if (s->m == 0) {
                rc = cs_err_set(err, CS_E_INVALID,
                                "%s:%zu: unknown period \"%s\"", path, lineno,
                                s->period);
                goto out;
            }
            s->horizon = (size_t)h;
        }
        rc = is_train
                 ? put(&s->train, &s->n_train, &s->cap_train, (size_t)t, v, err)
                 : put(&s->test, &s->n_test, &s->cap_test, (size_t)t, v, err);
        if (rc != CS_OK)
            goto out;
    }
    if (ferror(fp))
        rc = cs_err_set(err, CS_E_INVALID, "could not read \"%s\"", path);
out:
    fclose(fp);
    return rc;
}

double ev_mase_scale(const double *x, size_t n, unsigned m)
{
    double s = 0.0;
    size_t k = n > m ? m : 1, cnt = 0;

    if (n < 2)
        return EV_NAN;
    for (size_t t = k; t < n; t++) {
        if (isfinite(x[t]) && isfinite(x[t - k])) {
            s += fabs(x[t] - x[t - k]);
            cnt++;
        }
    }
    return cnt > 0 ? s / (double)cnt : EV_NAN;
}

double ev_mase_scale_all(const double *train, size_t n_train,
                         const double *test, size_t n_test, unsigned m)
{
    size_t n = n_train + n_test;
    double *x = malloc((n > 0 ? n : 1) * sizeof(double));
    double s;

    if (x == NULL)
        return EV_NAN;
    if (n_train > 0) /* a series may have only test rows */
        memcpy(x, train, n_train * sizeof(double));
    if (n_test > 0)
        memcpy(x + n_train, test, n_test * sizeof(double));
    s = ev_mase_scale(x, n, m);
    free(x);
    return s;
}

size_t ev_points(const ev_series *s, const double *fc, size_t h, ev_point *pts)
{
    const size_t k = h < s->n_test ? h : s->n_test;
    const double scale = ev_mase_scale(s->train, s->n_train, s->m);
    const double scale_all =
        ev_mase_scale_all(s->train, s->n_train, s->test, s->n_test, s->m);

    for (size_t j = 0; j < k && j < EV_MAX_H; j++) {
        const double y = s->test[j], f = fc[j], e = fabs(y - f);
        pts[j].ape = y != 0.0 ? 100.0 * e / fabs(y) : EV_NAN;
        pts[j].sape =
            fabs(y) + fabs(f) > 0.0 ? 200.0 * e / (fabs(y) + fabs(f)) : EV_NAN;
        pts[j].ase = scale > 0.0 ? e / scale : EV_NAN;
        pts[j].ase_all = scale_all > 0.0 ? e / scale_all : EV_NAN;
        if (!isfinite(y))
            pts[j].ape = pts[j].sape = pts[j].ase = pts[j].ase_all = EV_NAN;
        pts[j].in80 = y >= fc[h + j] && y <= fc[2 * h + j];
        pts[j].in95 = y >= fc[3 * h + j] && y <= fc[4 * h + j];
    }
    return k < EV_MAX_H ? k : EV_MAX_H;
}

void ev_group_add(ev_group *g, const ev_point *p, size_t n_steps,
                  bool has_intervals)
{
    g->n_series++;
    for (size_t j = 0; j < n_steps && j < EV_MAX_H; j++) {
        const double v[4] = {p[j].ape, p[j].sape, p[j].ase, p[j].ase_all};
        for (int k = 0; k < 4; k++)
            if (isfinite(v[k])) {
                g->sum[k][j] += v[k];
                g->cnt[k][j]++;
            }
        if (j + 1 > g->max_h)
            g->max_h = j + 1;
        g->n_points++;
        if (has_intervals) {
            g->n_int++;
            g->n_in80 += p[j].in80 ? 1u : 0u;
            g->n_in95 += p[j].in95 ? 1u : 0u;
        }
    }
}

double ev_group_at(const ev_group *g, int k, size_t h)
{
    if (h < 1 || h > EV_MAX_H || g->cnt[k][h - 1] == 0)
        return EV_NAN;
    return g->sum[k][h - 1] / (double)g->cnt[k][h - 1];
}

double ev_group_range(const ev_group *g, int k, size_t a, size_t b)
{
    double s = 0.0;
    size_t c = 0;

    /* Pooled over every (series, step) pair in a..b: the M-competition's
     * "average of forecasting horizons". With equal horizons it equals
     * the mean of the per-step means. */
    for (size_t h = a; h <= b && h <= EV_MAX_H; h++) {
        s += g->sum[k][h - 1];
        c += g->cnt[k][h - 1];
    }
    return c > 0 ? s / (double)c : EV_NAN;
}
