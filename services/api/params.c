/* params.c - query-parameter checks shared by the /v1 handlers, and the
 * reply of a JSON document that PostgreSQL built. Every check that fails
 * fills a 400 problem naming the parameter and the reason, so a handler
 * only returns. */
#include "api_int.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "cs_ident.h"
#include "cs_str.h"

typedef struct unknown_arg {
    const char *const *allowed;
    const char *bad;
} unknown_arg;

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind,
                                 const char *key, const char *value)
{
    unknown_arg *u = cls;

    (void)kind;
    (void)value;
    for (size_t i = 0; u->allowed[i] != NULL; i++)
        if (strcmp(key, u->allowed[i]) == 0)
            return MHD_YES;
    u->bad = key;
    return MHD_NO;
}

bool api_params_known(api_req *r, const char *const *allowed)
{
    unknown_arg u = {allowed, NULL};
    char list[256] = "";
    size_t o = 0;

    (void)MHD_get_connection_values(r->http->conn, MHD_GET_ARGUMENT_KIND,
                                    check_arg, &u);
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
        api_db_failure(r->a, r->resp, &err);
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
