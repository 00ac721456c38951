/* v1_risk.c - risk reads: an enterprise's score with its components,
 * explanation and history; its suppliers and customers by tier; top
 * risks in scope; region and industry roll-ups. The JSON is built by
 * PostgreSQL in one statement per request (api_sql.c), inside the
 * transaction api_begin opened with the principal set, so row-level
 * security decides what exists. */
#include "api_int.h"

#include <stdio.h>
#include <string.h>

#include "cs_ident.h"

#define HISTORY_DAYS_DEFAULT 90
#define HISTORY_DAYS_MAX     730
#define MAX_TIERS            6
#define TIER_PAGE_DEFAULT    500
#define TIER_PAGE_MAX        2000
#define TOP_DEFAULT          20
#define TOP_MAX              200

static void enterprise_risk(api_req *r, const char *uscc)
{
    static const char *const known[] = {"days", NULL};
    int64_t days = HISTORY_DAYS_DEFAULT;
    char days_txt[16], nf[96];
    const char *params[2];

    if (!api_params_known(r, known) ||
        !api_param_int(r, "days", 1, HISTORY_DAYS_MAX, &days))
        return;
    (void)snprintf(days_txt, sizeof(days_txt), "%lld", (long long)days);
    (void)snprintf(nf, sizeof(nf), "no enterprise %s in your scope", uscc);
    params[0] = uscc;
    params[1] = days_txt;
    (void)api_reply_sql_json(r, "enterprise_risk", 2, params, "uscc", nf);
}

/* ?tier=N (exactly) or ?max_tier=N (1..N, default 3); ?limit. */
static void enterprise_tiers(api_req *r, const char *uscc, bool suppliers)
{
    static const char *const known[] = {"tier", "max_tier", "limit", NULL};
    int64_t tier = 0, max_tier = 3, limit = TIER_PAGE_DEFAULT;
    char min_txt[24], max_txt[24], limit_txt[24], nf[96];
    const char *params[4];

    if (!api_params_known(r, known) ||
        !api_param_int(r, "tier", 1, MAX_TIERS, &tier) ||
        !api_param_int(r, "max_tier", 1, MAX_TIERS, &max_tier) ||
        !api_param_int(r, "limit", 1, TIER_PAGE_MAX, &limit))
        return;
    if (tier > 0 && cs_http_query(r->http, "max_tier") != NULL) {
        cs_http_error(r->resp, 400, "invalid", "max_tier",
                      "give tier (one tier) or max_tier (tiers 1 to N), "
                      "not both");
        return;
    }
    if (tier > 0)
        max_tier = tier;
    (void)snprintf(min_txt, sizeof(min_txt), "%lld",
                   (long long)(tier > 0 ? tier : 1));
    (void)snprintf(max_txt, sizeof(max_txt), "%lld", (long long)max_tier);
    (void)snprintf(limit_txt, sizeof(limit_txt), "%lld", (long long)limit);
    (void)snprintf(nf, sizeof(nf), "no enterprise %s in your scope", uscc);
    params[0] = uscc;
    params[1] = min_txt;
    params[2] = max_txt;
    params[3] = limit_txt;
    (void)api_reply_sql_json(
        r, suppliers ? "enterprise_suppliers" : "enterprise_customers", 4,
        params, "uscc", nf);
}

void api_enterprise_sub(api_req *r, const char *code, size_t code_len,
                        const char *sub)
{
    char uscc[CS_USCC_LEN + 1];

    if (code_len != CS_USCC_LEN) {
        cs_http_error(r->resp, 400, "invalid", "uscc",
                      "not a unified social credit code: it has %zu "
                      "characters, not %d",
                      code_len, CS_USCC_LEN);
        return;
    }
    memcpy(uscc, code, CS_USCC_LEN);
    uscc[CS_USCC_LEN] = '\0';
    if (strcmp(sub, "risk") == 0) {
        if (api_check_uscc(r, uscc, "uscc"))
            enterprise_risk(r, uscc);
    } else if (strcmp(sub, "suppliers") == 0 || strcmp(sub, "customers") == 0) {
        if (api_check_uscc(r, uscc, "uscc"))
            enterprise_tiers(r, uscc, sub[0] == 's');
    } else if (strcmp(sub, "alternatives") == 0) {
        if (api_check_uscc(r, uscc, "uscc"))
            api_enterprise_alternatives(r, uscc);
    } else {
        cs_http_error(r->resp, 404, "not_found", NULL,
                      "no such path %s; an enterprise has risk, suppliers, "
                      "customers and alternatives",
                      r->http->path);
    }
}

