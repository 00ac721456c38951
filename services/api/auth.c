/* auth.c - who is calling: the bearer token checked against its keyed
 * hash in the database, the principal set for row-level security in each
 * transaction, and the audit trail of writes and denials. */
#include "api_int.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cs_log.h"
#include "cs_metrics.h"

#define BEARER_CHALLENGE "Bearer realm=\"chainsight\""
#define BEARER_INVALID   "Bearer realm=\"chainsight\", error=\"invalid_token\""

static void unauthorized(api_req *r, const char *challenge, const char *detail)
{
    cs_metric_add(&r->a->stats.auth_failures, 1);
    cs_http_error(r->resp, 401, "unauthorized", "Authorization", "%s", detail);
    r->resp->www_authenticate = challenge;
}

void api_req_set_principal(api_req *r, api_principal *who)
{
    r->who = api_principal_ref(who);
    r->token_id = who->token_id;
    r->name = who->name;
    r->role = who->role;
    r->regions = who->regions;
    r->enterprise = who->enterprise;
    r->tenant = who->tenant;
    r->role_bit = who->role_bit;
}

/* The hash of the request's bearer token into hex; false when there is
 * none or it is malformed, with r->resp set to the 401 when report. */
static bool token_hash(api_req *r, char *hex, bool report)
{
    const char *h = cs_http_header(r->http, "Authorization");
    const char *tok;
    size_t len;
    cs_err err = {0};

    if (h == NULL || h[0] == '\0') {
        if (report)
            unauthorized(r, BEARER_CHALLENGE,
                         "this route needs an Authorization: Bearer token");
        return false;
    }
    if (strncasecmp(h, "Bearer ", 7) != 0) {
        if (report)
            unauthorized(r, BEARER_INVALID,
                         "the Authorization header must use the Bearer scheme");
        return false;
    }
    tok = h + 7;
    while (*tok == ' ')
        tok++;
    len = strlen(tok);
    while (len > 0 && isspace((unsigned char)tok[len - 1]))
        len--;
    if (cs_token_hash_hex(&r->a->token_key, tok, len, hex, &err) != CS_OK) {
        if (report)
            unauthorized(r, BEARER_INVALID, "the bearer token is malformed");
        return false;
    }
    return true;
}

bool api_authenticate_cached(api_req *r)
{
    char hex[CS_TOKEN_HASH_HEX_BYTES];
    api_principal *who;

    if (!token_hash(r, hex, false) ||
        (who = api_tokens_lookup(r->a->tokens, hex, false)) == NULL)
        return false;
    api_req_set_principal(r, who);
    api_principal_unref(who); /* r holds its own reference */
    return true;
}

bool api_authenticate(api_req *r)
{
    char hex[CS_TOKEN_HASH_HEX_BYTES];
    const char *params[1] = {hex};
    cs_err err = {0};
    PGresult *res = NULL;
    api_principal *who;

    if (!token_hash(r, hex, true))
        return false;
    /* verified within the last CS_API_TOKEN_CACHE_MS: no round trip */
    who = api_tokens_get(r->a->tokens, hex);
    if (who == NULL) {
        if (!api_req_db(r))
            return false;
        if (cs_pg_run(r->db, "auth_token", 1, params, &res, &err) != CS_OK) {
            api_db_failure(r, &err);
            return false;
        }
        if (PQntuples(res) != 1) {
            PQclear(res);
            unauthorized(r, BEARER_INVALID,
                         "the bearer token is unknown or revoked");
            return false;
        }
        who = api_principal_new(res);
        PQclear(res);
        if (who == NULL) {
            cs_http_error(r->resp, 500, "internal", NULL, "out of memory");
            return false;
        }
        api_tokens_put(r->a->tokens, hex, who);
    }
    api_req_set_principal(r, who);
    api_principal_unref(who); /* r holds its own reference */
    return true;
}

static cs_status begin_as(api_req *r, const char *begin, cs_err *err);

cs_status api_begin(api_req *r, cs_err *err)
{
    return begin_as(r, "BEGIN READ ONLY", err);
}

