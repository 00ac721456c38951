/* webhooks.c - alert webhook subscriptions (sql 0046):
 *   POST   /v1/webhooks                  {"url", "levels", "regions",
 *                                          "enterprises", "description"}
 *                                         -> 201, the secret shown once
 *   GET    /v1/webhooks[?limit=&cursor=] the caller's subscriptions, a page
 *   GET    /v1/webhooks/{id}             one
 *   DELETE /v1/webhooks/{id}             stop it (204)
 *   GET    /v1/webhooks/{id}/deliveries  the delivery log, newest first
 * A subscription belongs to the token that made it and carries that
 * token's scope; row-level security shows a token its own (admin: all).
 * Deliveries are made by webhooks_worker.c. */
#include "api_int.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_ident.h"
#include "cs_json.h"
#include "cs_str.h"

#define URL_MAX_BYTES   2000
#define DESC_MAX_BYTES  200
#define FILTER_MAX      100
#define DELIVERIES_PAGE 50
#define HOOKS_PAGE      50
#define HOOKS_PAGE_MAX  200

#define RFC3339(col)                                                           \
    "to_char(" col " AT TIME ZONE 'UTC', "                                     \
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* One subscription as JSON, built by PostgreSQL (never the secret). */
#define HOOK_JSON                                                              \
    "json_build_object('webhook_id', w.webhook_id, 'url', w.url, "             \
    "'levels', w.levels, 'regions', w.regions, "                               \
    "'enterprises', w.enterprises, 'description', w.description, "             \
    "'created_at', " RFC3339("w.created_at") ")"

static const char hook_insert_sql[] =
    "INSERT INTO webhooks AS w (owner_token_id, owner_role, owner_regions, "
    "owner_enterprise, url, secret, levels, regions, enterprises, "
    "description) VALUES (cs_principal_token(), cs_principal_role(), "
    "string_to_array(nullif(current_setting('cs.principal_regions', true), "
    "''), ',')::region_code[], cs_principal_enterprise(), $1, $2, "
    "$3::text[], $4::region_code[], $5::uscc[], $6) "
    "RETURNING " HOOK_JSON "::text";
/* A page of subscriptions in id order: $1 the last id of the previous
 * page (NULL: from the first), $2 the page size; the items, and the last
 * id when another page follows. The columns are named: cs_api may not
 * read the secret. */
static const char hook_list_sql[] =
    "WITH w AS (SELECT x.*, row_number() OVER (ORDER BY x.webhook_id) AS rn "
    "FROM (SELECT webhook_id, url, levels, regions, enterprises, "
    "description, created_at FROM webhooks WHERE deleted_at IS NULL "
    "AND ($1::bigint IS NULL OR webhook_id > $1::bigint) "
    "ORDER BY webhook_id LIMIT $2::int + 1) x) "
    "SELECT coalesce((SELECT json_agg(" HOOK_JSON " ORDER BY w.webhook_id) "
    "FROM w WHERE rn <= $2::int), '[]')::text, "
    "(SELECT webhook_id FROM w WHERE rn = $2::int "
    "AND EXISTS (SELECT 1 FROM w WHERE rn > $2::int))::text";
static const char hook_one_sql[] =
    "SELECT " HOOK_JSON "::text FROM webhooks w "
    "WHERE w.webhook_id = $1::bigint AND w.deleted_at IS NULL";
static const char hook_delete_sql[] =
    "UPDATE webhooks SET deleted_at = now() "
    "WHERE webhook_id = $1::bigint AND deleted_at IS NULL RETURNING 1";
