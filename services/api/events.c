/* events.c - POST /v1/events: a connector's canonical CloudEvents (one or
 * a batch) into Kafka through cs_intake, the path cs-erp-gateway uses too:
 * checked with cs-ingest's decoders, produced with the idempotent acks=all
 * producer, 202 only after the broker acknowledged every event, 503 with
 * Retry-After when it did not. On top of the gateway: the connector's
 * bearer token, its tenant forced (an event for another tenant is
 * refused), the audit row, and Idempotency-Key kept in PostgreSQL so that
 * every replica answers a retried request alike (sql 0045). */
#include "api_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs_intake.h"
#include "cs_log.h"
#include "cs_metrics.h"

#define IDEM_KEY_MAX_BYTES 200

/* The key is claimed when it is new, expired (24 h) or a pending claim
 * older than the acknowledgement wait (a replica that died mid-request);
 * otherwise nothing is returned and the caller reads the holder. */
static const char idem_claim_sql[] =
    "INSERT INTO api_idempotency (tenant_id, idem_key, body_sha256, "
    "token_id, state) VALUES (cs_principal_tenant(), $1, decode($2, 'hex'), "
    "$3::bigint, 'pending') "
    "ON CONFLICT (tenant_id, idem_key) DO UPDATE SET "
    "body_sha256 = EXCLUDED.body_sha256, token_id = EXCLUDED.token_id, "
    "state = 'pending', status = NULL, response = NULL, created_at = now() "
    "WHERE api_idempotency.created_at < now() - interval '24 hours' "
    "OR (api_idempotency.state = 'pending' AND api_idempotency.created_at < "
    "now() - make_interval(secs => $4::double precision)) "
    "RETURNING 1";
static const char idem_read_sql[] =
    "SELECT encode(body_sha256, 'hex'), state, status, response "
    "FROM api_idempotency WHERE tenant_id = cs_principal_tenant() "
    "AND idem_key = $1";
static const char idem_done_sql[] =
    "UPDATE api_idempotency SET state = 'done', status = $2::integer, "
    "response = $3 WHERE tenant_id = cs_principal_tenant() AND idem_key = $1";
static const char idem_release_sql[] =
    "DELETE FROM api_idempotency WHERE tenant_id = cs_principal_tenant() "
    "AND idem_key = $1 AND state = 'pending'";

/* Printable ASCII, 1..IDEM_KEY_MAX_BYTES: it is echoed in errors. */
static bool idem_key_ok(const char *k)
{
    size_t n = strlen(k);

    if (n == 0 || n > IDEM_KEY_MAX_BYTES)
        return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x20 || k[i] > 0x7e)
            return false;
    return true;
}

/* Runs one statement in its own read-write transaction as the principal
 * (row-level security scopes it to the connector's tenant). */
static cs_status run_rw(api_req *r, const char *sql, int n,
                        const char *const *params, PGresult **res, cs_err *err)
{
    cs_status rc = api_begin_rw(r, err);

    if (rc == CS_OK)
        rc = cs_pg_query(r->db, sql, n, params, res, err);
    api_end(r);
    return rc;
}

typedef enum idem_state {
    IDEM_CLAIMED,  /* go on, then complete or release */
    IDEM_ANSWERED, /* resp holds the stored answer or a refusal */
} idem_state;

static idem_state idem_claim(api_req *r, const char *key, const char *hex)
{
    char wait_s[32];
    const char *p[4] = {key, hex, r->token_id, wait_s};
    PGresult *res = NULL;
    cs_err err = {0};
    idem_state st = IDEM_ANSWERED;

    (void)snprintf(wait_s, sizeof(wait_s), "%.3f",
                   r->a->cfg->kafka_timeout_ms / 1000.0 + 1.0);
    if (run_rw(r, idem_claim_sql, 4, p, &res, &err) != CS_OK)
        goto db_failed;
    if (PQntuples(res) == 1) {
        PQclear(res);
        return IDEM_CLAIMED;
    }
    PQclear(res);
    res = NULL;
    if (run_rw(r, idem_read_sql, 1, p, &res, &err) != CS_OK)
        goto db_failed;
    if (PQntuples(res) != 1) { /* released in between: ask for a retry */
        cs_http_error(
            r->resp, 409, "idempotency_in_progress", "Idempotency-Key",
            "a request with Idempotency-Key %s just ended; retry", key);
        r->resp->retry_after = "1";
    } else if (strcmp(PQgetvalue(res, 0, 0), hex) != 0) {
        cs_http_error(r->resp, 422, "idempotency_key_reused", "Idempotency-Key",
                      "Idempotency-Key %s was used with another body in the "
                      "last 24 hours; use a new key for new events",
                      key);
    } else if (strcmp(PQgetvalue(res, 0, 1), "pending") == 0) {
        cs_http_error(r->resp, 409, "idempotency_in_progress",
                      "Idempotency-Key",
                      "a request with Idempotency-Key %s is still waiting for "
                      "the broker; retry",
                      key);
        r->resp->retry_after = "1";
    } else {
        unsigned status = (unsigned)strtoul(PQgetvalue(res, 0, 2), NULL, 10);
        cs_http_set_body(r->resp, status, "application/json",
                         PQgetvalue(res, 0, 3), (size_t)PQgetlength(res, 0, 3));
        (void)snprintf(r->audit_detail, sizeof(r->audit_detail),
                       "events: replayed the answer of Idempotency-Key %.100s",
                       key);
    }
    PQclear(res);
    return st;
db_failed:
    PQclear(res);
    api_db_failure(r, &err);
    return IDEM_ANSWERED;
}

