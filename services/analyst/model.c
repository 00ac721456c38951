/* model.c - the current model version (model_versions.is_current): which
 * indicators, how they are normalised and weighted, the level thresholds,
 * alert rules and forecaster settings. Read at the start of every cycle,
 * so promoting or rolling back a version takes effect on the next one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyst_int.h"
#include "cs_str.h"

const analyst_ind_info analyst_inds[IND_N] = {
    [IND_ON_TIME_RATE] = {"on_time_rate", CS_RISK_HIGHER_SAFER},
    [IND_LEAD_TIME_MEAN] = {"lead_time_mean_days", CS_RISK_HIGHER_RISKIER},
    [IND_LEAD_TIME_CV] = {"lead_time_cv", CS_RISK_HIGHER_RISKIER},
    [IND_FILL_RATE] = {"fill_rate", CS_RISK_HIGHER_SAFER},
    [IND_SUPPLIER_HHI] = {"supplier_hhi", CS_RISK_HIGHER_RISKIER},
    [IND_SINGLE_SOURCE] = {"single_source", CS_RISK_HIGHER_RISKIER},
    [IND_CUSTOMER_HHI] = {"customer_hhi", CS_RISK_HIGHER_RISKIER},
    [IND_PRODUCTION_DROP_Z] = {"production_drop_z", CS_RISK_HIGHER_RISKIER},
    [IND_UTILISATION] = {"utilisation", CS_RISK_HIGHER_RISKIER},
    [IND_EVENT_EXPOSURE] = {"event_exposure", CS_RISK_HIGHER_RISKIER},
    [IND_CRITICALITY] = {"criticality", CS_RISK_HIGHER_RISKIER},
};

double analyst_num(const char *s)
{
    double v;
    cs_err err = {0};

    if (s == NULL || *s == '\0' || cs_parse_double(s, &v, &err) != CS_OK)
        return NAN;
    return v;
}

void analyst_fmt_double(char *buf, size_t buf_bytes, double v,
                        const char *non_finite)
{
    if (!isfinite(v)) {
        snprintf(buf, buf_bytes, "%s", non_finite);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, buf_bytes, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            break;
    }
}

cs_status analyst_pg_error(cs_status rc, cs_err *err, const char *what)
{
    char msg[CS_ERR_MSG_BYTES];

    snprintf(msg, sizeof(msg), "%s", err->msg);
    return cs_err_set(err, rc, "%s: %s", what, msg);
}

int analyst_level_rank(const char *level)
{
    static const char *const names[] = {"blue", "yellow", "orange", "red"};

    for (int i = 0; i < 4; i++)
        if (level != NULL && strcmp(level, names[i]) == 0)
            return i;
    return -1;
}

static int find_ind(const char *name, size_t len)
{
    for (int i = 0; i < IND_N; i++)
        if (strlen(analyst_inds[i].name) == len &&
            memcmp(analyst_inds[i].name, name, len) == 0)
            return i;
    return -1;
}

/* A number field of the configuration, with its default and bounds. */
static cs_status num_field(const PGresult *res, int col, double dflt, double lo,
                           double hi, const char *what, double *out,
                           cs_err *err)
{
    double v = dflt;

    if (!PQgetisnull(res, 0, col)) {
        v = analyst_num(PQgetvalue(res, 0, col));
        if (!isfinite(v))
            return cs_err_set(err, CS_E_CONFIG,
                              "model version: %s is not a number", what);
    }
    if (v < lo || v > hi)
        return cs_err_set(err, CS_E_CONFIG,
                          "model version: %s %g is outside [%g, %g]", what, v,
                          lo, hi);
    *out = v;
    return CS_OK;
}

static const char *str_field(const PGresult *res, int col, const char *dflt)
{
    return PQgetisnull(res, 0, col) ? dflt : PQgetvalue(res, 0, col);
}

static cs_status parse_indicators(const char *list, analyst_model *m,
                                  cs_err *err)
{
    const char *p = list;

    m->n_inds = 0;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        int i = find_ind(p, len);

        if (i < 0)
            return cs_err_set(err, CS_E_CONFIG,
                              "model version: unknown indicator \"%.*s\"",
                              (int)len, p);
        for (size_t k = 0; k < m->n_inds; k++)
            if (m->inds[k] == (analyst_ind)i)
                return cs_err_set(err, CS_E_CONFIG,
                                  "model version: indicator %s listed twice",
                                  analyst_inds[i].name);
        m->inds[m->n_inds++] = (analyst_ind)i;
        p += len;
        if (*p == ',')
            p++;
    }
    if (m->n_inds == 0)
        return cs_err_set(err, CS_E_CONFIG, "model version: no indicators");
    return CS_OK;
}

