/* routes.c - request dispatch of cs-api. /healthz, /readyz and /metrics
 * are open; every /v1 route needs a bearer token, a role allowed on the
 * route and room in the token's rate limit, and runs in a read-only
 * transaction with the principal set for row-level security. Errors are
 * RFC 9457 problem+json; denials and writes are audited. */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs_intake.h"
#include "cs_json.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_service.h"
#include "cs_str.h"

#define ROLES_READERS (API_ROLE_ADMIN | API_ROLE_BUREAU | API_ROLE_ENTERPRISE)
/* Orders and identifier traces carry line items: never for bureaus. */
#define ROLES_PARTIES (API_ROLE_ADMIN | API_ROLE_ENTERPRISE)

/* The handler takes any method, checks it and runs its own transactions
 * (writes); other routes are GET/HEAD in one read-only transaction. */
#define ROUTE_OWN_TX (1u << 16)

typedef struct api_route {
    const char *path; /* exact path, or a prefix ending in '/' */
    bool is_prefix;   /* rest after the prefix must not be empty */
    unsigned roles;   /* API_ROLE_* allowed, and ROUTE_OWN_TX */
    api_route_fn fn;
} api_route;

static const api_route v1_routes[] = {
    {"/v1/orders/", true, ROLES_PARTIES, api_get_order},
    {"/v1/enterprises", false, ROLES_READERS, api_list_enterprises},
    {"/v1/enterprises/", true, ROLES_READERS, api_get_enterprise},
    {"/v1/resolve/", true, ROLES_PARTIES, api_resolve},
    {"/v1/events", false, API_ROLE_CONNECTOR | ROUTE_OWN_TX, api_post_events},
    {"/v1/webhooks", false, ROLES_READERS | ROUTE_OWN_TX, api_webhooks_route},
    {"/v1/webhooks/", true, ROLES_READERS | ROUTE_OWN_TX, api_webhooks_route},
    {"/v1/risk/", true, ROLES_READERS, api_risk},
    {"/v1/chains", false, ROLES_READERS, api_chains},
    {"/v1/situation", false, ROLES_READERS, api_situation},
    {"/v1/alerts", false, ROLES_READERS | ROUTE_OWN_TX, api_alerts_route},
    {"/v1/alerts/", true, ROLES_READERS | ROUTE_OWN_TX, api_alerts_route},
    {"/v1/scenarios", false, ROLES_READERS | ROUTE_OWN_TX, api_scenarios_route},
    {"/v1/scenarios/", true, ROLES_READERS | ROUTE_OWN_TX, api_scenarios_route},
    {"/v1/forecasts", false, ROLES_READERS, api_forecasts},
    {"/v1/forecast-aggregates", false, ROLES_READERS, api_forecast_aggregates},
    {"/v1/risk-events", false, ROLES_READERS, api_risk_events},
    {"/v1/me", false, ROLES_READERS, api_get_me},
};

void api_reply_gen(cs_http_resp *resp, unsigned status, yajl_gen g)
{
    const unsigned char *buf;
    size_t len;

    yajl_gen_get_buf(g, &buf, &len);
    cs_http_set_body(resp, status, "application/json", (const char *)buf, len);
}

/* A database failure seen by a handler: 503 when it may pass (or the
 * statement timed out), 400 when the database refused a value as data
 * (SQLSTATE class 22: handlers validate first, this is the backstop so
 * bad input never gets a 500), else 500. */
void api_db_failure(api_req *r, const cs_err *err)
{
    api *a = r->a;
    cs_http_resp *resp = r->resp;

    cs_metric_add(&a->stats.db_errors, 1);
    cs_log_warn("database error", CS_KV_STR("error", err->msg));
    if (strstr(err->msg, "(57014)") != NULL) { /* statement_timeout */
        r->db_timeout = true;
        cs_http_error(resp, 503, "unavailable", NULL,
                      "the query took longer than %u ms, retry later",
                      a->cfg->statement_timeout_ms);
        resp->retry_after = "2";
    } else if (err->code == CS_E_INVALID) {
        cs_http_error(resp, 400, "invalid", NULL,
                      "the request holds a value the database cannot take");
    } else if (cs_status_retryable(err->code)) {
        cs_http_error(resp, 503, "unavailable", NULL,
                      "the database is not reachable, retry later");
        resp->retry_after = "2";
    } else {
        cs_http_error(resp, 500, "internal", NULL, "internal error");
    }
}

