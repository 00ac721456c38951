/* routes.c - the HTTP routes of cs-api. Every answer is JSON; every error
 * is {"error":{"status","code","message","field"}}. */
#include "api_int.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cs_json.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_service.h"

#define ORDER_ID_MAX_BYTES 64

static void reply_gen(cs_http_resp *resp, unsigned status, yajl_gen g)
{
    const unsigned char *buf;
    size_t len;

    yajl_gen_get_buf(g, &buf, &len);
    cs_http_set_body(resp, status, "application/json", (const char *)buf, len);
}

/* A database failure seen by a handler: 503 when it may pass, else 500. */
static void db_failure(api *a, cs_http_resp *resp, const cs_err *err)
{
    cs_metric_add(&a->stats.db_errors, 1);
    cs_log_warn("database error", CS_KV_STR("error", err->msg));
    if (cs_status_retryable(err->code)) {
        cs_http_error(resp, 503, "unavailable", NULL,
                      "the database is not reachable, retry later");
        resp->retry_after = "2";
    } else {
        cs_http_error(resp, 500, "internal", NULL, "internal error");
    }
}

static bool valid_order_id(const char *id)
{
    size_t n = strlen(id);

    if (n == 0 || n > ORDER_ID_MAX_BYTES)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x20 || id[i] == '/' || id[i] == 0x7f)
            return false;
    return true;
}

static void gen_nullable_number(yajl_gen g, const PGresult *res, int row,
                                int col)
{
    if (PQgetisnull(res, row, col))
        yajl_gen_null(g);
    else
        yajl_gen_number(g, PQgetvalue(res, row, col),
                        (size_t)PQgetlength(res, row, col));
}

static void gen_nullable_str(yajl_gen g, const PGresult *res, int row, int col)
{
    cs_json_str(g,
                PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col));
}

