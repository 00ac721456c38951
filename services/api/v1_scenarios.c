/* v1_scenarios.c - disruption scenarios (风险传导): POST /v1/scenarios
 * checks the scenario and queues it for cs-analyst (propagation_runs,
 * taken by its next cycle); GET /v1/scenarios/{id} returns the status
 * and, once done, the impacted enterprises in scope ranked, with their
 * time to survive against the shock's time to recover. An enterprise's
 * runs are its own; a bureau's may name only its regions and their
 * enterprises (migration 0042). */
#include "api_int.h"

#include <stdio.h>
#include <string.h>

#include "cs_ident.h"
#include "cs_json.h"
#include "cs_str.h"

#define MAX_SHOCKED 100
#define MAX_REGIONS 50
#define MAX_DAYS    3650

typedef struct scenario {
    const cs_jval *enterprises, *regions;
    const char *capacity_loss, *production;
    int64_t duration_days, start_day, horizon_days;
} scenario;

static bool bad(api_req *r, const char *field, const char *detail)
{
    cs_http_error(r->resp, 400, "invalid", field, "%s", detail);
    return false;
}

static bool code_list(api_req *r, const cs_jval *v, const char *field,
                      size_t max, bool uscc)
{
    char detail[160];
    cs_err err = {0};

    if (v->type != CS_J_ARRAY || v->len > max) {
        (void)snprintf(detail, sizeof(detail),
                       "%s must be an array of at most %zu codes", field, max);
        return bad(r, field, detail);
    }
    for (const cs_jval *c = v->child; c != NULL; c = c->next) {
        if (c->type != CS_J_STRING ||
            (uscc ? cs_uscc_validate(c->text, c->len, &err)
                  : cs_region_validate(c->text, c->len, &err)) != CS_OK) {
            (void)snprintf(
                detail, sizeof(detail), "%s holds %s that is not a %s", field,
                c->type == CS_J_STRING ? "a code" : "a value",
                uscc ? "unified social credit code" : "GB/T 2260 region code");
            return bad(r, field, detail);
        }
    }
    return true;
}

static bool int_member(api_req *r, const cs_jval *v, int64_t min, int64_t max,
                       int64_t *out)
{
    char detail[120];
    cs_err err = {0};

    if (v->type != CS_J_NUMBER ||
        cs_parse_i64(v->text, min, max, out, &err) != CS_OK) {
        (void)snprintf(detail, sizeof(detail),
                       "%s must be an integer from %lld to %lld", v->key,
                       (long long)min, (long long)max);
        return bad(r, v->key, detail);
    }
    return true;
}

static bool parse_scenario(api_req *r, const cs_jval *root, scenario *s)
{
    double loss;
    cs_err err = {0};
    bool have_duration = false;

    if (root->type != CS_J_OBJECT)
        return bad(r, "body", "the body must be a JSON object");
    for (const cs_jval *v = root->child; v != NULL; v = v->next) {
        if (strcmp(v->key, "enterprises") == 0) {
            if (!code_list(r, v, "enterprises", MAX_SHOCKED, true))
                return false;
            s->enterprises = v;
        } else if (strcmp(v->key, "regions") == 0) {
            if (!code_list(r, v, "regions", MAX_REGIONS, false))
                return false;
            s->regions = v;
        } else if (strcmp(v->key, "capacity_loss") == 0) {
            if (v->type != CS_J_NUMBER ||
                cs_parse_double(v->text, &loss, &err) != CS_OK ||
                !(loss > 0 && loss <= 1))
                return bad(r, "capacity_loss",
                           "capacity_loss must be a number in (0, 1]: the "
                           "share of capacity lost");
            s->capacity_loss = v->text;
        } else if (strcmp(v->key, "duration_days") == 0) {
            if (!int_member(r, v, 1, MAX_DAYS, &s->duration_days))
                return false;
            have_duration = true;
        } else if (strcmp(v->key, "start_day") == 0) {
            if (!int_member(r, v, 0, MAX_DAYS, &s->start_day))
                return false;
        } else if (strcmp(v->key, "horizon_days") == 0) {
            if (!int_member(r, v, 1, MAX_DAYS, &s->horizon_days))
                return false;
        } else if (strcmp(v->key, "production") == 0) {
            if (v->type != CS_J_STRING || (strcmp(v->text, "linear") != 0 &&
                                           strcmp(v->text, "leontief") != 0))
                return bad(r, "production",
                           "production must be linear or leontief");
            s->production = v->text;
        } else {
            char detail[256];
            (void)snprintf(detail, sizeof(detail),
                           "unknown member %.64s; a scenario has enterprises, "
                           "regions, capacity_loss, duration_days, start_day, "
                           "horizon_days and production",
                           v->key);
            return bad(r, v->key, detail);
        }
    }
    if ((s->enterprises == NULL || s->enterprises->len == 0) &&
        (s->regions == NULL || s->regions->len == 0))
        return bad(r, "enterprises",
                   "name the enterprises or regions (or both) to disrupt");
    if (s->capacity_loss == NULL)
        return bad(r, "capacity_loss", "capacity_loss is required");
    if (!have_duration)
        return bad(r, "duration_days", "duration_days is required");
    if (s->horizon_days > 0 && s->horizon_days <= s->start_day)
        return bad(r, "horizon_days", "horizon_days must be after start_day");
    return true;
}

static void gen_codes(yajl_gen g, const char *key, const cs_jval *list)
{
    cs_json_key(g, key);
    yajl_gen_array_open(g);
    for (const cs_jval *c = list != NULL ? list->child : NULL; c != NULL;
         c = c->next)
        cs_json_str(g, c->text);
    yajl_gen_array_close(g);
}