/* $2: cursor, the last delivery id seen (NULL: from the newest). */
static const char hook_deliveries_sql[] =
    "SELECT coalesce(json_agg(json_build_object("
    "'delivery_id', d.delivery_id, 'alert_id', d.alert_id, "
    "'alert_status', d.alert_status, 'state', d.state, "
    "'attempts', d.attempts, 'last_status', d.last_status, "
    "'last_error', d.last_error, "
    "'created_at', " RFC3339(
        "d.created_at") ", "
                        "'delivered_at', " RFC3339(
                            "d.delivered_at") ", "
                                              "'next_attempt_at', CASE WHEN "
                                              "d.state = 'pending' "
                                              "THEN " RFC3339(
                                                  "d.next_attempt_"
                                                  "at") " END, "
                                                        "'log', "
                                                        "(SELECT "
                                                        "coalesce("
                                                        "json_agg("
                                                        "json_"
                                                        "build_"
                                                        "object("
                                                        "'attempt',"
                                                        " a."
                                                        "attempt, "
                                                        "'at',"
                                                        " " RFC3339(
                                                            "a.at") ", "
                                                                    "'status', "
                                                                    "a.status, "
                                                                    "'error', "
                                                                    "a.error, "
                                                                    "'duration_"
                                                                    "ms', "
                                                                    "a."
                                                                    "duration_"
                                                                    "ms) ORDER "
                                                                    "BY "
                                                                    "a.attempt)"
                                                                    ", "
                                                                    "'[]') "
                                                                    "FROM "
                                                                    "webhook_"
                                                                    "attempts "
                                                                    "a WHERE "
                                                                    "a."
                                                                    "delivery_"
                                                                    "id = "
                                                                    "d."
                                                                    "delivery_"
                                                                    "id)) "
                                                                    "ORDER BY "
                                                                    "d."
                                                                    "delivery_"
                                                                    "id DESC), "
                                                                    "'[]')::"
                                                                    "text, "
                                                                    "min(d."
                                                                    "delivery_"
                                                                    "id), "
                                                                    "count(*) "
                                                                    "FROM "
                                                                    "(SELECT * "
                                                                    "FROM "
                                                                    "webhook_"
                                                                    "deliveries"
                                                                    " x WHERE "
                                                                    "x.webhook_"
                                                                    "id = "
                                                                    "$1::"
                                                                    "bigint "
                                                                    "AND "
                                                                    "($2::"
                                                                    "bigint IS "
                                                                    "NULL OR "
                                                                    "x."
                                                                    "delivery_"
                                                                    "id < "
                                                                    "$2::"
                                                                    "bigint) "
                                                                    "ORDER BY "
                                                                    "x."
                                                                    "delivery_"
                                                                    "id DESC "
                                                                    "LIMIT 50) "
                                                                    "d"; /* DELIVERIES_PAGE
                                                                          */
static const char hook_visible_sql[] =
    "SELECT 1 FROM webhooks WHERE webhook_id = $1::bigint";

static void reply_json_text(api_req *r, unsigned status, const char *text)
{
    cs_http_set_body(r->resp, status, "application/json", text, strlen(text));
}

/* Emits JSON text made by PostgreSQL as it is. */
static void raw_json(yajl_gen g, const char *key, const char *text)
{
    cs_json_key(g, key);
    yajl_gen_number(g, text, strlen(text));
}

/* A filter array: absent or null means "any"; otherwise 1..FILTER_MAX
 * strings each passing check. Writes "{a,b}" or leaves *out NULL. */
static bool filter_array(api_req *r, const cs_jval *root, const char *name,
                         bool (*check)(const char *s, size_t len),
                         const char *what, char *buf, size_t buf_bytes,
                         const char **out)
{
    const cs_jval *v = cs_json_get(root, name);
    size_t i = 0, used;

    *out = NULL;
    if (v == NULL || v->type == CS_J_NULL)
        return true;
    if (v->type != CS_J_ARRAY || v->len == 0 || v->len > FILTER_MAX) {
        cs_http_error(r->resp, 422, "invalid", name,
                      "%s: an array of 1-%d %s, or null for any", name,
                      FILTER_MAX, what);
        return false;
    }
    used = (size_t)snprintf(buf, buf_bytes, "{");
    for (const cs_jval *c = v->child; c; c = c->next, i++) {
        /* checked values are plain tokens: no quotes, commas or braces */
        if (c->type != CS_J_STRING || !check(c->text, c->len)) {
            cs_http_error(r->resp, 422, "invalid", name, "%s[%zu]: not a %s",
                          name, i, what);
            return false;
        }
        used += (size_t)snprintf(buf + used, buf_bytes - used, "%s%s",
                                 i ? "," : "", c->text);
    }
    (void)snprintf(buf + used, buf_bytes - used, "}");
    *out = buf;
    return true;
}