static void get_ready(api *a, cs_http_resp *resp)
{
    cs_err err = {0};
    cs_pg *db = api_pool_acquire(&a->pool, a->cfg->pool_wait_ms, &err);
    static const char ok[] = "{\"status\":\"ready\"}";

    if (db == NULL || cs_pg_run(db, "ping", 0, NULL, NULL, &err) != CS_OK) {
        cs_http_error(resp, 503, "unavailable", NULL, "database: %s", err.msg);
        resp->retry_after = "2";
    } else if (a->intake != NULL &&
               cs_intake_ping(a->intake, 2000, &err) != CS_OK) {
        /* POST /v1/events and the webhooks need the broker */
        cs_http_error(resp, 503, "unavailable", NULL, "kafka: %s", err.msg);
        resp->retry_after = "2";
    } else {
        cs_http_set_body(resp, 200, "application/json", ok, strlen(ok));
    }
    if (db != NULL)
        api_pool_release(&a->pool, db);
}

static bool get_ops(api *a, const cs_http_req *req, cs_http_resp *resp)
{
    static _Atomic uint64_t zero; /* counters of parts that are off */
    cs_intake_stats *is = a->intake ? cs_intake_stats_of(a->intake) : NULL;
#define REQS "HTTP requests answered, by status class"
    const cs_metric m[] = {
        {"cs_api_requests_total", REQS, CS_METRIC_COUNTER, "code=\"2xx\"",
         &a->stats.req_2xx},
        {"cs_api_requests_total", REQS, CS_METRIC_COUNTER, "code=\"4xx\"",
         &a->stats.req_4xx},
        {"cs_api_requests_total", REQS, CS_METRIC_COUNTER, "code=\"5xx\"",
         &a->stats.req_5xx},
        {"cs_api_pool_timeouts_total",
         "requests that found no free database connection in time",
         CS_METRIC_COUNTER, NULL, &a->stats.pool_timeouts},
        {"cs_api_db_errors_total", "database errors seen by handlers",
         CS_METRIC_COUNTER, NULL, &a->stats.db_errors},
        {"cs_api_auth_failures_total",
         "requests refused for a missing, malformed, unknown or revoked token",
         CS_METRIC_COUNTER, NULL, &a->stats.auth_failures},
        {"cs_api_forbidden_total",
         "requests refused because the role may not use the route",
         CS_METRIC_COUNTER, NULL, &a->stats.forbidden},
        {"cs_api_rate_limited_total",
         "requests refused by the per-token rate limit", CS_METRIC_COUNTER,
         NULL, &a->stats.rate_limited},
        {"cs_api_audit_failures_total", "audit rows that could not be written",
         CS_METRIC_COUNTER, NULL, &a->stats.audit_failures},
        {"cs_api_events_total",
         "events of POST /v1/events acknowledged by the broker",
         CS_METRIC_COUNTER, NULL, a->intake ? &is->events : &zero},
        {"cs_api_events_unavailable_total",
         "POST /v1/events answered 503: the broker did not acknowledge",
         CS_METRIC_COUNTER, NULL, a->intake ? &is->unavailable : &zero},
#define HOOKS "webhook delivery attempts, by outcome"
        {"cs_api_webhook_attempts_total", HOOKS, CS_METRIC_COUNTER,
         "outcome=\"delivered\"", &a->stats.webhook_delivered},
        {"cs_api_webhook_attempts_total", HOOKS, CS_METRIC_COUNTER,
         "outcome=\"retry\"", &a->stats.webhook_retried},
        {"cs_api_webhook_attempts_total", HOOKS, CS_METRIC_COUNTER,
         "outcome=\"failed\"", &a->stats.webhook_failed},
#undef HOOKS
        {"cs_api_cache_hits_total", "reads answered from the cache",
         CS_METRIC_COUNTER, NULL, api_cache_counter(a->cache, API_CACHE_HITS)},
        {"cs_api_cache_misses_total",
         "cacheable reads that went to the database", CS_METRIC_COUNTER, NULL,
         api_cache_counter(a->cache, API_CACHE_MISSES)},
        {"cs_api_cache_stale_hits_total",
         "reads answered from an expired entry while it was read again",
         CS_METRIC_COUNTER, NULL, api_cache_counter(a->cache, API_CACHE_STALE)},
        {"cs_api_cache_refreshes_total",
         "expired entries read again by a background thread", CS_METRIC_COUNTER,
         NULL, api_cache_counter(a->cache, API_CACHE_REFRESHES)},
        {"cs_api_token_cache_hits_total",
         "requests whose token was verified from memory", CS_METRIC_COUNTER,
         NULL, api_tokens_counter(a->tokens, true)},
        {"cs_api_token_cache_misses_total",
         "requests whose token was looked up in the database",
         CS_METRIC_COUNTER, NULL, api_tokens_counter(a->tokens, false)},
    };
#undef REQS

    return cs_service_ops(req, resp, m, sizeof(m) / sizeof(m[0]));
}

