/* main.c - cs-erp-gateway: ERPs POST events over HTTP; each request is
 * checked with the decoders cs-ingest applies and answered 202 only after
 * the broker acknowledged every event of it (idempotent acks=all
 * producer). When the broker does not acknowledge in time the answer is
 * 503 with Retry-After, never a silent drop or an unbounded buffer.
 *   POST /v1/events      one canonical CloudEvent, or an array of them
 *   POST /v1/erp/orders  a flat ERP order (the data of cs.order.v1);
 *                        Idempotency-Key names the event
 * See docs/connectors.md. */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>

#include "cs_event.h"
#include "cs_family.h"
#include "cs_httpd.h"
#include "cs_json.h"
#include "cs_kafka.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_service.h"
#include "cs_signal.h"

#define GW_MAX_BATCH   500
#define GW_KEY_BYTES   512
#define GW_IDEM_MAX    100
#define GW_RETRY_AFTER "5"

typedef struct gw_cfg {
    char *http_addr;
    uint32_t http_port;
    uint32_t http_threads;
    uint32_t http_max_body_bytes;
    char *kafka_brokers;
    char *kafka_extra;
    uint32_t kafka_timeout_ms;
    char *log_level;
} gw_cfg;

static const cs_opt gw_opts[] = {
    {"http.addr", "CS_HTTP_ADDR", CS_OPT_STR, "127.0.0.1",
     "IPv4 address to listen on", CS_CFG(gw_cfg, http_addr)},
    {"http.port", "CS_HTTP_PORT", CS_OPT_U32, "8085", "port (0: any free port)",
     CS_CFG(gw_cfg, http_port)},
    {"http.threads", "CS_HTTP_THREADS", CS_OPT_U32, "4", "worker threads",
     CS_CFG(gw_cfg, http_threads)},
    {"http.max_body_bytes", "CS_HTTP_MAX_BODY_BYTES", CS_OPT_U32, "4194304",
     "largest request body (a batch); each event stays within 64 KiB",
     CS_CFG(gw_cfg, http_max_body_bytes)},
    {"kafka.brokers", "CS_KAFKA_BROKERS", CS_OPT_STR, "127.0.0.1:9092",
     "bootstrap servers", CS_CFG(gw_cfg, kafka_brokers)},
    {"kafka.extra", "CS_KAFKA_EXTRA", CS_OPT_STR, "",
     "extra librdkafka producer properties, k=v,k=v",
     CS_CFG(gw_cfg, kafka_extra)},
    {"kafka.timeout_ms", "CS_KAFKA_TIMEOUT_MS", CS_OPT_U32, "5000",
     "longest wait for the broker's acknowledgement before 503",
     CS_CFG(gw_cfg, kafka_timeout_ms)},
    CS_OPT_LOG_LEVEL(gw_cfg, log_level),
};

static const cs_config_spec gw_spec = {
    .prog = "cs-erp-gateway",
    .summary = "HTTP gateway for ERPs: POST /v1/events (canonical "
               "CloudEvents, one or a batch) and POST /v1/erp/orders (flat "
               "orders with Idempotency-Key); 202 only after the broker "
               "acknowledged, 503 with Retry-After when it does not.",
    .opts = gw_opts,
    .n_opts = sizeof(gw_opts) / sizeof(gw_opts[0]),
};

/* The acknowledgements one request waits for. Shared by the request and
 * its messages: whoever drops the last reference frees it, so a request
 * that gave up (503) leaves it to the late delivery reports. */
typedef struct gw_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned refs, pending, failed;
    char failure[128];
} gw_wait;

typedef struct gw {
    const gw_cfg *cfg;
    rd_kafka_t *rk;
    _Atomic uint64_t n_requests, n_events, n_rejected, n_unavailable;
} gw;

static void wait_unref(gw_wait *w)
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
    gw_wait *w = m->_private;
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

/* The Kafka key of an event: the entity key of docs/events.md. */
static void entity_key(const cs_event *ev, char *out, size_t out_bytes)
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

