/* sim_scenario.c - disruption specs: "KIND:TARGET[:key=value]..." from
 * the command line, or a JSON object from POST /scenarios, into a
 * checked cs_sim_scenario with the kind's defaults filled in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_str.h"
#include "sim_int.h"

static const struct {
    const char *name;
    cs_sim_kind kind;
    uint32_t days, severity;
    double factor;
} kinds[] = {
    {"flood", CS_SIM_FLOOD, 7, 4, 1.0},
    {"power_cut", CS_SIM_POWER_CUT, 5, 3, 1.0},
    {"bankruptcy", CS_SIM_BANKRUPTCY, 0, 5, 1.0},
    {"demand", CS_SIM_DEMAND, 30, 3, 1.5},
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static cs_status set_kind(const char *name, size_t len, cs_sim_scenario *sc,
                          cs_err *err)
{
    for (size_t i = 0; i < N_KINDS; i++) {
        if (strlen(kinds[i].name) == len &&
            memcmp(kinds[i].name, name, len) == 0) {
            sc->kind = kinds[i].kind;
            sc->days = kinds[i].days;
            sc->severity = kinds[i].severity;
            sc->factor = kinds[i].factor;
            sc->day = -1;
            return CS_OK;
        }
    }
    if (len == 9 && memcmp(name, "power-cut", 9) == 0)
        return set_kind("power_cut", 9, sc, err);
    return cs_err_set(err, CS_E_INVALID,
                      "scenario kind \"%.*s\" is not flood, power_cut, "
                      "bankruptcy or demand",
                      (int)(len > 32 ? 32 : len), name);
}

static cs_status set_target(const char *t, size_t len, cs_sim_scenario *sc,
                            cs_err *err)
{
    size_t digits = strspn(t, "0123456789");

    if (len == 0 || len >= sizeof(sc->target))
        return cs_err_set(err, CS_E_INVALID,
                          "scenario target must be 1-%zu "
                          "bytes",
                          sizeof(sc->target) - 1);
    switch (sc->kind) {
    case CS_SIM_FLOOD:
    case CS_SIM_POWER_CUT:
        if (digits < len || len < 2 || len > 6 || (len < 6 && len % 2 != 0))
            return cs_err_set(err, CS_E_INVALID,
                              "scenario target must be a region code prefix "
                              "of 2, 4 or 6 digits (e.g. 3301)");
        break;
    case CS_SIM_BANKRUPTCY:
        if (!(len == 4 && memcmp(t, "auto", 4) == 0) &&
            cs_uscc_validate(t, len, err) != CS_OK)
            return cs_err_set(err, CS_E_INVALID,
                              "scenario target must be "
                              "\"auto\" or a valid credit code");
        break;
    case CS_SIM_DEMAND: {
        bool ok = (len == 3 && memcmp(t, "all", 3) == 0);
        for (size_t i = 0; i < SIM_N_CHAINS && !ok; i++)
            ok = strlen(cs__sim_chains[i].name) == len &&
                 memcmp(cs__sim_chains[i].name, t, len) == 0;
        if (!ok)
            return cs_err_set(err, CS_E_INVALID,
                              "scenario target must be "
                              "nev, electronics, textiles or all");
        break;
    }
    }
    memcpy(sc->target, t, len);
    sc->target[len] = '\0';
    return CS_OK;
}

static cs_status set_param(const char *key, const char *val,
                           cs_sim_scenario *sc, cs_err *err)
{
    int64_t v;

    if (strcmp(key, "factor") == 0) {
        if (cs_parse_double(val, &sc->factor, err) != CS_OK ||
            !(sc->factor >= 0 && sc->factor <= 10))
            return cs_err_set(err, CS_E_INVALID,
                              "scenario factor must be a number 0-10");
        return CS_OK;
    }
    if (cs_parse_i64(val, 0, 3650, &v, err) != CS_OK)
        return cs_err_set(err, CS_E_INVALID,
                          "scenario %s must be an integer "
                          "0-3650",
                          key);
    if (strcmp(key, "day") == 0)
        sc->day = (int32_t)v;
    else if (strcmp(key, "days") == 0)
        sc->days = (uint32_t)v;
    else if (strcmp(key, "severity") == 0 && v >= 1 && v <= 5)
        sc->severity = (uint32_t)v;
    else
        return cs_err_set(err, CS_E_INVALID,
                          "scenario parameter \"%s\" is "
                          "not day, days, severity (1-5) or factor",
                          key);
    return CS_OK;
}

static cs_status finish(cs_sim_scenario *sc, cs_err *err)
{
    if (sc->kind != CS_SIM_BANKRUPTCY && sc->days == 0)
        return cs_err_set(err, CS_E_INVALID, "scenario days must be positive");
    if (sc->kind == CS_SIM_BANKRUPTCY)
        sc->days = 0;
    return CS_OK;
}

cs_status cs_sim_scenario_parse(const char *spec, cs_sim_scenario *out,
                                cs_err *err)
{
    char buf[CS_SIM_SPEC_BYTES], *save = NULL, *tok;
    cs_status rc;

    memset(out, 0, sizeof(*out));
    if (cs_strlcpy(buf, spec, sizeof(buf)) >= sizeof(buf))
        return cs_err_set(err, CS_E_INVALID,
                          "scenario spec longer than %zu "
                          "bytes",
                          sizeof(buf) - 1);
    tok = strtok_r(buf, ":", &save);
    if (tok == NULL)
        return cs_err_set(err, CS_E_INVALID, "empty scenario spec");
    rc = set_kind(tok, strlen(tok), out, err);
    if (rc != CS_OK)
        return rc;
    tok = strtok_r(NULL, ":", &save);
    if (tok == NULL)
        return cs_err_set(err, CS_E_INVALID,
                          "scenario \"%s\" needs a target "
                          "(KIND:TARGET)",
                          spec);
    rc = set_target(tok, strlen(tok), out, err);
    while (rc == CS_OK && (tok = strtok_r(NULL, ":", &save)) != NULL) {
        char *eq = strchr(tok, '=');
        if (eq == NULL)
            return cs_err_set(err, CS_E_INVALID,
                              "scenario parameter \"%s\" "
                              "is not key=value",
                              tok);
        *eq = '\0';
        rc = set_param(tok, eq + 1, out, err);
    }
    return rc == CS_OK ? finish(out, err) : rc;
}

cs_status cs_sim_scenario_from_json(const cs_jval *obj, cs_sim_scenario *out,
                                    cs_err *err)
{
    static const char *const params[] = {"day", "days", "severity", "factor"};
    const cs_jval *v;
    cs_status rc;

    if (obj == NULL || obj->type != CS_J_OBJECT)
        return cs_err_set(err, CS_E_INVALID, "body must be a JSON object");
    v = cs_json_get(obj, "spec");
    if (v != NULL) {
        if (v->type != CS_J_STRING)
            return cs_err_set(err, CS_E_INVALID, "spec must be a string");
        return cs_sim_scenario_parse(v->text, out, err);
    }
    memset(out, 0, sizeof(*out));
    v = cs_json_get(obj, "kind");
    if (v == NULL || v->type != CS_J_STRING)
        return cs_err_set(err, CS_E_INVALID, "kind: a string is required");
    rc = set_kind(v->text, v->len, out, err);
    if (rc != CS_OK)
        return rc;
    v = cs_json_get(obj, "target");
    if (v == NULL || v->type != CS_J_STRING)
        return cs_err_set(err, CS_E_INVALID, "target: a string is required");
    rc = set_target(v->text, v->len, out, err);
    for (size_t i = 0; rc == CS_OK && i < 4; i++) {
        v = cs_json_get(obj, params[i]);
        if (v == NULL)
            continue;
        if (v->type != CS_J_NUMBER)
            return cs_err_set(err, CS_E_INVALID, "%s: must be a number",
                              params[i]);
        rc = set_param(params[i], v->text, out, err);
    }
    return rc == CS_OK ? finish(out, err) : rc;
}

void cs_sim_scenario_format(const cs_sim_scenario *sc, char *buf,
                            size_t buf_bytes)
{
    const char *kind = "flood";
    for (size_t i = 0; i < N_KINDS; i++)
        if (kinds[i].kind == sc->kind)
            kind = kinds[i].name;
    snprintf(buf, buf_bytes, "%s:%s:day=%d:days=%u:severity=%u:factor=%.2f",
             kind, sc->target, sc->day, sc->days, sc->severity, sc->factor);
}
