/* auth.c - who is calling: the bearer token checked against its keyed
 * hash in the database, the principal set for row-level security in each
 * transaction, and the audit trail of writes and denials. */
#include "api_int.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
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

static unsigned role_bit(const char *role)
{
    if (strcmp(role, "admin") == 0)
        return API_ROLE_ADMIN;
    if (strcmp(role, "bureau") == 0)
        return API_ROLE_BUREAU;
    if (strcmp(role, "enterprise") == 0)
        return API_ROLE_ENTERPRISE;
    if (strcmp(role, "connector") == 0)
        return API_ROLE_CONNECTOR;
    return 0;
}

static const char *col_or_empty(const PGresult *res, int col)
{
    return PQgetisnull(res, 0, col) ? "" : PQgetvalue(res, 0, col);
}

bool api_authenticate(api_req *r)
{
    const char *h = cs_http_header(r->http, "Authorization");
    char hex[CS_TOKEN_HASH_HEX_BYTES];
    const char *params[1] = {hex};
    const char *tok;
    size_t len;
    cs_err err = {0};

    if (h == NULL || h[0] == '\0') {
        unauthorized(r, BEARER_CHALLENGE,
                     "this route needs an Authorization: Bearer token");
        return false;
    }
    if (strncasecmp(h, "Bearer ", 7) != 0) {
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
        unauthorized(r, BEARER_INVALID, "the bearer token is malformed");
        return false;
    }
    if (cs_pg_run(r->db, "auth_token", 1, params, &r->principal_res, &err) !=
        CS_OK) {
        api_db_failure(r->a, r->resp, &err);
        return false;
    }
    if (PQntuples(r->principal_res) != 1) {
        unauthorized(r, BEARER_INVALID,
                     "the bearer token is unknown or revoked");
        return false;
    }
    r->token_id = PQgetvalue(r->principal_res, 0, 0);
    r->name = col_or_empty(r->principal_res, 1);
    r->role = PQgetvalue(r->principal_res, 0, 2);
    r->regions = col_or_empty(r->principal_res, 3);
    r->enterprise = col_or_empty(r->principal_res, 4);
    r->tenant = col_or_empty(r->principal_res, 5);
    r->role_bit = role_bit(r->role);
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

static cs_status begin_as(api_req *r, const char *begin, cs_err *err)
{
    const char *params[5] = {r->role, r->regions, r->enterprise, r->tenant,
                             r->token_id};
    cs_status rc;

    /* A connection is never handed out mid-transaction, but make sure:
     * a leftover transaction would carry someone else's principal. */
    if (PQtransactionStatus(r->db->conn) != PQTRANS_IDLE)
        (void)cs_pg_exec(r->db, "ROLLBACK", err);
    rc = cs_pg_exec(r->db, begin, err);
    if (rc == CS_OK)
        rc = cs_pg_run(r->db, "set_principal", 5, params, NULL, err);
    if (rc != CS_OK && PQtransactionStatus(r->db->conn) != PQTRANS_IDLE) {
        cs_err tmp = {0};
        (void)cs_pg_exec(r->db, "ROLLBACK", &tmp);
    }
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
    if (r->db == NULL ||
        cs_pg_run(r->db, "audit", 9, params, NULL, &err) != CS_OK) {
        cs_metric_add(&r->a->stats.audit_failures, 1);
        cs_log_error("could not write the audit log",
                     CS_KV_STR("action", action), CS_KV_STR("outcome", outcome),
                     CS_KV_STR("client", r->client),
                     CS_KV_STR("error", r->db ? err.msg : "no connection"));
    }
}
