/* webhooks_worker.c - delivering alerts to webhook subscriptions, inside
 * cs-api (two threads, each with its own database connection):
 *   fan-out  consumes cs.alerts (consumer group cs-api-webhooks) and calls
 *            cs_webhook_fanout per alert: one delivery row per matching
 *            subscription, idempotent; the offset is stored only after.
 *   sender   leases due deliveries (cs_webhook_claim, FOR UPDATE SKIP
 *            LOCKED, so replicas share the work), POSTs each with libcurl,
 *            signed, and reports the outcome (cs_webhook_report: delivered,
 *            or the next attempt after an exponential backoff, or failed).
 * Signature: X-CS-Timestamp (Unix seconds) and
 * X-CS-Signature: v1=hex(HMAC-SHA256(key = the secret's text,
 *                                    timestamp + "." + body)).
 * See docs/api.md (Webhooks). */
#include "api_int.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs_json.h"
#include "cs_kafka.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_time.h"

#define CLAIM_BATCH  16
#define ERR_BYTES    200
#define GROUP_ID     "cs-api-webhooks"
#define RECONNECT_MS 1000

struct api_webhooks {
    api *a;
    rd_kafka_t *consumer;
    pthread_t fan, send;
    bool fan_started, send_started;
    _Atomic bool stop;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* the fan-out added deliveries */
    bool work;
};

static const char fanout_sql[] = "SELECT cs_webhook_fanout($1::bigint, $2, $3)";
static const char claim_sql[] =
    "SELECT delivery_id, attempt, url, secret, payload "
    "FROM cs_webhook_claim($1::integer, $2::integer)";
static const char report_sql[] =
    "SELECT cs_webhook_report($1::bigint, $2::integer, $3::integer, $4, "
    "$5::integer, $6::integer, $7::integer)";

static bool stopping(api_webhooks *w)
{
    return atomic_load(&w->stop);
}

/* Sleeps up to ms, or until stopped or woken by new work. */
static void nap(api_webhooks *w, unsigned ms)
{
    struct timespec ts;

    cs_time_deadline(&ts, ms);
    pthread_mutex_lock(&w->mu);
    while (!w->work && !stopping(w))
        if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) != 0)
            break;
    w->work = false;
    pthread_mutex_unlock(&w->mu);
}

static void wake(api_webhooks *w)
{
    pthread_mutex_lock(&w->mu);
    w->work = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* A connection of the worker's own; NULL while the database is away. */
static cs_pg *connect_db(api_webhooks *w, cs_pg *db)
{
    cs_err err = {0};

    if (db != NULL && cs_pg_ok(db))
        return db;
    if (db != NULL && cs_pg_reset(db, &err) == CS_OK)
        return db;
    if (db != NULL)
        return NULL; /* reset failed: try again later */
    if (cs_pg_connect(w->a->cfg->pg_dsn, w->a->setup_sql, NULL, 0, &db, &err) !=
        CS_OK) {
        cs_log_warn("webhooks: database not reachable",
                    CS_KV_STR("error", err.msg));
        return NULL;
    }
    return db;
}

/* Fans one cs.alerts message out; false when it must be tried again. */
static bool fan_one(api_webhooks *w, cs_pg *db, const rd_kafka_message_t *m)
{
    cs_json_doc *doc = NULL;
    cs_err err = {0};
    const cs_jval *id, *status;
    PGresult *res = NULL;
    char *payload;
    bool done = true;

    if (cs_json_parse(m->payload, m->len, &cs_json_default_limits, &doc,
                      &err) != CS_OK) {
        cs_log_warn("webhooks: skipping a cs.alerts message that is not JSON",
                    CS_KV_STR("error", err.msg),
                    CS_KV_INT("offset", m->offset));
        return true;
    }
    id = cs_json_get(cs_json_root(doc), "alert_id");
    status = cs_json_get(cs_json_root(doc), "status");
    if (id == NULL || id->type != CS_J_NUMBER || status == NULL ||
        status->type != CS_J_STRING) {
        cs_log_warn("webhooks: skipping a cs.alerts message without "
                    "alert_id and status",
                    CS_KV_INT("offset", m->offset));
        cs_json_doc_free(doc);
        return true;
    }
    payload = malloc(m->len + 1);
    if (payload != NULL) {
        const char *p[3] = {id->text, status->text, payload};
        memcpy(payload, m->payload, m->len);
        payload[m->len] = '\0';
        if (cs_pg_query(db, fanout_sql, 3, p, &res, &err) != CS_OK) {
            cs_log_warn("webhooks: fan-out failed; retrying",
                        CS_KV_STR("error", err.msg));
            done = false;
        } else if ((int)strtol(PQgetvalue(res, 0, 0), NULL, 10) > 0) {
            cs_log_info(
                "webhooks: alert fanned out", CS_KV_STR("alert_id", id->text),
                CS_KV_STR("status", status->text),
                CS_KV_INT("deliveries",
                          (int)strtol(PQgetvalue(res, 0, 0), NULL, 10)));
            wake(w);
        }
    } else {
        done = false;
    }
    PQclear(res);
    free(payload);
    cs_json_doc_free(doc);
    return done;
}

static void *fan_loop(void *arg)
{
    api_webhooks *w = arg;
    cs_pg *db = NULL;
    rd_kafka_message_t *m = NULL;

    while (!stopping(w)) {
        if ((db = connect_db(w, db)) == NULL) {
            nap(w, RECONNECT_MS);
            continue;
        }
        if (m == NULL)
            m = rd_kafka_consumer_poll(w->consumer, 200);
        if (m == NULL)
            continue;
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                cs_log_warn("webhooks: consumer error",
                            CS_KV_STR("error", rd_kafka_message_errstr(m)));
        } else if (!fan_one(w, db, m)) {
            nap(w, RECONNECT_MS); /* keep m: the same alert again */
            continue;
        } else {
            rd_kafka_topic_partition_list_t *l =
                rd_kafka_topic_partition_list_new(1);
            rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(m->rkt),
                                              m->partition)
                ->offset = m->offset + 1;
            (void)rd_kafka_offsets_store(w->consumer, l);
            rd_kafka_topic_partition_list_destroy(l);
        }
        rd_kafka_message_destroy(m);
        m = NULL;
    }
    if (m != NULL)
        rd_kafka_message_destroy(m);
    cs_pg_close(db);
    return NULL;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