static bool is_level(const char *s, size_t len)
{
    (void)len;
    return strcmp(s, "blue") == 0 || strcmp(s, "yellow") == 0 ||
           strcmp(s, "orange") == 0 || strcmp(s, "red") == 0;
}

static bool is_region(const char *s, size_t len)
{
    cs_err err = {0};
    return cs_region_validate(s, len, &err) == CS_OK;
}

static bool is_uscc(const char *s, size_t len)
{
    cs_err err = {0};
    return cs_uscc_validate(s, len, &err) == CS_OK;
}

/* http or https with a host, no credentials, checked by libcurl's own
 * parser (the one that will send it). */
static bool url_ok(api_req *r, const cs_jval *v)
{
    CURLU *u;
    char *scheme = NULL, *host = NULL, *user = NULL;
    bool ok;

    if (v == NULL || v->type != CS_J_STRING || v->len == 0 ||
        v->len > URL_MAX_BYTES || strlen(v->text) != v->len) {
        cs_http_error(r->resp, 422, "invalid", "url",
                      "url: an http(s) URL of 1-%d bytes is required",
                      URL_MAX_BYTES);
        return false;
    }
    u = curl_url();
    ok = u != NULL && curl_url_set(u, CURLUPART_URL, v->text, 0) == CURLUE_OK &&
         curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
         (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) &&
         curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
         host[0] != '\0' &&
         curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_NO_USER &&
         strncmp(v->text, scheme, strlen(scheme)) == 0;
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_url_cleanup(u);
    if (!ok)
        cs_http_error(r->resp, 422, "invalid", "url",
                      "url: must be an absolute http:// or https:// URL with "
                      "a host and no user name or password");
    return ok;
}

static bool known_members(api_req *r, const cs_jval *root)
{
    static const char *const known[] = {"url",         "levels",      "regions",
                                        "enterprises", "description", NULL};

    for (const cs_jval *c = root->child; c; c = c->next) {
        size_t k = 0;
        while (known[k] != NULL && strcmp(known[k], c->key) != 0)
            k++;
        if (known[k] == NULL) {
            cs_http_error(r->resp, 422, "invalid", c->key,
                          "%s: unknown member; a webhook has url, levels, "
                          "regions, enterprises and description",
                          c->key);
            return false;
        }
    }
    return true;
}

