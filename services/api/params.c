/* params.c - query-parameter checks shared by the /v1 handlers, and the
 * reply of a JSON document that PostgreSQL built. Every check that fails
 * fills a 400 problem naming the parameter and the reason, so a handler
 * only returns. */
#include "api_int.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_ident.h"
#include "cs_str.h"

typedef struct unknown_arg {
    const char *const *allowed;
    const char *bad;
} unknown_arg;

typedef struct each_arg {
    api_arg_fn fn;
    void *cls;
} each_arg;

static enum MHD_Result each_mhd_arg(void *cls, enum MHD_ValueKind kind,
                                    const char *key, const char *value)
{
    each_arg *e = cls;

    (void)kind;
    return e->fn(e->cls, key, value) ? MHD_YES : MHD_NO;
}

void api_each_arg(const api_req *r, api_arg_fn fn, void *cls)
{
    each_arg e = {fn, cls};

    if (r->http->conn != NULL) {
        (void)MHD_get_connection_values(r->http->conn, MHD_GET_ARGUMENT_KIND,
                                        each_mhd_arg, &e);
        return;
    }
    for (size_t i = 0; r->http->args != NULL && r->http->args[i] != NULL;
         i += 2)
        if (!fn(cls, r->http->args[i], r->http->args[i + 1]))
            return;
}

static bool check_arg(void *cls, const char *key, const char *value)
{
    unknown_arg *u = cls;

    (void)value;
    for (size_t i = 0; u->allowed[i] != NULL; i++)
        if (strcmp(key, u->allowed[i]) == 0)
            return true;
    u->bad = key;
    return false;
}

bool api_params_known(api_req *r, const char *const *allowed)
{
    unknown_arg u = {allowed, NULL};
    char list[256] = "";
    size_t o = 0;

    api_each_arg(r, check_arg, &u);
    if (u.bad == NULL)
        return true;
    for (size_t i = 0; allowed[i] != NULL && o < sizeof(list); i++)
        o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
                              i > 0 ? ", " : "", allowed[i]);
    if (allowed[0] == NULL)
        (void)snprintf(list, sizeof(list), "none");
    cs_http_error(r->resp, 400, "invalid", u.bad,
                  "unknown query parameter %.64s; this route takes: %s", u.bad,
                  list);
    return false;
}

bool api_param_int(api_req *r, const char *name, int64_t min, int64_t max,
                   int64_t *out)
{
    const char *s = cs_http_query(r->http, name);
    cs_err err = {0};

    if (s == NULL)
        return true;
    if (cs_parse_i64(s, min, max, out, &err) != CS_OK) {
        cs_http_error(r->resp, 400, "invalid", name,
                      "%s must be an integer from %lld to %lld", name,
                      (long long)min, (long long)max);
        return false;
    }
    return true;
}

bool api_param_enum(api_req *r, const char *name, const char *const *values,
                    const char **out)
{
    const char *s = cs_http_query(r->http, name);
    char list[200] = "";
    size_t o = 0;

    if (s == NULL)
        return true;
    for (size_t i = 0; values[i] != NULL; i++) {
        if (strcmp(s, values[i]) == 0) {
            *out = values[i];
            return true;
        }
        if (o < sizeof(list))
            o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
                                  i > 0 ? ", " : "", values[i]);
    }
    cs_http_error(r->resp, 400, "invalid", name, "unknown %s value; one of: %s",
                  name, list);
    return false;
}

const char *const api_levels[] = {"blue", "yellow", "orange", "red", NULL};

typedef cs_status (*code_check_fn)(const char *, size_t, cs_err *);

static bool param_code(api_req *r, const char *name, code_check_fn check,
                       const char *standard, const char **out)
{
    const char *s = cs_http_query(r->http, name);
    cs_err err = {0};

    if (s == NULL)
        return true;
    if (check(s, strlen(s), &err) != CS_OK) {
        cs_http_error(r->resp, 400, "invalid", name, "%s must be a %s code: %s",
                      name, standard, err.msg);
        return false;
    }
    *out = s;
    return true;
}

bool api_param_region(api_req *r, const char *name, const char **out)
{
    return param_code(r, name, cs_region_validate, "GB/T 2260", out);
}

bool api_param_industry(api_req *r, const char *name, const char **out)
{
    return param_code(r, name, cs_industry_validate, "GB/T 4754", out);
}