static void get_order(api *a, const cs_http_req *req, const char *id,
                      cs_http_resp *resp)
{
    const char *tenant = cs_http_query(req, "tenant");
    const char *params[3];
    PGresult *hdr = NULL, *lines = NULL;
    yajl_gen g = NULL;
    cs_err err = {0};
    cs_pg *db;

    if (!valid_order_id(id)) {
        cs_http_error(resp, 400, "invalid", "id",
                      "order id must be 1-%d bytes without '/' or control "
                      "characters",
                      ORDER_ID_MAX_BYTES);
        return;
    }
    db = api_pool_acquire(&a->pool, a->cfg->pool_wait_ms, &err);
    if (db == NULL) {
        if (err.code == CS_E_TIMEOUT)
            cs_metric_add(&a->stats.pool_timeouts, 1);
        db_failure(a, resp, &err);
        return;
    }
    params[0] = id;
    params[1] = tenant;
    if (cs_pg_run(db, "order_header", 2, params, &hdr, &err) != CS_OK) {
        db_failure(a, resp, &err);
        goto out;
    }
    if (PQntuples(hdr) == 0) {
        cs_http_error(resp, 404, "not_found", "id", "no order with id %s", id);
        goto out;
    }
    if (PQntuples(hdr) > 1) {
        cs_http_error(resp, 409, "ambiguous", "tenant",
                      "order id %s exists for several tenants; add "
                      "?tenant=ID",
                      id);
        goto out;
    }
    params[0] = PQgetvalue(hdr, 0, 0);
    params[1] = PQgetvalue(hdr, 0, 1);
    params[2] = PQgetvalue(hdr, 0, 11);
    if (cs_pg_run(db, "order_lines", 3, params, &lines, &err) != CS_OK) {
        db_failure(a, resp, &err);
        goto out;
    }

    g = yajl_gen_alloc(NULL);
    yajl_gen_map_open(g);
    cs_json_kv_str(g, "tenant_id", PQgetvalue(hdr, 0, 0));
    cs_json_kv_str(g, "order_id", PQgetvalue(hdr, 0, 1));
    cs_json_kv_str(g, "buyer", PQgetvalue(hdr, 0, 2));
    cs_json_kv_str(g, "supplier", PQgetvalue(hdr, 0, 3));
    cs_json_kv_str(g, "order_time", PQgetvalue(hdr, 0, 4));
    cs_json_kv_str(g, "currency", PQgetvalue(hdr, 0, 5));
    cs_json_kv_raw_number(g, "n_lines", PQgetvalue(hdr, 0, 6));
    cs_json_kv_str(g, "event_id", PQgetvalue(hdr, 0, 7));
    cs_json_kv_str(g, "event_time", PQgetvalue(hdr, 0, 8));
    cs_json_kv_str(g, "source", PQgetvalue(hdr, 0, 9));
    cs_json_kv_str(g, "updated_at", PQgetvalue(hdr, 0, 10));
    cs_json_key(g, "lines");
    yajl_gen_array_open(g);
    for (int r = 0; r < PQntuples(lines); r++) {
        yajl_gen_map_open(g);
        cs_json_kv_raw_number(g, "line_no", PQgetvalue(lines, r, 0));
        cs_json_kv_str(g, "sku", PQgetvalue(lines, r, 1));
        cs_json_key(g, "quantity");
        gen_nullable_number(g, lines, r, 2);
        cs_json_kv_str(g, "unit", PQgetvalue(lines, r, 3));
        cs_json_key(g, "unit_price");
        gen_nullable_number(g, lines, r, 4);
        cs_json_key(g, "requested_time");
        gen_nullable_str(g, lines, r, 5);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    reply_gen(resp, 200, g);
out:
    if (g != NULL) /* yajl_gen_free does not accept NULL */
        yajl_gen_free(g);
    PQclear(hdr);
    PQclear(lines);
    api_pool_release(&a->pool, db);
}

static void get_ready(api *a, cs_http_resp *resp)
{
    cs_err err = {0};
    cs_pg *db = api_pool_acquire(&a->pool, a->cfg->pool_wait_ms, &err);
    static const char ok[] = "{\"status\":\"ready\"}";

    if (db != NULL && cs_pg_run(db, "ping", 0, NULL, NULL, &err) == CS_OK) {
        cs_http_set_body(resp, 200, "application/json", ok, strlen(ok));
    } else {
        cs_http_error(resp, 503, "unavailable", NULL, "database: %s", err.msg);
        resp->retry_after = "2";
    }
    if (db != NULL)
        api_pool_release(&a->pool, db);
}

static bool get_ops(api *a, const cs_http_req *req, cs_http_resp *resp)
{
    const cs_metric m[] = {
        {"cs_api_requests_total", "HTTP requests answered, by status class",
         CS_METRIC_COUNTER, "code=\"2xx\"", &a->stats.req_2xx},
        {"cs_api_requests_total", "HTTP requests answered, by status class",
         CS_METRIC_COUNTER, "code=\"4xx\"", &a->stats.req_4xx},
        {"cs_api_requests_total", "HTTP requests answered, by status class",
         CS_METRIC_COUNTER, "code=\"5xx\"", &a->stats.req_5xx},
        {"cs_api_pool_timeouts_total",
         "requests that found no free database connection in time",
         CS_METRIC_COUNTER, NULL, &a->stats.pool_timeouts},
        {"cs_api_db_errors_total", "database errors seen by handlers",
         CS_METRIC_COUNTER, NULL, &a->stats.db_errors},
    };

    return cs_service_ops(req, resp, m, sizeof(m) / sizeof(m[0]));
}

static void route(api *a, const cs_http_req *req, cs_http_resp *resp)
{
    static const char orders_prefix[] = "/v1/orders/";
    bool is_get =
        strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    bool known = true;

    if (strcmp(req->path, "/") == 0) {
        static const char index_json[] =
            "{\"service\":\"chainsight\",\"api\":\"v1\","
            "\"endpoints\":[\"GET /v1/orders/{id}[?tenant=ID]\","
            "\"GET /healthz\",\"GET /readyz\",\"GET /metrics\"]}";
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
    } else if (strncmp(req->path, orders_prefix, strlen(orders_prefix)) == 0) {
        if (is_get)
            get_order(a, req, req->path + strlen(orders_prefix), resp);
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