static void create_hook(api_req *r)
{
    cs_json_doc *doc = NULL;
    const cs_jval *root, *url, *desc;
    char levels[FILTER_MAX * 8 + 4], regions[FILTER_MAX * 8 + 4],
        ents[FILTER_MAX * 20 + 4];
    unsigned char key[32];
    char secret[65];
    const char *p[6];
    PGresult *res = NULL;
    cs_err err = {0};
    yajl_gen g;

    if (cs_json_parse(r->http->body, r->http->body_len, &cs_json_default_limits,
                      &doc, &err) != CS_OK) {
        cs_http_error(r->resp, 400, "malformed_json", NULL, "%s", err.msg);
        return;
    }
    root = cs_json_root(doc);
    url = cs_json_get(root, "url");
    desc = cs_json_get(root, "description");
    if (root->type != CS_J_OBJECT) {
        cs_http_error(r->resp, 422, "invalid", NULL,
                      "the body must be a JSON object");
        goto out;
    }
    if (!known_members(r, root) || !url_ok(r, url) ||
        !filter_array(r, root, "levels", is_level,
                      "level (blue, yellow, orange, red)", levels,
                      sizeof(levels), &p[2]) ||
        !filter_array(r, root, "regions", is_region, "GB/T 2260 region code",
                      regions, sizeof(regions), &p[3]) ||
        !filter_array(r, root, "enterprises", is_uscc, "credit code", ents,
                      sizeof(ents), &p[4]))
        goto out;
    if (desc != NULL &&
        (desc->type != CS_J_STRING || desc->len > DESC_MAX_BYTES ||
         strlen(desc->text) != desc->len)) {
        cs_http_error(r->resp, 422, "invalid", "description",
                      "description: a string of at most %d bytes",
                      DESC_MAX_BYTES);
        goto out;
    }
    randombytes_buf(key, sizeof(key));
    sodium_bin2hex(secret, sizeof(secret), key, sizeof(key));
    sodium_memzero(key, sizeof(key));
    p[0] = url->text;
    p[1] = secret;
    p[5] = desc != NULL ? desc->text : "";
    if (api_begin_rw(r, &err) != CS_OK ||
        cs_pg_query(r->db, hook_insert_sql, 6, p, &res, &err) != CS_OK) {
        api_end(r);
        api_db_failure(r, &err);
        goto out;
    }
    api_end(r);
    /* the stored row, plus the secret this once */
    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        cs_http_error(r->resp, 500, "internal", NULL, "out of memory");
        goto out;
    }
    yajl_gen_map_open(g);
    raw_json(g, "webhook", PQgetvalue(res, 0, 0));
    cs_json_kv_str(g, "secret", secret);
    cs_json_kv_str(g, "signature",
                   "X-CS-Signature: v1=hex(HMAC-SHA256(key = secret, "
                   "X-CS-Timestamp + \".\" + body))");
    yajl_gen_map_close(g);
    api_reply_gen(r->resp, 201, g);
    yajl_gen_free(g);
    (void)snprintf(r->audit_detail, sizeof(r->audit_detail),
                   "webhook created for %.120s", url->text);
out:
    sodium_memzero(secret, sizeof(secret));
    PQclear(res);
    cs_json_doc_free(doc);
}

/* GET /v1/webhooks[?limit=&cursor=]: a page of the token's subscriptions
 * (admin: all), oldest first. */
static void list_hooks(api_req *r)
{
    static const char *const known[] = {"limit", "cursor", NULL};
    int64_t limit = HOOKS_PAGE;
    char after[24], limit_txt[16];
    const char *p[2];
    cs_err err = {0};

    after[0] = '\0';
    if (!api_params_known(r, known) ||
        !api_param_int(r, "limit", 1, HOOKS_PAGE_MAX, &limit) ||
        !api_param_id_cursor(r, "webhook", after, sizeof(after)))
        return;
    (void)snprintf(limit_txt, sizeof(limit_txt), "%lld", (long long)limit);
    p[0] = after[0] != '\0' ? after : NULL;
    p[1] = limit_txt;
    if (api_begin(r, &err) != CS_OK)
        api_db_failure(r, &err);
    else
        (void)api_reply_page_sql(r, hook_list_sql, 2, p, "webhook");
    api_end(r);
}

/* Runs a read as the principal and answers its one JSON text, or 404. */
static void read_json(api_req *r, const char *sql, int n, const char *const *p,
                      const char *missing)
{
    PGresult *res = NULL;
    cs_err err = {0};

    if (api_begin(r, &err) != CS_OK ||
        cs_pg_query(r->db, sql, n, p, &res, &err) != CS_OK)
        api_db_failure(r, &err);
    else if (PQntuples(res) != 1)
        cs_http_error(r->resp, 404, "not_found", NULL, "%s", missing);
    else
        reply_json_text(r, 200, PQgetvalue(res, 0, 0));
    api_end(r);
    PQclear(res);
}