/* "name=0.2,name=0.1" into m->expert. */
static cs_status parse_expert(const char *list, analyst_model *m, cs_err *err)
{
    const char *p = list;

    for (int i = 0; i < IND_N; i++)
        m->expert[i] = NAN;
    while (*p != '\0') {
        const char *eq = strchr(p, '=');
        const char *end;
        char num[64];
        size_t nlen;
        int i;

        if (eq == NULL)
            break;
        end = strchr(eq, ',');
        nlen = end != NULL ? (size_t)(end - eq - 1) : strlen(eq + 1);
        i = find_ind(p, (size_t)(eq - p));
        if (i < 0 || nlen >= sizeof(num))
            return cs_err_set(err, CS_E_CONFIG,
                              "model version: bad expert weight \"%.*s\"",
                              (int)(eq - p), p);
        memcpy(num, eq + 1, nlen);
        num[nlen] = '\0';
        m->expert[i] = analyst_num(num);
        if (!(m->expert[i] >= 0))
            return cs_err_set(err, CS_E_CONFIG,
                              "model version: expert weight of %s must be a "
                              "non-negative number",
                              analyst_inds[i].name);
        p = end != NULL ? end + 1 : eq + 1 + nlen;
    }
    return CS_OK;
}

static cs_status parse_ahp(const char *list, analyst_model *m, cs_err *err)
{
    size_t n = 0;
    const char *p = list;

    m->has_ahp = false;
    if (*list == '\0')
        return CS_OK;
    while (*p != '\0') {
        char *end = NULL;
        double v = strtod(p, &end);

        if (end == p || n == m->n_inds * m->n_inds || !(v > 0))
            return cs_err_set(err, CS_E_CONFIG,
                              "model version: ahp_pairwise must hold %zu "
                              "positive numbers",
                              m->n_inds * m->n_inds);
        m->ahp[n++] = v;
        p = *end == ',' ? end + 1 : end;
    }
    if (n != m->n_inds * m->n_inds)
        return cs_err_set(err, CS_E_CONFIG,
                          "model version: ahp_pairwise holds %zu numbers, "
                          "need %zu (indicators squared)",
                          n, m->n_inds * m->n_inds);
    m->has_ahp = true;
    return CS_OK;
}

cs_status analyst_model_load(analyst *a, analyst_model *m, cs_err *err)
{
    return analyst_model_load_version(a, 0, m, err);
}

