/* risk_index.c - the scorer: weighted 0-100 score, alert level,
 * per-indicator contributions, a one-sentence explanation, and
 * aggregation of scores to chain, tier, region or industry. */
#include "risk_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cs_risk_thresholds cs_risk_default_thresholds = {
    .yellow = 25.0, .orange = 50.0, .red = 75.0};

cs_risk *cs_risk_new(const double *weights, size_t n_indicators,
                     const cs_risk_thresholds *thresholds, cs_err *err)
{
    const cs_risk_thresholds *t =
        thresholds != NULL ? thresholds : &cs_risk_default_thresholds;
    double sum = 0.0;
    cs_risk *r;

    if (weights == NULL || n_indicators == 0) {
        cs_err_set(err, CS_E_INVALID, "weights are empty");
        return NULL;
    }
    if (n_indicators > CS_RISK_MAX_INDICATORS) {
        cs_err_set(err, CS_E_TOO_LARGE, "%zu indicators, at most %d",
                   n_indicators, CS_RISK_MAX_INDICATORS);
        return NULL;
    }
    for (size_t j = 0; j < n_indicators; j++) {
        if (!isfinite(weights[j]) || weights[j] < 0.0) {
            cs_err_set(err, CS_E_INVALID,
                       "weight %zu must be a non-negative number", j);
            return NULL;
        }
        sum += weights[j];
    }
    if (fabs(sum - 1.0) > 1e-6) {
        cs_err_set(err, CS_E_INVALID, "weights sum to %.9g, not 1", sum);
        return NULL;
    }
    if (!(t->yellow >= 0.0 && t->yellow <= t->orange && t->orange <= t->red &&
          t->red <= 100.0)) {
        cs_err_set(err, CS_E_INVALID,
                   "thresholds must satisfy 0 <= yellow <= orange <= red "
                   "<= 100");
        return NULL;
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        cs_err_set(err, CS_E_NOMEM, "out of memory");
        return NULL;
    }
    r->n = n_indicators;
    memcpy(r->w, weights, n_indicators * sizeof(*weights));
    r->t = *t;
    return r;
}

size_t cs_risk_n_indicators(const cs_risk *r)
{
    return r != NULL ? r->n : 0;
}

cs_risk_level cs_risk_level_of(const cs_risk *r, double score)
{
    const cs_risk_thresholds *t =
        r != NULL ? &r->t : &cs_risk_default_thresholds;

    if (score >= t->red)
        return CS_RISK_RED;
    if (score >= t->orange)
        return CS_RISK_ORANGE;
    if (score >= t->yellow)
        return CS_RISK_YELLOW;
    return CS_RISK_BLUE;
}

const char *cs_risk_level_name(cs_risk_level level)
{
    switch (level) {
    case CS_RISK_RED:
        return "red";
    case CS_RISK_ORANGE:
        return "orange";
    case CS_RISK_YELLOW:
        return "yellow";
    case CS_RISK_BLUE:
        return "blue";
    }
    return "unknown";
}

cs_status cs_risk_score(const cs_risk *r, const double *y, size_t n_rows,
                        double *score, double *contrib, cs_risk_level *level,
                        cs_err *err)
{
    if (r == NULL || score == NULL || (y == NULL && n_rows > 0))
        return cs_err_set(err, CS_E_INVALID, "scorer or rows missing");
    for (size_t i = 0; i < n_rows; i++) {
        const double *row = y + i * r->n;
        double s = 0.0;
        for (size_t j = 0; j < r->n; j++) {
            double c;
            if (!(row[j] >= 0.0 && row[j] <= 1.0))
                return cs_err_set(err, CS_E_INVALID,
                                  "normalised value at row %zu column %zu "
                                  "is outside [0, 1]",
                                  i, j);
            c = 100.0 * r->w[j] * row[j];
            if (contrib != NULL)
                contrib[i * r->n + j] = c;
            s += c;
        }
        /* weights sum to 1 within 1e-6: keep the promised range */
        score[i] = fmin(100.0, fmax(0.0, s));
        if (level != NULL)
            level[i] = cs_risk_level_of(r, score[i]);
    }
    return CS_OK;
}

/* Appends a (b, up to b_len bytes) and c to buf at *len like snprintf,
 * keeping *len the length that would have been written. */
static void put(char *buf, size_t buf_bytes, size_t *len, const char *a,
                const char *b, int b_len, const char *c)
{
    int w = snprintf(*len < buf_bytes ? buf + *len : NULL,
                     *len < buf_bytes ? buf_bytes - *len : 0, "%s%.*s%s", a,
                     b_len, b, c);
    *len += w > 0 ? (size_t)w : 0;
}