static void list_deliveries(api_req *r, const char *id)
{
    const char *cur = cs_http_query(r->http, "cursor");
    const char *p[2] = {id, NULL};
    PGresult *res = NULL;
    cs_err err = {0};
    int64_t c;
    yajl_gen g;

    if (cur != NULL) {
        if (cs_parse_i64(cur, 1, INT64_MAX, &c, &err) != CS_OK) {
            cs_http_error(r->resp, 400, "invalid", "cursor",
                          "cursor: the next_cursor of a previous page");
            return;
        }
        p[1] = cur;
    }
    if (api_begin(r, &err) != CS_OK ||
        cs_pg_query(r->db, hook_visible_sql, 1, p, &res, &err) != CS_OK) {
        api_db_failure(r, &err);
        goto out;
    }
    if (PQntuples(res) != 1) {
        cs_http_error(r->resp, 404, "not_found", NULL, "no webhook %s", id);
        goto out;
    }
    PQclear(res);
    res = NULL;
    if (cs_pg_query(r->db, hook_deliveries_sql, 2, p, &res, &err) != CS_OK) {
        api_db_failure(r, &err);
        goto out;
    }
    g = yajl_gen_alloc(NULL);
    if (g == NULL)
        goto out;
    yajl_gen_map_open(g);
    raw_json(g, "deliveries", PQgetvalue(res, 0, 0));
    if (strtol(PQgetvalue(res, 0, 2), NULL, 10) == DELIVERIES_PAGE)
        cs_json_kv_str(g, "next_cursor", PQgetvalue(res, 0, 1));
    else
        cs_json_kv_raw_number(g, "next_cursor", "null");
    yajl_gen_map_close(g);
    api_reply_gen(r->resp, 200, g);
    yajl_gen_free(g);
out:
    api_end(r);
    PQclear(res);
}

void api_webhooks_route(api_req *r, const char *rest)
{
    const char *m = r->http->method;
    bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    char id[24];
    const char *p[1] = {id};
    const char *slash;
    size_t len;
    int64_t v;
    cs_err err = {0};

    if (rest[0] == '\0') { /* /v1/webhooks */
        if (strcmp(m, "POST") == 0)
            create_hook(r);
        else if (get)
            list_hooks(r);
        else {
            cs_http_error(r->resp, 405, "method_not_allowed", NULL,
                          "/v1/webhooks takes GET or POST");
            r->resp->allow = "GET, HEAD, POST";
        }
        return;
    }
    /* rest: "ID" or "ID/deliveries" */
    slash = strchr(rest, '/');
    len = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
    if (len >= sizeof(id)) {
        cs_http_error(r->resp, 400, "invalid", "id",
                      "id: a webhook id is a positive integer");
        return;
    }
    memcpy(id, rest, len);
    id[len] = '\0';
    if (cs_parse_i64(id, 1, INT64_MAX, &v, &err) != CS_OK) {
        cs_http_error(r->resp, 400, "invalid", "id",
                      "id: a webhook id is a positive integer");
        return;
    }
    if (slash != NULL) {
        if (strcmp(slash, "/deliveries") != 0) {
            cs_http_error(r->resp, 404, "not_found", NULL, "no such path %s",
                          r->http->path);
        } else if (!get) {
            cs_http_error(r->resp, 405, "method_not_allowed", NULL,
                          "the delivery log takes GET");
            r->resp->allow = "GET, HEAD";
        } else {
            list_deliveries(r, id);
        }
        return;
    }
    if (get) {
        read_json(r, hook_one_sql, 1, p, "no such webhook");
    } else if (strcmp(m, "DELETE") == 0) {
        PGresult *res = NULL;
        if (api_begin_rw(r, &err) != CS_OK ||
            cs_pg_query(r->db, hook_delete_sql, 1, p, &res, &err) != CS_OK)
            api_db_failure(r, &err);
        else if (PQntuples(res) != 1)
            cs_http_error(r->resp, 404, "not_found", NULL, "no webhook %s", id);
        else
            cs_http_set_body(r->resp, 204, "application/json", "", 0);
        api_end(r);
        PQclear(res);
        (void)snprintf(r->audit_detail, sizeof(r->audit_detail),
                       "webhook %s deleted", id);
    } else {
        cs_http_error(r->resp, 405, "method_not_allowed", NULL,
                      "/v1/webhooks/{id} takes GET or DELETE");
        r->resp->allow = "GET, HEAD, DELETE";
    }
}