/* GET /v1/risk/top: the highest current scores in scope. */
static void risk_top(api_req *r)
{
    static const char *const known[] = {"region", "industry", "level", "limit",
                                        NULL};
    const char *region = NULL, *industry = NULL, *level = NULL;
    int64_t limit = TOP_DEFAULT;
    char limit_txt[16];
    const char *params[4];

    if (!api_params_known(r, known) ||
        !api_param_region(r, "region", &region) ||
        !api_param_industry(r, "industry", &industry) ||
        !api_param_enum(r, "level", api_levels, &level) ||
        !api_param_int(r, "limit", 1, TOP_MAX, &limit))
        return;
    (void)snprintf(limit_txt, sizeof(limit_txt), "%lld", (long long)limit);
    params[0] = region;
    params[1] = industry;
    params[2] = level;
    params[3] = limit_txt;
    (void)api_reply_sql_json(r, "risk_top", 4, params, NULL, "no scores");
}

/* GET /v1/risk/regions[?region=&days=] and /v1/risk/industries
 * [?industry=&days=]: the newest roll-up of every key in scope; with a
 * key, that key alone and its daily history. */
static void risk_aggregates(api_req *r, bool regions)
{
    static const char *const known_r[] = {"region", "days", NULL};
    static const char *const known_i[] = {"industry", "days", NULL};
    const char *field = regions ? "region" : "industry";
    const char *key = NULL;
    int64_t days = HISTORY_DAYS_DEFAULT;
    char days_txt[16], nf[96];
    const char *params[3];

    if (!api_params_known(r, regions ? known_r : known_i) ||
        !api_param_int(r, "days", 1, HISTORY_DAYS_MAX, &days))
        return;
    if (regions) {
        if (!api_param_region(r, "region", &key))
            return;
        if (key != NULL && strcmp(key + 4, "00") != 0) {
            cs_http_error(r->resp, 400, "invalid", "region",
                          "regions are rolled up to provinces (330000) and "
                          "cities (330100), not districts");
            return;
        }
    } else {
        if (!api_param_industry(r, "industry", &key))
            return;
        if (key != NULL && strlen(key) != 1 && strlen(key) != 3) {
            cs_http_error(r->resp, 400, "invalid", "industry",
                          "industries are rolled up to sections (C) and "
                          "divisions (C36), not groups or classes");
            return;
        }
    }
    (void)snprintf(days_txt, sizeof(days_txt), "%lld", (long long)days);
    (void)snprintf(nf, sizeof(nf), "no %s roll-up %s in your scope", field,
                   key != NULL ? key : "");
    params[0] =
        regions ? "{province,city}" : "{industry_section,industry_division}";
    params[1] = key;
    params[2] = days_txt;
    (void)api_reply_sql_json(r, "risk_aggregates", 3, params, field, nf);
}

void api_risk(api_req *r, const char *rest)
{
    if (strcmp(rest, "top") == 0)
        risk_top(r);
    else if (strcmp(rest, "regions") == 0)
        risk_aggregates(r, true);
    else if (strcmp(rest, "industries") == 0)
        risk_aggregates(r, false);
    else
        cs_http_error(r->resp, 404, "not_found", NULL,
                      "no such path %s; risk has top, regions and industries",
                      r->http->path);
}

/* GET /v1/enterprises/{uscc}/alternatives: the analyst's ranked
 * alternative suppliers for the enterprise's weak links, with reasons. */
void api_enterprise_alternatives(api_req *r, const char *uscc)
{
    static const char *const none[] = {NULL};
    const char *params[1] = {uscc};
    char nf[96];

    if (!api_params_known(r, none))
        return;
    (void)snprintf(nf, sizeof(nf), "no enterprise %s in your scope", uscc);
    (void)api_reply_sql_json(r, "enterprise_alternatives", 1, params, "uscc",
                             nf);
}
