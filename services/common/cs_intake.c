/* cs_intake.c - canonical events over HTTP into Kafka (see cs_intake.h). */
#include "cs_intake.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs_family.h"
#include "cs_kafka.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_time.h"

#define INTAKE_KEY_BYTES 512

struct cs_intake {
    rd_kafka_t *rk;
    unsigned timeout_ms;
    pthread_t poller;
    bool poller_started;
    _Atomic bool stop;
    cs_intake_stats stats;
};

/* The acknowledgements one request waits for. Shared by the request and
 * its messages: whoever drops the last reference frees it, so a request
 * that gave up (503) leaves it to the late delivery reports. */
typedef struct intake_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned refs, pending, failed;
    char failure[128];
} intake_wait;

static void wait_unref(intake_wait *w)
{
    unsigned left;

    pthread_mutex_lock(&w->mu);
    left = --w->refs;
    pthread_mutex_unlock(&w->mu);
    if (left == 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
    }
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
                        void *opaque)
{
    intake_wait *w = m->_private;

    (void)rk;
    (void)opaque;
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && w->failed++ == 0)
        snprintf(w->failure, sizeof(w->failure), "%s",
                 rd_kafka_err2str(m->err));
    w->pending--;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    wait_unref(w);
}

/* Delivery reports wake the requests. */
static void *poll_loop(void *arg)
{
    cs_intake *in = arg;

    while (!atomic_load(&in->stop))
        rd_kafka_poll(in->rk, 100);
    return NULL;
}

cs_status cs_intake_open(const char *brokers, const char *extra,
                         unsigned timeout_ms, cs_intake **out, cs_err *err)
{
    cs_intake *in = calloc(1, sizeof(*in));
    size_t n = strlen(extra) + 64;
    char *props = malloc(n);
    cs_status rc;

    *out = NULL;
    if (in == NULL || props == NULL) {
        free(in);
        free(props);
        return cs_err_set(err, CS_E_NOMEM, "out of memory");
    }
    /* undelivered events expire with the request's wait */
    snprintf(props, n, "%s%smessage.timeout.ms=%u", extra, extra[0] ? "," : "",
             timeout_ms);
    in->timeout_ms = timeout_ms;
    rc = cs_kafka_producer_new(brokers, props, on_delivery, in, &in->rk, err);
    free(props);
    if (rc != CS_OK) {
        free(in);
        return rc;
    }
    if (pthread_create(&in->poller, NULL, poll_loop, in) != 0) {
        rd_kafka_destroy(in->rk);
        free(in);
        return cs_err_set(err, CS_E_NOMEM, "cannot start the poll thread");
    }
    in->poller_started = true;
    *out = in;
    return CS_OK;
}

void cs_intake_close(cs_intake *in)
{
    if (in == NULL)
        return;
    atomic_store(&in->stop, true);
    if (in->poller_started)
        pthread_join(in->poller, NULL);
    rd_kafka_flush(in->rk, 2000);
    /* what is still undelivered fails now, so its delivery report runs
     * and drops the last reference of its request's wait */
    rd_kafka_purge(in->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(in->rk, 1000);
    rd_kafka_destroy(in->rk);
    free(in);
}

cs_status cs_intake_ping(cs_intake *in, unsigned timeout_ms, cs_err *err)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t kerr =
        rd_kafka_metadata(in->rk, 0, NULL, &md, (int)timeout_ms);

    if (md != NULL)
        rd_kafka_metadata_destroy(md);
    if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR)
        return cs_err_set(err, CS_E_KAFKA, "%s", rd_kafka_err2str(kerr));
    return CS_OK;
}

cs_intake_stats *cs_intake_stats_of(cs_intake *in)
{
    return &in->stats;
}

cs_intake_batch *cs_intake_batch_new(void)
{
    return calloc(1, sizeof(cs_intake_batch));
}

void cs_intake_batch_free(cs_intake_batch *b)
{
    if (b == NULL)
        return;
    cs_json_doc_free(b->doc);
    free(b);
}