/* Writes v back as JSON: numbers as their exact text. */
static void gen_value(yajl_gen g, const cs_jval *v)
{
    switch (v->type) {
    case CS_J_NULL:
        yajl_gen_null(g);
        break;
    case CS_J_BOOL:
        yajl_gen_bool(g, v->b);
        break;
    case CS_J_NUMBER:
        yajl_gen_number(g, v->text, v->len);
        break;
    case CS_J_STRING:
        yajl_gen_string(g, (const unsigned char *)v->text, v->len);
        break;
    case CS_J_ARRAY:
        yajl_gen_array_open(g);
        for (const cs_jval *c = v->child; c; c = c->next)
            gen_value(g, c);
        yajl_gen_array_close(g);
        break;
    case CS_J_OBJECT:
        yajl_gen_map_open(g);
        for (const cs_jval *c = v->child; c; c = c->next) {
            cs_json_key(g, c->key);
            gen_value(g, c);
        }
        yajl_gen_map_close(g);
        break;
    }
}

/* Checks one event as cs-ingest will; on error fills why. */
static bool check_event(const cs_jval *v, cs_event *ev, char *why,
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

typedef struct gw_batch {
    size_t n;
    const cs_jval *v[GW_MAX_BATCH];
    cs_event ev[GW_MAX_BATCH];
} gw_batch;

/* Produces every event of b and waits for the broker: 202, or 503. */
static void send_batch(gw *g, const gw_batch *b, cs_http_resp *resp)
{
    gw_wait *w = calloc(1, sizeof(*w));
    yajl_gen out = yajl_gen_alloc(NULL);
    struct timespec deadline;
    size_t sent = 0;
    bool timed_out = false;

    if (w == NULL || out == NULL) {
        free(w);
        if (out)
            yajl_gen_free(out);
        cs_http_error(resp, 500, "internal", NULL, "out of memory");
        return;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->refs = 1;
    for (size_t i = 0; i < b->n; i++) {
        char key[GW_KEY_BYTES];
        const unsigned char *buf;
        size_t len;
        yajl_gen one = yajl_gen_alloc(NULL);
        rd_kafka_resp_err_t kerr;

        if (one == NULL)
            break;
        gen_value(one, b->v[i]);
        yajl_gen_get_buf(one, &buf, &len);
        entity_key(&b->ev[i], key, sizeof(key));
        pthread_mutex_lock(&w->mu);
        w->refs++;
        w->pending++;
        pthread_mutex_unlock(&w->mu);
        kerr = rd_kafka_producev(
            g->rk, RD_KAFKA_V_TOPIC(cs_family_by_type(b->ev[i].type)->topic),
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
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += g->cfg->kafka_timeout_ms / 1000;
    deadline.tv_nsec += (long)(g->cfg->kafka_timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (w->pending > 0 && !timed_out)
        timed_out = pthread_cond_timedwait(&w->cv, &w->mu, &deadline) != 0;
    if (w->failed > 0 || w->pending > 0 || sent < b->n) {
        atomic_fetch_add_explicit(&g->n_unavailable, 1, memory_order_relaxed);
        cs_log_warn("events not acknowledged",
                    CS_KV_INT("events", (int64_t)b->n),
                    CS_KV_INT("unacknowledged", (int64_t)w->pending),
                    CS_KV_STR("error", w->failed ? w->failure : "timeout"));
        cs_http_error(resp, 503, "unavailable", NULL,
                      "the broker did not acknowledge %u of %zu events "
                      "(%s); retry: the event ids make it safe",
                      w->pending + w->failed + (unsigned)(b->n - sent), b->n,
                      w->failed ? w->failure : "timeout");
        resp->retry_after = GW_RETRY_AFTER;
    } else {
        const unsigned char *buf;
        size_t len;
        atomic_fetch_add_explicit(&g->n_events, b->n, memory_order_relaxed);
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
    }
    pthread_mutex_unlock(&w->mu);
    wait_unref(w);
    yajl_gen_free(out);
}

static void post_events(gw *g, const cs_http_req *req, cs_http_resp *resp)
{
    cs_json_limits lim = {.max_bytes = g->cfg->http_max_body_bytes,
                          .max_depth = CS_JSON_MAX_DEPTH + 1};
    cs_json_doc *doc = NULL;
    const cs_jval *root;
    gw_batch *b = calloc(1, sizeof(*b));
    cs_err err = {0};
    char why[CS_ERR_MSG_BYTES];

    if (b == NULL) {
        cs_http_error(resp, 500, "internal", NULL, "out of memory");
        return;
    }
    if (cs_json_parse(req->body, req->body_len, &lim, &doc, &err) != CS_OK) {
        cs_http_error(resp, 400, "malformed_json", NULL, "%s", err.msg);
        goto out;
    }
    root = cs_json_root(doc);
    if (root->type == CS_J_ARRAY) {
        if (root->len == 0 || root->len > GW_MAX_BATCH) {
            cs_http_error(resp, 422, "invalid_batch", NULL,
                          "a batch holds 1-%d events, this one %zu",
                          GW_MAX_BATCH, root->len);
            goto out;
        }
        for (const cs_jval *v = root->child; v; v = v->next)
            b->v[b->n++] = v;
    } else {
        b->v[b->n++] = root;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (!check_event(b->v[i], &b->ev[i], why, sizeof(why))) {
            atomic_fetch_add_explicit(&g->n_rejected, 1, memory_order_relaxed);
            /* all or nothing: a client fixes one event and resends the
             * batch, whose good events are then duplicates */
            cs_http_error(resp, 422, "invalid_event", NULL, "event %zu: %s", i,
                          why);
            goto out;
        }
    }
    send_batch(g, b, resp);
out:
    cs_json_doc_free(doc);
    free(b);
}

/* A flat ERP order: the data of cs.order.v1, wrapped into the event. */
static void post_erp_order(gw *g, const cs_http_req *req, cs_http_resp *resp)
{
    const char *idem = cs_http_header(req, "Idempotency-Key");
    const char *src = cs_http_header(req, "X-CS-Source");
    cs_json_doc *data = NULL, *doc = NULL;
    yajl_gen gen = NULL;
    cs_err err = {0};
    const cs_jval *buyer, *updated;
    char id[CS_EVENT_ID_MAX_BYTES + 1], now[32];
    const unsigned char *buf;
    size_t len;
    time_t t = time(NULL);
    struct tm tm;

    if (idem == NULL || idem[0] == '\0' || strlen(idem) > GW_IDEM_MAX) {
        cs_http_error(resp, 400, "missing_idempotency_key", "Idempotency-Key",
                      "Idempotency-Key: 1-%d bytes naming this order "
                      "version, the same on every retry",
                      GW_IDEM_MAX);
        return;
    }
    if (cs_json_parse(req->body, req->body_len, &cs_json_default_limits, &data,
                      &err) != CS_OK) {
        cs_http_error(resp, 400, "malformed_json", NULL, "%s", err.msg);
        return;
    }
    buyer = cs_json_get(cs_json_root(data), "buyer");
    updated = cs_json_get(cs_json_root(data), "updated_at");
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(id, sizeof(id), "gw:%s", idem);
    gen = yajl_gen_alloc(NULL);
    yajl_gen_map_open(gen);
    cs_json_kv_str(gen, "specversion", "1.0");
    cs_json_kv_str(gen, "id", id);
    cs_json_kv_str(gen, "source", src ? src : "erp://gateway");
    cs_json_kv_str(gen, "type", "cs.order.v1");
    cs_json_kv_str(gen, "time",
                   updated && updated->type == CS_J_STRING ? updated->text
                                                           : now);
    cs_json_kv_str(gen, "tenantid",
                   buyer && buyer->type == CS_J_STRING ? buyer->text : "");
    cs_json_key(gen, "data");
    gen_value(gen, cs_json_root(data));
    yajl_gen_map_close(gen);
    yajl_gen_get_buf(gen, &buf, &len);
    if (cs_json_parse((const char *)buf, len, &cs_json_default_limits, &doc,
                      &err) != CS_OK) {
        cs_http_error(resp, 400, "malformed_json", NULL, "%s", err.msg);
    } else {
        gw_batch *b = calloc(1, sizeof(*b));
        char why[CS_ERR_MSG_BYTES];
        if (b == NULL) {
            cs_http_error(resp, 500, "internal", NULL, "out of memory");
        } else if (!check_event(cs_json_root(doc), &b->ev[0], why,
                                sizeof(why))) {
            atomic_fetch_add_explicit(&g->n_rejected, 1, memory_order_relaxed);
            cs_http_error(resp, 422, "invalid_event", NULL, "%s", why);
        } else {
            b->v[0] = cs_json_root(doc);
            b->n = 1;
            send_batch(g, b, resp);
        }
        free(b);
    }
    yajl_gen_free(gen);
    cs_json_doc_free(doc);
    cs_json_doc_free(data);
}

static void on_http(void *ctx, const cs_http_req *req, cs_http_resp *resp)
{
    gw *g = ctx;
    const cs_metric metrics[] = {
        {"cs_gateway_requests_total", "POST requests", CS_METRIC_COUNTER, NULL,
         &g->n_requests},
        {"cs_gateway_events_total", "events acknowledged by the broker",
         CS_METRIC_COUNTER, NULL, &g->n_events},
        {"cs_gateway_rejected_total", "requests with an invalid event",
         CS_METRIC_COUNTER, NULL, &g->n_rejected},
        {"cs_gateway_unavailable_total", "503: broker did not acknowledge",
         CS_METRIC_COUNTER, NULL, &g->n_unavailable},
    };

    if (cs_service_ops(req, resp, metrics,
                       sizeof(metrics) / sizeof(metrics[0])))
        return;
    if (strcmp(req->path, "/v1/events") != 0 &&
        strcmp(req->path, "/v1/erp/orders") != 0) {
        cs_http_error(resp, 404, "not_found", NULL, "no route %s", req->path);
        return;
    }
    if (strcmp(req->method, "POST") != 0) {
        cs_http_error(resp, 405, "method_not_allowed", NULL, "%s takes POST",
                      req->path);
        resp->allow = "POST";
        return;
    }
    atomic_fetch_add_explicit(&g->n_requests, 1, memory_order_relaxed);
    if (strcmp(req->path, "/v1/events") == 0)
        post_events(g, req, resp);
    else
        post_erp_order(g, req, resp);
}

int main(int argc, char **argv)
{
    gw_cfg cfg = {0};
    gw g = {.cfg = &cfg};
    cs_httpd *http = NULL;
    cs_err err = {0};
    char extra[1024];
    int code;

    code = cs_service_init(&gw_spec, &cfg, argc, argv, "gateway",
                           CS_CFG(gw_cfg, log_level));
    if (code != CS_SERVICE_RUN)
        goto out;
    /* undelivered events expire with the request's wait, so nothing
     * queues up behind a broker that is down */
    snprintf(extra, sizeof(extra), "%s%smessage.timeout.ms=%u", cfg.kafka_extra,
             cfg.kafka_extra[0] ? "," : "", cfg.kafka_timeout_ms);
    if (cs_kafka_producer_new(cfg.kafka_brokers, extra, on_delivery, &g, &g.rk,
                              &err) != CS_OK) {
        cs_log_error("could not start the producer",
                     CS_KV_STR("error", err.msg));
        code = 78;
        goto out;
    }
    {
        cs_httpd_opts ho = {.addr = cfg.http_addr,
                            .port = (uint16_t)cfg.http_port,
                            .threads = cfg.http_threads,
                            .timeout_s = 30,
                            .max_body_bytes = cfg.http_max_body_bytes};
        if (cs_httpd_start(&ho, on_http, &g, &http, &err) != CS_OK) {
            cs_log_error("could not listen", CS_KV_STR("error", err.msg));
            code = 69;
            goto out;
        }
    }
    cs_log_info("gateway ready", CS_KV_INT("port", cs_httpd_port(http)),
                CS_KV_STR("brokers", cfg.kafka_brokers));
    while (!cs_signal_stop_requested())
        rd_kafka_poll(g.rk, 100); /* delivery reports wake the requests */
    code = 0;
out:
    cs_httpd_stop(http);
    if (g.rk != NULL) {
        rd_kafka_flush(g.rk, 2000);
        /* what is still undelivered fails now, so its delivery report
         * runs and drops the last reference of its request's wait */
        rd_kafka_purge(g.rk,
                       RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(g.rk, 1000);
        rd_kafka_destroy(g.rk);
    }
    cs_config_free(&gw_spec, &cfg);
    return code;
}