cs_status analyst_model_load_version(analyst *a, uint32_t version,
                                     analyst_model *m, cs_err *err)
{
    char want[16] = "";
    const char *params[] = {want};
    PGresult *res = NULL;
    cs_status rc;
    const char *s;
    double v;
    int64_t ver;
    int rank;

    memset(m, 0, sizeof(*m));
    if (version > 0)
        snprintf(want, sizeof(want), "%u", (unsigned)version);
    rc = cs_pg_run(a->db, "model", 1, params, &res, err);
    if (rc != CS_OK)
        return rc;
    if (PQntuples(res) != 1) {
        rc = version > 0
                 ? cs_err_set(err, CS_E_CONFIG, "no model version %u",
                              (unsigned)version)
                 : cs_err_set(err, CS_E_CONFIG, "no current model version");
        goto out;
    }
    rc = cs_parse_i64(PQgetvalue(res, 0, 0), 1, INT32_MAX, &ver, err);
    if (rc != CS_OK)
        goto out;
    m->version = (int)ver;
#define NUM(col, dflt, lo, hi, what, dst)                                      \
    do {                                                                       \
        rc = num_field(res, col, dflt, lo, hi, what, &v, err);                 \
        if (rc != CS_OK)                                                       \
            goto out;                                                          \
        dst = v;                                                               \
    } while (0)
    NUM(1, 90, 1, 3650, "window_days", m->window_days);
    NUM(2, 14, 1, 365, "event_window_days", m->event_window_days);
    s = str_field(res, 3, "minmax");
    if (strcmp(s, "minmax") == 0) {
        m->norm = CS_RISK_NORM_MINMAX;
    } else if (strcmp(s, "robust_z") == 0) {
        m->norm = CS_RISK_NORM_ROBUST_Z;
    } else {
        rc = cs_err_set(err, CS_E_CONFIG, "model version: normalise \"%s\"", s);
        goto out;
    }
    s = str_field(res, 4, "none");
    if (strcmp(s, "none") == 0) {
        m->peers = PEER_NONE;
    } else if (strcmp(s, "industry") == 0) {
        m->peers = PEER_INDUSTRY;
    } else if (strcmp(s, "region") == 0) {
        m->peers = PEER_REGION;
    } else {
        rc =
            cs_err_set(err, CS_E_CONFIG, "model version: peer_group \"%s\"", s);
        goto out;
    }
    s = str_field(res, 5, "entropy");
    if (strcmp(s, "entropy") == 0) {
        m->weights = WEIGHTS_ENTROPY;
    } else if (strcmp(s, "expert") == 0) {
        m->weights = WEIGHTS_EXPERT;
    } else if (strcmp(s, "blend") == 0) {
        m->weights = WEIGHTS_BLEND;
    } else if (strcmp(s, "ahp") == 0) {
        m->weights = WEIGHTS_AHP;
    } else if (strcmp(s, "ahp_blend") == 0) {
        m->weights = WEIGHTS_AHP_BLEND;
    } else {
        rc = cs_err_set(err, CS_E_CONFIG,
                        "model version: weights method \"%s\"", s);
        goto out;
    }
    NUM(6, 0.5, 0, 1, "weights.alpha", m->alpha);
    NUM(7, 25, 0, 100, "thresholds.yellow", m->thresholds.yellow);
    NUM(8, 50, 0, 100, "thresholds.orange", m->thresholds.orange);
    NUM(9, 75, 0, 100, "thresholds.red", m->thresholds.red);
    if (!(m->thresholds.yellow <= m->thresholds.orange &&
          m->thresholds.orange <= m->thresholds.red)) {
        rc = cs_err_set(err, CS_E_CONFIG,
                        "model version: thresholds must rise yellow <= "
                        "orange <= red");
        goto out;
    }
    rank = analyst_level_rank(str_field(res, 10, "orange"));
    if (rank < 0) {
        rc = cs_err_set(err, CS_E_CONFIG, "model version: alerts.min_level");
        goto out;
    }
    m->alert_min_level = (cs_risk_level)rank;
    NUM(11, 0.05, 0, 100, "alerts.event_min_exposure", m->event_min_exposure);
    NUM(12, 0.5, 0, 1, "criticality.damping", m->crit_damping);
    NUM(13, 6, 1, 50, "criticality.max_tiers", m->crit_max_tiers);
    cs_strlcpy(m->fc_method, str_field(res, 14, "auto"), sizeof(m->fc_method));
    NUM(15, 12, 1, 366, "forecast.period", m->fc_period);
    NUM(16, 6, 1, 60, "forecast.horizon", m->fc_horizon);
    NUM(17, 8, 3, 10000, "forecast.min_points", m->fc_min_points);
    NUM(18, 500, 0, 100000, "forecast.n_sims", m->fc_n_sims);
    NUM(19, 42, 0, 4e9, "forecast.seed", m->fc_seed);
    NUM(20, 0.95, 0.5, 0.9999, "stock.service_level", m->service_level);
    NUM(21, 14, 0, 3650, "stock.default_lead_time_days",
        m->default_lead_time_days);
    NUM(25, 0.9, 0, 100, "event_floor.exposure", m->floor_exposure);
    rank = analyst_level_rank(str_field(res, 26, "orange"));
    if (rank < 0) {
        rc = cs_err_set(err, CS_E_CONFIG, "model version: event_floor.level");
        goto out;
    }
    m->floor_level = (cs_risk_level)rank;
#undef NUM
    rc = parse_indicators(str_field(res, 22, ""), m, err);
    if (rc == CS_OK)
        rc = parse_expert(str_field(res, 23, ""), m, err);
    if (rc == CS_OK)
        rc = parse_ahp(str_field(res, 24, ""), m, err);
    if (rc != CS_OK)
        goto out;
    if ((m->weights == WEIGHTS_AHP || m->weights == WEIGHTS_AHP_BLEND) &&
        !m->has_ahp) {
        rc = cs_err_set(err, CS_E_CONFIG,
                        "model version: weights method ahp needs "
                        "weights.ahp_pairwise");
        goto out;
    }
    if ((m->weights == WEIGHTS_AHP || m->weights == WEIGHTS_AHP_BLEND) &&
        m->n_inds > CS_RISK_AHP_MAX_N) {
        rc = cs_err_set(err, CS_E_CONFIG,
                        "model version: AHP takes at most %d indicators, "
                        "%zu configured",
                        CS_RISK_AHP_MAX_N, m->n_inds);
        goto out;
    }
out:
    PQclear(res);
    return rc;
}