/* Stores the answer (202) or releases the key (503), so a retry of a
 * refused request goes through. A failure here leaves a pending claim
 * that expires after the acknowledgement wait. */
static void idem_finish(api_req *r, const char *key, bool sent)
{
    char status[8];
    const char *p[3] = {key, status, NULL};
    cs_err err = {0};
    char *body = NULL;

    if (sent) {
        body = malloc(r->resp->body_len + 1);
        if (body == NULL)
            return;
        memcpy(body, r->resp->body, r->resp->body_len);
        body[r->resp->body_len] = '\0';
        p[2] = body;
        (void)snprintf(status, sizeof(status), "%u", r->resp->status);
    }
    if (run_rw(r, sent ? idem_done_sql : idem_release_sql, sent ? 3 : 1, p,
               NULL, &err) != CS_OK)
        cs_log_warn("could not record the Idempotency-Key",
                    CS_KV_STR("key", key), CS_KV_STR("error", err.msg));
    free(body);
}

/* Deletes expired keys of every tenant (migration 0047), at most once a
 * minute per replica: keys otherwise outlive their 24 hours when nobody
 * reuses them. A failure only waits for the next minute. */
static void idem_sweep(api_req *r)
{
    static _Atomic int64_t last_s;
    int64_t now = (int64_t)time(NULL), last = atomic_load(&last_s);
    PGresult *res = NULL;
    cs_err err = {0};

    if (now - last < 60 || !atomic_compare_exchange_strong(&last_s, &last, now))
        return;
    if (cs_pg_query(r->db, "SELECT cs_api_idempotency_sweep(1000)", 0, NULL,
                    &res, &err) != CS_OK)
        cs_log_warn("could not delete expired Idempotency-Keys",
                    CS_KV_STR("error", err.msg));
    else if (strcmp(PQgetvalue(res, 0, 0), "0") != 0)
        cs_log_info("expired Idempotency-Keys deleted",
                    CS_KV_STR("n", PQgetvalue(res, 0, 0)));
    PQclear(res);
}

static void body_hash_hex(const cs_http_req *req, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(h, (const unsigned char *)req->body, req->body_len);
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* Every event must belong to the connector's tenant. */
static bool tenant_forced(api_req *r, const cs_intake_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (strcmp(b->ev[i].tenant_id, r->tenant) == 0)
            continue;
        cs_metric_add(&r->a->stats.forbidden, 1);
        cs_http_error(r->resp, 403, "forbidden", "tenantid",
                      "event %zu: tenantid %s is not this connector's tenant "
                      "%s; a connector writes only its own tenant's events",
                      i, b->ev[i].tenant_id, r->tenant);
        r->audit_outcome = "denied";
        (void)snprintf(r->audit_detail, sizeof(r->audit_detail),
                       "events: event %zu for foreign tenant %.64s", i,
                       b->ev[i].tenant_id);
        return false;
    }
    return true;
}

void api_post_events(api_req *r, const char *rest)
{
    const char *key = cs_http_header(r->http, "Idempotency-Key");
    cs_intake *in = r->a->intake;
    cs_intake_batch *b = NULL;
    char hex[65];
    bool sent;

    (void)rest;
    if (strcmp(r->http->method, "POST") != 0) {
        cs_http_error(r->resp, 405, "method_not_allowed", NULL,
                      "/v1/events takes POST");
        r->resp->allow = "POST";
        return;
    }
    if (in == NULL) {
        cs_http_error(r->resp, 503, "unavailable", NULL,
                      "this cs-api has no Kafka broker (CS_KAFKA_BROKERS is "
                      "empty): send events to cs-erp-gateway instead");
        return;
    }
    if (key != NULL && !idem_key_ok(key)) {
        cs_http_error(r->resp, 400, "invalid", "Idempotency-Key",
                      "Idempotency-Key must be 1-%d printable ASCII bytes",
                      IDEM_KEY_MAX_BYTES);
        return;
    }
    b = cs_intake_batch_new();
    if (b == NULL) {
        cs_http_error(r->resp, 500, "internal", NULL, "out of memory");
        return;
    }
    if (!cs_intake_parse(in, r->http->body, r->http->body_len,
                         r->a->cfg->max_body_bytes, b, r->resp) ||
        !tenant_forced(r, b))
        goto out;
    if (key != NULL) {
        body_hash_hex(r->http, hex);
        if (idem_claim(r, key, hex) != IDEM_CLAIMED)
            goto out;
    }
    sent = cs_intake_send(in, b, r->resp);
    if (key != NULL)
        idem_finish(r, key, sent);
    if (key != NULL && sent)
        idem_sweep(r);
    if (sent)
        (void)snprintf(r->audit_detail, sizeof(r->audit_detail),
                       "events: %zu accepted, first id %.64s", b->n,
                       b->ev[0].id);
out:
    cs_intake_batch_free(b);
}