static const api_route *find_route(const char *path, const char **rest)
{
    for (size_t i = 0; i < sizeof(v1_routes) / sizeof(v1_routes[0]); i++) {
        const api_route *rt = &v1_routes[i];
        size_t n = strlen(rt->path);
        if (rt->is_prefix && strncmp(path, rt->path, n) == 0 &&
            path[n] != '\0') {
            *rest = path + n;
            return rt;
        }
        if (!rt->is_prefix && strcmp(path, rt->path) == 0) {
            *rest = "";
            return rt;
        }
    }
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool api_req_db(api_req *r)
{
    cs_err err = {0};

    if (r->db != NULL)
        return true;
    r->db = api_pool_acquire(&r->a->pool, r->a->cfg->pool_wait_ms, &err);
    if (r->db == NULL) {
        if (err.code == CS_E_TIMEOUT)
            cs_metric_add(&r->a->stats.pool_timeouts, 1);
        api_db_failure(r, &err);
        return false;
    }
    r->db_own = true;
    return true;
}

/* Tells the client its read goes on in the background (503). */
static void read_later(api_req *r)
{
    cs_http_error(r->resp, 503, "unavailable", NULL,
                  "the answer takes longer than %u ms to read: it is "
                  "being read in the background, retry in a few seconds",
                  r->a->cfg->statement_timeout_ms);
    r->resp->retry_after = "5";
}

/* A read of an authorised GET route: from the cache, or in one read-only
 * transaction with the principal set (then kept in the cache). */
static void run_read(api_req *r, const api_route *rt, const char *rest)
{
    cs_err err = {0};

    if (api_cache_get(r->a->cache, r))
        return; /* a fresh (or briefly stale) answer to this token and URL */
    if (api_cache_pending(r->a->cache, r)) {
        read_later(r); /* not read twice: it timed out once already */
        return;
    }
    if (!api_req_db(r))
        return;
    if (api_begin(r, &err) != CS_OK) {
        api_db_failure(r, &err);
        return;
    }
    rt->fn(r, rest);
    api_end(r);
    /* too slow for a request: read again by a background thread, whose
     * statements may run for api.refresh_timeout_ms, and kept; the client
     * is told to come back */
    if (r->db_timeout && api_cache_background(r->a->cache, r)) {
        read_later(r);
        return;
    }
    api_cache_put(r->a->cache, r);
}

void api_read_again(api *a, cs_pg *db, api_principal *who, const char *path,
                    const char *const *args)
{
    cs_http_req req = {.method = "GET", .path = path, .body = "", .args = args};
    cs_http_resp resp = {.status = 500,
                         .content_type = "application/problem+json"};
    api_req r = {.a = a, .http = &req, .resp = &resp, .db = db};
    const char *rest = "";
    const api_route *rt = find_route(path, &rest);

    (void)snprintf(r.client, sizeof(r.client), "refresh");
    if (rt != NULL && (rt->roles & ROUTE_OWN_TX) == 0) {
        cs_err err = {0};
        api_req_set_principal(&r, who);
        r.cache_gen = api_cache_generation(a->cache);
        if (api_begin(&r, &err) == CS_OK) {
            rt->fn(&r, rest);
            api_end(&r);
            api_cache_put(a->cache, &r);
        } else {
            cs_log_warn("cache refresh failed", CS_KV_STR("path", path),
                        CS_KV_STR("error", err.msg));
        }
        api_principal_unref(r.who);
    }
    free(resp.body);
}

static void handle_v1(api *a, const cs_http_req *req, cs_http_resp *resp)
{
    api_req r = {.a = a, .http = req, .resp = resp};
    bool is_get =
        strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    const api_route *rt;
    const char *rest = "";
    const char *outcome = NULL, *detail = NULL;
    cs_err err = {0};
    unsigned wait_s;
    int64_t token_id = 0;

    cs_http_client_addr(req, r.client, sizeof(r.client));
    /* the database is borrowed only when needed: a cached token and a
     * cached answer make a request that never leaves this process */
    if (!api_authenticate(&r)) {
        if (resp->status == 401) {
            outcome = "denied";
            detail = "authentication failed";
        }
        goto out;
    }
    (void)cs_parse_i64(r.token_id, 1, INT64_MAX, &token_id, &err);
    wait_s = api_limiter_take(a->limiter, token_id, now_s());
    if (wait_s > 0) {
        cs_metric_add(&a->stats.rate_limited, 1);
        cs_http_error(resp, 429, "rate_limited", NULL,
                      "token %s is over its limit of %u requests per second "
                      "(burst %u); retry after %u s",
                      r.token_id, a->cfg->rate_limit_rps,
                      a->cfg->rate_limit_burst, wait_s);
        resp->retry_after_s = wait_s;
        outcome = "denied";
        detail = "rate limited";
        goto out;
    }
    rt = find_route(req->path, &rest);
    if (rt == NULL) {
        cs_http_error(resp, 404, "not_found", NULL, "no such path %s",
                      req->path);
        goto out;
    }
    if (!is_get && (rt->roles & ROUTE_OWN_TX) == 0) {
        cs_http_error(resp, 405, "method_not_allowed", NULL,
                      "%s is not allowed here", req->method);
        resp->allow = "GET, HEAD";
        outcome = "denied";
        detail = "method not allowed";
        goto out;
    }
    if ((rt->roles & r.role_bit) == 0) {
        cs_metric_add(&a->stats.forbidden, 1);
        cs_http_error(resp, 403, "forbidden", NULL, "role %s may not use %s",
                      r.role, rt->path);
        outcome = "denied";
        detail = "role not allowed on route";
        goto out;
    }
    if (rt->roles & ROUTE_OWN_TX) {
        if (api_req_db(&r))
            rt->fn(&r, rest);
        goto out;
    }
    run_read(&r, rt, rest);
out:
    if (!is_get && resp->status < 400)
        api_cache_clear(a->cache);
    /* Writes are audited too; /v1 has none yet besides refused ones. */
    if (outcome == NULL && !is_get) {
        outcome = resp->status < 400 ? "ok" : "failed";
        detail = "write";
    }
    if (r.audit_outcome != NULL)
        outcome = r.audit_outcome;
    if (outcome != NULL && r.audit_detail[0] != '\0')
        detail = r.audit_detail;
    if (outcome != NULL)
        api_audit(&r, outcome, detail);
    api_principal_unref(r.who);
    if (r.db_own)
        api_pool_release(&a->pool, r.db);
}

static void route(api *a, const cs_http_req *req, cs_http_resp *resp)
{
    bool is_get =
        strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    bool known = true;

    if (strcmp(req->path, "/v1") == 0 || strncmp(req->path, "/v1/", 4) == 0) {
        handle_v1(a, req, resp);
        return;
    }
    if (strcmp(req->path, "/") == 0 && is_get && api_wants_html(req) &&
        api_static_serve(a, req, resp)) {
        /* a browser gets the dashboard, other clients the JSON index */
    } else if (strcmp(req->path, "/") == 0) {
        static const char index_json[] =
            "{\"service\":\"chainsight\",\"api\":\"v1\","
            "\"auth\":\"Authorization: Bearer TOKEN on /v1\","
            "\"reference\":\"/api.html\","
            "\"endpoints\":[\"GET /v1/orders/{id}[?tenant=ID]\","
            "\"GET /v1/enterprises[?region=&industry=&name=&limit=&cursor=]\","
            "\"GET /v1/enterprises/{uscc}\",\"GET /v1/resolve/{identifier}\","
            "\"GET /v1/me\","
            "\"GET /v1/webhooks\",\"GET /v1/webhooks/{id}\","
            "\"GET /v1/webhooks/{id}/deliveries\","
            "\"GET /healthz\",\"GET /readyz\",\"GET /metrics\","
            "\"GET /openapi.json\"]}";
        if (is_get)
            cs_http_set_body(resp, 200, "application/json", index_json,
                             strlen(index_json));
    } else if (strcmp(req->path, "/healthz") == 0 ||
               strcmp(req->path, "/metrics") == 0) {
        if (is_get)
            (void)get_ops(a, req, resp);
    } else if (strcmp(req->path, "/readyz") == 0) {
        if (is_get)
            get_ready(a, resp);
    } else if (strcmp(req->path, "/openapi.json") == 0) {
        if (is_get)
            cs_http_set_body(resp, 200, "application/json",
                             (const char *)cs_api_openapi, cs_api_openapi_len);
    } else if (is_get && api_static_serve(a, req, resp)) {
        /* one of the dashboard's files */
    } else {
        known = false;
        cs_http_error(resp, 404, "not_found", NULL, "no such path %s",
                      req->path);
    }
    if (known && !is_get) {
        cs_http_error(resp, 405, "method_not_allowed", NULL,
                      "%s is not allowed here", req->method);
        resp->allow = "GET, HEAD";
    }
}

bool api_handle_fast(void *ctx, const cs_http_req *req, cs_http_resp *resp)
{
    api *a = ctx;
    api_req r = {.a = a, .http = req, .resp = resp};
    const cs_http_resp before = *resp;
    const api_route *rt;
    const char *rest = "";
    bool done = false;

    /* a cached answer of an authorised read, to a token verified within
     * CS_API_TOKEN_CACHE_MS and under its rate limit: everything else
     * (lookups, misses, refusals and their audit rows) is a worker's */
    if (a->cache == NULL || strncmp(req->path, "/v1/", 4) != 0 ||
        (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) ||
        !api_authenticate_cached(&r))
        return false;
    rt = find_route(req->path, &rest);
    if (rt != NULL && (rt->roles & ROUTE_OWN_TX) == 0 &&
        (rt->roles & r.role_bit) != 0 &&
        api_cache_lookup(a->cache, &r, false)) {
        int64_t token_id = 0;
        cs_err err = {0};
        (void)cs_parse_i64(r.token_id, 1, INT64_MAX, &token_id, &err);
        /* a refused take consumes nothing: the worker takes again */
        done = api_limiter_take(a->limiter, token_id, now_s()) == 0;
        if (!done) {
            free(resp->body);
            *resp = before;
        } else {
            cs_metric_add(&a->stats.req_2xx, 1);
        }
    }
    api_principal_unref(r.who);
    return done;
}

void api_handle(void *ctx, const cs_http_req *req, cs_http_resp *resp)
{
    api *a = ctx;

    route(a, req, resp);
    if (resp->status < 400)
        cs_metric_add(&a->stats.req_2xx, 1);
    else if (resp->status < 500)
        cs_metric_add(&a->stats.req_4xx, 1);
    else
        cs_metric_add(&a->stats.req_5xx, 1);
}