void cs_intake_entity_key(const cs_event *ev, char *out, size_t out_bytes)
{
    static const struct {
        const char *type, *f[3];
    } keys[] = {
        {"cs.order.v1", {"buyer", "order_id", NULL}},
        {"cs.shipment.v1", {"supplier", "shipment_id", NULL}},
        {"cs.production.v1", {"enterprise", "sku", NULL}},
        {"cs.sales.v1", {"enterprise", "sku", NULL}},
        {"cs.inventory.v1", {"enterprise", "sku", NULL}},
        {"cs.enterprise.v1", {"uscc", NULL, NULL}},
        {"cs.product.v1", {"@tenant", "sku", NULL}},
        {"cs.supply_link.v1", {"supplier", "buyer", "sku"}},
        {"cs.risk_event.v1", {"risk_id", NULL, NULL}},
        {"cs.order_response.v1", {"buyer", "order_id", NULL}},
        {"cs.invoice.v1", {"supplier", "invoice_id", NULL}},
        {"cs.demand_plan.v1", {"buyer", "supplier", "sku"}},
    };
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(keys[i].type, ev->type) != 0)
            continue;
        for (size_t k = 0; k < 3 && keys[i].f[k] != NULL; k++) {
            const cs_jval *v = cs_json_get(ev->data, keys[i].f[k]);
            const char *t = strcmp(keys[i].f[k], "@tenant") == 0 ? ev->tenant_id
                            : v != NULL && v->text               ? v->text
                                                                 : "";
            size_t used = strlen(out);
            snprintf(out + used, out_bytes - used, "%s%s", k ? "/" : "", t);
        }
        return;
    }
    snprintf(out, out_bytes, "%s", ev->id);
}

bool cs_intake_check_event(const cs_jval *v, cs_event *ev, char *why,
                           size_t why_bytes)
{
    const cs_family *f;
    cs_record rec = {0};
    cs_err err = {0};
    bool ok;

    if (cs_event_parse(v, NULL, ev, &err) != CS_OK) {
        snprintf(why, why_bytes, "%s", err.msg);
        return false;
    }
    f = cs_family_by_type(ev->type);
    if (f == NULL) {
        snprintf(why, why_bytes, "type: \"%s\" is not a ChainSight family",
                 ev->type);
        return false;
    }
    ok = cs_record_decode(f, ev->data, &rec, &err) == CS_OK;
    if (!ok)
        snprintf(why, why_bytes, "%s", err.msg);
    cs_record_clear(&rec);
    return ok;
}

bool cs_intake_parse(cs_intake *in, const char *body, size_t len,
                     size_t max_bytes, cs_intake_batch *b, cs_http_resp *resp)
{
    cs_json_limits lim = {.max_bytes = max_bytes,
                          .max_depth = CS_JSON_MAX_DEPTH + 1};
    const cs_jval *root;
    cs_err err = {0};
    char why[CS_ERR_MSG_BYTES];

    b->n = 0;
    if (cs_json_parse(body, len, &lim, &b->doc, &err) != CS_OK) {
        cs_http_error(resp, 400, "malformed_json", NULL, "%s", err.msg);
        return false;
    }
    root = cs_json_root(b->doc);
    if (root->type == CS_J_ARRAY) {
        if (root->len == 0 || root->len > CS_INTAKE_MAX_BATCH) {
            cs_http_error(resp, 422, "invalid_batch", NULL,
                          "a batch holds 1-%d events, this one %zu",
                          CS_INTAKE_MAX_BATCH, root->len);
            goto rejected;
        }
        for (const cs_jval *v = root->child; v; v = v->next)
            b->v[b->n++] = v;
    } else {
        b->v[b->n++] = root;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (!cs_intake_check_event(b->v[i], &b->ev[i], why, sizeof(why))) {
            /* all or nothing: a client fixes one event and resends the
             * batch, whose good events are then duplicates */
            cs_http_error(resp, 422, "invalid_event", NULL, "event %zu: %s", i,
                          why);
            goto rejected;
        }
    }
    return true;
rejected:
    if (in != NULL)
        cs_metric_add(&in->stats.rejected, 1);
    return false;
}