/* POSTs one delivery; returns the HTTP status (0: none) and fills why. */
static long post_one(api_webhooks *w, CURL *c, const char *id,
                     const char *attempt, const char *url, const char *secret,
                     const char *payload, char *why)
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char ts[24], hex[2 * sizeof(mac) + 1], h_sig[96], h_ts[48], h_id[64],
        h_att[48];
    struct curl_slist *hdr = NULL;
    long status = 0;
    CURLcode rc;

    (void)snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
                                strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)payload,
                                  strlen(payload));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
    (void)snprintf(h_sig, sizeof(h_sig), "X-CS-Signature: v1=%s", hex);
    (void)snprintf(h_ts, sizeof(h_ts), "X-CS-Timestamp: %s", ts);
    (void)snprintf(h_id, sizeof(h_id), "X-CS-Delivery: %s", id);
    (void)snprintf(h_att, sizeof(h_att), "X-CS-Attempt: %s", attempt);
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, "X-CS-Event: alert");
    hdr = curl_slist_append(hdr, h_sig);
    hdr = curl_slist_append(hdr, h_ts);
    hdr = curl_slist_append(hdr, h_id);
    hdr = curl_slist_append(hdr, h_att);
    hdr = curl_slist_append(hdr, "Expect:");
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                     (long)w->a->cfg->webhook_timeout_ms);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "chainsight-webhooks/1");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        (void)snprintf(why, ERR_BYTES, "%s", curl_easy_strerror(rc));
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200 || status > 299)
            (void)snprintf(why, ERR_BYTES, "the receiver answered %ld", status);
    }
    curl_slist_free_all(hdr);
    sodium_memzero(&st, sizeof(st));
    return status;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Sends what is due; returns how many deliveries it tried, -1 when the
 * database failed. */
