/* v1_forecasts.c - demand forecasts with stock recommendations, the
 * sector and region forecasts, and the risk events in view. An
 * enterprise's forecasts derive from its sales, so, like sales, only admin
 * and the enterprise itself read them; the aggregates (sums over many
 * sellers) follow forecast_aggregates' policy: regions for admin and the
 * bureaus covering them, industry divisions for every reading role. */
#include "api_int.h"

#include <stdio.h>
#include <string.h>

#include "cs_str.h"

#define SKU_MAX_BYTES 100

/* GET /v1/forecasts[?enterprise=&product=&limit=&history_months=] */
void api_forecasts(api_req *r, const char *rest)
{
    static const char *const known[] = {"enterprise", "product", "limit",
                                        "history_months", NULL};
    const char *enterprise = cs_http_query(r->http, "enterprise");
    const char *product = cs_http_query(r->http, "product");
    int64_t limit = 100, months = 24;
    char limit_txt[16], months_txt[16];
    const char *params[4];

    (void)rest;
    if (!api_params_known(r, known) ||
        (enterprise != NULL && !api_check_uscc(r, enterprise, "enterprise")) ||
        !api_param_int(r, "limit", 1, 500, &limit) ||
        !api_param_int(r, "history_months", 0, 120, &months))
        return;
    if (product != NULL && !api_valid_text(product, SKU_MAX_BYTES, true)) {
        cs_http_error(r->resp, 400, "invalid", "product",
                      "product must be 1-%d bytes of UTF-8 without control "
                      "characters",
                      SKU_MAX_BYTES);
        return;
    }
    (void)snprintf(limit_txt, sizeof(limit_txt), "%lld", (long long)limit);
    (void)snprintf(months_txt, sizeof(months_txt), "%lld", (long long)months);
    params[0] = enterprise;
    params[1] = product;
    params[2] = limit_txt;
    params[3] = months_txt;
    (void)api_reply_sql_json(r, "forecast_list", 4, params, NULL,
                             "no forecasts");
}

/* GET /v1/forecast-aggregates[?kind=&key=] */
void api_forecast_aggregates(api_req *r, const char *rest)
{
    static const char *const known[] = {"kind", "key", NULL};
    static const char *const kinds[] = {"province", "city", "industry_division",
                                        NULL};
    const char *kind = NULL, *key = cs_http_query(r->http, "key");
    const char *params[2];

    (void)rest;
    if (!api_params_known(r, known) || !api_param_enum(r, "kind", kinds, &kind))
        return;
    if (key != NULL && !api_valid_text(key, 16, true)) {
        cs_http_error(r->resp, 400, "invalid", "key",
                      "key must be a region code or an industry division "
                      "(1-16 bytes of UTF-8 without control characters)");
        return;
    }
    params[0] = kind;
    params[1] = key;
    (void)api_reply_sql_json(r, "forecast_aggregate_list", 2, params, NULL,
                             "no forecasts");
}

/* GET /v1/risk-events[?region=&kind=&until=] */
void api_risk_events(api_req *r, const char *rest)
{
    static const char *const known[] = {"region", "kind", "until", NULL};
    static const char *const kinds[] = {"flood",     "fire",     "power_cut",
                                        "logistics", "sanction", "financial",
                                        "quality",   "labour",   NULL};
    const char *region = NULL, *kind = NULL;
    const char *until = cs_http_query(r->http, "until");
    const char *params[3];

    (void)rest;
    if (!api_params_known(r, known) ||
        !api_param_region(r, "region", &region) ||
        !api_param_enum(r, "kind", kinds, &kind))
        return;
    if (until != NULL && !api_valid_date(until)) {
        cs_http_error(r->resp, 400, "invalid", "until",
                      "until must be a date YYYY-MM-DD (2000-2099)");
        return;
    }
    params[0] = region;
    params[1] = kind;
    params[2] = until;
    (void)api_reply_sql_json(r, "risk_event_list", 3, params, NULL,
                             "no events");
}