/* The scenario as the analyst reads it, and the enterprises as a
 * PostgreSQL array literal (codes hold no quoting characters). */
static bool render(const scenario *s, yajl_gen g, char *arr, size_t arr_bytes)
{
    size_t o = 0;

    yajl_gen_map_open(g);
    gen_codes(g, "enterprises", s->enterprises);
    gen_codes(g, "regions", s->regions);
    cs_json_kv_raw_number(g, "capacity_loss", s->capacity_loss);
    cs_json_kv_int(g, "start_day", s->start_day);
    cs_json_kv_int(g, "duration_days", s->duration_days);
    if (s->horizon_days > 0)
        cs_json_kv_int(g, "horizon_days", s->horizon_days);
    if (s->production != NULL)
        cs_json_kv_str(g, "production", s->production);
    yajl_gen_map_close(g);
    o += (size_t)snprintf(arr, arr_bytes, "{");
    for (const cs_jval *c = s->enterprises != NULL ? s->enterprises->child
                                                   : NULL;
         c != NULL && o < arr_bytes; c = c->next)
        o += (size_t)snprintf(arr + o, arr_bytes - o, "%s%s",
                              c == s->enterprises->child ? "" : ",", c->text);
    if (o < arr_bytes)
        o += (size_t)snprintf(arr + o, arr_bytes - o, "}");
    return o < arr_bytes;
}

static void queue(api_req *r)
{
    cs_json_doc *doc = NULL;
    scenario s = {0};
    yajl_gen g = NULL;
    const unsigned char *json;
    size_t json_len;
    char arr[MAX_SHOCKED * (CS_USCC_LEN + 1) + 4], who[200], body[96];
    const char *params[4];
    PGresult *res = NULL;
    cs_err err = {0};

    if (cs_json_parse(r->http->body, r->http->body_len, &cs_json_default_limits,
                      &doc, &err) != CS_OK) {
        cs_http_error(r->resp, 400, "invalid", "body",
                      "the body is not JSON: %s", err.msg);
        return;
    }
    if (!parse_scenario(r, cs_json_root(doc), &s))
        goto out;
    g = yajl_gen_alloc(NULL);
    if (!render(&s, g, arr, sizeof(arr))) {
        cs_http_error(r->resp, 400, "invalid", "enterprises",
                      "too many enterprises");
        goto out;
    }
    yajl_gen_get_buf(g, &json, &json_len);
    (void)snprintf(who, sizeof(who), "api:token:%s %.150s", r->token_id,
                   r->name);
    params[0] = (const char *)json;
    params[1] = strcmp(r->role, "enterprise") == 0 ? r->enterprise : NULL;
    params[2] = who;
    params[3] = arr;
    if (cs_pg_run(r->db, "scenario_queue", 4, params, &res, &err) != CS_OK) {
        if (strstr(err.msg, "(42501)") != NULL)
            cs_http_error(r->resp, 403, "forbidden", "regions",
                          "a bureau may disrupt only its own regions and "
                          "their enterprises");
        else
            api_db_failure(r, &err);
    } else if (!PQgetisnull(res, 0, 1)) {
        cs_http_error(r->resp, 404, "not_found", "enterprises",
                      "not in your scope: %.200s", PQgetvalue(res, 0, 1));
    } else {
        int n = snprintf(body, sizeof(body),
                         "{\"run_id\":%s,\"status\":\"queued\","
                         "\"href\":\"/v1/scenarios/%s\"}",
                         PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 0));
        cs_http_set_body(r->resp, 202, "application/json", body, (size_t)n);
        (void)snprintf(r->audit_detail, sizeof(r->audit_detail),
                       "scenario %s queued", PQgetvalue(res, 0, 0));
    }
out:
    PQclear(res);
    if (g != NULL)
        yajl_gen_free(g);
    cs_json_doc_free(doc);
}

static void one(api_req *r, const char *id)
{
    static const char *const none[] = {NULL};
    const char *params[1] = {id};
    char nf[64];
    int64_t v;
    cs_err err = {0};

    if (!api_params_known(r, none))
        return;
    if (strlen(id) > 19 || cs_parse_i64(id, 1, INT64_MAX, &v, &err) != CS_OK) {
        cs_http_error(r->resp, 400, "invalid", "id",
                      "a scenario id is a positive integer");
        return;
    }
    (void)snprintf(nf, sizeof(nf), "no scenario %s in your scope", id);
    (void)api_reply_sql_json(r, "scenario_one", 1, params, "id", nf);
}

void api_scenarios_route(api_req *r, const char *rest)
{
    bool get = strcmp(r->http->method, "GET") == 0 ||
               strcmp(r->http->method, "HEAD") == 0;
    bool post = strcmp(r->http->method, "POST") == 0;
    cs_err err = {0};

    if ((rest[0] == '\0' && !post) || (rest[0] != '\0' && !get)) {
        cs_http_error(r->resp, 405, "method_not_allowed", NULL,
                      "%s is not allowed here", r->http->method);
        r->resp->allow = rest[0] == '\0' ? "POST" : "GET, HEAD";
        r->audit_outcome = "denied";
        (void)snprintf(r->audit_detail, sizeof(r->audit_detail),
                       "method not allowed");
        return;
    }
    if ((post ? api_begin_rw(r, &err) : api_begin(r, &err)) != CS_OK) {
        api_db_failure(r, &err);
        return;
    }
    if (post)
        queue(r);
    else
        one(r, rest);
    api_end(r);
}