bool api_check_uscc(api_req *r, const char *code, const char *field)
{
    cs_err err = {0};

    if (cs_uscc_validate(code, strlen(code), &err) != CS_OK) {
        cs_http_error(r->resp, 400, "invalid", field,
                      "not a unified social credit code: %s", err.msg);
        return false;
    }
    return true;
}

bool api_reply_sql_json(api_req *r, const char *stmt, int n_params,
                        const char *const *params, const char *nf_field,
                        const char *nf_detail)
{
    PGresult *res = NULL;
    cs_err err = {0};
    bool ok = false;

    if (cs_pg_run(r->db, stmt, n_params, params, &res, &err) != CS_OK) {
        api_db_failure(r, &err);
    } else if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0)) {
        cs_http_error(r->resp, 404, "not_found", nf_field, "%s", nf_detail);
    } else {
        cs_http_set_body(r->resp, 200, "application/json",
                         PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
        ok = true;
    }
    PQclear(res);
    return ok;
}

/* Cursors of id-ordered pages: base64url of "PREFIX:ID", opaque to
 * clients and checked on the way back in. */
bool api_param_id_cursor(api_req *r, const char *prefix, char *out,
                         size_t out_bytes)
{
    const char *text = cs_http_query(r->http, "cursor");
    unsigned char raw[48];
    size_t n = 0, plen = strlen(prefix);
    int64_t id;
    cs_err err = {0};

    if (text == NULL)
        return true;
    if (strlen(text) > 64 ||
        sodium_base642bin(raw, sizeof(raw) - 1, text, strlen(text), NULL, &n,
                          NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n <= plen + 1 || memcmp(raw, prefix, plen) != 0 || raw[plen] != ':' ||
        n - plen >= out_bytes)
        goto bad;
    raw[n] = '\0';
    if (cs_parse_i64((const char *)raw + plen + 1, 1, INT64_MAX, &id, &err) !=
        CS_OK)
        goto bad;
    (void)snprintf(out, out_bytes, "%lld", (long long)id);
    return true;
bad:
    cs_http_error(r->resp, 400, "invalid", "cursor",
                  "cursor is not one this API returned");
    return false;
}

/* Replies the page of res: {"items": column 0, "next_cursor": column 1
 * encoded, or null}. */
static bool reply_page(api_req *r, const PGresult *res, const char *prefix)
{
    char raw[48], cursor[80];
    char *body;
    size_t len;

    if (PQgetisnull(res, 0, 1)) {
        (void)snprintf(cursor, sizeof(cursor), "null");
    } else {
        int k =
            snprintf(raw, sizeof(raw), "%s:%s", prefix, PQgetvalue(res, 0, 1));
        cursor[0] = '"';
        sodium_bin2base64(cursor + 1, sizeof(cursor) - 2,
                          (const unsigned char *)raw, (size_t)k,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        len = strlen(cursor);
        cursor[len] = '"';
        cursor[len + 1] = '\0';
    }
    len = (size_t)PQgetlength(res, 0, 0) + strlen(cursor) + 40;
    body = malloc(len);
    if (body == NULL) {
        cs_http_error(r->resp, 500, "internal", NULL, "out of memory");
        return false;
    }
    len = (size_t)snprintf(body, len, "{\"items\":%s,\"next_cursor\":%s}",
                           PQgetvalue(res, 0, 0), cursor);
    cs_http_set_body(r->resp, 200, "application/json", body, len);
    free(body);
    return true;
}

/* Runs a prepared statement (prepared) or SQL text and replies its page. */
static bool run_page(api_req *r, bool prepared, const char *stmt, int n_params,
                     const char *const *params, const char *prefix)
{
    PGresult *res = NULL;
    cs_err err = {0};
    cs_status rc = prepared
                       ? cs_pg_run(r->db, stmt, n_params, params, &res, &err)
                       : cs_pg_query(r->db, stmt, n_params, params, &res, &err);
    bool ok = rc == CS_OK && reply_page(r, res, prefix);

    if (rc != CS_OK)
        api_db_failure(r, &err);
    PQclear(res);
    return ok;
}

bool api_reply_page(api_req *r, const char *stmt, int n_params,
                    const char *const *params, const char *prefix)
{
    return run_page(r, true, stmt, n_params, params, prefix);
}

bool api_reply_page_sql(api_req *r, const char *sql, int n_params,
                        const char *const *params, const char *prefix)
{
    return run_page(r, false, sql, n_params, params, prefix);
}