cs_status api_begin_rw(api_req *r, cs_err *err)
{
    return begin_as(r, "BEGIN", err);
}

/* BEGIN and the principal in one round trip: one simple-query message of
 * two statements, the values quoted by libpq (PQescapeLiteral). */
static cs_status begin_as(api_req *r, const char *begin, cs_err *err)
{
    const char *vals[5] = {r->role, r->regions, r->enterprise, r->tenant,
                           r->token_id};
    static const char *const names[5] = {"role", "regions", "enterprise",
                                         "tenant", "id"};
    char *lit[5] = {NULL};
    char *sql = NULL;
    size_t n = strlen(begin) + 16;
    cs_status rc = CS_OK;

    /* A connection is never handed out mid-transaction, but make sure:
     * a leftover transaction would carry someone else's principal. */
    if (PQtransactionStatus(r->db->conn) != PQTRANS_IDLE)
        (void)cs_pg_exec(r->db, "ROLLBACK", err);
    for (int i = 0; i < 5; i++) {
        lit[i] = PQescapeLiteral(r->db->conn, vals[i], strlen(vals[i]));
        if (lit[i] == NULL) {
            rc = cs_err_set(err, CS_E_NOMEM, "cannot quote the principal");
            goto out;
        }
        n += strlen(lit[i]) + 64;
    }
    sql = malloc(n);
    if (sql == NULL) {
        rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
        goto out;
    }
    {
        size_t o = (size_t)snprintf(sql, n, "%s; SELECT ", begin);
        for (int i = 0; i < 5; i++)
            o += (size_t)snprintf(sql + o, n - o,
                                  "%sset_config('cs.principal_%s', %s, true)",
                                  i > 0 ? ", " : "", names[i], lit[i]);
    }
    rc = cs_pg_exec(r->db, sql, err);
    if (rc != CS_OK && PQtransactionStatus(r->db->conn) != PQTRANS_IDLE) {
        cs_err tmp = {0};
        (void)cs_pg_exec(r->db, "ROLLBACK", &tmp);
    }
out:
    for (int i = 0; i < 5; i++)
        PQfreemem(lit[i]);
    free(sql);
    return rc;
}

void api_end(api_req *r)
{
    cs_err err = {0};
    PGTransactionStatusType ts = PQtransactionStatus(r->db->conn);

    if (ts == PQTRANS_INTRANS) {
        if (cs_pg_exec(r->db, "COMMIT", &err) != CS_OK)
            cs_log_warn("could not commit", CS_KV_STR("error", err.msg));
    } else if (ts == PQTRANS_INERROR) {
        (void)cs_pg_exec(r->db, "ROLLBACK", &err);
    }
}

void api_audit(api_req *r, const char *outcome, const char *detail)
{
    char action[300], status[8];
    const char *params[9];
    cs_err err = {0};
    cs_pg *db = r->db;

    (void)snprintf(action, sizeof(action), "%s %.250s", r->http->method,
                   r->http->path);
    (void)snprintf(status, sizeof(status), "%u", r->resp->status);
    params[0] = r->token_id;
    params[1] = r->token_id != NULL ? r->role : NULL;
    params[2] = r->token_id != NULL ? r->name : "anonymous";
    params[3] = action;
    params[4] = r->http->path;
    params[5] = r->client;
    params[6] = outcome;
    params[7] = status;
    params[8] = detail;
    /* a request answered from memory holds no connection: borrow one */
    if (db == NULL)
        db = api_pool_acquire(&r->a->pool, r->a->cfg->pool_wait_ms, &err);
    if (db == NULL || cs_pg_run(db, "audit", 9, params, NULL, &err) != CS_OK) {
        cs_metric_add(&r->a->stats.audit_failures, 1);
        cs_log_error("could not write the audit log",
                     CS_KV_STR("action", action), CS_KV_STR("outcome", outcome),
                     CS_KV_STR("client", r->client),
                     CS_KV_STR("error", err.msg));
    }
    if (db != NULL && r->db == NULL)
        api_pool_release(&r->a->pool, db);
}