/* Writes one indicator: "name value", or the name with its placeholder
 * replaced - "{v}" by the value, "{%}" by 100 x the value with a percent
 * sign - when it has one. */
static void put_indicator(char *buf, size_t buf_bytes, size_t *len,
                          const char *name, double raw)
{
    const char *ph = strchr(name, '{');
    char val[40];
    int pct;

    while (ph != NULL && strncmp(ph, "{v}", 3) != 0 &&
           strncmp(ph, "{%}", 3) != 0)
        ph = strchr(ph + 1, '{');
    pct = ph != NULL && ph[1] == '%';
    if (isnan(raw))
        snprintf(val, sizeof(val), "missing");
    else if (pct)
        snprintf(val, sizeof(val), "%.3g%%", 100.0 * raw);
    else
        snprintf(val, sizeof(val), "%.3g", raw);
    if (ph == NULL)
        put(buf, buf_bytes, len, name, " ", 1, val);
    else {
        put(buf, buf_bytes, len, "", name, (int)(ph - name), val);
        put(buf, buf_bytes, len, ph + 3, "", 0, "");
    }
}

size_t cs_risk_explain(double score, cs_risk_level level,
                       const char *const *names, const double *raw,
                       const double *contrib, size_t n, size_t top_k, char *buf,
                       size_t buf_bytes)
{
    size_t len = 0;
    int used[CS_RISK_MAX_INDICATORS] = {0};
    int w;

    w = snprintf(buf, buf_bytes, "%.0f, %s", score, cs_risk_level_name(level));
    len += w > 0 ? (size_t)w : 0;
    if (n > CS_RISK_MAX_INDICATORS)
        n = CS_RISK_MAX_INDICATORS;
    for (size_t k = 0; k < top_k && k < n; k++) {
        size_t best = n;
        char pts[32];
        for (size_t j = 0; j < n; j++)
            if (!used[j] && (best == n || contrib[j] > contrib[best]))
                best = j;
        if (best == n || !(contrib[best] > 0.0))
            break;
        used[best] = 1;
        put(buf, buf_bytes, &len, k == 0 ? ": " : ", ", "", 0, "");
        put_indicator(buf, buf_bytes, &len,
                      names != NULL && names[best] != NULL ? names[best]
                                                           : "indicator",
                      raw != NULL ? raw[best] : (double)NAN);
        snprintf(pts, sizeof(pts), " (+%.1f)", contrib[best]);
        put(buf, buf_bytes, &len, pts, "", 0, "");
    }
    return len;
}

cs_status cs_risk_aggregate(const double *score, const double *weight,
                            const uint32_t *group, size_t n, size_t n_groups,
                            cs_risk_agg method, double *out, cs_err *err)
{
    double *wsum;

    if (out == NULL || n_groups == 0 ||
        (n > 0 && (score == NULL || group == NULL)))
        return cs_err_set(err, CS_E_INVALID, "scores or groups missing");
    if (method != CS_RISK_AGG_MEAN && method != CS_RISK_AGG_MAX)
        return cs_err_set(err, CS_E_INVALID, "unknown aggregation %d",
                          (int)method);
    for (size_t i = 0; i < n; i++) {
        if (group[i] >= n_groups)
            return cs_err_set(err, CS_E_INVALID,
                              "member %zu names group %u, only %zu groups", i,
                              (unsigned)group[i], n_groups);
        if (!(score[i] >= 0.0 && score[i] <= 100.0))
            return cs_err_set(err, CS_E_INVALID,
                              "score %zu must lie in [0, 100]", i);
        if (weight != NULL && !(weight[i] >= 0.0 && isfinite(weight[i])))
            return cs_err_set(err, CS_E_INVALID,
                              "weight %zu must be a non-negative number", i);
    }
    wsum = calloc(n_groups, sizeof(*wsum));
    if (wsum == NULL)
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    for (size_t g = 0; g < n_groups; g++)
        out[g] = method == CS_RISK_AGG_MAX ? -1.0 : 0.0;
    for (size_t i = 0; i < n; i++) {
        double wi = weight != NULL ? weight[i] : 1.0;
        if (method == CS_RISK_AGG_MAX) {
            out[group[i]] = fmax(out[group[i]], score[i]);
            wsum[group[i]] += 1.0;
        } else {
            out[group[i]] += wi * score[i];
            wsum[group[i]] += wi;
        }
    }
    for (size_t g = 0; g < n_groups; g++) {
        if (method == CS_RISK_AGG_MAX)
            out[g] = wsum[g] > 0.0 ? out[g] : (double)NAN;
        else
            out[g] = wsum[g] > 0.0 ? out[g] / wsum[g] : (double)NAN;
    }
    free(wsum);
    return CS_OK;
}

void cs_risk_free(cs_risk *r)
{
    free(r);
}