/* Queues every event of b on w; returns how many were queued. */
static size_t produce_all(cs_intake *in, const cs_intake_batch *b,
                          intake_wait *w)
{
    size_t sent = 0;

    for (size_t i = 0; i < b->n; i++) {
        char key[INTAKE_KEY_BYTES];
        const unsigned char *buf;
        size_t len;
        yajl_gen one = yajl_gen_alloc(NULL);
        rd_kafka_resp_err_t kerr;

        if (one == NULL)
            break;
        cs_json_write(one, b->v[i]);
        yajl_gen_get_buf(one, &buf, &len);
        cs_intake_entity_key(&b->ev[i], key, sizeof(key));
        pthread_mutex_lock(&w->mu);
        w->refs++;
        w->pending++;
        pthread_mutex_unlock(&w->mu);
        kerr = rd_kafka_producev(
            in->rk, RD_KAFKA_V_TOPIC(cs_family_by_type(b->ev[i].type)->topic),
            RD_KAFKA_V_KEY(key, strlen(key)),
            RD_KAFKA_V_VALUE((void *)(uintptr_t)buf, len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(w),
            RD_KAFKA_V_END);
        yajl_gen_free(one);
        if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
            /* the local queue is full (no unbounded buffering) or the
             * producer is broken: tell the client to come back */
            pthread_mutex_lock(&w->mu);
            w->refs--;
            w->pending--;
            if (w->failed++ == 0)
                snprintf(w->failure, sizeof(w->failure), "%s",
                         rd_kafka_err2str(kerr));
            pthread_mutex_unlock(&w->mu);
            break;
        }
        sent++;
    }
    return sent;
}

static void reply_accepted(const cs_intake_batch *b, cs_http_resp *resp)
{
    yajl_gen out = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;

    if (out == NULL) {
        cs_http_error(resp, 500, "internal", NULL, "out of memory");
        return;
    }
    yajl_gen_map_open(out);
    cs_json_kv_int(out, "accepted", (long long)b->n);
    cs_json_key(out, "ids");
    yajl_gen_array_open(out);
    for (size_t i = 0; i < b->n; i++)
        cs_json_str(out, b->ev[i].id);
    yajl_gen_array_close(out);
    yajl_gen_map_close(out);
    yajl_gen_get_buf(out, &buf, &len);
    cs_http_set_body(resp, 202, "application/json", (const char *)buf, len);
    yajl_gen_free(out);
}

bool cs_intake_send(cs_intake *in, const cs_intake_batch *b, cs_http_resp *resp)
{
    intake_wait *w = calloc(1, sizeof(*w));
    struct timespec deadline;
    size_t sent;
    bool timed_out = false, ok;

    if (w == NULL) {
        cs_http_error(resp, 500, "internal", NULL, "out of memory");
        return false;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->refs = 1;
    sent = produce_all(in, b, w);
    cs_time_deadline(&deadline, in->timeout_ms);
    pthread_mutex_lock(&w->mu);
    while (w->pending > 0 && !timed_out)
        timed_out = pthread_cond_timedwait(&w->cv, &w->mu, &deadline) != 0;
    ok = w->failed == 0 && w->pending == 0 && sent == b->n;
    if (!ok) {
        cs_metric_add(&in->stats.unavailable, 1);
        cs_log_warn("events not acknowledged",
                    CS_KV_INT("events", (int64_t)b->n),
                    CS_KV_INT("unacknowledged", (int64_t)w->pending),
                    CS_KV_STR("error", w->failed ? w->failure : "timeout"));
        cs_http_error(resp, 503, "unavailable", NULL,
                      "the broker did not acknowledge %u of %zu events "
                      "(%s); retry: the event ids make it safe",
                      w->pending + w->failed + (unsigned)(b->n - sent), b->n,
                      w->failed ? w->failure : "timeout");
        resp->retry_after = CS_INTAKE_RETRY_AFTER;
    }
    pthread_mutex_unlock(&w->mu);
    wait_unref(w);
    if (ok) {
        cs_metric_add(&in->stats.events, b->n);
        reply_accepted(b, resp);
    }
    return ok;
}