static int send_due(api_webhooks *w, cs_pg *db, CURL *c)
{
    const api_cfg *cfg = w->a->cfg;
    char limit[16], lease[16], max_att[16], backoff[16];
    const char *cp[2] = {limit, lease};
    PGresult *res = NULL;
    cs_err err = {0};
    int n;

    (void)snprintf(limit, sizeof(limit), "%d", CLAIM_BATCH);
    (void)snprintf(lease, sizeof(lease), "%u",
                   (cfg->webhook_timeout_ms / 1000 + 1) * CLAIM_BATCH + 10);
    (void)snprintf(max_att, sizeof(max_att), "%u", cfg->webhook_max_attempts);
    (void)snprintf(backoff, sizeof(backoff), "%u", cfg->webhook_backoff_ms);
    if (cs_pg_query(db, claim_sql, 2, cp, &res, &err) != CS_OK) {
        cs_log_warn("webhooks: cannot claim deliveries",
                    CS_KV_STR("error", err.msg));
        PQclear(res);
        return -1;
    }
    n = PQntuples(res);
    for (int i = 0; i < n && !stopping(w); i++) {
        const char *id = PQgetvalue(res, i, 0), *att = PQgetvalue(res, i, 1);
        char why[ERR_BYTES] = "", status[16], dur[16];
        const char *rp[7] = {id, att, status, NULL, dur, max_att, backoff};
        struct timespec t0;
        long code;
        PGresult *rr = NULL;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        code = post_one(w, c, id, att, PQgetvalue(res, i, 2),
                        PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), why);
        (void)snprintf(status, sizeof(status), "%ld", code);
        (void)snprintf(dur, sizeof(dur), "%.0f", ms_since(&t0));
        rp[2] = code > 0 ? status : NULL;
        rp[3] = why[0] ? why : NULL;
        if (cs_pg_query(db, report_sql, 7, rp, &rr, &err) != CS_OK) {
            /* the lease runs out and the delivery is tried again */
            cs_log_warn("webhooks: cannot record an attempt",
                        CS_KV_STR("error", err.msg));
        } else {
            const char *state = PQgetvalue(rr, 0, 0);
            cs_metric_add(
                strcmp(state, "delivered") == 0 ? &w->a->stats.webhook_delivered
                : strcmp(state, "failed") == 0  ? &w->a->stats.webhook_failed
                                                : &w->a->stats.webhook_retried,
                1);
            cs_log_info("webhooks: attempt", CS_KV_STR("delivery", id),
                        CS_KV_STR("attempt", att),
                        CS_KV_INT("status", (int64_t)code),
                        CS_KV_STR("state", state), CS_KV_STR("error", why));
        }
        PQclear(rr);
    }
    PQclear(res);
    return n;
}

static void *send_loop(void *arg)
{
    api_webhooks *w = arg;
    cs_pg *db = NULL;
    CURL *c = curl_easy_init();

    while (c != NULL && !stopping(w)) {
        int n;
        if ((db = connect_db(w, db)) == NULL) {
            nap(w, RECONNECT_MS);
            continue;
        }
        n = send_due(w, db, c);
        if (n <= 0)
            nap(w, w->a->cfg->webhook_poll_ms);
    }
    if (c != NULL)
        curl_easy_cleanup(c);
    cs_pg_close(db);
    return NULL;
}

cs_status api_webhooks_start(api *a, api_webhooks **out, cs_err *err)
{
    api_webhooks *w;
    const char *topics[1] = {a->cfg->alerts_topic};
    cs_status rc;

    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return cs_err_set(err, CS_E_INTERNAL, "curl_global_init failed");
    w = calloc(1, sizeof(*w));
    if (w == NULL) {
        curl_global_cleanup();
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    w->a = a;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    rc = cs_kafka_consumer_new(a->cfg->kafka_brokers, GROUP_ID, topics, 1,
                               a->cfg->kafka_extra, &w->consumer, err);
    if (rc == CS_OK) {
        w->fan_started = pthread_create(&w->fan, NULL, fan_loop, w) == 0;
        w->send_started = pthread_create(&w->send, NULL, send_loop, w) == 0;
        if (!w->fan_started || !w->send_started)
            rc = cs_err_set(err, CS_E_NOMEM, "cannot start webhook threads");
    }
    if (rc != CS_OK) {
        api_webhooks_stop(w);
        return rc;
    }
    *out = w;
    return CS_OK;
}

void api_webhooks_stop(api_webhooks *w)
{
    if (w == NULL)
        return;
    atomic_store(&w->stop, true);
    wake(w);
    if (w->fan_started)
        pthread_join(w->fan, NULL);
    if (w->send_started)
        pthread_join(w->send, NULL);
    if (w->consumer != NULL) {
        rd_kafka_consumer_close(w->consumer); /* commits stored offsets */
        rd_kafka_destroy(w->consumer);
    }
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
    curl_global_cleanup();
}
