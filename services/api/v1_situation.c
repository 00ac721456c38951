/* v1_situation.c - the industry-chain graph and the situation view
 * (态势感知): what a bureau's cockpit draws. One statement each
 * (api_sql.c); volumes and production / order / sales indices come from
 * SECURITY DEFINER functions of migration 0040 that apply the scope
 * themselves and return only sums. */
#include "api_int.h"

#include <stdio.h>
#include <string.h>

#include "cs_str.h"

#define FOCAL_DEFAULT 500
#define FOCAL_MAX     2000
#define NODES_DEFAULT 2000
#define NODES_MAX     20000

/* GET /v1/chains?region=&industry=&up=&down=&limit=&volume_days=&max_nodes=
 * (max_nodes: a province-wide graph ran to megabytes and tens of
 * seconds; the nearest tiers are kept) */
void api_chains(api_req *r, const char *rest)
{
    static const char *const known[] = {"region",    "industry", "up",
                                        "down",      "limit",    "volume_days",
                                        "max_nodes", NULL};
    const char *region = NULL, *industry = NULL;
    int64_t up = 2, down = 1, limit = FOCAL_DEFAULT, days = 90;
    int64_t max_nodes = NODES_DEFAULT;
    char up_txt[16], down_txt[16], limit_txt[16], days_txt[16], nodes_txt[16];
    const char *params[7];

    (void)rest;
    if (!api_params_known(r, known) ||
        !api_param_region(r, "region", &region) ||
        !api_param_industry(r, "industry", &industry) ||
        !api_param_int(r, "up", 0, 6, &up) ||
        !api_param_int(r, "down", 0, 6, &down) ||
        !api_param_int(r, "limit", 1, FOCAL_MAX, &limit) ||
        !api_param_int(r, "volume_days", 1, 730, &days) ||
        !api_param_int(r, "max_nodes", 1, NODES_MAX, &max_nodes))
        return;
    if (region == NULL && industry == NULL) {
        cs_http_error(r->resp, 400, "invalid", "industry",
                      "a chain needs region or industry (or both)");
        return;
    }
    (void)snprintf(up_txt, sizeof(up_txt), "%lld", (long long)up);
    (void)snprintf(down_txt, sizeof(down_txt), "%lld", (long long)down);
    (void)snprintf(limit_txt, sizeof(limit_txt), "%lld", (long long)limit);
    (void)snprintf(days_txt, sizeof(days_txt), "%lld", (long long)days);
    (void)snprintf(nodes_txt, sizeof(nodes_txt), "%lld", (long long)max_nodes);
    params[0] = region;
    params[1] = industry;
    params[2] = up_txt;
    params[3] = down_txt;
    params[4] = limit_txt;
    params[5] = days_txt;
    params[6] = nodes_txt;
    (void)api_reply_sql_json(r, "chain_graph", 7, params, NULL, "no chain");
}

/* A calendar date YYYY-MM-DD between 2000 and 2099. */
bool api_valid_date(const char *s)
{
    int64_t y, m, d;
    char buf[5];
    cs_err err = {0};
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    memcpy(buf, s, 4);
    buf[4] = '\0';
    if (cs_parse_i64(buf, 2000, 2099, &y, &err) != CS_OK)
        return false;
    memcpy(buf, s + 5, 2);
    buf[2] = '\0';
    if (cs_parse_i64(buf, 1, 12, &m, &err) != CS_OK)
        return false;
    memcpy(buf, s + 8, 2);
    buf[2] = '\0';
    if (cs_parse_i64(buf, 1, mdays[m - 1], &d, &err) != CS_OK)
        return false;
    return !(m == 2 && d == 29 &&
             (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)));
}

/* GET /v1/situation?region=&period=week|month&periods=&until= */
void api_situation(api_req *r, const char *rest)
{
    static const char *const known[] = {"region", "period", "periods", "until",
                                        NULL};
    static const char *const periods_v[] = {"week", "month", NULL};
    const char *region = NULL, *period = "month";
    const char *until = cs_http_query(r->http, "until");
    int64_t n = 12;
    char n_txt[16];
    const char *params[4];

    (void)rest;
    if (!api_params_known(r, known) ||
        !api_param_region(r, "region", &region) ||
        !api_param_enum(r, "period", periods_v, &period) ||
        !api_param_int(r, "periods", 1, 104, &n))
        return;
    if (until != NULL && !api_valid_date(until)) {
        cs_http_error(r->resp, 400, "invalid", "until",
                      "until must be a date YYYY-MM-DD (2000-2099)");
        return;
    }
    (void)snprintf(n_txt, sizeof(n_txt), "%lld", (long long)n);
    params[0] = region;
    params[1] = period;
    params[2] = n_txt;
    params[3] = until;
    (void)api_reply_sql_json(r, "situation", 4, params, NULL, "no situation");
}
